"""Reads by a one-column integer primary key that skip encoding a batch of keys.

A prepared point or range statement runs thousands of times a second in `dl sql-server`;
`ProllyTree.get_many` and `scan_range` encode their keys as Arrow batches first, which costs
more than the walk itself for one key. These walks encode the bound(s) directly (signed
integers: big-endian with the sign bit flipped, as `encoding` stores them) and search each leaf's
key column as integers, which sort as their encodings do. They answer exactly as `get_many` and
`scan_range` do (tests/sql/test_plans.py compares them over many leaves).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from dl.core.prolly.tree import ProllyTree


def row_at_int_key(tree: ProllyTree, key: int, key_type: pa.DataType, key_index: int) -> pa.RecordBatch:
    """The row (zero or one) whose one-column integer key is `key`: one node per level, as
    `ProllyTree.get_many` walks (a key goes to the first child whose last key is >= it), but
    without encoding a batch of keys. The encoded key is the value's big-endian bytes with
    the sign bit flipped (`core.tables.encoding`); in the leaf the key column is searched as
    integers, which sort as their encodings do."""
    import numpy as np
    if tree.root is None:
        return tree.layout.empty_batch()
    bits = key_type.bit_width
    encoded = (key + (1 << (bits - 1))).to_bytes(bits // 8, "big")
    address, level = tree.root, tree.height
    while level > 0:
        node = tree.nodes_at([address], level)[0]
        index = min(int(np.searchsorted(node.entries.keys, encoded, "left")), len(node.entries) - 1)  # type: ignore[union-attr]
        address, level = node.entries.address(index), level - 1  # type: ignore[union-attr]
    leaf = tree.nodes_at([address], 0)[0]
    keys = leaf.column(key_index)  # type: ignore[union-attr]
    if keys.null_count:
        return leaf.slice(0, 0)  # type: ignore[union-attr,no-any-return]
    width = bits // 8  # the key column's values as numpy reads its buffer (`to_numpy` would import pandas)
    values = np.frombuffer(keys.buffers()[1], dtype=f"<i{width}", count=len(keys), offset=keys.offset * width)
    pos = int(np.searchsorted(values, key))
    if pos < len(values) and int(values[pos]) == key:
        return leaf.slice(pos, 1)  # type: ignore[union-attr,no-any-return]
    return leaf.slice(0, 0)  # type: ignore[union-attr,no-any-return]


def rows_between_int_keys(tree: ProllyTree, low: int, high: int, key_type: pa.DataType, key_index: int) -> pa.Table:
    """The rows with `low <= key <= high` of a one-column integer key, in key order: the
    leaves `ProllyTree.scan_range` would read (children whose last keys bracket the range),
    each cut by searching its key column as integers instead of encoding its keys."""
    import numpy as np
    bits = key_type.bit_width
    bounds = [(v + (1 << (bits - 1))).to_bytes(bits // 8, "big") for v in (low, high)]
    parts = []
    if tree.root is not None:
        frontier, level = [tree.root], tree.height
        while level > 0:
            nodes = tree.nodes_at(frontier, level)
            frontier = []
            for node in nodes:
                keys = node.entries.keys  # type: ignore[union-attr]
                first = int(np.searchsorted(keys, bounds[0], "left"))
                last = min(int(np.searchsorted(keys, bounds[1], "left")), len(keys) - 1)
                frontier.extend(node.entries.address(i) for i in range(first, last + 1))  # type: ignore[union-attr]
            level -= 1
        for leaf in tree.nodes_at(frontier, 0) if frontier else []:
            values = leaf.column(key_index).to_numpy()  # type: ignore[union-attr]
            start, stop = int(np.searchsorted(values, low, "left")), int(np.searchsorted(values, high, "right"))
            if stop > start:
                parts.append(leaf.slice(start, stop - start))  # type: ignore[union-attr]
    return pa.Table.from_batches(parts, schema=tree.layout.schema)
