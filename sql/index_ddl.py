"""Index DDL: CREATE [UNIQUE] INDEX, DROP INDEX, ALTER TABLE ADD/DROP INDEX, and the indexes
and UNIQUE constraints declared in CREATE TABLE, as changes of table values.

An index is part of its table's schema (`core.tables.indexes`); adding one builds its tree
from the rows (a UNIQUE one refuses existing duplicates, naming the value, and nothing is
written), dropping one forgets its tree. Names follow MySQL: an index name is unique within its
table (case-insensitively), an unnamed index takes its first column's name (then `_2`,
`_3`...). `DROP INDEX name` without `ON t` (SQLite's form) finds the one table holding an
index of that name. IF NOT EXISTS / IF EXISTS make a repeat a no-op, so SQLite scripts run
unchanged.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from dl.core.errors import DlError, UniqueViolation
from dl.core.tables.indexes import IndexDef
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table, TableValue
from dl.sql.dml import column_of
from dl.sql.errors import SqlError, wrap
from dl.sql.index_syntax import UNNAMED
from dl.sql.resolve import Binder
from sqlglot import exp

Tables = dict[str, Table | None]


# --- CREATE INDEX / DROP INDEX ----------------------------------------------------------------

def create_index(binder: Binder, statement: exp.Create) -> Tables:
    """CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON t (cols)."""
    node = statement.this
    if not isinstance(node, exp.Index) or node.args.get("table") is None:
        raise SqlError("CREATE INDEX needs a name and a table: CREATE INDEX idx ON t (a)")
    if statement.args.get("replace"):
        raise SqlError("CREATE OR REPLACE INDEX is not supported")
    params = node.args.get("params")
    if params is not None and params.args.get("where") is not None:
        raise SqlError("partial indexes (CREATE INDEX ... WHERE) are not supported")
    name, table = _target(binder, node.args["table"])
    columns = [_indexed_column(c) for c in (params.args.get("columns") if params is not None else None) or []]
    index_name = node.name
    if index_name == UNNAMED:
        index_name = auto_name(columns[0] if columns else "", table.schema.indexes)
    if table.schema.index(index_name) is not None and statement.args.get("exists"):
        return {}
    try:
        return {name: add_index(table, index_name, columns, bool(statement.args.get("unique")))}
    except UniqueViolation as exc:
        raise exc.in_table(name) from None


def drop_index(binder: Binder, statement: exp.Drop) -> Tables:
    """DROP INDEX [IF EXISTS] name [ON t]."""
    targets = statement.args.get("expressions") or statement.args.get("tables") or [statement.this]
    on = statement.args.get("cluster")
    changes: Tables = {}
    for node in targets:
        index_name = node.name
        if isinstance(on, exp.OnProperty):
            name, table = _target(binder, on.this)
        else:
            found = _table_with_index(binder, index_name)
            if found is None:
                if statement.args.get("exists"):
                    continue
                raise SqlError(f"index not found: {index_name}")
            name, table = found
        changes[name] = remove_index(table, index_name, bool(statement.args.get("exists")))
    return changes


def _target(binder: Binder, node: exp.Expression) -> tuple[str, Table]:
    stored = binder.view.table_name(node.name)
    if stored is None:
        raise SqlError(f"table not found: {node.name}")
    return stored, binder.view.table(stored)


def _table_with_index(binder: Binder, index_name: str) -> tuple[str, Table] | None:
    found = []
    for name in sorted(binder.view.root.tables):
        table = binder.view.table(name)
        if table.schema.index(index_name) is not None:
            found.append((name, table))
    if len(found) > 1:
        raise SqlError(f"index {index_name} exists on tables {', '.join(n for n, _ in found)}: "
                       f"DROP INDEX {index_name} ON t names one")
    return found[0] if found else None


def _indexed_column(node: exp.Expression) -> str:
    """The column an index item names; ASC/DESC and SQLite's COLLATE are accepted and change
    nothing (dl compares text by code point; a UNIQUE index compares exactly)."""
    while isinstance(node, (exp.Ordered, exp.Collate)):
        node = node.this
    if isinstance(node, (exp.Column, exp.Identifier)):
        return node.name
    raise SqlError(f"indexes on expressions are not supported: {node.sql()}")


# --- changing a table's indexes ---------------------------------------------------------------

def add_index(table: Table, name: str, columns: list[str], unique: bool) -> Table:
    """`table` with a new index built from its rows; errors: a name taken, a column missing,
    a UNIQUE index over duplicate values."""
    schema = table.schema
    if schema.index(name) is not None:
        raise SqlError(f"Duplicate key name '{name}'")
    try:
        index = IndexDef(name, tuple(column_of(schema, c) for c in columns), unique)
        return Table(table.store, _value_with(table, schema.with_indexes([*schema.indexes, index]))) \
            .with_indexes_rebuilt(only=index.name)
    except (SqlError, UniqueViolation):
        raise
    except DlError as exc:
        raise wrap(exc) from None


def remove_index(table: Table, name: str, if_exists: bool = False) -> Table:
    schema = table.schema
    index = schema.index(name)
    if index is None:
        if if_exists:
            return table
        raise SqlError(f"Can't DROP '{name}'; check that column/key exists")
    kept = [i for i in schema.indexes if i is not index]
    return Table(table.store, _value_with(table, schema.with_indexes(kept)))


def with_foreign_key_indexes(table: Table, name: str) -> Table:
    """`table` (stored as `name`) with an index for each foreign key that no index serves, as
    MySQL creates one: an index (or the primary key) serves a foreign key when its first columns
    are the key's columns in order. The index takes the constraint's name, or for a constraint
    named by MySQL's rule (`<table>_ibfk_<n>`) its first column's (MySQL's naming)."""
    for fk in table.schema.constraints.foreign_keys:
        schema = table.schema
        wanted = [c.lower() for c in fk.columns]
        served = [list(schema.primary_key)] + [list(i.columns) for i in schema.indexes]
        if any([c.lower() for c in columns[:len(wanted)]] == wanted for columns in served):
            continue
        generated = re.fullmatch(re.escape(name) + r"_ibfk_\d+", fk.name, re.IGNORECASE)
        index_name = auto_name(fk.columns[0], schema.indexes) if generated or schema.index(fk.name) \
            else fk.name
        table = add_index(table, index_name, list(fk.columns), False)
    return table


def _value_with(table: Table, schema: TableSchema) -> TableValue:
    return TableValue(schema, table.value.rows, table.value.index_roots)


def auto_name(first_column: str, existing: Iterable[IndexDef]) -> str:
    """MySQL's name for an unnamed index: its first column, then `_2`, `_3`... if taken."""
    taken = {i.name.lower() for i in existing}
    if first_column.lower() not in taken:
        return first_column
    n = 2
    while f"{first_column}_{n}".lower() in taken:
        n += 1
    return f"{first_column}_{n}"


# --- declared in CREATE TABLE / ALTER TABLE -----------------------------------------------------

def declared_index(item: exp.Expression, columns: list[Column], taken: list[IndexDef]) -> IndexDef | None:
    """The index a CREATE TABLE item or an ALTER TABLE ADD CONSTRAINT declares, else None:
    `KEY|INDEX [name] (cols)`, `UNIQUE [KEY] [name] (cols)`, `CONSTRAINT name UNIQUE (cols)`."""
    name = None
    if isinstance(item, exp.Constraint) and len(item.expressions) == 1 \
            and isinstance(item.expressions[0], exp.UniqueColumnConstraint):
        name, item = item.name, item.expressions[0]
    if isinstance(item, exp.IndexColumnConstraint) and not item.args.get("kind"):
        names = [_indexed_column(c) for c in item.expressions]
        name = name or (item.this.name if item.this is not None else None)
        unique = False
    elif isinstance(item, exp.UniqueColumnConstraint) and isinstance(item.this, exp.Schema):
        names = [_indexed_column(c) for c in item.this.expressions]
        name = name or (item.this.this.name if item.this.this is not None else None)
        unique = True
    else:
        return None
    resolved = [_column_named(columns, c) for c in names]
    if not resolved:
        raise SqlError("an index needs at least one column")
    try:
        return IndexDef(name or auto_name(resolved[0], taken), tuple(resolved), unique)
    except DlError as exc:
        raise wrap(exc) from None


def unique_column_index(column: str, taken: list[IndexDef]) -> IndexDef:
    """The index of a column declared UNIQUE (`b INT UNIQUE`), named after it as MySQL does."""
    return IndexDef(auto_name(column, taken), (column,), True)


def _column_named(columns: list[Column], name: str) -> str:
    for column in columns:
        if column.name.lower() == name.lower():
            return column.name
    raise SqlError(f"Key column '{name}' doesn't exist in table")


def surviving_indexes(indexes: tuple[IndexDef, ...], columns: list[Column],
                      renamed: dict[str, str] | None = None) -> tuple[IndexDef, ...]:
    """Indexes after a column change: renamed columns renamed in them, dropped columns dropped
    from them, and an index left with no column dropped (MySQL)."""
    names = {c.name for c in columns}
    out = []
    for index in indexes:
        kept = tuple(c for c in ((renamed or {}).get(c, c) for c in index.columns) if c in names)
        if kept:
            out.append(IndexDef(index.name, kept, index.unique))
    return tuple(out)
