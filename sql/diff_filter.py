"""`dl diff --where EXPR`: keep the changed rows an SQL condition selects.

The condition sees each changed row as `dolt_diff_<table>` shows it: `from_<col>` and `to_<col>`
for both sides and `diff_type` ('added', 'removed', 'modified'); a plain `<col>` is the new
value, or the old one for a removed row, so `--where "id = 7"` works too. Only the rows the tree
diff produced are queried (DuckDB over Arrow), never the tables.
"""
from __future__ import annotations

from dataclasses import replace

import duckdb
import numpy as np
import pyarrow as pa
import sqlglot
from dl.core.prolly.diff import TreeDiff
from dl.core.versioning.diff import TableDiff
from dl.sql.engine import connect
from dl.sql.errors import TOO_DEEP, SqlError
from sqlglot import exp

PARTS = ("added", "removed", "modified")


def filter_diff(diff: TableDiff, where: str) -> TableDiff:
    """`diff` with only the rows for which `where` is true."""
    condition = _parse_condition(where)
    rows = diff.rows
    frame = _frame(diff)
    connection = connect()
    try:
        connection.register("diff_rows", frame)
        kept = connection.sql(f"SELECT __part, __index FROM diff_rows WHERE {condition}").to_arrow_table()
    except duckdb.Error as exc:
        raise SqlError(f"--where {where!r}: {str(exc).splitlines()[0]}") from None
    finally:
        connection.close()
    part = kept.column("__part").to_numpy(zero_copy_only=False)
    index = kept.column("__index").to_numpy()

    def take(table: pa.Table, name: str) -> pa.Table:
        chosen = np.sort(index[part == name])
        return table.take(pa.array(chosen, pa.int64()))
    modified = np.sort(index[part == "modified"])
    return replace(diff, rows=TreeDiff(take(rows.added, "added"), take(rows.removed, "removed"),
                                       rows.modified_from.take(pa.array(modified, pa.int64())),
                                       rows.modified_to.take(pa.array(modified, pa.int64()))))


def _parse_condition(where: str) -> str:
    """The condition re-rendered by sqlglot, refusing anything but one expression."""
    try:
        parsed = sqlglot.parse_one(f"SELECT 1 WHERE {where}", read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise SqlError(f"--where {where!r} is not a valid condition: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise SqlError(f"--where: {TOO_DEEP}") from None
    condition = parsed.args.get("where") if isinstance(parsed, exp.Select) else None
    if condition is None or parsed.find(exp.Subquery, exp.Select) is not parsed:
        raise SqlError(f"--where {where!r} must be one condition over the diff's columns")
    return condition.this.sql(dialect="duckdb")


def _frame(diff: TableDiff) -> pa.Table:
    """One row per changed row: part, index within its part, diff_type, from_/to_/plain columns."""
    rows = diff.rows
    columns = diff.columns
    schema = rows.added.schema
    pieces = []
    for part, old, new in (("added", None, rows.added), ("removed", rows.removed, None),
                           ("modified", rows.modified_from, rows.modified_to)):
        n = (new if new is not None else old).num_rows  # type: ignore[union-attr]
        if n == 0:
            continue
        data: dict[str, pa.Array | pa.ChunkedArray] = {
            "__part": pa.array([part] * n, pa.string()),
            "__index": pa.array(np.arange(n), pa.int64()),
            "diff_type": pa.array([part] * n, pa.string())}
        for name in columns:
            kind = schema.field(name).type
            before = old.column(name) if old is not None else pa.nulls(n, kind)
            after = new.column(name) if new is not None else pa.nulls(n, kind)
            data[f"from_{name}"] = before
            data[f"to_{name}"] = after
        for name in columns:
            if name not in data:
                data[name] = data[f"to_{name}"] if part != "removed" else data[f"from_{name}"]
        pieces.append(pa.table(data))
    if not pieces:
        empty = {"__part": pa.array([], pa.string()), "__index": pa.array([], pa.int64()),
                 "diff_type": pa.array([], pa.string())}
        for name in columns:
            kind = schema.field(name).type
            for prefix in ("from_", "to_", ""):
                empty.setdefault(f"{prefix}{name}", pa.array([], kind))
        return pa.table(empty)
    return pa.concat_tables(pieces) if len(pieces) > 1 else pieces[0]


def limit_diff(diff: TableDiff, limit: int) -> TableDiff:
    """At most `limit` changed rows, taken in the order added, removed, modified."""
    rows = diff.rows
    left = limit
    out = []
    for table in (rows.added, rows.removed):
        out.append(table.slice(0, max(left, 0)))
        left -= out[-1].num_rows
    n = max(min(left, rows.modified_to.num_rows), 0)
    return replace(diff, rows=TreeDiff(out[0], out[1], rows.modified_from.slice(0, n),
                                       rows.modified_to.slice(0, n)))

