"""A table's rows under a new schema (ALTER TABLE), rewritten a window of leaves at a time.

Adding, dropping or renaming a column, or changing a column's type or NOT NULL, rewrites every
leaf (leaves hold the columns), but it keeps the rows' key order whenever the key columns keep
their places and types: then each window of old leaves is changed, conformed to the new schema and handed
to a `TreeBuilder` in key order, and memory holds a window, not the table. The tree is the
same as a bulk build of the changed rows gives (history independence). Where the order can
change (a key column retyped, or a keyless table, whose rows are keyed by a hash of all their
columns), the rows are read whole and bulk built.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pyarrow as pa
from dl.core.prolly.builder import TreeBuilder
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table, TableValue

WINDOW_LEAVES = 64  # old leaves changed at a time

Change = Callable[[pa.Table, int], pa.Table]  # (rows, rows before them) -> changed rows


def rewritten(table: Table, schema: TableSchema, change: Change | None = None) -> Table:
    """`table` with `schema` and its rows passed through `change` (None: as they are, e.g. a
    rename), checked against the new schema as any write is."""
    fresh = Table.empty(table.store, schema)
    step: Change = change or (lambda rows, first: rows)
    if table.value.rows is None:
        return fresh
    if not _keeps_order(table.schema, schema):
        rows = step(table.scan(), 0)
        return fresh.replace_rows(rows) if rows.num_rows else fresh
    builder = TreeBuilder(table.store, schema.layout)
    first = 0
    for rows in _windows(table):
        stored = fresh.stored_rows(fresh.conform(step(rows, first)))
        first += rows.num_rows
        for batch in stored.to_batches():
            builder.add(batch, schema.layout.keys_of(batch))
    done = Table(table.store, TableValue(schema, builder.finish()))
    return done.with_indexes_rebuilt() if schema.indexes else done  # indexes: built from the rows


def _keeps_order(old: TableSchema, new: TableSchema) -> bool:
    """Whether rows keyed by `old` are still in key order under `new`: both keyed, with key
    columns of the same types in the same order (names may change)."""
    if old.is_keyless or new.is_keyless or len(old.primary_key) != len(new.primary_key):
        return False
    if [old.names.index(k) for k in old.primary_key] != [new.names.index(k) for k in new.primary_key]:
        return False  # other columns keyed (ALTER TABLE ... ADD PRIMARY KEY), not a rename
    return [old.column(k).type for k in old.primary_key] == [new.column(k).type for k in new.primary_key]


def _windows(table: Table) -> Iterator[pa.Table]:
    window: list[pa.RecordBatch] = []
    for leaf in table.tree.stream_leaves(WINDOW_LEAVES):
        window.append(leaf)
        if len(window) == WINDOW_LEAVES:
            yield pa.Table.from_batches(window)
            window = []
    if window:
        yield pa.Table.from_batches(window)
