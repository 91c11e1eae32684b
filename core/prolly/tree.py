"""Reading a prolly tree: point lookups, range scans, full scans, counts.

A `ProllyTree` is an immutable view: a store, a row layout and a root address (None for an
empty tree). Reads descend only into the children whose key ranges matter, so a lookup of k
keys reads O(k * depth) chunks; a full scan reads every leaf once, level by level, with one
`get_many` per level. A full scan of a large tree may come from the store's scan files
(`core.store.scan_files`: decoded rows keyed by the root address, checked before use).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from dl.core.arrow_values import indices
from dl.core.errors import IntegrityError
from dl.core.hashing import Address
from dl.core.prolly.layout import RowLayout
from dl.core.prolly.node import (
    HEADER_BYTES,
    INTERNAL_TAG,
    LEAF_TAG,
    InternalNode,
    decode_internal,
    decode_leaf,
)
from dl.core.store.base import ChunkStore

Node = InternalNode | pa.RecordBatch


class NodeCache:
    """A bounded LRU of decoded nodes, keyed by address and layout (content never changes).

    Shared by every thread of the process (`dl sql-server` runs statements in worker threads
    too). Each `OrderedDict` call is atomic (C code, under the GIL), but a hit's look-up and
    its move to the end are two calls, between which another thread may evict the key: the
    move then finds nothing, which is harmless. Adding and evicting keep a byte count, so
    they hold a lock. A hit takes no lock (a point read makes one per tree level)."""

    def __init__(self, max_bytes: int = 256 << 20) -> None:
        self._items: OrderedDict[tuple[bytes, bytes], tuple[Node, int]] = OrderedDict()
        self._bytes = 0
        self._max = max_bytes
        self._lock = threading.Lock()

    def get(self, key: tuple[bytes, bytes]) -> Node | None:
        hit = self._items.get(key)
        if hit is None:
            return None
        try:
            self._items.move_to_end(key)
        except KeyError:
            pass  # evicted by another thread meanwhile: the node is still the right one
        return hit[0]

    def put(self, key: tuple[bytes, bytes], node: Node, size: int) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (node, size)
            self._bytes += size
            while self._bytes > self._max and self._items:
                _, (_, old) = self._items.popitem(last=False)
                self._bytes -= old

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


NODE_CACHE = NodeCache()


@dataclass(frozen=True)
class ProllyTree:
    """Rows keyed by primary key, stored as a content-addressed tree of chunks."""

    store: ChunkStore
    layout: RowLayout
    root: Address | None

    # --- nodes -------------------------------------------------------------------------

    def node(self, address: Address) -> Node:
        """The decoded node at `address` (cached)."""
        key = (address.raw, self.layout.fingerprint)
        cached = NODE_CACHE.get(key)
        if cached is not None:
            return cached
        return self._decode(address, self.store.get(address))

    def nodes(self, addresses: list[Address]) -> list[Node]:
        """Decoded nodes for many addresses, fetching the uncached ones in one `get_many`."""
        found: dict[Address, Node] = {}
        missing = []
        for address in addresses:
            cached = NODE_CACHE.get((address.raw, self.layout.fingerprint))
            if cached is None:
                missing.append(address)
            else:
                found[address] = cached
        if missing:
            found.update(self._read_missing(missing))
        return [found[a] for a in addresses]

    def _read_missing(self, missing: list[Address]) -> dict[Address, Node]:
        """Decoded nodes read from the store (then cached). A store that decodes on its pool
        as it reads (`SqliteStore.decode_many`) is given the decoding, so a full scan's
        fetch, decompression and Arrow decoding overlap on the cores."""
        decode_many = getattr(self.store, "decode_many", None)
        if decode_many is not None:
            decoded: dict[Address, tuple[Node, int]] = decode_many(missing, self._decode_node)
        else:
            decoded = {a: self._decode_node(a, d) for a, d in self.store.get_many(missing).items()}
        fingerprint = self.layout.fingerprint
        for address, (node, size) in decoded.items():
            NODE_CACHE.put((address.raw, fingerprint), node, size)
        return {address: node for address, (node, _) in decoded.items()}

    def nodes_at(self, addresses: list[Address], level: int) -> list[Node]:
        """`nodes(addresses)`, each required to be at `level` (0: a leaf). Every walk down a
        tree goes through here, one level at a time, so a damaged or hostile tree (a node
        that is its own child, a level skipped, a leaf among internal nodes) is an
        `IntegrityError` naming the node, never a loop or a crash."""
        nodes = self.nodes(addresses)
        for address, node in zip(addresses, nodes):
            actual = node.level if isinstance(node, InternalNode) else 0
            if actual != level:
                raise IntegrityError(f"chunk {address.hex}: tree node at level {actual} where "
                                     f"level {level} belongs", address.hex)
        return nodes

    def _decode(self, address: Address, data: bytes) -> Node:
        node, size = self._decode_node(address, data)
        NODE_CACHE.put((address.raw, self.layout.fingerprint), node, size)
        return node

    def _decode_node(self, address: Address, data: bytes) -> tuple[Node, int]:
        """The node and its size for the cache; touches no shared state (runs on pool threads)."""
        tag = data[0] if data else -1
        node: Node
        if tag == LEAF_TAG:
            node = decode_leaf(data, self.layout.schema, address)
        elif tag == INTERNAL_TAG:
            node = decode_internal(data, address)
        else:
            raise IntegrityError(f"chunk {address.hex} is not a tree node", address.hex)
        return node, len(data) + HEADER_BYTES

    def root_node(self) -> Node | None:
        return None if self.root is None else self.node(self.root)

    @property
    def height(self) -> int:
        """Level of the root: 0 for a single leaf (or an empty tree)."""
        node = self.root_node()
        return node.level if isinstance(node, InternalNode) else 0

    def with_root(self, root: Address | None) -> "ProllyTree":
        return ProllyTree(self.store, self.layout, root)

    # --- reads -------------------------------------------------------------------------

    def count(self) -> int:
        """Row count, from the root alone."""
        node = self.root_node()
        if node is None:
            return 0
        return node.count if isinstance(node, InternalNode) else node.num_rows

    def leaf_addresses(self, *, check_leaves: bool = True) -> list[Address]:
        """Every leaf address in key order, reading internal nodes level by level.

        With `check_leaves`, the leaves are read too (into the node cache) to check they are
        leaves; a streaming reader passes False, since reading them all would hold the whole
        table in memory just to list it, and decodes each leaf as a leaf when it reads it."""
        if self.root is None:
            return []
        frontier, level = [self.root], self.height
        while True:
            if level == 0 and not check_leaves:
                return frontier
            nodes = self.nodes_at(frontier, level)
            if level == 0:
                return frontier
            frontier = [n.entries.address(i) for n in nodes for i in range(len(n.entries))]  # type: ignore[union-attr]
            level -= 1

    def scan(self) -> pa.Table:
        """All rows in key order as one Arrow table (zero-copy over the leaves).

        A store that keeps scan files (`store.scan_files`) answers a large tree's scan from
        its checked file when it has one, and is given the scan after a read of the leaves."""
        files = getattr(self.store, "scan_files", None)
        if files is None or self.root is None:
            return self._table(self.nodes(self.leaf_addresses()))
        fingerprint = self.layout.fingerprint
        cached = files.read(self.root, self.layout.schema, fingerprint, self.count())
        if cached is not None:
            return cached
        rows = self._table(self.nodes(self.leaf_addresses()))
        files.write(self.root, fingerprint, rows)
        return rows

    def iter_batches(self, batch_leaves: int = 256) -> Iterator[pa.RecordBatch]:
        """Leaves in key order, fetched `batch_leaves` at a time (bounded memory for exports)."""
        addresses = self.leaf_addresses()
        for start in range(0, len(addresses), batch_leaves):
            yield from self.nodes(addresses[start:start + batch_leaves])  # type: ignore[misc]

    def stream_leaves(self, batch_leaves: int = 64) -> Iterator[pa.RecordBatch]:
        """Leaves in key order, `batch_leaves` at a time, decoded straight from the store: a
        scan of a table larger than memory holds a few leaves, and does not evict what point
        reads keep in the node cache."""
        addresses = self.leaf_addresses(check_leaves=False)
        for start in range(0, len(addresses), batch_leaves):
            yield from self.read_leaves(addresses[start:start + batch_leaves])

    def read_leaves(self, addresses: list[Address]) -> list[pa.RecordBatch]:
        """Leaves decoded straight from the store, past the node cache (streaming readers:
        a pass over more leaves than the cache holds would only evict what others reuse)."""
        schema = self.layout.schema
        decode_many = getattr(self.store, "decode_many", None)  # on the store's pool, as `nodes`
        if decode_many is not None:
            found = decode_many(addresses, lambda address, data: decode_leaf(data, schema, address))
        else:
            found = {a: decode_leaf(d, schema, a) for a, d in self.store.get_many(addresses).items()}
        return [found[a] for a in addresses]

    def get_many(self, keys: np.ndarray) -> pa.Table:
        """Rows whose encoded key is in `keys` (sorted or not), in key order."""
        keys = np.unique(keys)
        if self.root is None or len(keys) == 0:
            return self._table([])
        parts = []
        for batch, leaf_keys, group in self._leaves_for(keys):
            pos = np.searchsorted(leaf_keys, group)
            pos = np.minimum(pos, len(leaf_keys) - 1)
            hit = leaf_keys[pos] == group
            if hit.any():
                parts.append(batch.take(indices(pos[hit])))
        return self._table(parts)

    def scan_range(self, low: bytes | None = None, high: bytes | None = None, *,
                   low_inclusive: bool = True, high_inclusive: bool = True) -> pa.Table:
        """Rows with encoded key between `low` and `high` (None = unbounded), in key order."""
        if self.root is None:
            return self._table([])
        addresses = self._range_leaves(low, high)
        parts = []
        for batch in self.nodes(addresses):
            keys = self.layout.keys_of(batch)
            start = 0 if low is None else int(np.searchsorted(keys, low, "left" if low_inclusive else "right"))
            stop = len(keys) if high is None else int(np.searchsorted(keys, high, "right" if high_inclusive else "left"))
            if stop > start:
                parts.append(batch.slice(start, stop - start))
        return self._table(parts)

    # --- helpers -----------------------------------------------------------------------

    def _table(self, batches: list) -> pa.Table:
        return pa.Table.from_batches([b for b in batches if b.num_rows], schema=self.layout.schema)

    def _leaves_for(self, keys: np.ndarray) -> Iterator[tuple[pa.RecordBatch, np.ndarray, np.ndarray]]:
        """(leaf, its keys, the sorted query keys that fall in it), reading only those leaves."""
        frontier: list[tuple[Address, np.ndarray]] = [(self.root, keys)]  # type: ignore[list-item]
        level = self.height
        while frontier:
            nodes = self.nodes_at([a for a, _ in frontier], level)
            level -= 1
            if level < 0:
                for batch, (_, group) in zip(nodes, frontier):
                    yield batch, self.layout.keys_of(batch), group  # type: ignore[arg-type]
                return
            frontier = [(node.entries.address(index), part)  # type: ignore[union-attr]
                        for node, (_, group) in zip(nodes, frontier)
                        for index, part in route(node, group)]  # type: ignore[arg-type]

    def _range_leaves(self, low: bytes | None, high: bytes | None, *,
                      check_leaves: bool = True) -> list[Address]:
        frontier, level = [self.root], self.height
        while True:
            if level == 0 and not check_leaves:
                return frontier  # type: ignore[return-value]
            nodes = self.nodes_at(frontier, level)  # type: ignore[arg-type]
            if level == 0:
                return frontier  # type: ignore[return-value]
            level -= 1
            nxt = []
            for node in nodes:
                keys = node.entries.keys  # type: ignore[union-attr]
                first = 0 if low is None else int(np.searchsorted(keys, low, "left"))
                last = len(keys) - 1 if high is None else int(np.searchsorted(keys, high, "left"))
                last = min(last, len(keys) - 1)
                nxt.extend(node.entries.address(i) for i in range(first, last + 1))  # type: ignore[union-attr]
            if not nxt:
                return []
            frontier = nxt


def route(node: InternalNode, keys: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Splits sorted `keys` among `node`'s children: each key goes to the first child whose
    last key is >= it; keys past the last child's go to the last child (where they would be
    inserted)."""
    index = np.searchsorted(node.entries.keys, keys, side="left")
    np.minimum(index, len(node.entries) - 1, out=index)
    cuts = np.flatnonzero(np.diff(index)) + 1
    starts = np.concatenate([[0], cuts])
    stops = np.concatenate([cuts, [len(keys)]])
    return [(int(index[s]), keys[s:e]) for s, e in zip(starts, stops)]
