"""Bulk building a tree bottom-up from an Arrow table in one vectorized pass.

Rows are sorted by encoded key (skipped when already sorted, the common case for exports and
sequential ids), checked for duplicate keys, cut into leaves by the content-defined splitter,
and internal levels are stacked until one node remains. The result is the canonical tree of
those rows: the same root an in-place edit reaches (history independence).
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
from dl.core.errors import DuplicateKey
from dl.core.hashing import Address
from dl.core.prolly.chunker import NodeWriter, RowRun, build_levels, cut, entries_of
from dl.core.prolly.layout import RowLayout
from dl.core.store.base import ChunkStore


def sorted_rows(layout: RowLayout, data: pa.Table | pa.RecordBatch) -> tuple[pa.RecordBatch, np.ndarray]:
    """One batch of the rows sorted by key, with the sorted keys; `DuplicateKey` on a repeated key."""
    if data.schema != layout.schema:
        data = data.select(list(layout.schema.names)).cast(layout.schema)
    batch = _one_batch(data)
    keys = layout.keys_of(batch)
    if len(keys) > 1 and not bool(np.all(keys[1:] > keys[:-1])):
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        batch = batch.take(pa.array(order))
        dup = np.flatnonzero(keys[1:] == keys[:-1])
        if len(dup):
            row = batch.slice(int(dup[0]), 1).select(list(layout.key_columns)).to_pylist()[0]
            raise DuplicateKey("", tuple(row.values()) if len(row) > 1 else next(iter(row.values())))
    return batch, keys


def _one_batch(data: pa.Table | pa.RecordBatch) -> pa.RecordBatch:
    if isinstance(data, pa.RecordBatch):
        return data
    batches = data.to_batches()
    if len(batches) == 1:
        return batches[0]
    if not batches:
        return pa.RecordBatch.from_pylist([], schema=data.schema)
    return pa.concat_batches(batches)


def build_tree(store: ChunkStore, layout: RowLayout, data: pa.Table | pa.RecordBatch) -> Address | None:
    """Stores the canonical tree of `data`'s rows and returns its root (None when empty)."""
    batch, keys = sorted_rows(layout, data)
    writer = NodeWriter()
    root = build_from_sorted(layout, batch, keys, writer)
    store.put_many(writer.chunks)
    return root


def build_from_sorted(layout: RowLayout, batch: pa.RecordBatch, keys: np.ndarray,
                      writer: NodeWriter) -> Address | None:
    """The root of the tree over rows already sorted by unique key; nodes go to `writer`."""
    if batch.num_rows == 0:
        return None
    emitted, _ = cut(RowRun.of(layout, batch, keys), writer, final=True)
    return build_levels(entries_of(emitted), 1, writer)
