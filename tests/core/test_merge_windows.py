"""A merge of changes spread over many leaves, read in windows of one leaf per side, gives the
same table and the same conflicts as a merge that holds both diffs whole."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from dl.core.store.memory import MemoryStore
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table
from dl.core.versioning import three_way_merge
from dl.core.versioning.root import RootValue

N = 4000


def table_with(store: MemoryStore, ids: np.ndarray, a: np.ndarray) -> Table:
    rows = pa.table({"id": pa.array(ids, pa.int64()), "a": pa.array(a, pa.int64()),
                     "b": pa.array([f"r{i}" for i in ids])})
    return Table.empty(store, TableSchema.from_arrow(rows.schema, ["id"])).replace_rows(rows)


def root_of(store: MemoryStore, table: Table) -> RootValue:
    address = table.value.address
    store.put_many({address: table.value.encode()})
    return RootValue({"t": address})


def test_merge_in_windows_equals_the_whole_merge(small_chunks: None, monkeypatch: pytest.MonkeyPatch) -> None:
    store = MemoryStore()
    ids = np.arange(N) * 2
    base = table_with(store, ids, ids % 50)
    # ours: changes a on 1 in 5, deletes 1 in 13, adds odd keys; theirs: changes a on 1 in 3
    # (the same value as ours on 1 in 15, so some agree and some conflict), deletes 1 in 17
    ours = base.apply(pa.table({"id": pa.array(ids[::5]), "a": pa.array(ids[::5] + 1),
                                "b": pa.array([f"o{i}" for i in ids[::5]])}), None)
    ours = ours.apply(pa.table({"id": pa.array(ids[3:N // 2:2] + 1), "a": pa.array(ids[3:N // 2:2]),
                                "b": pa.array(["new"] * len(ids[3:N // 2:2]))}),
                      pa.table({"id": pa.array(np.setdiff1d(ids[1::13], ids[::5]))}))
    theirs_a = np.where(np.arange(0, N, 3) % 15 == 0, ids[::3] + 1, ids[::3] + 7)
    theirs = base.apply(pa.table({"id": pa.array(ids[::3]), "a": pa.array(theirs_a),
                                  "b": pa.array([f"r{i}" for i in ids[::3]])}),
                        pa.table({"id": pa.array(np.setdiff1d(ids[2::17], ids[::3]))}))
    roots = [root_of(store, t) for t in (base, ours, theirs)]
    whole = three_way_merge.merge_roots(store, *roots)
    monkeypatch.setattr(three_way_merge, "MERGE_WINDOW", 1)
    pieces: list[int] = []
    original = three_way_merge._merge_rows
    monkeypatch.setattr(three_way_merge, "_merge_rows", lambda *a: pieces.append(1) or original(*a))
    windowed = three_way_merge.merge_roots(store, *roots)
    assert len(pieces) > 20
    assert windowed.root.tables == whole.root.tables
    got, want = windowed.conflicts["t"], whole.conflicts["t"]
    assert len(want) > 50 and len(got) == len(want)
    assert got.rows.value.rows == want.rows.value.rows  # the same conflicts tree, ids and all


def test_a_merge_across_a_schema_change_rewrites_each_side_leaf_by_leaf(
        small_chunks: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ours added a column, theirs changed values: base and theirs are rewritten to the merged
    schema a window of leaves at a time (never read whole), and the merge is the table of the
    expected rows."""
    from dl.core.tables import rewrite
    store = MemoryStore()
    ids = np.arange(N)
    base = table_with(store, ids, ids % 50)
    wider = TableSchema.from_arrow(pa.schema([("id", pa.int64()), ("a", pa.int64()), ("b", pa.string()),
                                              ("c", pa.int64())]), ["id"])
    ours = rewrite.rewritten(base, wider, lambda rows, first: rows.append_column(
        "c", pa.array(rows.column("id").to_numpy() * 10, pa.int64())))
    theirs = base.apply(pa.table({"id": pa.array(ids[::3]), "a": pa.array(ids[::3] + 1000),
                                  "b": pa.array([f"r{i}" for i in ids[::3]])}), None)
    roots = [root_of(store, t) for t in (base, ours, theirs)]
    windows: list[int] = []
    original = rewrite._windows
    with monkeypatch.context() as patched:
        patched.setattr(rewrite, "WINDOW_LEAVES", 1)
        patched.setattr(rewrite, "_windows", lambda table: (windows.append(1) or w for w in original(table)))
        patched.setattr(Table, "scan", lambda self: pytest.fail("read a side whole"))
        merged = three_way_merge.merge_roots(store, *roots)
    assert len(windows) > 20 and not merged.conflicts
    a = np.where(ids % 3 == 0, ids + 1000, ids % 50)
    expected = Table.empty(store, wider).replace_rows(pa.table({
        "id": pa.array(ids, pa.int64()), "a": pa.array(a, pa.int64()), "b": pa.array([f"r{i}" for i in ids]),
        "c": pa.array(ids * 10, pa.int64())}))
    got = Table(store, three_way_merge.TableValue.decode(store.get(merged.root.tables["t"])))
    assert got.schema == wider and got.scan().equals(expected.scan())
    assert got.value.rows == expected.value.rows


def test_keyless_merge_in_windows_equals_the_whole_merge(small_chunks: None,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    store = MemoryStore()
    schema = TableSchema.from_arrow(pa.schema([("a", pa.int64()), ("b", pa.string())]))
    picks = np.random.default_rng(3).integers(0, 900, 3000)

    def keyless(values: np.ndarray) -> Table:
        return Table.empty(store, schema).replace_rows(pa.table({
            "a": pa.array(values % 40, pa.int64()), "b": pa.array([f"v{v}" for v in values])}))
    base = keyless(picks)
    gone, more, clash = picks < 100, picks >= 500, (picks >= 100) & (picks < 150)
    ours = keyless(np.concatenate([picks[~gone & ~clash], np.arange(2000, 2100)]))  # rows gone, rows new
    theirs = keyless(np.concatenate([picks, picks[more], picks[clash], np.arange(3000, 3400)]))
    roots = [root_of(store, t) for t in (base, ours, theirs)]
    monkeypatch.setattr(three_way_merge, "MERGE_WINDOW", 10**9)
    whole = three_way_merge.merge_roots(store, *roots)
    monkeypatch.setattr(three_way_merge, "MERGE_WINDOW", 1)
    pieces: list[int] = []
    original = three_way_merge.iter_diff
    monkeypatch.setattr(three_way_merge, "iter_diff",
                        lambda *a, **k: (pieces.append(1) or p for p in original(*a, **k)))
    windowed = three_way_merge.merge_roots(store, *roots)
    assert len(pieces) > 20
    assert windowed.root.tables == whole.root.tables
    assert len(windowed.conflicts["t"]) == len(whole.conflicts["t"]) == len(np.unique(picks[clash]))
    found = windowed.conflicts["t"].scan()
    assert sorted(found.column("their_b").to_pylist()) == sorted(f"v{v}" for v in np.unique(picks[clash]))
    assert found.column("our_cardinality").to_pylist() == [0] * len(found)  # ours removed them all
    merged = Table(store, three_way_merge.TableValue.decode(store.get(windowed.root.tables["t"])))
    assert merged.count() == len(picks) - gone.sum() - clash.sum() + 100 + more.sum() + 400
