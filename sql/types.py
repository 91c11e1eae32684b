"""SQL types <-> Arrow types.

Column types of dl tables are Arrow types. SQL type names map to them the way the dialects
users come from mean them, not DuckDB's narrower reading:

- `INT`/`INTEGER` are 64-bit (SQLite's INTEGER is, and 32-bit columns overflow on products that
  SQLite and Dolt users expect to work; CSV imports make int64 columns too). TINYINT, SMALLINT
  keep their widths; unsigned types map to unsigned Arrow types.
- `REAL`, `FLOAT` and `DOUBLE` are float64 (SQLite's REAL and MySQL's REAL are 8 bytes; a
  float32 `99.9` would read back as 99.90000153).
- `TEXT`, `VARCHAR(n)`, `CHAR(n)`, `JSON`, `UUID`, `ENUM(...)`, `SET(...)` are strings; `YEAR`
  int16, `BIT(n)` (n > 1) uint64. MySQL's value rules for these (lengths, members, ranges,
  JSON validity) are kept as the declared text (`declared_text`) and enforced by core,
  `BLOB`/`BYTEA`/`VARBINARY` binary, `DECIMAL(p,s)` decimal128, `DATE` date32, `TIME`
  time64[us], `TIMESTAMP`/`DATETIME` timestamp[us], `TIMESTAMPTZ` timestamp[us, UTC].

`duckdb_type` goes the other way, for casts that DuckDB runs on values bound for a column.
"""
from __future__ import annotations

from typing import Any

import pyarrow as pa
from dl.sql.errors import SqlError
from dl.sql.mysql_schema import mysql_type
from sqlglot import exp

T = exp.DataType.Type

_SIMPLE: dict[Any, pa.DataType] = {
    T.TINYINT: pa.int8(), T.SMALLINT: pa.int16(), T.MEDIUMINT: pa.int32(),
    T.INT: pa.int64(), T.BIGINT: pa.int64(),
    T.UTINYINT: pa.uint8(), T.USMALLINT: pa.uint16(), T.UMEDIUMINT: pa.uint32(),
    T.UINT: pa.uint32(), T.UBIGINT: pa.uint64(),
    T.FLOAT: pa.float64(), T.DOUBLE: pa.float64(),
    T.BOOLEAN: pa.bool_(), T.BIT: pa.bool_(),
    T.TEXT: pa.string(), T.VARCHAR: pa.string(), T.NVARCHAR: pa.string(), T.CHAR: pa.string(),
    T.NCHAR: pa.string(), T.MEDIUMTEXT: pa.string(), T.LONGTEXT: pa.string(),
    T.TINYTEXT: pa.string(), T.JSON: pa.string(), T.UUID: pa.string(), T.NAME: pa.string(),
    T.BLOB: pa.binary(), T.VARBINARY: pa.binary(), T.BINARY: pa.binary(),
    T.MEDIUMBLOB: pa.binary(), T.LONGBLOB: pa.binary(), T.TINYBLOB: pa.binary(),
    T.DATE: pa.date32(), T.TIME: pa.time64("us"),
    T.TIMESTAMP: pa.timestamp("us"), T.DATETIME: pa.timestamp("us"),
    T.TIMESTAMPNTZ: pa.timestamp("us"),
    T.TIMESTAMPTZ: pa.timestamp("us", tz="UTC"), T.TIMESTAMPLTZ: pa.timestamp("us", tz="UTC"),
    T.INT128: pa.decimal128(38, 0), T.UINT128: pa.decimal128(38, 0),
}


_DECLARED_NAMES: dict[Any, str] = {
    T.YEAR: "year", T.JSON: "json", T.MEDIUMINT: "mediumint", T.UMEDIUMINT: "mediumint unsigned",
    T.UTINYINT: "tinyint unsigned", T.USMALLINT: "smallint unsigned", T.UINT: "int unsigned",
    T.UBIGINT: "bigint unsigned",
}


def _params(kind: exp.DataType) -> list[int]:
    return [int(p.this.this if isinstance(p.this, exp.Literal) else p.name)
            for p in kind.expressions if isinstance(p, exp.DataTypeParam)]


def declared_text(kind: exp.DataType) -> str | None:
    """The MySQL type text a column keeps beside its Arrow type when the Arrow type alone does
    not say which values it may hold (`core.tables.column_rules` enforces them) or how MySQL
    names it: ENUM/SET members, YEAR, JSON, MEDIUMINT, TINYINT(1) (MySQL's BOOLEAN), unsigned
    widths, VARCHAR(n)/CHAR(n), BIT(n), DATETIME(n)/TIMESTAMP(n), and the names a wider Arrow type would lose (`int` kept
    as int64, `float` as float64, `text`, `datetime`, ...): only where the name differs from the
    one `mysql_type` gives the Arrow type, so a `bigint` column keeps no text."""
    text = _declared_rule(kind)
    if text is not None:
        return text
    name = _MYSQL_NAMES.get(kind.this)
    params = _params(kind)
    if kind.this in (T.VARBINARY, T.BINARY) and params:
        name = f"{name}({params[0]})"
    if name is None or name == mysql_type(arrow_type(kind)):
        return None
    return name


_MYSQL_NAMES: dict[Any, str] = {
    T.INT: "int", T.TEXT: "text", T.MEDIUMTEXT: "mediumtext", T.TINYTEXT: "tinytext",
    T.LONGTEXT: "longtext", T.FLOAT: "float", T.DATETIME: "datetime", T.TIMESTAMP: "timestamp",
    T.TIMESTAMPTZ: "timestamp", T.BLOB: "blob", T.MEDIUMBLOB: "mediumblob", T.TINYBLOB: "tinyblob",
    T.LONGBLOB: "longblob", T.VARBINARY: "varbinary", T.BINARY: "binary",
}


def _declared_rule(kind: exp.DataType) -> str | None:
    """The declared text whose value rules core enforces (`declared_text`)."""
    if kind.this in (T.ENUM, T.SET):
        values = ",".join("'" + str(v.this).replace("'", "''") + "'" for v in kind.expressions)
        return f"{kind.this.name.lower()}({values})"
    if kind.this in _DECLARED_NAMES:
        return _DECLARED_NAMES[kind.this]
    params = _params(kind)
    if kind.this in (T.VARCHAR, T.CHAR, T.NVARCHAR, T.NCHAR) and params:
        return f"{'char' if kind.this in (T.CHAR, T.NCHAR) else 'varchar'}({params[0]})"
    if kind.this == T.TINYINT and params == [1]:  # MySQL's BOOLEAN
        return "tinyint(1)"
    if kind.this == T.BIT and params and params[0] > 1:
        return f"bit({params[0]})"
    if kind.this in (T.DATETIME, T.TIMESTAMP, T.TIMESTAMPTZ) and params:
        if not 0 <= params[0] <= 6:
            raise SqlError(f"Too-big precision {params[0]} specified for '{kind.sql()}'. Maximum is 6.")
        return f"{'datetime' if kind.this == T.DATETIME else 'timestamp'}({params[0]})"
    return None


def arrow_type(kind: exp.DataType) -> pa.DataType:
    """The Arrow type a column declared as `kind` (parsed by sqlglot) gets."""
    if kind.this in (T.ENUM, T.SET):
        if not kind.expressions:
            raise SqlError(f"{kind.this.name} needs its values, e.g. {kind.this.name}('a', 'b')")
        return pa.string()
    if kind.this == T.YEAR:
        return pa.int16()
    if kind.this == T.STRUCT and kind.expressions:
        return pa.struct([pa.field(f.name, arrow_type(f.args["kind"])) for f in kind.expressions])
    if kind.this in (T.ARRAY, T.LIST) and len(kind.expressions) == 1:
        return pa.list_(arrow_type(kind.expressions[0]))
    if kind.this == T.MAP and len(kind.expressions) == 2:
        return pa.map_(arrow_type(kind.expressions[0]), arrow_type(kind.expressions[1]))
    if kind.this == T.BIT and _params(kind) and _params(kind)[0] > 1:
        if _params(kind)[0] > 64:
            raise SqlError(f"Invalid size for column: BIT({_params(kind)[0]}) (the maximum is 64)")
        return pa.uint64()
    simple = _SIMPLE.get(kind.this)
    if simple is not None:
        return simple
    if kind.this in (T.DECIMAL, T.BIGDECIMAL) or kind.this.name == "NUMERIC":
        params = [int(p.this.this if isinstance(p.this, exp.Literal) else p.name)
                  for p in kind.expressions if isinstance(p, exp.DataTypeParam)]
        precision = params[0] if params else 18
        scale = params[1] if len(params) > 1 else (0 if params else 3)
        if not 1 <= precision <= 38 or not 0 <= scale <= precision:
            raise SqlError(f"DECIMAL({precision}, {scale}) is out of range (precision 1-38)")
        return pa.decimal128(precision, scale)
    raise SqlError(f"type {kind.sql()} is not supported for columns "
                   "(use INT, BIGINT, DOUBLE, TEXT, BOOLEAN, DECIMAL, DATE, TIMESTAMP, BLOB...)")


def duckdb_type(kind: pa.DataType) -> str:
    """The DuckDB type name for an Arrow type (for CASTs of values bound for a column)."""
    if pa.types.is_decimal(kind):
        return f"DECIMAL({kind.precision}, {kind.scale})"
    if pa.types.is_timestamp(kind):
        return "TIMESTAMPTZ" if kind.tz else {"s": "TIMESTAMP_S", "ms": "TIMESTAMP_MS",
                                              "us": "TIMESTAMP", "ns": "TIMESTAMP_NS"}[kind.unit]
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return duckdb_type(kind.value_type) + "[]"
    if pa.types.is_fixed_size_list(kind):
        return f"{duckdb_type(kind.value_type)}[{kind.list_size}]"
    if pa.types.is_struct(kind):
        fields = ", ".join(f'"{f.name.replace(chr(34), chr(34) * 2)}" {duckdb_type(f.type)}' for f in kind)
        return f"STRUCT({fields})"
    if pa.types.is_map(kind):
        return f"MAP({duckdb_type(kind.key_type)}, {duckdb_type(kind.item_type)})"
    name = _DUCK.get(kind)
    if name is None:
        raise SqlError(f"no SQL type for Arrow type {kind}")
    return name


_DUCK: dict[pa.DataType, str] = {
    pa.int8(): "TINYINT", pa.int16(): "SMALLINT", pa.int32(): "INTEGER", pa.int64(): "BIGINT",
    pa.uint8(): "UTINYINT", pa.uint16(): "USMALLINT", pa.uint32(): "UINTEGER",
    pa.uint64(): "UBIGINT", pa.float32(): "FLOAT", pa.float64(): "DOUBLE", pa.bool_(): "BOOLEAN",
    pa.string(): "VARCHAR", pa.large_string(): "VARCHAR", pa.string_view(): "VARCHAR",
    pa.binary(): "BLOB", pa.large_binary(): "BLOB", pa.date32(): "DATE",
    pa.time64("us"): "TIME", pa.null(): "VARCHAR",
}


def stored_type(kind: pa.DataType) -> pa.DataType:
    """The column type a query result's Arrow type becomes in a new table (CREATE TABLE AS):
    small ints widen to int64 and float32 to float64 as declared columns do, views and large
    variants become plain strings and binaries, NULL-only columns become text."""
    if kind in (pa.int8(), pa.int16(), pa.int32()):
        return pa.int64()
    if kind == pa.float32():
        return pa.float64()
    if kind in (pa.large_string(), pa.string_view(), pa.null()):
        return pa.string()
    if kind in (pa.large_binary(), pa.binary_view()):
        return pa.binary()
    return kind


def shown_type(kind: pa.DataType, declared: str | None, dialect: str) -> str:
    """A column's type as DESCRIBE shows it: in the mysql dialect its MySQL type (as declared,
    else its Arrow type's MySQL name: Dolt's), elsewhere the DuckDB type, unless the declared text carries value rules
    (`varchar(3)`, `enum(...)`: the DuckDB type would hide them)."""
    if dialect == "mysql":
        return declared or mysql_type(kind)
    if declared is not None and declared not in _MYSQL_NAMES.values():
        return declared
    return display_type(kind)


def display_type(kind: pa.DataType) -> str:
    """How DESCRIBE shows a column type."""
    try:
        return duckdb_type(kind)
    except SqlError:
        return str(kind)
