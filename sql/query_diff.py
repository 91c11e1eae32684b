"""Dolt's `dolt_query_diff('query1', 'query2')` table function: the rows by which two queries'
results differ, in dolt_diff()'s shape.

    select * from dolt_query_diff('select * from t as of HEAD~1', 'select * from t')

Columns: `from_<c>`... (the first result's), `to_<c>`... (the second's), then `diff_type`
('added', 'deleted', 'modified'), as Dolt orders them. How rows are matched:

- both results have the same columns (names and types) and both queries read one table plainly
  (no join, grouping, DISTINCT or aggregate) whose primary key is among those columns: rows
  are matched by that key, so a changed row is one `modified` row; rows come in key order;
- the same columns otherwise: a row of the first result not in the second (as a multiset) is
  `deleted`, one of the second not in the first `added`;
- different columns: every row of the first is `deleted` and every row of the second `added`
  (Dolt's rule).

Each query must be a SELECT (Dolt's words: "query must be a SELECT statement"), and the
arguments must be literals, since they decide the columns (`sql.prepared` refuses placeholders).
The comparison runs in DuckDB over the two results; this module builds its SQL, `resolve` runs
the queries.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from dl.sql.errors import SqlError
from sqlglot import exp

if TYPE_CHECKING:
    import pyarrow as pa
    from dl.sql.parse import Statement
    from dl.sql.statement_view import View

_IN = "__dl_query_diff_row"


def queries(args: list[str]) -> list[str]:
    """The two query texts, each checked to be a SELECT."""
    if len(args) != 2:
        raise SqlError(f"dolt_query_diff() takes two queries, {len(args)} given: "
                       "dolt_query_diff('select ...', 'select ...')")
    for text in args:
        if not text.strip().lower().startswith(("select", "with", "(")):
            raise SqlError("query must be a SELECT statement")
    return args


def key_columns(statement: Statement, view: View) -> tuple[str, ...] | None:
    """The primary key of the one table `statement` reads plainly, or None."""
    select = statement.expression
    if not isinstance(select, exp.Select) or select.args.get("joins") or select.args.get("group") \
            or select.args.get("distinct") or any(e.find(exp.AggFunc) for e in select.expressions):
        return None
    source = select.args.get("from_") or select.args.get("from")  # sqlglot's key differs by version
    table = source.this if source is not None else None
    if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier) or table.args.get("db"):
        return None
    name, root = table.name, view.root
    if name in statement.as_of:
        name, rev = statement.as_of[name]
        root = view.root_at(rev)
    if view.table_name(name, root) is None:
        return None
    return tuple(view.table(name, root).schema.primary_key) or None


def diff_sql(first: str, second: str, schemas: tuple[pa.Schema, pa.Schema],
             key: tuple[str, ...] | None) -> str:
    """DuckDB SQL of the diff of the registered results `first` and `second` (their schemas
    given); `key` matches rows when both results have the same columns and hold it."""
    old, new = schemas
    same = old.names == new.names and old.types == new.types and len(set(old.names)) == len(old.names)
    columns = ", ".join([f"f.{_q(c)} AS {_q('from_' + c)}" for c in old.names] +
                        [f"t.{_q(c)} AS {_q('to_' + c)}" for c in new.names])
    if same and key and all(k in old.names for k in key):
        return _by_key(first, second, old.names, key, columns)
    if same:
        deleted = f"(SELECT * FROM {first} EXCEPT ALL SELECT * FROM {second})"
        added = f"(SELECT * FROM {second} EXCEPT ALL SELECT * FROM {first})"
    else:
        deleted, added = first, second
    return (f"SELECT {columns}, 'deleted' AS diff_type FROM {deleted} f LEFT JOIN {second} t ON FALSE "
            f"UNION ALL SELECT {columns}, 'added' AS diff_type FROM {added} t LEFT JOIN {first} f ON FALSE")


def _by_key(first: str, second: str, names: list[str], key: tuple[str, ...], columns: str) -> str:
    on = " AND ".join(f"f.{_q(k)} IS NOT DISTINCT FROM t.{_q(k)}" for k in key)
    changed = " OR ".join(f"f.{_q(c)} IS DISTINCT FROM t.{_q(c)}" for c in names)
    order = ", ".join(f"coalesce(f.{_q(k)}, t.{_q(k)})" for k in key)
    kind = f"CASE WHEN f.{_IN} IS NULL THEN 'added' WHEN t.{_IN} IS NULL THEN 'deleted' ELSE 'modified' END"
    return (f"SELECT {columns}, {kind} AS diff_type "
            f"FROM (SELECT *, 1 AS {_IN} FROM {first}) f FULL OUTER JOIN (SELECT *, 1 AS {_IN} FROM {second}) t "
            f"ON {on} WHERE f.{_IN} IS NULL OR t.{_IN} IS NULL OR {changed} ORDER BY {order}")


def _q(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")
