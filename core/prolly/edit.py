"""Applying a batch of upserts and deletes to a tree in place.

The edit descends only to the leaves its keys fall in, merges them with the edits, and
re-chunks forward from the start of each touched leaf (always a boundary) until a new boundary
lands exactly on the end of an old node: from there on the old tree is reused by address,
because a boundary depends only on the items since the previous one. The same happens one
level up for the parents of the replaced nodes, up to the root. So a one-row edit rewrites one
leaf and one node per level, and the result is the canonical tree of the new rows (the same
root a bulk build gives).

Nodes are named by their path (child indices from the root) within this edit; paths of one
level sort in key order.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from dl.core.arrow_values import indices, mask
from dl.core.errors import InputError
from dl.core.hashing import Address
from dl.core.prolly.builder import build_tree, sorted_rows
from dl.core.prolly.chunker import EntryRun, NodeWriter, RowRun, Run, build_levels, cut, entries_of
from dl.core.prolly.node import HEADER_BYTES, Entries, InternalNode, decode_internal
from dl.core.prolly.tree import NODE_CACHE, ProllyTree, route

Path = tuple[int, ...]


@dataclass
class Window:
    """Old nodes `first`..`last` (inclusive, one level) replaced by nodes with these entries."""

    first: Path
    last: Path
    entries: list[tuple[bytes, Address, int]]


class _Walk:
    """The nodes of one tree by path, decoded once per edit."""

    def __init__(self, tree: ProllyTree, *, cache_leaves: bool = True) -> None:
        self.tree, self.cache_leaves = tree, cache_leaves
        root = tree.root_node()
        self.height = root.level if isinstance(root, InternalNode) else 0
        self._nodes: dict[Path, object] = {(): root}

    def node(self, path: Path) -> object:
        found = self._nodes.get(path)
        if found is None:
            parent = self.node(path[:-1])
            address = parent.entries.address(path[-1])  # type: ignore[attr-defined]
            found = self._load([address], self.height - len(path))[0]
            self._nodes[path] = found
        return found

    def _load(self, addresses: list[Address], level: int) -> list[object]:
        """Nodes at `level`; leaves past the node cache when the edit is a large one (the
        leaves it replaces would only evict what point reads keep there)."""
        if level == 0 and not self.cache_leaves:
            return list(self.tree.read_leaves(addresses))
        return list(self.tree.nodes_at(addresses, level))

    def remember(self, path: Path, node: object) -> None:
        self._nodes[path] = node

    def next_path(self, path: Path) -> Path | None:
        if not path:
            return None
        parent = self.node(path[:-1])
        if path[-1] + 1 < len(parent.entries):  # type: ignore[attr-defined]
            return path[:-1] + (path[-1] + 1,)
        after = self.next_path(path[:-1])
        return None if after is None else after + (0,)

    def run(self, path: Path) -> Run:
        node = self.node(path)
        if isinstance(node, InternalNode):
            return EntryRun.of(node.entries, node.level)
        return RowRun.of(self.tree.layout, node)  # type: ignore[arg-type]

    def route_to_leaves(self, keys: np.ndarray) -> dict[Path, tuple[int, int]]:
        """For sorted `keys`: leaf path -> slice of the keys that fall in that leaf."""
        frontier: list[tuple[Path, int, int]] = [((), 0, len(keys))]
        for _ in range(self.height):
            children = []
            for path, lo, hi in frontier:
                node = self.node(path)
                offset = lo
                for index, group in route(node, keys[lo:hi]):  # type: ignore[arg-type]
                    address = node.entries.address(index)  # type: ignore[attr-defined]
                    children.append((path + (index,), offset, offset + len(group), address))
                    offset += len(group)
            loaded = self._load([c[3] for c in children], self.height - len(frontier[0][0]) - 1)
            for child, node in zip(children, loaded):
                self.remember(child[0], node)
            frontier = [(p, lo, hi) for p, lo, hi, _ in children]
        return {path: (lo, hi) for path, lo, hi in frontier}


def apply_edits(tree: ProllyTree, upserts: pa.Table | pa.RecordBatch | None = None,
                deletes: np.ndarray | None = None) -> ProllyTree:
    """The tree with `upserts` (rows, replacing any with the same key) and `deletes`
    (encoded keys; absent ones are ignored) applied. New chunks go to the tree's store."""
    layout = tree.layout
    if upserts is None:
        upserts = layout.empty_batch()
    up_batch, up_keys = sorted_rows(layout, upserts)
    del_keys = np.unique(deletes) if deletes is not None and len(deletes) else np.array([], dtype="S1")
    if len(del_keys) and len(up_keys) and np.isin(del_keys, up_keys).any():
        raise InputError("the same key is both upserted and deleted in one edit")
    if tree.root is None:
        return tree.with_root(build_tree(tree.store, layout, up_batch))
    if not len(up_keys) and not len(del_keys):
        return tree
    if len(up_keys) + len(del_keys) > EDIT_CHUNK_KEYS:
        return _apply_in_chunks(tree, up_batch, up_keys, del_keys)
    return _apply_sorted(tree, up_batch, up_keys, del_keys)


EDIT_CHUNK_KEYS = 4096
EDIT_CHUNK_LEAVES = 64
"""A large edit is applied in consecutive key ranges of at most `EDIT_CHUNK_KEYS` keys that
fall in at most `EDIT_CHUNK_LEAVES` leaves, so it holds a bounded part of the tree, not all of
it: a 1% update touches every leaf (about ten keys each), and chunking by keys alone held 400
leaves and their merge temporaries at a time (measured: +200 MB of peak RSS at 3M rows, against
+76 MB by leaves, and faster). Dense edits (many keys per leaf) still go 4096 keys at a time."""


def _apply_in_chunks(tree: ProllyTree, up_batch: pa.RecordBatch, up_keys: np.ndarray,
                     del_keys: np.ndarray) -> ProllyTree:
    """A large edit applied as consecutive key ranges (`_chunk_ends`), each an in-place edit of
    the tree the previous one left: the same rows, so the same root (history independence),
    with each leaf still rewritten about once."""
    every = np.sort(np.concatenate([up_keys, del_keys]))
    ends = _chunk_ends(tree, every) + [None]
    up_start = del_start = 0
    for end in ends:
        up_stop = len(up_keys) if end is None else int(np.searchsorted(up_keys, end, side="right"))
        del_stop = len(del_keys) if end is None else int(np.searchsorted(del_keys, end, side="right"))
        if up_stop > up_start or del_stop > del_start:
            tree = _apply_sorted(tree, up_batch.slice(up_start, up_stop - up_start),
                                 up_keys[up_start:up_stop], del_keys[del_start:del_stop],
                                 cache_leaves=False)
        up_start, del_start = up_stop, del_stop
    return tree


def _chunk_ends(tree: ProllyTree, keys: np.ndarray) -> list[bytes]:
    """The last key of each chunk of the sorted edit `keys` but the final one: a chunk ends
    after `EDIT_CHUNK_KEYS` keys, or before the key that would make it touch more than
    `EDIT_CHUNK_LEAVES` leaves of the tree as it was (leaves found from the last keys of the
    leaf level's parents, no leaf read; a leaf a key lands past is the last one)."""
    leaf = np.zeros(len(keys), dtype=np.int64)
    if tree.height >= 1:
        last_keys = np.concatenate([node.entries.keys for node in _leaf_parents(tree)])
        leaf = np.searchsorted(last_keys, keys, side="left")
    distinct = np.concatenate([[0], np.cumsum(leaf[1:] != leaf[:-1])])  # leaves touched before each key
    ends, start = [], 0
    while True:
        stop = min(start + EDIT_CHUNK_KEYS,
                   int(np.searchsorted(distinct, distinct[start] + EDIT_CHUNK_LEAVES, side="left")))
        if stop >= len(keys):
            return ends
        ends.append(bytes(keys[stop - 1]))
        start = stop


def _leaf_parents(tree: ProllyTree) -> list[InternalNode]:
    """The internal nodes of level 1 (whose children are leaves), in key order."""
    frontier, level = [tree.root], tree.height
    while True:
        nodes = tree.nodes_at(frontier, level)  # type: ignore[arg-type]
        if level == 1:
            return nodes  # type: ignore[return-value]
        frontier = [n.entries.address(i) for n in nodes for i in range(len(n.entries))]  # type: ignore[union-attr]
        level -= 1


def _apply_sorted(tree: ProllyTree, up_batch: pa.RecordBatch, up_keys: np.ndarray,
                  del_keys: np.ndarray, *, cache_leaves: bool = True) -> ProllyTree:
    """`apply_edits` of sorted, unique, disjoint upserts and deletes to a non-empty tree."""
    if not len(up_keys) and not len(del_keys):
        return tree
    writer = NodeWriter()
    walk = _Walk(tree, cache_leaves=cache_leaves)
    changes = _leaf_changes(walk, up_batch, up_keys, del_keys)
    root = _rewrite(walk, changes, writer)
    tree.store.put_many(writer.chunks)
    if cache_leaves:  # the next statement reads them: keep them decoded (a large edit, in
        # windows past the cache, would only push everything else out)
        fingerprint = tree.layout.fingerprint
        for address, node in writer.nodes.items():
            NODE_CACHE.put((address.raw, fingerprint), node, len(writer.chunks[address]) + HEADER_BYTES)
    return tree.with_root(root)


def _leaf_changes(walk: _Walk, up_batch: pa.RecordBatch, up_keys: np.ndarray,
                  del_keys: np.ndarray) -> dict[Path, Run]:
    """The new rows of every touched leaf, merged in one vectorized pass over all of them.

    Leaves cover disjoint, ordered key ranges and each edit key is routed to the one leaf whose
    range holds it, so the touched leaves' rows with the edits applied, sorted by key, are the
    new rows of each leaf one after the other: one merge (and one pass of key encoding, sizing
    and hashing) serves them all, and each leaf's run is a slice of it."""
    up_groups = walk.route_to_leaves(up_keys) if len(up_keys) else {}
    del_groups = walk.route_to_leaves(del_keys) if len(del_keys) else {}
    paths = sorted(set(up_groups) | set(del_groups))
    leaves: list[pa.RecordBatch] = [walk.node(path) for path in paths]  # type: ignore[misc]
    old = leaves[0] if len(leaves) == 1 else pa.concat_batches(leaves)
    old_keys = walk.tree.layout.keys_of(old)
    keep = ~(_member(old_keys, up_keys) | _member(old_keys, del_keys))
    kept_per_leaf = np.add.reduceat(keep, np.cumsum([0] + [leaf.num_rows for leaf in leaves[:-1]]))
    ups_per_leaf = np.array([np.subtract(*reversed(up_groups.get(path, (0, 0)))) for path in paths])
    merged, merged_keys = _merge_sorted(old.filter(mask(keep)) if not keep.all() else old,
                                        old_keys[keep], up_batch, up_keys)
    run = RowRun.of(walk.tree.layout, merged, merged_keys)
    bounds = np.concatenate([[0], np.cumsum(kept_per_leaf + ups_per_leaf)])
    return {path: run.slice(int(bounds[i]), int(bounds[i + 1])) for i, path in enumerate(paths)}


def _merge_sorted(kept: pa.RecordBatch, kept_keys: np.ndarray, up_batch: pa.RecordBatch,
                  up_keys: np.ndarray) -> tuple[pa.RecordBatch, np.ndarray]:
    """Two row sets sorted by disjoint keys, merged in key order (by binary search, no sort)."""
    if not len(up_keys):
        return kept, kept_keys
    n_kept, n_up = len(kept_keys), len(up_keys)
    order = np.empty(n_kept + n_up, dtype=np.int64)
    order[np.arange(n_kept) + np.searchsorted(up_keys, kept_keys)] = np.arange(n_kept)
    order[np.arange(n_up) + np.searchsorted(kept_keys, up_keys)] = np.arange(n_kept, n_kept + n_up)
    merged = pa.concat_batches([kept, up_batch]).take(indices(order))
    return merged, np.concatenate([kept_keys, up_keys])[order]


def _member(keys: np.ndarray, sorted_probe: np.ndarray) -> np.ndarray:
    """Which `keys` occur in `sorted_probe` (vectorized, both numpy S arrays)."""
    if not len(sorted_probe):
        return np.zeros(len(keys), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_probe, keys), len(sorted_probe) - 1)
    return sorted_probe[pos] == keys


def _rewrite(walk: _Walk, changes: dict[Path, Run], writer: NodeWriter) -> Address | None:
    """Re-chunks each level from the leaves up and returns the new root."""
    level = 0
    while True:
        windows = _rewrite_level(walk, changes, writer)
        if level == walk.height:
            root = build_levels(entries_of(windows[0].entries), level + 1, writer)
            return _collapse(walk.tree, root, writer)
        changes = _parent_changes(walk, windows, level + 1)
        level += 1


def _rewrite_level(walk: _Walk, changes: dict[Path, Run], writer: NodeWriter) -> list[Window]:
    """Windows of old nodes replaced on one level, each re-chunked until realigned."""
    dirty = sorted(changes)
    windows: list[Window] = []
    i = 0
    while i < len(dirty):
        first = path = dirty[i]
        pending: Run | None = None
        emitted: list[tuple[bytes, Address, int]] = []
        while True:
            run = changes[path] if path in changes else walk.run(path)
            pending = run if pending is None else pending.extend(run)
            after = walk.next_path(path)
            done, pending = cut(pending, writer, final=after is None)
            emitted.extend(done)
            if not len(pending) or after is None:
                break
            path = after
        windows.append(Window(first, path, emitted))
        while i < len(dirty) and dirty[i] <= path:
            i += 1
    return windows


def _parent_changes(walk: _Walk, windows: list[Window], level: int) -> dict[Path, Run]:
    """New entry lists for the parents of the replaced nodes (level `level`)."""
    splices: dict[Path, list[tuple[int, int, Entries]]] = {}
    for window in windows:
        new = entries_of(window.entries)
        parent, start = window.first[:-1], window.first[-1]
        last_parent, stop = window.last[:-1], window.last[-1] + 1
        while parent != last_parent:
            size = len(walk.node(parent).entries)  # type: ignore[attr-defined]
            splices.setdefault(parent, []).append((start, size, new))
            new, start = Entries.empty(), 0
            parent = walk.next_path(parent)  # type: ignore[assignment]
        splices.setdefault(parent, []).append((start, stop, new))
    changes: dict[Path, Run] = {}
    for parent, edits in splices.items():
        old = walk.node(parent).entries  # type: ignore[attr-defined]
        pieces, at = [], 0
        for start, stop, new in sorted(edits, key=lambda e: e[0]):
            pieces += [old.slice(at, start), new]
            at = stop
        pieces.append(old.slice(at, len(old)))
        changes[parent] = EntryRun.of(Entries.concat(pieces), level)
    return changes


def _collapse(tree: ProllyTree, root: Address | None, writer: NodeWriter) -> Address | None:
    """Drops a root with a single child (the canonical tree has no such root)."""
    while root is not None:
        data = writer.chunks.get(root)
        node = decode_internal(data, root) if data is not None and data[0] == ord("I") else \
            (tree.node(root) if data is None else None)
        if not isinstance(node, InternalNode) or len(node.entries) != 1:
            return root
        root = node.entries.address(0)
    return root
