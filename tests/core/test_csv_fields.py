"""Delimited text written field by field as Dolt quotes it (core.io.csv_fields)."""
from __future__ import annotations

import datetime
import io

import pyarrow as pa
import pyarrow.csv as pacsv
from dl.core.io.csv_fields import writable, write_fields


def written(table: pa.Table, delimiter: str = ",") -> str:
    out = io.BytesIO()
    write_fields(out, table.schema, table.to_batches(max_chunksize=2), delimiter)
    return out.getvalue().decode()


def test_only_fields_that_need_it_are_quoted_and_empty_strings_are_not_nulls() -> None:
    table = pa.table({"pk": ["this", "a,b", " x", "", None], "n": [1, None, 3, 4, 5],
                      "c": ["a new \n line", 'q"q', None, "plain", "|"]})
    assert written(table) == ('pk,n,c\nthis,1,"a new \n line"\n"a,b",,"q""q"\n" x",3,\n"",4,plain\n'
                              ',5,|\n')
    assert written(table.select(["c"]), "|").splitlines()[-1] == '"|"'


def test_header_names_are_quoted_only_when_they_must_be() -> None:
    assert written(pa.table({"id": [1], "a,b": [2]})) == 'id,"a,b"\n1,2\n'


def test_other_types_are_formatted_as_arrows_csv_writer_does() -> None:
    table = pa.table({"f": [1.5, 1e20], "b": [True, False], "d": [datetime.date(2020, 4, 8), None],
                      "t": [datetime.datetime(2020, 4, 8, 11, 11, 11), None]})
    arrow = io.BytesIO()
    pacsv.write_csv(table, arrow, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    assert written(table).split("\n", 1)[1] == arrow.getvalue().decode()
    assert writable(table.schema) and not writable(pa.schema([("x", pa.binary())]))
