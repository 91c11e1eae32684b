"""Dolt's `dolt_schema_diff()` table function: the tables whose CREATE TABLE text differs
between two revisions, with both texts.

    dolt_schema_diff('from', 'to'[, 'table'])      also 'from..to' and 'from...to' (from the
                                                   merge base), as dolt_diff() takes them

Columns are Dolt's: `from_table_name`, `to_table_name`, `from_create_statement`,
`to_create_statement`. A table created between the two has an empty from name and text, a
dropped one an empty to name and text (empty strings, not NULL, as in Dolt). The texts are
`mysql_schema.create_table`'s, the same that `SHOW CREATE TABLE` and `dl schema show` print, so
a difference in any of them (columns, keys, indexes, constraints, comments) is a row; rows come
in the order of the to name, as Dolt sorts them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
from dl.sql import mysql_schema
from dl.sql.diff_tables import table_at, two_revisions
from dl.sql.errors import SqlError

if TYPE_CHECKING:
    from dl.core.versioning.root import RootValue
    from dl.sql.statement_view import View

COLUMNS = ("from_table_name", "to_table_name", "from_create_statement", "to_create_statement")


def dolt_schema_diff(view: View, args: list[str]) -> pa.Table:
    """The rows of `dolt_schema_diff(args...)` (see the module docstring)."""
    frm, to, rest = two_revisions(view, args, "dolt_schema_diff")
    if len(rest) > 1:
        raise SqlError("dolt_schema_diff() takes the revisions and at most one table: "
                       "dolt_schema_diff('HEAD~1', 'HEAD', 't')")
    before, after = view.root_at(frm), view.root_at(to)
    rows = []
    for name in sorted(set(before.tables) | set(after.tables)):
        if rest and rest[0] != name:
            continue
        old, new = _create_text(view, before, name), _create_text(view, after, name)
        if old != new:
            rows.append((name if old else "", name if new else "", old, new))
    rows.sort(key=lambda row: row[1])
    return pa.table({c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(COLUMNS)})


def _create_text(view: View, root: RootValue, name: str) -> str:
    table = table_at(view, root, name)
    return "" if table is None else mysql_schema.create_table(name, table.schema)
