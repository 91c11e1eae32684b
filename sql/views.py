"""Views, versioned with the data in Dolt's `dolt_schemas` table.

`CREATE [OR REPLACE] VIEW [IF NOT EXISTS] v [(columns)] AS query` stores one row in the root's
`dolt_schemas` table, as Dolt does: (type 'view', name, fragment, extra), keyed by (type, name).
The fragment is the CREATE VIEW statement in DuckDB's dialect: the user's own text for the
duckdb dialect, the transpiled query for the others (so a view reads the same whichever dialect
later queries it). Because `dolt_schemas` is an ordinary table of the root, views are committed,
branched, diffed, merged and read `AS OF` a revision like any table; `DROP VIEW` deletes the row
(and the table with its last row, so creating and dropping a view leaves the root as it was).

A query naming a view reads it as a subquery of its definition, bound like any query (so its
tables resolve in the same revision: `v AS OF 'HEAD~1'` reads the view and its tables as of
HEAD~1). Views nest; a view that refers to itself, directly or not, is an error. Views are
read-only: INSERT, UPDATE and DELETE name tables. CREATE and DROP VIEW are in `view_ddl`.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa
from dl.core.tables.schema import Column, TableSchema
from dl.core.versioning.root import RootValue
from dl.sql.errors import SqlError
from dl.sql.parse import AS_OF_MARKER, Kind, Statement, parse_statement, split_script
from sqlglot import exp
from sqlglot.tokenizer_core import TokenType

if TYPE_CHECKING:
    from dl.sql.statement_view import View

SCHEMAS_TABLE = "dolt_schemas"
SCHEMA = TableSchema((Column("type", pa.string()), Column("name", pa.string()),
                      Column("fragment", pa.string()), Column("extra", pa.string())), ("type", "name"))
MAX_DEPTH = 16
_MARKER = re.compile(re.escape(AS_OF_MARKER) + r"\d+")


@dataclass(frozen=True)
class Definition:
    """A stored view: its name, the query text (DuckDB dialect) and its column names, if given."""

    name: str
    query: str
    columns: tuple[str, ...]


def definitions(view: View, root: RootValue | None = None) -> dict[str, Definition]:
    """The views of `root` (default: the view's working root), by lower-case name."""
    root = root or view.root
    if SCHEMAS_TABLE not in root.tables:
        return {}
    rows = view.repo.table_in(root, SCHEMAS_TABLE, view.store).scan().to_pylist()
    out = {}
    for row in rows:
        if row["type"] == "view" and row["fragment"]:
            found = parse_definition(row["fragment"])
            out[row["name"].lower()] = Definition(row["name"], found.query, found.columns)
    return out


def schemas_rows(view: View) -> pa.Table:
    """The `dolt_schemas` system table: the stored rows, or none when there are no views."""
    if SCHEMAS_TABLE not in view.root.tables:
        return SCHEMA.arrow.empty_table()
    return view.repo.table_in(view.root, SCHEMAS_TABLE, view.store).scan()


@functools.lru_cache(maxsize=256)
def parse_definition(fragment: str) -> Definition:
    """The view a stored CREATE VIEW fragment defines (fragments never change: cached)."""
    statement = parse_statement(split_script(fragment)[0])
    create = statement.expression
    if not isinstance(create, exp.Create) or str(create.args.get("kind") or "").upper() != "VIEW":
        raise SqlError(f"dolt_schemas holds a fragment that is not a CREATE VIEW: {fragment[:60]!r}")
    target = create.this
    columns = tuple(c.name for c in target.expressions) if isinstance(target, exp.Schema) else ()
    name = (target.this if isinstance(target, exp.Schema) else target).name
    return Definition(name, query_text(statement), columns)


def query_text(statement: Statement) -> str:
    """The query of a CREATE VIEW statement as DuckDB text (AS OF written back as the user did)."""
    create = statement.expression
    assert isinstance(create, exp.Create)
    if statement.dialect == "duckdb":
        return statement.text[_query_start(statement.text):].strip()
    query = create.expression
    text = query.sql("duckdb")

    def written(match: re.Match[str]) -> str:
        name, rev = statement.as_of[match.group(0)]
        return f"{exp.to_identifier(name, quoted=True).sql('duckdb')} AS OF '{rev.replace(chr(39), chr(39) * 2)}'"
    return _MARKER.sub(written, text)


def _query_start(text: str) -> int:
    """Where the query of `CREATE ... VIEW name [(columns)] AS query` starts in `text`."""
    import sqlglot
    depth, seen_view = 0, False
    for token in sqlglot.Dialect.get_or_raise("duckdb").tokenize(text):
        if token.token_type == TokenType.VIEW:
            seen_view = True
        elif token.token_type == TokenType.L_PAREN:
            depth += 1
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1
        elif seen_view and depth == 0 and token.token_type == TokenType.ALIAS:
            return token.end + 1
    raise SqlError("CREATE VIEW needs AS followed by a query")


def view_statement(definition: Definition) -> Statement:
    """The view's query, parsed as a statement of its own (AS OF and all)."""
    statement = parse_statement(split_script(definition.query)[0])
    if statement.kind is not Kind.QUERY:
        raise SqlError(f"view {definition.name} does not hold a query")
    return statement
