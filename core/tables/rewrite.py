"""A table's rows under a new schema (ALTER TABLE), rewritten a window of leaves at a time.

Adding, dropping or renaming a column, or changing a column's type or NOT NULL, rewrites every
leaf (leaves hold the columns), but it keeps the rows' key order whenever the key columns keep
their places and types: then each window of old leaves is changed, conformed to the new schema and handed
to a `TreeBuilder` in key order, and memory holds a window, not the table. The tree is the
same as a bulk build of the changed rows gives (history independence). Where the order can
change (a key column retyped, or a keyless table, whose rows are keyed by a hash of all their
columns), the changed windows are gathered into runs of `RUN_BYTES`, each sorted by its new
key and spilled (`external_sort.RunSorter`), and the runs are merged into the builder: memory
holds a run and then one batch per run, never the table. Keys the change makes equal (a
retyped key: '01' and '1' as integers) are adjacent in the merged stream and raise
`DuplicateKey`; a keyless table's copies of one row from different windows are added up (in its
run, then where runs meet in one merged batch). A keyless window is read as users see it, each
copy a row, so a row with very many copies makes a large window.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
from dl.core.errors import DuplicateKey
from dl.core.prolly.builder import TreeBuilder
from dl.core.tables.external_sort import RunSorter
from dl.core.tables.schema import TableSchema
from dl.core.tables.stream_import import copies_summed
from dl.core.tables.table import Table, TableValue

WINDOW_LEAVES = 64  # old leaves changed at a time
RUN_BYTES = 32 << 20  # changed rows sorted and spilled together, when the key order changes

Change = Callable[[pa.Table, int], pa.Table]  # (rows, rows before them) -> changed rows


def rewritten(table: Table, schema: TableSchema, change: Change | None = None, *,
              scratch: Path | None = None) -> Table:
    """`table` with `schema` and its rows passed through `change` (None: as they are, e.g. a
    rename), checked against the new schema as any write is. `scratch` holds the sorted runs
    when the key order changes (None: the system's temporary directory)."""
    fresh = Table.empty(table.store, schema)
    step: Change = change or (lambda rows, first: rows)
    if table.value.rows is None:
        return fresh
    builder = TreeBuilder(table.store, schema.layout)
    if _keeps_order(table.schema, schema):
        for stored, keys in _changed(table, fresh, step):
            _add(builder, stored, keys)
    else:
        with RunSorter(schema.layout, scratch) as sorter:
            for run in _runs(_changed(table, fresh, step), schema.is_keyless):
                sorter.add(run)
            for batch, keys in _deduplicated(fresh, sorter.merged()):
                builder.add(batch, keys)
    done = Table(table.store, TableValue(schema, builder.finish()))
    return done.with_indexes_rebuilt() if schema.indexes else done  # indexes: built from the rows


def _changed(table: Table, fresh: Table, step: Change) -> Iterator[tuple[pa.Table, np.ndarray]]:
    """Each window of `table`'s rows as users see them, through `step`, conformed and stored as
    `fresh` stores rows, with their new keys."""
    first = 0
    for stored in _windows(table):
        rows = table.user_rows(stored)
        changed = fresh.stored_rows(fresh.conform(step(rows, first)))
        first += rows.num_rows
        if changed.num_rows:
            yield changed, fresh.schema.layout.keys_of(changed)


def _runs(windows: Iterator[tuple[pa.Table, np.ndarray]], keyless: bool) -> Iterator[pa.Table]:
    """The changed windows gathered into runs of about `RUN_BYTES`: merging the runs holds a
    batch of each, so runs as small as a window would hold much of the table at once."""
    held: list[tuple[pa.Table, np.ndarray]] = []
    size = 0
    for rows, keys in windows:
        held.append((rows, keys))
        size += rows.nbytes
        if size >= RUN_BYTES:
            yield _run(held, keyless)
            held, size = [], 0
    if held:
        yield _run(held, keyless)


def _run(held: list[tuple[pa.Table, np.ndarray]], keyless: bool) -> pa.Table:
    """One run of windows; a keyless table's run holds each row once with its copies added up,
    as the merge of the runs expects (a row's copies in one run could straddle two of its
    batches, and be stored twice)."""
    rows = pa.concat_tables([r for r, _ in held])
    if not keyless or len(held) == 1:
        return rows
    keys = np.concatenate([k for _, k in held])
    order = np.argsort(keys, kind="stable")
    return copies_summed(rows.take(pa.array(order)), keys[order])[0]


def _add(builder: TreeBuilder, rows: pa.Table, keys: np.ndarray) -> None:
    for batch in rows.to_batches():
        builder.add(batch, keys[:batch.num_rows])
        keys = keys[batch.num_rows:]


def _deduplicated(fresh: Table, merged: Iterator[tuple[pa.RecordBatch, np.ndarray]]
                  ) -> Iterator[tuple[pa.RecordBatch, np.ndarray]]:
    """The merged runs with equal keys settled: a keyless table's copies of one row added up
    (they always meet in one merged batch); a keyed table's repeated key is `DuplicateKey`
    (also across batches: the last key of each is remembered)."""
    last: bytes | None = None
    for batch, keys in merged:
        if fresh.schema.is_keyless:
            rows, keys = copies_summed(pa.Table.from_batches([batch]), keys)
            yield pa.concat_batches(rows.to_batches()), keys
            continue
        repeated = np.flatnonzero(keys[1:] == keys[:-1]) + 1
        if last is not None and bytes(keys[0]) == last:
            repeated = np.concatenate([[0], repeated])
        if len(repeated):
            row = batch.slice(int(repeated[0]), 1).select(list(fresh.schema.primary_key)).to_pylist()[0]
            raise DuplicateKey("", tuple(row.values()) if len(row) > 1 else next(iter(row.values())))
        last = bytes(keys[-1])
        yield batch, keys


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
