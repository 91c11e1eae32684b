"""Result formats: CSV quoting, Dolt's JSON shape, boxes and vertical output."""
from __future__ import annotations

import datetime
import decimal
import json

import pyarrow as pa
from dl.sql import formats


def test_csv_plain_and_quoted() -> None:
    table = pa.table({"id": [1, 2], "name": ["Alice", None], "score": [99.9, 0.5]})
    assert formats.to_csv(table) == "id,name,score\n1,Alice,99.9\n2,,0.5\n"
    tricky = pa.table({"s": ['a,b', 'say "hi"', "two\nlines"], "n": [1, 2, 3]})
    assert formats.to_csv(tricky) == 's,n\n"a,b",1\n"say ""hi""",2\n"two\nlines",3\n'
    assert formats.to_csv(pa.table({"x": pa.array([], pa.int64())})) == "x\n"
    nested = pa.table({"l": [[1, 2]], "t": [datetime.datetime(2024, 1, 2, 3, 4, 5)]})
    assert formats.to_csv(nested) == 'l,t\n"[1, 2]",2024-01-02 03:04:05\n'


def test_json_shape_and_values() -> None:
    table = pa.table({"d": pa.array([decimal.Decimal("1.50")], pa.decimal128(5, 2)),
                      "t": [datetime.datetime(2024, 1, 2, 3, 4, 5)], "b": [b"\x00\x01"], "n": [None]})
    assert json.loads(formats.to_json(table)) == {"rows": [{"d": "1.50", "t": "2024-01-02 03:04:05",
                                                            "b": "AAE=", "n": None}]}


def test_box_and_vertical() -> None:
    table = pa.table({"id": [1], "flag": [True], "f": [float("nan")]})
    assert formats.to_box(table).splitlines() == ["+----+------+-----+", "| id | flag | f   |",
                                                  "+----+------+-----+", "| 1  | true | NaN |",
                                                  "+----+------+-----+"]
    assert formats.to_vertical(table).splitlines()[1:] == ["  id: 1", "flag: true", "   f: NaN"]


def test_box_draws_a_cell_with_line_breaks_one_line_under_the_other() -> None:
    """As Dolt's tables: the cell's longest line sets its column's width; the row's other cells
    are blank on its later lines."""
    table = pa.table({"name": ["t", "u"], "text": ["CREATE TABLE t (\n  a int\n);", "x"]})
    assert formats.to_box(table).splitlines() == [
        "+------+------------------+",
        "| name | text             |",
        "+------+------------------+",
        "| t    | CREATE TABLE t ( |",
        "|      |   a int          |",
        "|      | );               |",
        "| u    | x                |",
        "+------+------------------+"]
    styled: list[str] = []
    box = formats.BoxWriter(["a", "b"], styled.append, style=lambda cells, line: f"<{line}>")
    box.rows([["1\n2", "x"]])
    assert styled[1] == "<| 1 | x |>\n<| 2 |   |>\n"  # each line styled
