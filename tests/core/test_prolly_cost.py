"""Cost and format properties of prolly trees at realistic sizes (counted, never timed)."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from dl.core.errors import IntegrityError
from dl.core.prolly.builder import build_tree
from dl.core.prolly.diff import diff_trees
from dl.core.prolly.edit import apply_edits
from dl.core.prolly.layout import RowLayout
from dl.core.prolly.node import decode_leaf, encode_leaf
from dl.core.prolly.tree import NODE_CACHE, ProllyTree
from dl.core.store.counting import CountingStore
from dl.core.store.memory import MemoryStore

N = 100_000


def make_rows(n: int, seed: int = 1) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table({
        "id": pa.array(np.arange(n), pa.int64()),
        "a": pa.array(rng.integers(0, 10**6, n), pa.int64()),
        "b": pa.array([f"s{v:08d}" for v in rng.integers(0, 10**8, n)]),
        "c": pa.array(rng.random(n)),
    })


@pytest.fixture(scope="module")
def big():
    table = make_rows(N)
    layout = RowLayout(table.schema, ("id",))
    store = CountingStore(MemoryStore())
    tree = ProllyTree(store, layout, build_tree(store, layout, table))
    return table, layout, store, tree


def keys_for(layout: RowLayout, ids) -> np.ndarray:
    return layout.keys_of(pa.table({"id": pa.array(ids, pa.int64())}))


def test_one_row_edit_writes_a_few_chunks_per_level(big):
    table, layout, store, tree = big
    depth = tree.height + 1
    store.reset()
    edited = apply_edits(tree, table.slice(4321, 1).set_column(1, "a", pa.array([-7], pa.int64())))
    assert store.writes <= 2 * depth, f"{store.writes} chunks written for depth {depth}"
    assert edited.count() == N


@pytest.mark.parametrize("k", [1, 10, 100])
def test_diff_reads_grow_with_the_change_not_the_table(big, k):
    table, layout, store, tree = big
    ids = np.linspace(0, N - 1, k).astype(np.int64)
    changed = table.take(pa.array(ids)).set_column(1, "a", pa.array(np.full(k, -1), pa.int64()))
    edited = apply_edits(tree, changed)
    NODE_CACHE.clear()
    store.reset()
    diff = diff_trees(tree, edited)
    assert diff.modified_to.num_rows == k
    depth = tree.height + 1
    assert store.reads <= 4 * k * depth + 4, f"{store.reads} reads for {k} rows at depth {depth}"


def test_point_lookups_read_one_path(big):
    table, layout, store, tree = big
    NODE_CACHE.clear()
    store.reset()
    found = tree.get_many(keys_for(layout, [17, 99_999, 123_456_789]))
    assert found.column("id").to_pylist() == [17, 99_999]
    assert store.reads <= 2 * (tree.height + 1)


def test_leaf_sizes_cluster_around_the_target(big, capsys):
    table, layout, store, tree = big
    sizes = np.array([len(store.get(a)) for a in tree.leaf_addresses()])
    p10, p50, p90 = np.percentile(sizes, [10, 50, 90])
    with capsys.disabled():
        print(f"\nleaf bytes over {len(sizes)} leaves: p10 {p10:.0f} p50 {p50:.0f} p90 {p90:.0f} "
              f"max {sizes.max()}")
    assert 8_000 < p50 < 24_000
    assert p90 / p10 < 4


def test_leaf_bytes_are_canonical(big):
    table, layout, store, tree = big
    rows = table.slice(1000, 300)
    fresh = pa.RecordBatch.from_pylist(rows.to_pylist(), schema=table.schema)
    sliced = table.combine_chunks().to_batches()[0].slice(1000, 300)
    with_bitmap = pa.RecordBatch.from_arrays(
        [pa.array(c.to_pylist(), c.type, mask=np.zeros(300, bool)) for c in fresh.columns], schema=table.schema)
    encoded = {encode_leaf(b) for b in (fresh, sliced, with_bitmap, pa.concat_batches([fresh.slice(0, 100), fresh.slice(100)]))}
    assert len(encoded) == 1
    assert decode_leaf(encoded.pop(), table.schema).equals(fresh)


def test_full_scan_and_range(big):
    table, layout, store, tree = big
    assert tree.scan().equals(table)
    part = tree.scan_range(keys_for(layout, [500])[0], keys_for(layout, [600])[0], high_inclusive=False)
    assert part.column("id").to_pylist() == list(range(500, 600))


def test_decoding_garbage_is_an_integrity_error():
    schema = pa.schema([("id", pa.int64())])
    for data in (b"", b"L", b"L\x01\0\0\0\0\0\0garbage", b"I\x01\x01\0\xff\xff\xff\xff", b"\x00" * 64):
        with pytest.raises(IntegrityError):
            decode_leaf(data, schema) if data[:1] != b"I" else __import__(
                "dl.core.prolly.node", fromlist=["decode_internal"]).decode_internal(data)
