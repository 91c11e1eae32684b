"""Dolt's scalar functions (and procedures called as functions) replaced by their values.

DuckDB does not know `active_branch()`, `dolt_hashof('HEAD')` and the like, and their values
depend only on the repository and literal arguments, so a statement has them replaced by
literals before DuckDB sees it: in the AST, and in the user's text when the statement runs as
written (`TextEdits`). A call in a SELECT list keeps its column name (`active_branch()`).
The binder does this for every statement it binds (queries, DML, view definitions); the session
also substitutes procedures (`SELECT dolt_commit(...)`), which run once, before the query.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from dl.sql import procedures
from dl.sql.edits import TextEdits
from dl.sql.errors import SqlError
from sqlglot import exp

if TYPE_CHECKING:
    from dl.sql.statement_view import View

ProcedureCall = Callable[[str, list[str]], pa.Table]


def calls(expression: exp.Expression, names: dict[str, Any]) -> bool:
    """Whether `expression` calls one of `names` as a scalar (not as a table function)."""
    return any(n.name.lower() in names and not isinstance(n.parent, exp.Table)
               for n in expression.find_all(exp.Anonymous))


def substitute(expression: exp.Expression, view: View, edits: TextEdits | None,
               procedure: ProcedureCall | None = None, dialect: str = "duckdb") -> exp.Expression:
    """Replaces Dolt function calls (and, with `procedure`, procedure calls) by their values."""
    for node in list(expression.find_all(exp.Anonymous)):
        if isinstance(node.parent, exp.Table):
            continue  # a table function: the binder's
        name = node.name.lower()
        if name in procedures.FUNCTIONS:
            value: Any = procedures.FUNCTIONS[name](view, literal_args(node, name))
        elif procedure is not None and name in procedures.PROCEDURES:
            rows = procedure(name, literal_args(node, name))
            value = rows.column(0)[0].as_py() if rows.num_rows else None
        else:
            continue
        _replace(node, exp.null() if value is None else exp.convert(value), edits, dialect)
    return expression


def needs_session_values(expression: exp.Expression | None) -> bool:
    """Whether a statement calls DATABASE() or reads MySQL's `dual` (see `session_values`)."""
    return expression is not None and (expression.find(exp.CurrentSchema) is not None or any(
        t.name.lower() == "dual" and not t.db for t in expression.find_all(exp.Table)))


def session_values(expression: exp.Expression, database: str) -> exp.Expression:
    """DATABASE() (MySQL's SCHEMA() too) replaced by the session's database, as Dolt answers it
    (`db`, or `db/branch` after USE), keeping its column name; `FROM dual` (MySQL's table of
    one row and no columns) dropped."""
    for node in list(expression.find_all(exp.CurrentSchema)):
        literal: exp.Expression = exp.Literal.string(database)
        if isinstance(node.parent, exp.Select) and node.arg_key == "expressions":
            literal = exp.alias_(literal, node.sql("mysql").lower(), quoted=True)
        node.replace(literal)
    for select in expression.find_all(exp.Select):
        source = select.args.get("from_") or select.args.get("from")
        table = source.this if isinstance(source, exp.From) else None
        if isinstance(table, exp.Table) and table.name.lower() == "dual" and not table.db and not select.args.get("joins"):
            source.pop()
    return expression


def replace_call(node: exp.Anonymous, literal: exp.Expr, edits: TextEdits | None, dialect: str) -> None:
    """Replaces the call `node` by `literal` in the AST and in the user's text (`edits`)."""
    _replace(node, literal, edits, dialect)


def _replace(node: exp.Anonymous, literal: exp.Expr, edits: TextEdits | None, dialect: str) -> None:
    bare = isinstance(node.parent, exp.Select) and node.arg_key == "expressions"
    span = edits.call_span(node) if edits is not None else None
    if edits is not None and span is None:
        edits.failed = True
    if edits is not None and span is not None:
        label = f" AS {exp.to_identifier(edits.text(span), quoted=True).sql('duckdb')}" if bare else ""
        edits.add(span, literal.sql("duckdb") + label)
    if bare:
        label = f"{node.name}({', '.join(a.sql(dialect) for a in node.expressions)})"
        literal = exp.alias_(literal, label, quoted=True)
    node.replace(literal)


def literal_args(node: exp.Anonymous, name: str) -> list[str]:
    """The arguments of a call as strings; they must be literals."""
    out = []
    for arg in node.expressions:
        if isinstance(arg, exp.Literal):
            out.append(str(arg.this))
        elif isinstance(arg, exp.Neg) and isinstance(arg.this, exp.Literal):
            out.append("-" + str(arg.this.this))
        elif isinstance(arg, exp.Boolean):
            out.append("true" if arg.this else "false")
        else:
            raise SqlError(f"arguments of {name}() must be literals, got {arg.sql()}")
    return out
