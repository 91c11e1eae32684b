"""A CSV whose quoted field never closes is refused, naming the line where the quote opened;
Arrow and Python's csv would otherwise swallow every following line into that one field."""
from __future__ import annotations

from pathlib import Path

import pytest
from dl.core.errors import InputError
from dl.core.io import read_table_file
from dl.core.io.csv import _open_quote_at_end

UNCLOSED = [
    ('id,a\n1,"x\n2,y\n3,z\n', 2),                 # the case: rows 2 and 3 swallowed
    ('id,a\n1,x\n2,y\n3,"z', 4),                   # on the last line, no newline at the end
    ('id,a\n1,x\n2,y\n3,"z\n', 4),                 # on the last line
    ('id,a\n1,"a\nb"\n2,"c""\n3,z\n', 4),          # after a good multi-line field; "" is a quote
    ('id,a\r\n1,"x\r\n2,y\r\n', 2),                # CRLF line ends
    ('id,a\n\n1,x\n\n2,"y\n\n3,z\n', 5),           # blank lines are counted
    ('id\ta\n1\t"x\n2\ty\n', 2),                   # tab-separated
]
CLOSED = [
    'id,a\n1,5"2\n2,"q"\n',                        # a quote inside an unquoted field is text
    'id,a\n1,"a\nb"\n2,"c"""\n',                   # a field ending in an escaped quote
    'id,a\n1,"x"y"\n2,z\n',                        # text after a closed quote, then a stray one
    'id,a\n1,""\n2,""""\n',
]


@pytest.mark.parametrize(("text", "line"), UNCLOSED)
def test_unclosed_quote_is_refused_naming_its_line(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / ("t.tsv" if "\t" in text else "t.csv")
    path.write_text(text, newline="")
    with pytest.raises(InputError) as failed:
        read_table_file(path)
    assert failed.value.line == line
    assert str(failed.value) == (f"{path}, line {line}: a quoted field starts here and is never closed "
                                 "(a missing closing quote would swallow every line after it)")


@pytest.mark.parametrize("text", CLOSED)
def test_closed_and_stray_quotes_still_read(tmp_path: Path, text: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text, newline="")
    assert read_table_file(path).table.num_rows == 2


def test_the_scan_follows_arrows_quote_rules() -> None:
    assert _open_quote_at_end(b'1,"x\n2,y', 0, b",") == 2
    assert _open_quote_at_end(b'1,"x""', 0, b",") == 2
    assert _open_quote_at_end(b'1,"x"""', 0, b",") is None
    assert _open_quote_at_end(b'1,x"y', 0, b",") is None
    assert _open_quote_at_end(b'"x', 0, b",") == 0
    assert _open_quote_at_end(b'1|"x', 0, b"|") == 2


def test_a_big_quoted_file_reads(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("id,a\n" + "".join(f'{i},"v{i}, with comma"\n' for i in range(200_000)))
    assert read_table_file(path).table.num_rows == 200_000
