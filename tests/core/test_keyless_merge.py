"""Keyless tables merge as counted multisets, as Dolt does: per distinct row, a count changed on
one side takes that side's count; a count changed on both (even alike) is a conflict that keeps
ours and records the three counts; resolving to theirs sets their count."""
from __future__ import annotations

from collections import Counter

import pyarrow as pa
from dl.core.store.memory import MemoryStore
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table, TableValue
from dl.core.versioning import three_way_merge
from dl.core.versioning.merge_commits import _take_theirs
from dl.core.versioning.root import RootValue
from hypothesis import given
from hypothesis import strategies as st

SCHEMA = TableSchema.from_arrow(pa.schema([("a", pa.int64()), ("b", pa.int64())]))


def keyless(store: MemoryStore, rows: list[tuple[int, int]]) -> RootValue:
    table = Table.empty(store, SCHEMA).replace_rows(pa.table({"a": pa.array([r[0] for r in rows], pa.int64()),
                                                              "b": pa.array([r[1] for r in rows], pa.int64())}))
    store.put_many({table.value.address: table.value.encode()})
    return RootValue({"t": table.value.address})


def rows_of(store: MemoryStore, root: RootValue) -> Counter[tuple[int, int]]:
    table = Table(store, TableValue.decode(store.get(root.tables["t"])))
    return Counter(zip(*[table.scan().column(c).to_pylist() for c in ("a", "b")]))


def merge(base: list[tuple[int, int]], ours: list[tuple[int, int]], theirs: list[tuple[int, int]]):
    store = MemoryStore()
    outcome = three_way_merge.merge_roots(store, *(keyless(store, r) for r in (base, ours, theirs)))
    return store, outcome


def test_the_same_row_inserted_on_both_sides_conflicts() -> None:
    store, outcome = merge([(0, 0)], [(0, 0), (7, 7)], [(0, 0), (7, 7)])
    found = outcome.conflicts["t"].scan()
    assert found.select(["our_a", "our_diff_type", "their_diff_type", "base_cardinality", "our_cardinality",
                         "their_cardinality"]).to_pylist() == [
        {"our_a": 7, "our_diff_type": "added", "their_diff_type": "added", "base_cardinality": 0,
         "our_cardinality": 1, "their_cardinality": 1}]
    assert found.column("base_a").to_pylist() == [None]
    assert rows_of(store, outcome.root) == Counter({(0, 0): 1, (7, 7): 1})  # ours kept


def test_a_delete_against_an_insert_of_the_same_row_conflicts_and_resolves_to_theirs() -> None:
    store, outcome = merge([(1, 1), (2, 2)], [(1, 1), (2, 2), (2, 2)], [(1, 1)])
    found = outcome.conflicts["t"].scan()
    assert found.select(["our_diff_type", "their_diff_type"]).to_pylist() == [
        {"our_diff_type": "modified", "their_diff_type": "removed"}]
    table = Table(store, TableValue.decode(store.get(outcome.root.tables["t"])))
    resolved = _take_theirs(table, found)
    assert Counter(zip(*[resolved.scan().column(c).to_pylist() for c in ("a", "b")])) == Counter({(1, 1): 1})


def test_rows_changed_on_one_side_merge_without_conflict() -> None:
    store, outcome = merge([(1, 1), (2, 2)], [(1, 1), (1, 1), (2, 2), (5, 5)], [(1, 1), (6, 6)])
    assert not outcome.conflicts
    assert rows_of(store, outcome.root) == Counter({(1, 1): 2, (5, 5): 1, (6, 6): 1})


ROWS = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1)), max_size=12)


@given(ROWS, ROWS, ROWS)
def test_merged_counts_follow_the_multiset_rule(base: list, ours: list, theirs: list) -> None:
    store, outcome = merge(base, ours, theirs)
    b, o, t = Counter(base), Counter(ours), Counter(theirs)
    both = {r for r in b | o | t if o[r] != b[r] and t[r] != b[r]}
    expected = Counter({r: (o[r] if r in both or t[r] == b[r] else t[r]) for r in b | o | t})
    assert rows_of(store, outcome.root) == +expected
    found = outcome.conflicts["t"].scan() if "t" in outcome.conflicts else None
    recorded = set() if found is None else {
        tuple(row[p + c] for c in ("a", "b")) for row in found.to_pylist()
        for p in ("their_", "our_", "base_") if row[p + "a"] is not None}
    assert recorded == both
    if found is not None:
        for row in found.to_pylist():
            key = next(tuple(row[p + c] for c in ("a", "b")) for p in ("their_", "our_", "base_")
                       if row[p + "a"] is not None)
            assert (row["base_cardinality"], row["our_cardinality"], row["their_cardinality"]) == (
                b[key], o[key], t[key])
