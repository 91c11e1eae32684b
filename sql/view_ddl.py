"""CREATE VIEW and DROP VIEW: the changes they make to the root's `dolt_schemas` table.

A view's definition is checked by planning its query through the statement's `Binder` (unknown
names fail at CREATE, as in MySQL); how views are stored and read is `views`' business.
"""
from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

import pyarrow as pa
from dl.core.errors import DlError
from dl.core.names import check_name
from dl.core.tables.table import Table
from dl.sql.errors import SqlError, wrap
from dl.sql.parse import Statement
from dl.sql.views import SCHEMA, SCHEMAS_TABLE, Definition, definitions, query_text
from sqlglot import exp

if TYPE_CHECKING:
    from dl.sql.resolve import Binder


def create_view(binder: Binder, statement: Statement) -> dict[str, Table | None]:
    """The change CREATE VIEW makes: the new `dolt_schemas` table (after checking the query runs)."""
    create = statement.expression
    assert isinstance(create, exp.Create)
    target = create.this
    table = target.this if isinstance(target, exp.Schema) else target
    if not isinstance(table, exp.Table) or not table.name or table.args.get("db"):
        raise SqlError("CREATE VIEW needs a plain view name")
    try:
        name = check_name("view", table.name)
    except DlError as exc:
        raise wrap(exc) from None
    if name.lower().startswith("dolt_"):
        raise SqlError(f"view names starting with dolt_ are reserved: {name}")
    if binder.view.table_name(name) is not None:
        raise SqlError(f"a table named {binder.view.table_name(name)} exists")
    existing = definitions(binder.view).get(name.lower())
    if existing is not None and not create.args.get("replace"):
        if create.args.get("exists"):
            return {}
        raise SqlError(f"view already exists: {existing.name}")
    columns = tuple(c.name for c in target.expressions) if isinstance(target, exp.Schema) else ()
    definition = Definition(name, query_text(statement), columns)
    names = binder.view_columns(Definition(name, definition.query, ()))  # plans it: unknown names fail here
    if columns and len(columns) != len(names):
        raise SqlError(f"view {name} names {len(columns)} columns for a query of {len(names)}")
    fragment = f"CREATE VIEW {_quoted(name)}{_column_list(columns)} AS {definition.query}"
    rows = pa.table({"type": ["view"], "name": [name], "fragment": [fragment],
                     "extra": [json.dumps({"CreatedAt": int(time.time())})]}, schema=SCHEMA.arrow)
    current = _schemas_table(binder)
    if existing is not None:
        current = current.delete(pa.table({"type": ["view"], "name": [existing.name]}))
    return {SCHEMAS_TABLE: current.upsert(rows)}


def drop_view(binder: Binder, statement: exp.Drop) -> dict[str, Table | None]:
    """The change DROP VIEW [IF EXISTS] a, b makes to `dolt_schemas`."""
    known = definitions(binder.view)
    gone = []
    for node in statement.args.get("expressions") or statement.args.get("tables") or [statement.this]:
        found = known.get(node.name.lower())
        if found is None:
            if statement.args.get("exists"):
                continue
            raise SqlError(f"view not found: {node.name}")
        gone.append(found.name)
    if not gone:
        return {}
    table = _schemas_table(binder).delete(pa.table({"type": ["view"] * len(gone), "name": gone}))
    return {SCHEMAS_TABLE: table if table.count() else None}


def _schemas_table(binder: Binder) -> Table:
    view = binder.view
    if SCHEMAS_TABLE in view.root.tables:
        return view.repo.table_in(view.root, SCHEMAS_TABLE, view.store)
    return Table.empty(view.store, SCHEMA)


def _quoted(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def _column_list(columns: tuple[str, ...]) -> str:
    return f" ({', '.join(_quoted(c) for c in columns)})" if columns else ""
