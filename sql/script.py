"""SQL text that dl writes: CREATE TABLE statements and scripts that replay a diff.

`dl schema show` prints `create_table`; `dl diff -r sql` prints `diff_script`, statements that
turn the old side of a diff into the new one when run with `dl sql` (the default DuckDB
dialect): identifiers are always double-quoted and values are typed literals, so no name or
value a user stored can change what a statement means.
"""
from __future__ import annotations

import base64
import datetime
import decimal
import math
from collections.abc import Callable
from typing import Any

import pyarrow as pa
from dl.core.tables.indexes import IndexDef
from dl.core.tables.constraints import TableConstraints
from dl.core.tables.schema import Column, TableSchema
from dl.core.versioning.diff import TableChange, TableDiff
from dl.sql.types import display_type


def quote_identifier(name: str) -> str:
    """`name` as a double-quoted SQL identifier (embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def mysql_identifier(name: str) -> str:
    """`name` as a MySQL identifier in backticks (embedded backticks doubled), as `dl schema
    export` writes it for MySQL and Dolt users."""
    return "`" + name.replace("`", "``") + "`"


def literal(value: Any) -> str:
    """A Python value (as Arrow's `as_py` gives it) as a SQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "'NaN'::DOUBLE"
        if math.isinf(value):
            return "'Infinity'::DOUBLE" if value > 0 else "'-Infinity'::DOUBLE"
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return f"from_base64('{base64.b64encode(bytes(value)).decode()}')"
    if isinstance(value, datetime.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, datetime.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, datetime.time):
        return f"TIME '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def _column_definition(column: Column, constraints: TableConstraints,
                       quote: Callable[[str], str] = quote_identifier) -> str:
    kind = constraints.declared_type(column.name) or display_type(column.type)
    text = f"{quote(column.name)} {kind}"
    if column.not_null:
        text += " NOT NULL"
    if column.default is not None:
        text += f" DEFAULT {literal(column.default)}"
    if constraints.auto_increment == column.name:
        text += " AUTO_INCREMENT"
    return text


def index_definition(index: IndexDef) -> str:
    """An index as a CREATE TABLE item, as MySQL's SHOW CREATE TABLE writes it (with dl's quotes)."""
    columns = ", ".join(quote_identifier(c) for c in index.columns)
    return f"{'UNIQUE ' if index.unique else ''}KEY {quote_identifier(index.name)} ({columns})"


def create_index(table: str, index: IndexDef) -> str:
    columns = ", ".join(quote_identifier(c) for c in index.columns)
    return (f"CREATE {'UNIQUE ' if index.unique else ''}INDEX {quote_identifier(index.name)} "
            f"ON {table} ({columns});")


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(quote_identifier(n) for n in names)


def constraint_lines(constraints: TableConstraints) -> list[str]:
    """The table's FOREIGN KEY and CHECK constraints as CREATE TABLE lines (MySQL's order)."""
    lines = []
    for fk in constraints.foreign_keys:
        lines.append(f"CONSTRAINT {quote_identifier(fk.name)} FOREIGN KEY ({_names(fk.columns)}) "
                     f"REFERENCES {quote_identifier(fk.parent)} ({_names(fk.parent_columns)})" + fk.action_clauses())
    for check in constraints.checks:
        lines.append(f"CONSTRAINT {quote_identifier(check.name)} CHECK ({check.expression})")
    return lines


def create_table(name: str, schema: TableSchema, *,
                 quote: Callable[[str], str] = quote_identifier) -> str:
    """The CREATE TABLE statement for `schema` (one column per line, as Dolt prints it), with the
    declared MySQL types, AUTO_INCREMENT and the constraints. Names are double-quoted, or
    quoted by `quote` (`mysql_identifier` for the column and key lines of MySQL's form)."""
    lines = [f"  {_column_definition(c, schema.constraints, quote)}" for c in schema.columns]
    if schema.primary_key:
        lines.append(f"  PRIMARY KEY ({', '.join(quote(k) for k in schema.primary_key)})")
    lines += [f"  {index_definition(i)}" for i in schema.indexes]
    lines += [f"  {line}" for line in constraint_lines(schema.constraints)]
    return f"CREATE TABLE {quote(name)} (\n" + ",\n".join(lines) + "\n);"


def diff_script(diff: TableDiff) -> list[str]:
    """Statements that turn the diff's old table into its new one."""
    table = quote_identifier(diff.name)
    if diff.change is TableChange.DELETED:
        return [f"DROP TABLE {table};"]
    statements: list[str] = []
    to_schema = diff.to_schema
    assert to_schema is not None
    if diff.change is TableChange.ADDED:
        statements.append(create_table(diff.name, to_schema))
    elif diff.from_schema is not None and diff.from_schema != to_schema:
        if diff.from_schema.primary_key != to_schema.primary_key:
            # a new key cannot be altered into place: rebuild; every row then reads as added
            statements += [f"DROP TABLE {table};", create_table(diff.name, to_schema)]
            return statements + [_insert(table, to_schema.names, row) for row in _rows(diff.rows.added)]
        statements += _alter_statements(table, diff.from_schema, to_schema)
    names = to_schema.names
    key = list(to_schema.primary_key) or names
    statements += _deletes(table, _rows(diff.rows.removed), key, keyless=not to_schema.primary_key)
    for old, new in zip(_rows(diff.rows.modified_from), _rows(diff.rows.modified_to)):
        if not to_schema.primary_key:
            statements.append(f"DELETE FROM {table} WHERE {_match(old, key)} LIMIT 1;")
            statements.append(_insert(table, names, new))
            continue
        changed = [n for n in names if n not in key and old.get(n) != new.get(n)]
        if changed:
            sets = ", ".join(f"{quote_identifier(n)} = {literal(new.get(n))}" for n in changed)
            statements.append(f"UPDATE {table} SET {sets} WHERE {_match(new, key)};")
    for row in _rows(diff.rows.added):
        statements.append(_insert(table, names, row))
    return statements


def _deletes(table: str, rows: list[dict[str, Any]], key: list[str], keyless: bool) -> list[str]:
    """DELETEs of `rows`. A keyless table may hold copies of a row and the diff says how many
    went: one DELETE per distinct row with `LIMIT n` (as Dolt writes it; `dl sql` runs it), as a
    plain DELETE would remove every copy."""
    if not keyless:
        return [f"DELETE FROM {table} WHERE {_match(row, key)};" for row in rows]
    copies: dict[str, int] = {}
    for row in rows:
        condition = _match(row, key)
        copies[condition] = copies.get(condition, 0) + 1
    return [f"DELETE FROM {table} WHERE {condition} LIMIT {n};" for condition, n in copies.items()]


def _alter_statements(table: str, old: TableSchema, new: TableSchema) -> list[str]:
    """ALTER TABLE statements from `old` columns to `new` ones (same primary key)."""
    out = [f"ALTER TABLE {table} DROP COLUMN {quote_identifier(c.name)};"
           for c in old.columns if not new.has_column(c.name)]
    for column in new.columns:
        name = quote_identifier(column.name)
        if not old.has_column(column.name):
            out.append(f"ALTER TABLE {table} ADD COLUMN {_column_definition(column, new.constraints)};")
            continue
        prior = old.column(column.name)
        if prior.type != column.type:
            out.append(f"ALTER TABLE {table} ALTER COLUMN {name} TYPE {display_type(column.type)};")
        if prior.not_null != column.not_null:
            action = "SET NOT NULL" if column.not_null else "DROP NOT NULL"
            out.append(f"ALTER TABLE {table} ALTER COLUMN {name} {action};")
        if prior.default != column.default:
            action = "DROP DEFAULT" if column.default is None else f"SET DEFAULT {literal(column.default)}"
            out.append(f"ALTER TABLE {table} ALTER COLUMN {name} {action};")
    return out + _index_statements(table, old, new)


def _index_statements(table: str, old: TableSchema, new: TableSchema) -> list[str]:
    """DROP INDEX / CREATE INDEX statements from `old`'s indexes to `new`'s."""
    before = {i.name: i for i in old.indexes}
    after = {i.name: i for i in new.indexes}
    out = [f"DROP INDEX {quote_identifier(name)} ON {table};"
           for name, index in before.items() if after.get(name) != index]
    return out + [create_index(table, index) for name, index in after.items() if before.get(name) != index]


def _rows(rows: pa.Table) -> list[dict[str, Any]]:
    return rows.to_pylist()


def _match(row: dict[str, Any], key: list[str]) -> str:
    parts = []
    for name in key:
        value = row.get(name)
        column = quote_identifier(name)
        parts.append(f"{column} IS NULL" if value is None else f"{column} = {literal(value)}")
    return " AND ".join(parts)


def _insert(table: str, names: list[str], row: dict[str, Any]) -> str:
    columns = ", ".join(quote_identifier(n) for n in names)
    values = ", ".join(literal(row.get(n)) for n in names)
    return f"INSERT INTO {table} ({columns}) VALUES ({values});"
