"""Reads through secondary indexes: WHERE predicates on an index's leading column become
range reads of the index tree and primary-key lookups of the rows they name.

For a table read by a SELECT (or the SELECT behind an UPDATE or DELETE) whose WHERE has
top-level conjuncts on the leading column of one of its indexes (`a = 5`, `a IN (..)`,
`a BETWEEN x AND y`, `a >= x`; the same literal rules as primary-key pushdown, see
`pushdown`), the matching index entries are read by key range (each value's entries sit
together: an index key is the index values, then the primary key), and the rows by their
primary keys (`Table.lookup`). As with primary-key pushdown the rows fetched are a superset of
those the WHERE keeps, and DuckDB still applies the whole WHERE, so an index lookup can make a
read cheaper but never change its answer.

Whether to use an index is decided by estimated selectivity, before any row leaf is read: the
level-1 nodes of the index tree over the wanted key ranges give the number of entries in the
index leaves wholly inside them (each internal entry carries its subtree's count), and the one
or two index leaves at the ends of each range are read and counted exactly. Rows named by an index are scattered
over the row tree, so k of them touch up to k of its L leaves; the index is used only when k is
at most a share of L (L estimated from one level-1 node's rows per leaf): `COLD_LEAF_SHARE` when
a scan would read the leaves too, `WARM_LEAF_SHARE` when the scan is already cached as Arrow
(then DuckDB filters it in milliseconds, and each leaf a lookup touches costs more than its
share of that). The shares are measured in `bench/indexes.py`.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from dl.core.prolly.node import InternalNode
from dl.core.prolly.tree import ProllyTree
from dl.core.tables.encoding import encode_keys, encode_prefixes
from dl.core.tables.indexes import IndexDef
from dl.core.tables.schema import ROW_HASH
from dl.core.tables.table import Table
from dl.sql import pushdown
from sqlglot import exp

COLD_LEAF_SHARE = 0.5
"""Largest number of rows an index lookup may fetch (estimated), as a share of the row tree's
leaf count, when a scan would read the table; more: a scan."""
WARM_LEAF_SHARE = 0.02
"""The same when the table's scan is cached (`resolve.ScanCache`)."""
MAX_VALUES = 10_000  # IN lists longer than this are left to a scan
_AFTER = b"\x02"  # past every entry of a value: the next byte is a null marker, 0x00 or 0x01
_NOT_NULL = b"\x01"  # the first key of a non-NULL leading value

Range = tuple[bytes | None, bytes | None]  # [low, high) in encoded index keys; None: unbounded


def index_rows(node: exp.Table, visible_name: str, table: Table, *,
               scan_cached: bool = False) -> pa.Table | None:
    """The rows an index lookup gives for the WHERE around `node`, or None (no usable index,
    or not selective enough against a scan, which costs little when `scan_cached`)."""
    if not table.schema.indexes or table.value.rows is None:
        return None
    select = pushdown.enclosing_select(node)
    if select is None or select.args.get("where") is None:
        return None
    single = len(pushdown.direct_sources(select)) == 1
    terms = pushdown.conjuncts(select.args["where"].this)
    best: tuple[int, IndexDef, list[Range]] | None = None
    for index in table.schema.indexes:
        ranges = _ranges(table, index, terms, visible_name.lower(), single)
        if ranges is None:
            continue
        estimate = sum(_estimated_entries(table.index_tree(index.name), r) for r in ranges)
        if best is None or estimate < best[0]:
            best = (estimate, index, ranges)
    share = WARM_LEAF_SHARE if scan_cached else COLD_LEAF_SHARE
    if best is None or best[0] > share * estimated_leaves(table.tree):
        return None
    return fetch_by_index(table, best[1], best[2])


def fetch_by_index(table: Table, index: IndexDef, ranges: list[Range]) -> pa.Table:
    """Rows whose index entries fall in `ranges`, in primary-key order."""
    tree = table.index_tree(index.name)
    parts = [tree.scan_range(low, high, high_inclusive=False) for low, high in ranges]
    entries = pa.concat_tables(parts) if parts else tree.layout.schema.empty_table()
    if table.schema.is_keyless:
        hashes = entries.column(ROW_HASH)
        return table.user_rows(table.tree.get_many(encode_keys([hashes]) if len(hashes) else
                                                   np.array([], dtype="S1")))
    return table.lookup(entries.select(list(table.schema.primary_key)))


def _ranges(table: Table, index: IndexDef, terms: list[exp.Expression], name: str,
            single: bool) -> list[Range] | None:
    """Key ranges of the index entries the WHERE's terms on its leading column may keep."""
    lead = index.columns[0]
    kind = table.schema.column(lead).type
    found = pushdown.KeyFilter({})
    for term in terms:
        pushdown.narrow(term, found, {lead: kind}, name, single)
    if found.points:
        values = [v for v in found.points[lead] if pushdown.in_range(v, found)]
        if len(values) > MAX_VALUES:
            return None
        return [(key, key + _AFTER) for key in (_encoded(v, kind) for v in values)]
    if found.low is None and found.high is None:
        return None
    low = _NOT_NULL if found.low is None else \
        _encoded(found.low[0], kind) + (b"" if found.low[1] else _AFTER)
    high = None if found.high is None else \
        _encoded(found.high[0], kind) + (_AFTER if found.high[1] else b"")
    return [(low, high)]


def _encoded(value: Any, kind: pa.DataType) -> bytes:
    """The leading value's key with every byte: `_AFTER` is appended to it, so its trailing
    zeros count (0's key without them, 0x01 0x80, then `_AFTER` lies past every entry: `> 0`
    read nothing)."""
    return encode_prefixes([pa.array([value], kind)], nullable=True)[0]


def estimated_leaves(tree: ProllyTree) -> float:
    """The number of leaves of `tree`: its row count over the rows per leaf of its first
    level-1 node (one node per level read, and those are read by any lookup anyway)."""
    node = tree.root_node()
    if not isinstance(node, InternalNode):
        return 1.0
    while node.level > 1:
        node = tree.nodes_at([node.entries.address(0)], node.level - 1)[0]  # type: ignore[assignment]
    per_leaf = max(node.count / max(len(node.entries), 1), 1.0)
    return tree.count() / per_leaf


def _estimated_entries(tree: ProllyTree, bounds: Range) -> int:
    """Entries of `tree` in [low, high): the leaves wholly inside the range counted from the
    level-1 nodes (each internal entry carries its subtree's count), the one or two leaves at
    its ends read and counted exactly (a lookup reads them anyway). A point range lies in one
    leaf, so it costs one leaf read, not a guess of a whole leaf's entries."""
    low, high = bounds
    root = tree.root_node()
    if root is None:
        return 0
    if not isinstance(root, InternalNode):
        return _in_leaf(tree, root, bounds)
    frontier, level = [tree.root], root.level
    while True:
        nodes = tree.nodes_at(frontier, level)  # type: ignore[arg-type]
        chosen: list[tuple[InternalNode, int, int]] = []
        for node in nodes:
            keys = node.entries.keys  # type: ignore[union-attr]
            first = 0 if low is None else int(np.searchsorted(keys, low, "left"))
            last = len(keys) - 1 if high is None else min(int(np.searchsorted(keys, high, "left")), len(keys) - 1)
            if first <= last:
                chosen.append((node, first, last))  # type: ignore[arg-type]
        if level == 1:
            return _count_level_one(tree, chosen, bounds)
        frontier = [n.entries.address(i) for n, first, last in chosen for i in range(first, last + 1)]
        level -= 1


def _count_level_one(tree: ProllyTree, chosen: list[tuple[InternalNode, int, int]], bounds: Range) -> int:
    spans = [(n, i) for n, first, last in chosen for i in range(first, last + 1)]
    if not spans:
        return 0
    ends = [spans[0]] if len(spans) == 1 else [spans[0], spans[-1]]
    inner = sum(int(n.entries.counts[i]) for n, i in spans[1:-1])
    leaves = tree.nodes_at([n.entries.address(i) for n, i in ends], 0)
    return inner + sum(_in_leaf(tree, leaf, bounds) for leaf in leaves)  # type: ignore[arg-type]


def _in_leaf(tree: ProllyTree, leaf: pa.RecordBatch, bounds: Range) -> int:
    low, high = bounds
    keys = tree.layout.keys_of(leaf)
    start = 0 if low is None else int(np.searchsorted(keys, low, "left"))
    stop = len(keys) if high is None else int(np.searchsorted(keys, high, "left"))
    return max(stop - start, 0)
