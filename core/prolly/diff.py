"""Diffing two trees: cost follows the size of the change, not of the table.

Both trees are walked level by level in step. Subtrees with the same address on both sides
hold the same rows (content addressing), so they are dropped without being read; only the
nodes that differ are expanded. At the leaves, the rows of the differing leaves are compared
by key, vectorized: keys only on one side are added or removed, keys on both with different
values are modified. diff(a, a) reads nothing.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dl.core.arrow_values import indices, mask
from dl.core.hashing import ADDRESS_BYTES, Address
from dl.core.prolly.node import InternalNode
from dl.core.prolly.tree import ProllyTree


@dataclass(frozen=True)
class TreeDiff:
    """Row changes from one tree to another, each table in key order."""

    added: pa.Table  # rows only in `to`
    removed: pa.Table  # rows only in `from`
    modified_from: pa.Table  # old values of rows whose key is in both but whose values differ
    modified_to: pa.Table  # new values, row i matching row i of `modified_from`

    @property
    def is_empty(self) -> bool:
        return not (self.added.num_rows or self.removed.num_rows or self.modified_to.num_rows)

    def __len__(self) -> int:
        return self.added.num_rows + self.removed.num_rows + self.modified_to.num_rows


def diff_trees(old: ProllyTree, new: ProllyTree) -> TreeDiff:
    """Added, removed and modified rows from `old` to `new` (same layout)."""
    old_leaves, new_leaves = differing_leaves(old, new)
    old_rows = old._table(old.nodes(old_leaves))
    new_rows = new._table(new.nodes(new_leaves))
    return diff_rows(old, old_rows, new_rows)


def differing_leaves(old: ProllyTree, new: ProllyTree) -> tuple[list[Address], list[Address]]:
    """Leaves of each tree not shared with the other, found by expanding only differing nodes.

    The frontier holds raw 20-byte addresses: a differing internal node contributes all its
    children, most of which cancel against the other side's, so only survivors become
    `Address` objects (read next)."""
    if old.root == new.root:
        return [], []
    a = [old.root.raw] if old.root is not None else []
    b = [new.root.raw] if new.root is not None else []
    level_a, level_b = old.height, new.height
    while True:
        if level_a == level_b:
            a, b = _cancel(a, b)
            if level_a == 0 or (not a and not b):
                return [Address(x) for x in a], [Address(x) for x in b]
        if level_a >= level_b and level_a > 0:
            a = _children(old, a, level_a)
            level_a -= 1
        if level_b > level_a and level_b > 0:
            b = _children(new, b, level_b)
            level_b -= 1


def _cancel(a: list[bytes], b: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    common = set(a).intersection(b)
    if not common:
        return a, b
    return [x for x in a if x not in common], [x for x in b if x not in common]


def _children(tree: ProllyTree, addresses: list[bytes], level: int) -> list[bytes]:
    out: list[bytes] = []
    for node in tree.nodes_at([Address(x) for x in addresses], level):
        assert isinstance(node, InternalNode)
        packed = np.ascontiguousarray(node.entries.addrs, dtype="S20").tobytes()
        out.extend(packed[i:i + ADDRESS_BYTES] for i in range(0, len(packed), ADDRESS_BYTES))
    return out


def diff_rows(tree: ProllyTree, old_rows: pa.Table, new_rows: pa.Table) -> TreeDiff:
    """Vectorized key-matching diff of two row sets sorted by key (same schema)."""
    layout = tree.layout
    old_keys = layout.keys_of(old_rows) if old_rows.num_rows else np.array([], dtype="S1")
    new_keys = layout.keys_of(new_rows) if new_rows.num_rows else np.array([], dtype="S1")
    in_new = _positions(old_keys, new_keys)
    in_old = _positions(new_keys, old_keys)
    removed = old_rows.filter(mask(in_new < 0))
    added = new_rows.filter(mask(in_old < 0))
    both_old = np.flatnonzero(in_new >= 0)
    before = old_rows.take(indices(both_old))
    after = new_rows.take(indices(in_new[both_old]))
    changed = rows_differ(before, after)
    return TreeDiff(added, removed, before.filter(mask(changed)), after.filter(mask(changed)))


def _positions(keys: np.ndarray, other: np.ndarray) -> np.ndarray:
    """For each key, its index in sorted `other`, or -1."""
    if not len(other) or not len(keys):
        return np.full(len(keys), -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(other, keys), len(other) - 1)
    return np.where(other[pos] == keys, pos, -1).astype(np.int64)


def rows_differ(before: pa.Table, after: pa.Table) -> np.ndarray:
    """Per row, whether any column differs (nulls equal nulls, NaN equals NaN)."""
    differs = np.zeros(before.num_rows, dtype=bool)
    for name in before.schema.names:
        differs |= cells_differ(before.column(name), after.column(name))
    return differs


def cells_differ(a: pa.ChunkedArray | pa.Array, b: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Per cell, whether two aligned columns differ (null == null; NaN == NaN)."""
    if len(a) == 0:
        return np.zeros(0, dtype=bool)
    if a.type != b.type:
        return np.ones(len(a), dtype=bool)
    try:
        equal = pc.equal(a, b)
    except pa.ArrowNotImplementedError:
        return np.array([x != y for x, y in zip(a.to_pylist(), b.to_pylist())], dtype=bool)
    a_null, b_null = pc.is_null(a), pc.is_null(b)
    same = pc.or_kleene(pc.and_kleene(a_null, b_null), pc.fill_null(equal, False))
    if pa.types.is_floating(a.type):
        same = pc.or_(same, pc.fill_null(pc.and_(pc.is_nan(a), pc.is_nan(b)), False))
    return ~same.to_numpy(zero_copy_only=False).astype(bool)


def iter_diff(old: ProllyTree, new: ProllyTree, *, window: int = 256) -> Iterator[TreeDiff]:
    """`diff_trees` in pieces, in key order, holding about `window` differing leaves per side
    at a time: the one "tree diff in pieces" every streamed diff uses (an import's counts, a
    merge, `dl diff` in every format; a small window shows a terminal's first rows quickly).
    Concatenating the pieces gives `diff_trees(old, new)`; equal trees give no piece."""
    for piece, _ in iter_diff_covering(old, new, window=window):
        if len(piece):
            yield piece


def iter_diff_covering(old: ProllyTree, new: ProllyTree, *,
                       window: int = 256) -> Iterator[tuple[TreeDiff, bytes | None]]:
    """The pieces of `iter_diff` (empty ones too), each with the key up to which the diff is
    now complete (None after the last piece): what a merge of two diffs aligns on.

    Each step reads the next leaves of a side whose rows in hand are used up, and diffs the
    rows of both sides up to the smaller last key of the sides that still have leaves, so a
    key is always compared with all its counterparts; the rest waits for the next step."""
    old_leaves, new_leaves = differing_leaves(old, new)
    empty = old._table([])
    old_rows, new_rows, i, j = empty, empty, 0, 0
    while True:
        if old_rows.num_rows == 0 and i < len(old_leaves):
            old_rows, i = old._table(old.read_leaves(old_leaves[i:i + window])), i + window
        if new_rows.num_rows == 0 and j < len(new_leaves):
            new_rows, j = new._table(new.read_leaves(new_leaves[j:j + window])), j + window
        ends = [_last_key(old, rows) for rows, more in ((old_rows, i < len(old_leaves)),
                                                        (new_rows, j < len(new_leaves))) if more]
        if not ends:
            yield diff_rows(old, old_rows, new_rows), None
            return
        cutoff = min(ends)
        old_head, old_rows = _split_at(old, old_rows, cutoff)
        new_head, new_rows = _split_at(new, new_rows, cutoff)
        yield diff_rows(old, old_head, new_head), cutoff


def _last_key(tree: ProllyTree, rows: pa.Table) -> bytes:
    return bytes(tree.layout.keys_of(rows.slice(rows.num_rows - 1))[0])


def _split_at(tree: ProllyTree, rows: pa.Table, cutoff: bytes) -> tuple[pa.Table, pa.Table]:
    """Rows with key <= `cutoff`, and the rest."""
    if rows.num_rows == 0:
        return rows, rows
    n = int(np.searchsorted(tree.layout.keys_of(rows), cutoff, side="right"))
    return rows.slice(0, n), rows.slice(n)
