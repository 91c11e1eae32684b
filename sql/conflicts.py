"""`DELETE FROM dolt_conflicts_<table> [WHERE ...]`: marking merge conflicts resolved in SQL.

As in Dolt, a conflict is resolved row by row by putting the wanted row into the table itself
(an ordinary UPDATE/INSERT/DELETE on it) and then deleting that row's conflict from
`dolt_conflicts_<table>`; once a table has no conflict rows left it is no longer unmerged, and
`dolt_commit` can record the merge. The conflict rows live in the working set's merge state,
not in the working root, so the delete is not a table edit: the WHERE clause runs in DuckDB
over the conflict rows to pick their `dolt_conflict_id`s, and `core.versioning.merge_commits` removes those
from the merge state by compare-and-swap. Other writes to system tables stay refused.
"""
from __future__ import annotations

from dl.core.versioning.merge_commits import CONFLICT_ID, delete_conflict_rows
from dl.core.versioning.merge_violations import delete_violation_rows
from dl.sql.errors import SqlError
from dl.sql.resolve import Binder
from sqlglot import exp

PREFIX = "dolt_conflicts_"
VIOLATIONS_PREFIX = "dolt_constraint_violations_"


def conflicts_target(expression: exp.Expression | None, prefix: str = PREFIX) -> str | None:
    """The user table whose conflicts a DELETE targets (`dolt_conflicts_<t>`, or with
    `prefix` VIOLATIONS_PREFIX its constraint violations), else None."""
    if not isinstance(expression, exp.Delete):
        return None
    table = expression.this
    if not isinstance(table, exp.Table) or not table.name.lower().startswith(prefix):
        return None
    name = table.name[len(prefix):]
    return name or None


def delete_violations(binder: Binder, expression: exp.Delete) -> int:
    """`DELETE FROM dolt_constraint_violations_<t> [WHERE ...]`: the violation rows the WHERE
    picks (run in DuckDB over them) are marked resolved, as in Dolt."""
    name = conflicts_target(expression, VIOLATIONS_PREFIX)
    if name is None:
        raise SqlError("not a DELETE on a dolt_constraint_violations_<table> table")
    for option in ("returning", "using", "limit"):
        if expression.args.get(option):
            raise SqlError(f"DELETE FROM {expression.this.name}: {option.upper()} is not supported")
    stored = binder.view.table_name(name) or name
    select = exp.select("*").from_(expression.this.copy())
    where = expression.args.get("where")
    if where is not None:
        select = select.where(where.this.copy())
    rows = binder.query(select)
    return delete_violation_rows(binder.view.repo, stored, rows)


def delete_conflicts(binder: Binder, expression: exp.Delete) -> int:
    """Runs the DELETE on the conflict rows; returns how many conflicts it resolved."""
    name = conflicts_target(expression)
    if name is None:
        raise SqlError("not a DELETE on a dolt_conflicts_<table> table")
    for option in ("returning", "using", "limit"):
        if expression.args.get(option):
            raise SqlError(f"DELETE FROM {expression.this.name}: {option.upper()} is not supported")
    stored = binder.view.table_name(name) or name
    source = expression.this.copy()
    visible = source.alias or source.name
    select = exp.select(exp.column(CONFLICT_ID, table=visible, quoted=True)).from_(source)
    where = expression.args.get("where")
    if where is not None:
        select = select.where(where.this.copy())
    ids = binder.query(select).column(0).to_pylist()
    return delete_conflict_rows(binder.view.repo, stored, [str(i) for i in ids])
