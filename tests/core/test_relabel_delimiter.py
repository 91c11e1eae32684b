"""core.io.relabel.one_char_delimiter: a delimiter of several characters (Dolt's `--delim="||"`)
read through a copy delimited by one control character, the delimiter inside a quoted field
kept as text."""
from __future__ import annotations

from pathlib import Path

import pytest
from dl.core.errors import InputError
from dl.core.io import read_table_file
from dl.core.io.relabel import one_char_delimiter


def test_one_character_delimiters_pass_through(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a;b\n1;2\n")
    for given in (None, ";", "\\t", "tab"):
        with one_char_delimiter(path, given) as (read, delimiter):
            assert (read, delimiter) == (path, given)


def test_a_long_delimiter_is_read_and_quotes_keep_it(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('pk||a||b\n0||"x||y"||z\n1||p"q||"say ""hi"""\n')
    with one_char_delimiter(path, "||") as (read, delimiter):
        assert delimiter == "\x1f" and read != path
        table = read_table_file(read, delimiter=delimiter).table
        copy = read
    assert not copy.exists()  # removed afterwards
    assert table.to_pylist() == [{"pk": 0, "a": "x||y", "b": "z"}, {"pk": 1, "a": 'p"q', "b": 'say "hi"'}]


def test_the_separator_is_one_the_file_does_not_hold(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a::b\n\x1f::2\n")
    with one_char_delimiter(path, "::") as (read, delimiter):
        assert delimiter == "\x1e"
        assert read_table_file(read, delimiter=delimiter).table.to_pylist() == [{"a": "\x1f", "b": 2}]


def test_a_delimiter_with_a_quote_or_newline_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n")
    with pytest.raises(InputError, match="invalid delimiter"):
        with one_char_delimiter(path, '"|'):
            pass
