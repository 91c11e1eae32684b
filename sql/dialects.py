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
- MySQL has no boolean type: BOOLEAN is TINYINT(1), so a BOOLEAN column of the mysql dialect is
  stored as int8 declared `tinyint(1)` and holds 1/0 (Dolt prints them so), whatever the names.
"""
from __future__ import annotations

from sqlglot import exp

INTEGER_DIVISION = ("sqlite", "postgres")

_T = exp.DataType.Type
_SQLITE_INTEGERS = {_T.TINYINT, _T.SMALLINT, _T.MEDIUMINT, _T.INT, _T.BIGINT}


def session_settings(dialect: str) -> list[str]:
    """The DuckDB SET statements a session reading `dialect` runs once."""
    return ["SET integer_division = true"] if dialect in INTEGER_DIVISION else []


_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod)


def adapt(expression: exp.Expression, dialect: str) -> exp.Expression:
    """`expression` (parsed from `dialect`) with the type meanings of that dialect (in place)."""
    if dialect == "mysql":
        return _mysql_booleans(expression)
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


def _mysql_booleans(expression: exp.Expression) -> exp.Expression:
    """MySQL's BOOLEAN (and BOOL) column is TINYINT(1): a column declared so stores 1/0 and
    prints them, as MySQL and Dolt do, and is declared `tinyint(1)` in its schema text."""
    for node in list(expression.find_all(exp.DataType)):
        if node.this == _T.BOOLEAN and isinstance(node.parent, exp.ColumnDef):
            node.replace(exp.DataType.build("TINYINT(1)", dialect="mysql"))
    return expression


def _keep_names(select: exp.Select, dialect: str) -> None:
    """Aliases each unnamed result expression with its text in `dialect`."""
    items = []
    for item in select.expressions:
        if not isinstance(item, (exp.Alias, exp.Column, exp.Star)):
            item = exp.alias_(item, item.sql(dialect), quoted=True)
        items.append(item)
    select.set("expressions", items)
