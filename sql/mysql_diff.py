"""A diff as MySQL statements: the text of Dolt's `diff -r sql`.

Per table, its schema statements first (`CREATE TABLE` for a new table, `DROP TABLE` for a
dropped one and nothing after it, `ALTER TABLE` for a changed one: `sql.mysql_schema`), then one
statement per changed row, in Dolt's words:

    INSERT INTO `t` (`pk`,`c`) VALUES (1,'x');
    UPDATE `t` SET `c`='y' WHERE `pk`=1;          -- only the columns whose values changed
    DELETE FROM `t` WHERE `pk`=1;

A keyless table's DELETE names every column and removes one copy (`LIMIT 1`, once per copy
removed: Dolt leaves the LIMIT out, which removes every copy when the text is replayed), and a
changed keyless row is a DELETE and an INSERT. Values are MySQL literals as Dolt writes them: strings quoted with
backslash escapes, binary as `0x` hex, times quoted, booleans 1/0. `dl sql --dialect mysql`
replays the text.

Rows that statements cannot carry are skipped with Dolt's error, raised as `RowsSkipped` after
the table's schema statements: the primary key changed, or a column changed in a way an UPDATE
of the old rows would not reproduce (a type change, a column renamed or dropped out of place,
an added column with a default: Dolt's `areValueSetsDiffable`).
"""
from __future__ import annotations

import datetime
import decimal
import math
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dl.core.tables.column_rules import members
from dl.sql.mysql_schema import column_type, quote, renamed_columns, schema_statements, string_literal

if TYPE_CHECKING:
    import pyarrow as pa

    from dl.core.tables.schema import TableSchema
    from dl.core.versioning.diff import TableDiff


class RowsSkipped(Exception):
    """A table's rows cannot be written as statements; the message is Dolt's."""


def table_statements(diff: "TableDiff", *, schema: bool = True, data: bool = True,
                     first: bool = True) -> Iterator[str]:
    """The statements of one piece of a table's diff (`first`: the piece that carries the
    schema change). Raises `RowsSkipped` (after the schema statements) where Dolt skips rows."""
    if first and schema:
        yield from schema_statements(diff)
    if diff.change.value == "deleted":
        return
    if first and diff.from_schema is not None and diff.to_schema is not None:
        if diff.from_schema.primary_key != diff.to_schema.primary_key:
            raise RowsSkipped(f"Primary key sets differ between revisions for table '{diff.name}', "
                              "skipping data diff")
        if not values_diffable(diff.from_schema, diff.to_schema):
            raise RowsSkipped(f"Incompatible schema change, skipping data diff for table '{diff.name}'")
    if data:
        yield from row_statements(diff)


def values_diffable(old: "TableSchema", new: "TableSchema") -> bool:
    """Whether old rows' values line up with the new columns (Dolt's `areValueSetsDiffable`):
    non-key columns compared by position must keep their names (or be renamed) and types, and
    no added column may have a default."""
    keys_old, keys_new = set(old.primary_key), set(new.primary_key)
    before = [c for c in old.columns if c.name not in keys_old]
    after = [c for c in new.columns if c.name not in keys_new]
    if any(c.default is not None for c in after[len(before):]):
        return False
    renames = renamed_columns(old, new)
    for was, now in zip(before, after):
        if was.name != now.name and renames.get(was.name) != now.name:
            return False
        if was.type != now.type or not same_values(column_type(was, old), column_type(now, new)):
            return False
    return True


_STRING = re.compile(r"^(var)?(char|binary)\((\d+)\)$")
_OUT_OF_BAND = {"tinytext": 255, "text": 65535, "mediumtext": 16777215, "longtext": 4294967295,
                "tinyblob": 255, "blob": 65535, "mediumblob": 16777215, "longblob": 4294967295}


def same_values(was: str, now: str) -> bool:
    """Whether a column's stored values read the same after its MySQL type changed from `was`
    to `now` (Dolt's type compatibility): the same type; a string type that holds at least as
    many bytes, stored the same way (inline VARCHAR/CHAR, or out of band TEXT/BLOB) and not
    padded (BINARY(n)); an ENUM or SET that only gains members at its end."""
    if was == now:
        return True
    if was.startswith(("enum(", "set(")):
        kind = was.split("(", 1)[0]
        return now.startswith(kind + "(") and members(now)[:len(members(was))] == members(was)
    old_width, old_text = _string_width(was)
    new_width, new_text = _string_width(now)
    if old_width is None or new_width is None or now.startswith("binary("):
        return False
    return old_text == new_text and _is_bytes(was) == _is_bytes(now) and new_width >= old_width


def _string_width(declared: str) -> tuple[int | None, bool]:
    """A string type's most bytes (4 a character, utf8mb4) and whether it is stored out of band."""
    if declared in _OUT_OF_BAND:
        return _OUT_OF_BAND[declared], True
    match = _STRING.match(declared)
    if match is None:
        return None, False
    return int(match.group(3)) * (1 if match.group(2) == "binary" else 4), False


def _is_bytes(declared: str) -> bool:
    return "binary" in declared or "blob" in declared


def row_statements(diff: "TableDiff") -> Iterator[str]:
    """DELETE, UPDATE and INSERT statements for the piece's rows (the new schema's columns)."""
    schema = diff.to_schema or diff.from_schema
    assert schema is not None
    table = quote(diff.name)
    names = schema.names
    key = list(schema.primary_key)
    rows = diff.rows
    one = "" if key else " LIMIT 1"
    for row in _rows(rows.removed):
        yield f"DELETE FROM {table} WHERE {_match(row, key or names)}{one};"
    for old, new in zip(_rows(rows.modified_from), _rows(rows.modified_to)):
        if not key:
            yield f"DELETE FROM {table} WHERE {_match(old, names)} LIMIT 1;"
            yield _insert(table, names, new)
            continue
        changed = [n for n in names if n not in key and old.get(n) != new.get(n)]
        if changed:
            sets = ",".join(f"{quote(n)}={literal(new.get(n))}" for n in changed)
            yield f"UPDATE {table} SET {sets} WHERE {_match(new, key)};"
    for row in _rows(rows.added):
        yield _insert(table, names, row)


def _rows(table: "pa.Table") -> list[dict[str, Any]]:
    return table.to_pylist()


def _match(row: dict[str, Any], columns: list[str]) -> str:
    return " AND ".join(f"{quote(n)}={literal(row.get(n))}" for n in columns)


def _insert(table: str, names: list[str], row: dict[str, Any]) -> str:
    columns = ",".join(quote(n) for n in names)
    values = ",".join(literal(row.get(n)) for n in names)
    return f"INSERT INTO {table} ({columns}) VALUES ({values});"


def literal(value: Any) -> str:
    """A value (as Arrow's `as_py` gives it) as the MySQL literal Dolt writes."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, datetime.datetime):
        return f"'{value.isoformat(sep=' ')}'"
    if isinstance(value, (datetime.date, datetime.time)):
        return f"'{value.isoformat()}'"
    if isinstance(value, (dict, list)):
        import json
        return string_literal(json.dumps(value, separators=(",", ":")))
    return string_literal(str(value))
