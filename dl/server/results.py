"""Arrow results as MySQL result sets: each column typed from its Arrow type.

Integers go out as integers of their width, floats as FLOAT/DOUBLE, decimals as DECIMAL,
dates and timestamps as DATE/DATETIME, strings as VARCHAR (utf8mb4), binary as BLOB, booleans as
TINYINT, JSON-like nested values (lists, structs, maps) as JSON text, and nulls as NULL, so a
client's converters give Python ints, Decimals, dates... The rows are built column by column
(`to_pylist` per column, then zipped): the protocol encodes each value in Python anyway.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from mysql_mimic import ColumnType, ResultColumn
from mysql_mimic.charset import CharacterSet

if TYPE_CHECKING:
    import pyarrow as pa


def column_type(arrow_type: pa.DataType) -> ColumnType:
    """The MySQL column type for an Arrow type."""
    import pyarrow.types as t
    checks = [(t.is_boolean, ColumnType.TINY), (t.is_int8, ColumnType.TINY), (t.is_uint8, ColumnType.TINY),
              (t.is_int16, ColumnType.SHORT), (t.is_uint16, ColumnType.SHORT), (t.is_int32, ColumnType.LONG),
              (t.is_uint32, ColumnType.LONG), (t.is_integer, ColumnType.LONGLONG),
              (t.is_float32, ColumnType.FLOAT), (t.is_floating, ColumnType.DOUBLE),
              (t.is_decimal, ColumnType.NEWDECIMAL), (t.is_date, ColumnType.DATE),
              (t.is_timestamp, ColumnType.DATETIME), (t.is_time, ColumnType.TIME),
              (t.is_binary, ColumnType.BLOB), (t.is_large_binary, ColumnType.BLOB),
              (t.is_fixed_size_binary, ColumnType.BLOB), (t.is_null, ColumnType.NULL),
              (_is_nested, ColumnType.JSON)]
    for check, kind in checks:
        if check(arrow_type):
            return kind
    return ColumnType.VARCHAR


def _is_nested(arrow_type: pa.DataType) -> bool:
    import pyarrow.types as t
    return bool(t.is_list(arrow_type) or t.is_large_list(arrow_type) or t.is_struct(arrow_type)
                or t.is_map(arrow_type))


_COLUMNS: dict[pa.Schema, list[ResultColumn]] = {}
_CACHED_SCHEMAS = 256


def result_columns(schema: pa.Schema) -> list[ResultColumn]:
    """The result columns of `schema` (remembered: a prepared statement's schema repeats)."""
    columns = _COLUMNS.get(schema)
    if columns is None:
        if len(_COLUMNS) >= _CACHED_SCHEMAS:
            _COLUMNS.clear()
        columns = _COLUMNS[schema] = _result_columns(schema)
    return columns


def _result_columns(schema: pa.Schema) -> list[ResultColumn]:
    out = []
    for field in schema:
        kind = column_type(field.type)
        if kind is ColumnType.NULL:  # a column of nulls: every value is NULL, the type is any
            kind = ColumnType.VARCHAR
        charset = CharacterSet.binary if kind is ColumnType.BLOB else CharacterSet.utf8mb4
        out.append(ResultColumn(field.name, kind, character_set=charset))
    return out


def result_rows(table: pa.Table, columns: Sequence[ResultColumn]) -> list[tuple[Any, ...]]:
    """The rows of `table`, each value in the Python type its column's encoder takes."""
    if table.num_columns == 0:
        return []
    values = []
    for column, result in zip(table.columns, columns):
        cells = column.to_pylist()
        if result.type is ColumnType.TINY and _has_bools(cells):
            cells = [None if v is None else int(v) for v in cells]
        elif result.type is ColumnType.JSON:
            cells = [None if v is None else json.dumps(v, default=_json_default) for v in cells]
        values.append(cells)
    return list(zip(*values))


def _has_bools(cells: list[Any]) -> bool:
    return any(isinstance(v, bool) for v in cells)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
