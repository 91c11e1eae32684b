"""core.io.csv_spaces: an unquoted CSV field loses its leading spaces and tabs, and one of only
whitespace is NULL, as Dolt's reader reads it; a quoted field keeps every character."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from dl.core.io import read_table_file, write_table_file
from hypothesis import given, settings
from hypothesis import strategies as st


def read(tmp_path: Path, text: str, name: str = "t.csv", **kwargs: object) -> pa.Table:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return read_table_file(path, **kwargs).table  # type: ignore[arg-type]


def test_unquoted_fields_lose_their_leading_whitespace(tmp_path: Path) -> None:
    table = read(tmp_path, "pk,a,b\n1, x,\t y\n2,  ,  \n")
    assert table.to_pylist() == [{"pk": 1, "a": "x", "b": "y"}, {"pk": 2, "a": None, "b": None}]


def test_a_number_after_spaces_is_a_number(tmp_path: Path) -> None:
    table = read(tmp_path, "a,b\n0, 1\n2, 3\n")
    assert table.schema.types == [pa.int64(), pa.int64()] and table.column("b").to_pylist() == [1, 3]


def test_trailing_whitespace_stays(tmp_path: Path) -> None:
    assert read(tmp_path, "a,b\n1, x \n").column("b").to_pylist() == ["x "]


def test_a_quoted_field_keeps_its_leading_spaces(tmp_path: Path) -> None:
    table = read(tmp_path, 'pk,a,b,c\n1,"  y", z,""\n2, w,"\tv"," "\n')
    assert table.to_pylist() == [{"pk": 1, "a": "  y", "b": "z", "c": ""},
                                 {"pk": 2, "a": "w", "b": "\tv", "c": " "}]


def test_tabs_are_no_whitespace_to_trim_in_a_tsv(tmp_path: Path) -> None:
    table = read(tmp_path, "a\tb\tc\n1\t\t x\n", name="t.tsv")
    assert table.to_pylist() == [{"a": 1, "b": None, "c": "x"}]


def test_a_schema_column_is_read_trimmed(tmp_path: Path) -> None:
    schema = pa.schema([("id", pa.int64()), ("name", pa.string())])
    table = read(tmp_path, "id,name\n 7,  Ann\n", schema=schema)
    assert table.to_pylist() == [{"id": 7, "name": "Ann"}]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=" \tab,\"\n", max_size=6), min_size=1, max_size=8))
def test_dl_export_reads_back_as_written(tmp_path_factory: pytest.TempPathFactory, values: list[str]) -> None:
    """The law that makes the trim safe: dl's CSV export quotes any value that starts with
    whitespace, so every value, spaces and all, reads back as written."""
    folder = tmp_path_factory.mktemp("spaces")
    table = pa.table({"id": pa.array(range(len(values)), pa.int64()), "v": pa.array(values, pa.string())})
    path = folder / "out.csv"
    write_table_file(table, path)
    back = read_table_file(path, schema=table.schema).table
    assert back.column("v").to_pylist() == values
