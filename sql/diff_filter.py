"""`dl diff --where EXPR`: keep the changed rows an SQL condition selects.

The condition sees each changed row as `dolt_diff_<table>` shows it, as Dolt's does: `from_<col>`
and `to_<col>` for both sides and `diff_type` ('added', 'removed', 'modified'); a plain `<col>`
is no column there, so `--where "pk = 4"` is Dolt's "Error running diff query". Only the rows the
tree diff produced are queried (DuckDB over Arrow), never the tables. `check_condition` runs the
condition over no rows, so a bad condition fails even when nothing changed (as Dolt checks it).

`narrowed` applies both to a table's diff in pieces (`diff_table_pieces`, key order): the
condition to each piece as it comes, the limit across them, so `--limit` stops reading the
diff once it has its rows and neither holds more than a piece.
"""
from __future__ import annotations

import re

from collections.abc import Iterable, Iterator
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


def narrowed(pieces: Iterable[TableDiff], where: str | None, limit: int | None) -> Iterator[TableDiff]:
    """One table's diff pieces (in key order) with the rows `where` selects, at most `limit`
    of them in all: the first in key order. The first piece always comes (it carries the
    table's header); no piece is read after the limit is reached."""
    condition = _parse_condition(where) if where else None
    left = limit
    source = iter(pieces)
    first = True
    while first or left is None or left > 0:
        piece = next(source, None)
        if piece is None:
            return
        first = False
        if condition is not None:
            piece = _filtered(piece, condition, where or "")
        if left is not None:
            piece = limit_diff(piece, left)
            left -= len(piece.rows)
        yield piece


def filter_diff(diff: TableDiff, where: str) -> TableDiff:
    """`diff` with only the rows for which `where` is true."""
    return _filtered(diff, _parse_condition(where), where)


def _filtered(diff: TableDiff, condition: str, where: str) -> TableDiff:
    """`filter_diff` with the condition already parsed and re-rendered."""
    rows = diff.rows
    frame = _frame(diff)
    connection = connect()
    try:
        connection.register("diff_rows", frame)
        kept = connection.sql(f"SELECT __part, __index FROM diff_rows WHERE {condition}").to_arrow_table()
    except duckdb.Error as exc:
        raise SqlError(f"Error running diff query (where {where}): {_reason(exc)}") from None
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


def _reason(exc: Exception) -> str:
    """DuckDB's complaint about a condition, an unknown column in MySQL's words (as Dolt says
    it: `column "x" could not be found in any table in scope`)."""
    text = str(exc).splitlines()[0]
    unknown = re.search(r'Referenced column "([^"]+)" not found', text)
    return f'column "{unknown.group(1)}" could not be found in any table in scope' if unknown else text


def _parse_condition(where: str) -> str:
    """The condition re-rendered by sqlglot, refusing anything but one expression."""
    try:
        parsed = sqlglot.parse_one(f"SELECT 1 WHERE {where}", read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise SqlError(f"Failed to parse diff query. Invalid where clause? (where {where}): "
                       f"{str(exc).splitlines()[0]}") from None
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
        pieces.append(pa.table(data))
    if not pieces:
        return _empty_frame([(name, schema.field(name).type) for name in columns])
    return pa.concat_tables(pieces) if len(pieces) > 1 else pieces[0]


def _empty_frame(columns: list[tuple[str, pa.DataType]]) -> pa.Table:
    """The diff's columns (diff_type, from_<col>, to_<col>) with no rows."""
    empty: dict[str, pa.Array] = {"__part": pa.array([], pa.string()), "__index": pa.array([], pa.int64()),
                                  "diff_type": pa.array([], pa.string())}
    for name, kind in columns:
        for prefix in ("from_", "to_"):
            empty.setdefault(f"{prefix}{name}", pa.array([], kind))
    return pa.table(empty)


def check_condition(where: str, columns: list[tuple[str, pa.DataType]]) -> None:
    """Fails (Dolt's words) unless `where` is one condition that runs over a diff of tables
    with these columns: what `dl diff --where` checks when no table changed, as Dolt does."""
    condition = _parse_condition(where)
    connection = connect()
    try:
        connection.register("diff_rows", _empty_frame(columns))
        connection.sql(f"SELECT __part FROM diff_rows WHERE {condition}").fetchall()
    except duckdb.Error as exc:
        raise SqlError(f"Error running diff query (where {where}): {_reason(exc)}") from None
    finally:
        connection.close()


def limit_diff(diff: TableDiff, limit: int) -> TableDiff:
    """At most `limit` changed rows: the first in key order, as Dolt's diff, which streams by
    key (a keyless table, whose rows have no order, gives its added rows before its removed)."""
    rows = diff.rows
    if len(rows) <= limit:
        return diff
    chosen = _first_by_key(diff, limit)
    if chosen is None:  # keyless, or a key Arrow cannot sort: part order
        left, counts = limit, []
        for n in (rows.added.num_rows, rows.removed.num_rows, rows.modified_to.num_rows):
            counts.append(min(max(left, 0), n))
            left -= counts[-1]
        chosen = [np.arange(n) for n in counts]
    added, removed, modified = (pa.array(c, pa.int64()) for c in chosen)
    return replace(diff, rows=TreeDiff(rows.added.take(added), rows.removed.take(removed),
                                       rows.modified_from.take(modified), rows.modified_to.take(modified)))


def _first_by_key(diff: TableDiff, limit: int) -> list[np.ndarray] | None:
    """Per part (added, removed, modified), the sorted positions of its rows among the first
    `limit` by primary key; None for a keyless table or a key Arrow cannot sort."""
    schema = diff.to_schema or diff.from_schema
    key = [k for k in (schema.primary_key if schema else ()) if k in diff.columns]
    if not key:
        return None
    rows = diff.rows
    parts = [rows.added, rows.removed, rows.modified_to]
    frames = [part.select(key).append_column("__part", pa.array(np.full(part.num_rows, i, np.int8)))
              .append_column("__index", pa.array(np.arange(part.num_rows), pa.int64()))
              for i, part in enumerate(parts)]
    try:
        ordered = pa.concat_tables(frames, promote_options="permissive").sort_by([(k, "ascending") for k in key])
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return None
    head = ordered.slice(0, limit)
    part, index = head.column("__part").to_numpy(), head.column("__index").to_numpy()
    return [np.sort(index[part == i]) for i in range(3)]
