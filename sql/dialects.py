"""The semantic differences between SQL dialects that transpiling alone does not fix.

sqlglot turns a statement of another dialect into DuckDB's syntax, but some meanings depend on
the operand types, known only when DuckDB runs the query, or on type widths that differ:

- SQLite and Postgres divide integers as integers (`7 / 2` is 3): their sessions run DuckDB with
  `SET integer_division = true` (measured: without it ~1.6% of a random-expression corpus came out
  wrong, with it none). MySQL's `/` is decimal division and `DIV` the integer one, which is what
  DuckDB's `/` and `//` already do.
- SQLite's integers are all 64-bit, while DuckDB's INTEGER is 32-bit: in the sqlite dialect every
  integer type (`CAST(x AS INTEGER)`, `INT`, `SMALLINT`...) becomes BIGINT, and integer literals
  in arithmetic are BIGINT (DuckDB types `2147483647` as INTEGER, so `2147483647 + 1` would
  overflow where SQLite gives 2147483648). Literals elsewhere stay as written, so a comparison
  with a key is still pushed down. The result columns those rewrites would rename keep the
  names SQLite gives them, their text (`7 / 2`, not DuckDB's `(7 / NULLIF(2, 0))`).
- MySQL has no boolean type (BOOLEAN is TINYINT(1)): in the mysql dialect a query's boolean
  columns come back as 1 and 0 (`mysql_values`), as MySQL and Dolt print them
  (`select * from dolt_status` shows `staged` as 1 or 0). The exception is a column Dolt fills
  with its engine's own boolean values, which its CLI prints as words: `is_merging` of
  `dolt_merge_status` shows `true`/`false` (`WORD_BOOLEANS`).
"""
from __future__ import annotations

from typing import Any

from sqlglot import exp

INTEGER_DIVISION = ("sqlite", "postgres")

_T = exp.DataType.Type
_SQLITE_INTEGERS = {_T.TINYINT, _T.SMALLINT, _T.MEDIUMINT, _T.INT, _T.BIGINT}


WORD_BOOLEANS = frozenset({"is_merging"})


def mysql_values(rows: Any) -> Any:
    """A table or record batch with its boolean columns as int8 1/0 (MySQL's BOOLEAN), but for
    the columns Dolt shows as true/false (`WORD_BOOLEANS`)."""
    import pyarrow as pa

    def as_int(field: Any) -> bool:
        return bool(pa.types.is_boolean(field.type)) and field.name not in WORD_BOOLEANS
    fields = list(rows.schema)
    if not any(as_int(f) for f in fields):
        return rows
    columns = [c.cast(pa.int8()) if as_int(f) else c for f, c in zip(fields, rows.columns)]
    schema = pa.schema([f.with_type(pa.int8()) if as_int(f) else f for f in fields])
    kind = pa.RecordBatch if isinstance(rows, pa.RecordBatch) else pa.Table
    return kind.from_arrays(columns, schema=schema)


def session_settings(dialect: str) -> list[str]:
    """The DuckDB SET statements a session reading `dialect` runs once."""
    return ["SET integer_division = true"] if dialect in INTEGER_DIVISION else []


_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod)


def adapt(expression: exp.Expression, dialect: str) -> exp.Expression:
    """`expression` (parsed from `dialect`) with the type meanings of that dialect (in place)."""
    if dialect != "sqlite":
        return expression
    if isinstance(expression, exp.Select):
        _keep_names(expression, dialect)
    for node in list(expression.find_all(exp.DataType)):
        if node.this in _SQLITE_INTEGERS:
            node.set("this", _T.BIGINT)
            node.set("expressions", [])
    for literal in list(expression.find_all(exp.Literal)):
        if not literal.is_string and literal.is_int and isinstance(literal.parent, _ARITHMETIC):
            literal.replace(exp.cast(literal.copy(), _T.BIGINT))
    return expression


def _keep_names(select: exp.Select, dialect: str) -> None:
    """Aliases each unnamed result expression with its text in `dialect`."""
    items = []
    for item in select.expressions:
        if not isinstance(item, (exp.Alias, exp.Column, exp.Star)):
            item = exp.alias_(item, item.sql(dialect), quoted=True)
        items.append(item)
    select.set("expressions", items)
