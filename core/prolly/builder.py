"""Bulk building a tree bottom-up from an Arrow table in one vectorized pass.

Rows are sorted by encoded key (skipped when already sorted, the common case for exports and
sequential ids), checked for duplicate keys, cut into leaves by the content-defined splitter,
and internal levels are stacked until one node remains. The result is the canonical tree of
those rows: the same root an in-place edit reaches (history independence).
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
from dl.core.arrow_values import indices
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
        batch = batch.take(indices(order))
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
    writer = NodeWriter(prepare=getattr(store, "prepare", None))  # compressing as it builds
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


FLUSH_BYTES = 32 << 20


class TreeBuilder:
    """Builds the canonical tree of rows that arrive in batches in key order, in bounded memory.

    Each batch extends the run left over from the previous one (a run always starts at a chunk
    boundary, so cutting batch by batch gives the same leaves as cutting all rows at once: the
    same root as `build_tree`). Leaves go to the store every `flush_bytes`, so memory holds one
    batch, the open run and the level-1 entries (~60 bytes per leaf), not the table.
    Keys must be strictly increasing across batches; the caller checks (it knows the lines)."""

    def __init__(self, store: ChunkStore, layout: RowLayout, *, flush_bytes: int | None = None) -> None:
        self.store, self.layout = store, layout
        self.flush_bytes = FLUSH_BYTES if flush_bytes is None else flush_bytes
        self._writer = NodeWriter(prepare=getattr(store, "prepare", None))
        self._pending_bytes = 0
        self._run: RowRun | None = None
        self._keys: list[bytes] = []
        self._addrs: list[Address] = []
        self._counts: list[int] = []

    def add(self, batch: pa.RecordBatch, keys: np.ndarray) -> None:
        """Appends rows sorted by key, all greater than every key added before."""
        if batch.num_rows == 0:
            return
        if batch.schema != self.layout.schema:
            batch = batch.select(list(self.layout.schema.names)).cast(self.layout.schema)
        run = RowRun.of(self.layout, batch, keys)
        run = run if self._run is None else self._run.extend(run)
        emitted, rest = cut(run, self._writer, final=False)
        self._run = rest  # type: ignore[assignment]
        self._note(emitted)

    def finish(self) -> Address | None:
        """Emits the last leaf and the internal levels; returns the root (None when empty)."""
        if self._run is not None and len(self._run):
            emitted, _ = cut(self._run, self._writer, final=True)
            self._note(emitted)
        self._run = None
        root = build_levels(entries_of(list(zip(self._keys, self._addrs, self._counts))), 1,
                            self._writer)
        self._flush()
        return root

    def _note(self, emitted: list[tuple[bytes, Address, int]]) -> None:
        for key, address, count in emitted:
            self._keys.append(key)
            self._addrs.append(address)
            self._counts.append(count)
            self._pending_bytes += len(self._writer.chunks.get(address, b""))
        if self._pending_bytes >= self.flush_bytes:
            self._flush()

    def _flush(self) -> None:
        if self._writer.chunks:
            self.store.put_many(self._writer.chunks)
        self._writer = NodeWriter(prepare=self._writer.prepare)
        self._pending_bytes = 0
