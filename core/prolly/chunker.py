"""Cutting runs of items into nodes: shared by bulk builds and in-place edits.

A run is a sequence of items that starts at a chunk boundary: rows for leaves, child entries
for internal nodes. `cut` emits every complete chunk as a node and hands back the remainder,
which the caller extends with following items or, at the end of a level, emits as the last
chunk. Nodes go to a `NodeWriter`, which collects new chunks so a whole edit is stored in one
`put_many`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from dl.core.hashing import Address, address_of
from dl.core.prolly import splitter
from dl.core.prolly.layout import RowLayout, address_hashes, key_hashes
from dl.core.prolly.node import Entries, InternalNode, encode_internal, encode_leaf
from dl.core.tables.encoding import key_lengths

_ENTRY_OVERHEAD = 28  # address + count


PREPARE_EVERY = 64  # new chunks handed to `NodeWriter.prepare` at a time


@dataclass
class NodeWriter:
    """Collects the chunks of new nodes (by address) until the caller stores them, and the
    nodes themselves (a leaf's rows, an internal node's entries) for the node cache.

    With `prepare` (a store's `prepare`, for bulk builds), the new chunks are also handed to
    it `PREPARE_EVERY` at a time as they are made, so the store compresses them on its pool
    while the build goes on; they are stored as always, by the caller's `put_many`."""

    chunks: dict[Address, bytes] = field(default_factory=dict)
    nodes: dict[Address, pa.RecordBatch | InternalNode] = field(default_factory=dict)
    prepare: Callable[[dict[Address, bytes]], None] | None = None
    _unprepared: dict[Address, bytes] = field(default_factory=dict)

    def add(self, data: bytes, node: pa.RecordBatch | InternalNode | None = None) -> Address:
        address = address_of(data)
        self.put(address, data, node)
        return address

    def put(self, address: Address, data: bytes, node: pa.RecordBatch | InternalNode | None = None) -> None:
        """`add` of a chunk whose address is already computed (`address_of(data)`)."""
        self.chunks[address] = data
        if node is not None:
            self.nodes[address] = node
        if self.prepare is not None:
            self._unprepared[address] = data
            if len(self._unprepared) >= PREPARE_EVERY:
                self.prepare(self._unprepared)
                self._unprepared = {}


@dataclass
class RowRun:
    """Rows sorted by key, with their encoded keys, sizes and boundary hashes."""

    batch: pa.RecordBatch
    keys: np.ndarray
    sizes: np.ndarray
    hashes: np.ndarray

    @staticmethod
    def of(layout: RowLayout, batch: pa.RecordBatch, keys: np.ndarray | None = None) -> "RowRun":
        keys = layout.keys_of(batch) if keys is None else keys
        return RowRun(batch, keys, layout.row_sizes(batch), key_hashes(keys))

    def __len__(self) -> int:
        return len(self.keys)

    def slice(self, start: int, stop: int | None = None) -> "RowRun":
        stop = len(self) if stop is None else stop
        return RowRun(self.batch.slice(start, stop - start), self.keys[start:stop],
                      self.sizes[start:stop], self.hashes[start:stop])

    def extend(self, other: "RowRun") -> "RowRun":
        if not len(self):
            return other
        if not len(other):
            return self
        return RowRun(pa.concat_batches([self.batch, other.batch]),
                      np.concatenate([self.keys, other.keys]),
                      np.concatenate([self.sizes, other.sizes]),
                      np.concatenate([self.hashes, other.hashes]))

    def emit(self, writer: NodeWriter, start: int, stop: int) -> tuple[bytes, Address, int]:
        batch = self.batch.slice(start, stop - start)
        address = writer.add(encode_leaf(batch), batch)
        return bytes(self.keys[stop - 1]), address, stop - start


@dataclass
class EntryRun:
    """Child entries of one level, with sizes and boundary hashes, for cutting internal nodes."""

    entries: Entries
    level: int  # level of the nodes these entries will form
    sizes: np.ndarray
    hashes: np.ndarray

    @staticmethod
    def of(entries: Entries, level: int) -> "EntryRun":
        sizes = key_lengths(entries.keys).astype(np.int64) + _ENTRY_OVERHEAD
        return EntryRun(entries, level, sizes, address_hashes(entries.addrs))

    def __len__(self) -> int:
        return len(self.entries)

    def slice(self, start: int, stop: int | None = None) -> "EntryRun":
        stop = len(self) if stop is None else stop
        return EntryRun(self.entries.slice(start, stop), self.level,
                        self.sizes[start:stop], self.hashes[start:stop])

    def extend(self, other: "EntryRun") -> "EntryRun":
        if not len(self):
            return other
        if not len(other):
            return self
        return EntryRun(Entries.concat([self.entries, other.entries]), self.level,
                        np.concatenate([self.sizes, other.sizes]),
                        np.concatenate([self.hashes, other.hashes]))

    def emit(self, writer: NodeWriter, start: int, stop: int) -> tuple[bytes, Address, int]:
        part = self.entries.slice(start, stop)
        address = writer.add(encode_internal(self.level, part), InternalNode(self.level, part))
        return bytes(part.keys[-1]), address, int(part.counts.sum())


Run = RowRun | EntryRun


def cut(run: Run, writer: NodeWriter, *, final: bool) -> tuple[list[tuple[bytes, Address, int]], Run]:
    """Emits the complete chunks of `run`; with `final`, the remainder too (end of the level).

    Nodes are encoded on this thread. Encoding leaves on the pool was measured slower: per leaf
    it is a dozen short Arrow, numpy and hashlib calls, each releasing the GIL, and two threads
    doing that hand the GIL to each other at every call (a 1M-row build: 310 ms on two cores
    against 300 ms on one). What pays on the second core is compression in one call per 64
    leaves (the writer's `prepare`)."""
    policy = splitter.LEAF_POLICY if isinstance(run, RowRun) else splitter.INTERNAL_POLICY
    ends, rest = splitter.split_points(run.sizes, run.hashes, policy)
    bounds = list(zip([0, *ends[:-1]], ends))
    if final and rest < len(run):
        bounds.append((rest, len(run)))
        rest = len(run)
    return [run.emit(writer, start, stop) for start, stop in bounds], run.slice(rest)


def entries_of(emitted: list[tuple[bytes, Address, int]]) -> Entries:
    """Parent entries for emitted nodes."""
    return Entries.of([e[0] for e in emitted], [e[1] for e in emitted], [e[2] for e in emitted])


def build_levels(entries: Entries, level: int, writer: NodeWriter) -> Address | None:
    """Stacks internal levels over `entries` (children at `level - 1`) until one node remains."""
    if len(entries) == 0:
        return None
    while len(entries) > 1:
        emitted, _ = cut(EntryRun.of(entries, level), writer, final=True)
        entries = entries_of(emitted)
        level += 1
    return entries.address(0)
