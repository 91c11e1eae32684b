"""core.tables.bad_rows: the pieces `--continue` is made of (lines taken out of a file, line
numbers mapped back, repeated and null keys screened)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from dl.core.tables.bad_rows import Skipped, line_fields, original_line, screen_keys, without_lines
from dl.core.tables.schema import TableSchema


def test_without_lines_drops_exactly_those_lines(tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_bytes(b"h\n1\n2\n3\n4")
    assert without_lines(source, [2, 4], tmp_path / "b.csv").read_bytes() == b"h\n2\n4"
    assert without_lines(source, [5], tmp_path / "c.csv").read_bytes() == b"h\n1\n2\n3\n"


@given(st.lists(st.text("ab,", max_size=4), min_size=1, max_size=12), st.data())
def test_original_line_undoes_without_lines(tmp_path_factory, lines: list[str], data) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("lines")
    source = folder / "a.csv"
    source.write_text("".join(f"{i}:{text}\n" for i, text in enumerate(lines, start=1)))
    removed = data.draw(st.lists(st.integers(1, len(lines)), unique=True))
    copy = without_lines(source, removed, folder / "b.csv").read_text().splitlines()
    original = source.read_text().splitlines()
    for number, text in enumerate(copy, start=1):
        assert original[original_line(number, removed) - 1] == text


def test_line_fields_reads_one_record(tmp_path: Path) -> None:
    source = tmp_path / "a.psv"
    source.write_text('h|i\n1|"a b"\n2|c\n')
    assert line_fields(source, 2, "|") == ("1", "a b")


def test_screen_keys_keeps_the_first_row_of_each_key_and_drops_null_keys() -> None:
    schema = TableSchema.from_arrow(pa.schema([("k", pa.int64()), ("v", pa.string())]), ("k",))
    rows = pa.table({"k": [1, 2, 1, None, 2, 3], "v": list("abcdef")})
    skipped = Skipped()
    kept, lines = screen_keys(rows, schema, np.arange(2, 8), skipped)
    assert kept.to_pydict() == {"k": [1, 2, 3], "v": ["a", "b", "f"]}
    assert list(lines) == [2, 3, 7]
    assert skipped.in_file_order() == ((1, "c"), (None, "d"), (2, "e"))


def test_with_field_replaced_finds_the_field_as_the_reader_splits(tmp_path: Path) -> None:
    from dl.core.tables.bad_rows import with_field_replaced
    source = tmp_path / "a.csv"
    source.write_bytes(b'pk,a,b\n1,"x,""y",zz\n2,q,"w"\n')
    copy = tmp_path / "b.csv"
    assert with_field_replaced(source, 2, 2, b"0", ",", copy)
    assert copy.read_bytes() == b'pk,a,b\n1,"x,""y",0\n2,q,"w"\n'
    assert with_field_replaced(source, 3, 0, b"0", ",", copy)
    assert copy.read_bytes() == b'pk,a,b\n1,"x,""y",zz\n0,q,"w"\n'
    assert not with_field_replaced(source, 3, 5, b"0", ",", copy)  # no such field
    assert not with_field_replaced(source, 9, 0, b"0", ",", copy)  # no such line
