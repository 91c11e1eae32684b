"""Importing a file larger than memory: parts in, a sorted stream of rows through, a tree out.

`core.io.stream` reads the file in parts. Each part is checked (null keys and NOT NULL columns,
named by source line), conformed to the table's schema and tagged with each row's source line.
Then the rows must reach the tree in key order:
- Input already in key order (exports, sequential ids: the common case) goes straight on,
  part by part, while each part is sorted and starts after the previous one ended. The first
  part out of order raises `OutOfOrder`, and the import starts again, sorting.
- Otherwise every part is sorted and spilled as a run (`external_sort`), and the runs are merged.
Duplicate keys are adjacent in the sorted stream and are reported with both source lines, as
the whole-file import does. A keyless table's rows are keyed by their hash (`keyless_rows`):
each part is stored as distinct rows with their copies counted, always sorted in runs, and the
copies of a row that several parts hold are summed as the runs merge. Create and replace build the tree bottom-up as the rows arrive
(`TreeBuilder`); update and append apply them as in-place edits, one sorted batch at a time, so
each leaf is rewritten once. The chunks of a large import spill from the write buffer to the
store (`BufferedStore`), so memory holds a part, one batch per run and the tree's upper levels.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
from dl.core.errors import DuplicateKey, InputError
from dl.core.io.stream import Part, TableStream
from dl.core.prolly.builder import TreeBuilder
from dl.core.prolly.edit import apply_edits
from dl.core.tables.external_sort import RunSorter
from dl.core.tables.schema import ROW_COUNT, ROW_HASH, TableSchema
from dl.core.tables.table import Table

LINE = "__dl_line"


class OutOfOrder(Exception):
    """The input is not in key order after all: start again, sorting."""


def sorted_rows(stream: TableStream, table: Table, name: str, scratch: Path | None,
                *, sort: bool) -> Iterator[tuple[pa.Table, np.ndarray, np.ndarray]]:
    """The file's rows conformed to `table`'s schema, in key order: (rows, keys, lines)."""
    layout = table.schema.layout
    previous: tuple[bytes, int] | None = None  # last key seen and its line
    for rows in _ordered(stream, table, name, scratch, sort=sort):
        keys = layout.keys_of(rows)
        lines = rows.column(LINE).to_numpy()
        _check_unique(name, table.schema, rows, keys, lines, previous)
        previous = (bytes(keys[-1]), int(lines[-1]))
        yield rows.drop_columns([LINE]), keys, lines


def _ordered(stream: TableStream, table: Table, name: str, scratch: Path | None,
             *, sort: bool) -> Iterator[pa.Table]:
    layout = table.schema.layout
    if not sort:
        last: bytes | None = None
        for part in stream.parts():
            rows = _prepared(stream, table, part)
            if rows.num_rows == 0:
                continue
            keys = layout.keys_of(rows)
            if not bool(np.all(keys[1:] > keys[:-1])) or (last is not None and keys[0] <= last):
                raise OutOfOrder
            last = bytes(keys[-1])
            yield rows
        return
    with RunSorter(layout, scratch) as sorter:
        for part in stream.parts():
            sorter.add(_prepared(stream, table, part))
        for batch, _ in sorter.merged():
            yield pa.Table.from_batches([batch])


def _prepared(stream: TableStream, table: Table, part: Part) -> pa.Table:
    """A part checked for missing values where the schema forbids them, conformed, tagged with
    its lines."""
    lines = part.line_numbers()
    for column in table.schema.columns:
        required = column.not_null or column.name in table.schema.primary_key
        if not required or column.name not in part.table.column_names:
            continue
        values = part.table.column(column.name)
        if values.null_count:
            first = int(np.flatnonzero(values.is_null().to_numpy(zero_copy_only=False))[0])
            where = f"line {int(lines[first])}" if stream.lines_known else f"row {int(lines[first])}"
            what = "primary key column" if column.name in table.schema.primary_key else "NOT NULL column"
            raise InputError(f"{stream.path.name}, {where}: {what} {column.name!r} is empty or null",
                             line=int(lines[first]) if stream.lines_known else None, column=column.name)
    rows = table.conform(part.table)
    return rows.append_column(pa.field(LINE, pa.int64(), nullable=False), pa.array(lines, pa.int64()))


def _check_unique(name: str, schema: TableSchema, rows: pa.Table, keys: np.ndarray,
                  lines: np.ndarray, previous: tuple[bytes, int] | None) -> None:
    """Adjacent equal keys in the sorted stream are duplicates in the file: name both lines."""
    if previous is not None and bytes(keys[0]) == previous[0]:
        raise _duplicate(name, schema, rows, 0, (previous[1], int(lines[0])))
    repeated = np.flatnonzero(keys[1:] == keys[:-1])
    if len(repeated):
        i = int(repeated[0])
        raise _duplicate(name, schema, rows, i, (int(lines[i]), int(lines[i + 1])))


def _duplicate(name: str, schema: TableSchema, rows: pa.Table, index: int,
               lines: tuple[int, int]) -> DuplicateKey:
    key = [rows.column(k)[index].as_py() for k in schema.primary_key]
    first, second = sorted(lines)
    return DuplicateKey(name, key[0] if len(key) == 1 else tuple(key), (first, second))


def keyless_rows(stream: TableStream, table: Table, scratch: Path | None
                 ) -> Iterator[tuple[pa.Table, np.ndarray, np.ndarray]]:
    """The file's rows as keyless `table` stores them (row hash, columns, number of copies), in
    hash order, each distinct row once with its copies in the whole file: (rows, keys, no lines)."""
    layout = table.schema.layout
    with RunSorter(layout, scratch) as sorter:
        for part in stream.parts():
            sorter.add(table.stored_rows(_prepared(stream, table, part).drop_columns([LINE])))
        for batch, keys in sorter.merged():
            rows, unique = copies_summed(pa.Table.from_batches([batch]), keys)
            yield rows, unique, np.zeros(0, dtype=np.int64)


def copies_summed(rows: pa.Table, keys: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    """Rows sorted by hash with the copies of equal rows (from different runs) added up: a
    row's copies always meet in one merged batch (a run holds each row once, and a merge step
    takes every row up to its cutoff key)."""
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    if len(starts) == len(keys):
        return rows, keys
    counts = np.add.reduceat(rows.column(ROW_COUNT).to_numpy().astype(np.uint64), starts)
    firsts = rows.take(pa.array(starts))
    at = firsts.schema.get_field_index(ROW_COUNT)
    return firsts.set_column(at, firsts.schema.field(at), pa.array(counts, pa.uint64())), keys[starts]


# -- consumers ------------------------------------------------------------------------------------

def build_table(base: Table, rows: Iterable[tuple[pa.Table, np.ndarray, np.ndarray]]) -> Table:
    """A table of exactly these rows (create, replace), built bottom-up as they arrive."""
    builder = TreeBuilder(base.store, base.schema.layout)
    for table, keys, _ in rows:
        for batch in table.to_batches():
            n = batch.num_rows
            builder.add(batch, keys[:n])
            keys = keys[n:]
    return base.with_rows_root(builder.finish())


def upsert_table(base: Table, rows: Iterable[tuple[pa.Table, np.ndarray, np.ndarray]]) -> Table:
    """`base` with the rows upserted (update), one sorted batch at a time."""
    tree = base.tree
    for table, _, _ in rows:
        tree = apply_edits(tree, table)
    return base.with_rows_root(tree.root)


def add_keyless_copies(base: Table, rows: Iterable[tuple[pa.Table, np.ndarray, np.ndarray]]) -> Table:
    """Keyless `base` with the copies of each row added to those it holds (update, append),
    one batch in hash order at a time."""
    tree = base.tree
    for table, keys, _ in rows:
        existing = tree.get_many(keys).select([ROW_HASH, ROW_COUNT])
        if existing.num_rows:
            have = np.zeros(len(keys), dtype=np.uint64)
            found = np.searchsorted(keys, base.schema.layout.keys_of(existing))
            have[found] = existing.column(ROW_COUNT).to_numpy()
            at = table.schema.get_field_index(ROW_COUNT)
            total = table.column(ROW_COUNT).to_numpy().astype(np.uint64) + have
            table = table.set_column(at, table.schema.field(at), pa.array(total, pa.uint64()))
        tree = apply_edits(tree, table)
    return base.with_rows_root(tree.root)


def append_table(base: Table, rows: Iterable[tuple[pa.Table, np.ndarray, np.ndarray]],
                 name: str, source: str, lines_known: bool) -> Table:
    """`base` with the rows added (append); a key the table has already is an error naming the
    line of the file that repeats it."""
    tree = base.tree
    for table, keys, lines in rows:
        existing = tree.get_many(keys)
        if existing.num_rows:
            found = base.schema.layout.keys_of(existing.slice(0, 1))[0]
            at = int(np.flatnonzero(keys == found)[0])
            key = [table.column(k)[at].as_py() for k in base.schema.primary_key]
            shown = key[0] if len(key) == 1 else tuple(key)
            where = f"line {int(lines[at])}" if lines_known else f"row {int(lines[at])}"
            raise InputError(f"{source}, {where}: primary key {shown!r} already exists in table "
                             f"{name} (-a only adds rows; use -u to update them)")
        tree = apply_edits(tree, table)
    return base.with_rows_root(tree.root)
