"""Index upkeep reads the row diff a window at a time (core/tables/index_upkeep.py): a large
edit keeps every index equal to one rebuilt from the rows, UNIQUE is checked once all windows
are applied (a value may leave in a later window than the one it arrives in), and the index is
then checked in one streamed pass, never read whole."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from dl.core.errors import UniqueViolation
from dl.core.prolly.tree import ProllyTree
from dl.core.store.memory import MemoryStore
from dl.core.tables import index_upkeep
from dl.core.tables.indexes import IndexDef
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table

N = 3000
SCHEMA = TableSchema.from_arrow(pa.schema([("id", pa.int64()), ("a", pa.int64()), ("u", pa.int64())]), ["id"]) \
    .with_indexes([IndexDef("ia", ("a",)), IndexDef("uu", ("u",), True)])


def rows(ids: np.ndarray, a: np.ndarray, u: np.ndarray) -> pa.Table:
    return pa.table({"id": pa.array(ids, pa.int64()), "a": pa.array(a, pa.int64()), "u": pa.array(u, pa.int64())})


@pytest.fixture
def windows(small_chunks: None, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A window of one differing leaf per side; counts the windows; a whole read of a tree
    (`scan`) fails the test once a window was seen (until a test puts -1 first)."""
    from dl.core.prolly import diff as tree_diff
    monkeypatch.setattr(index_upkeep, "INDEX_DIFF_WINDOW", 1)
    seen: list[int] = []
    original = tree_diff.iter_diff

    def counting(old, new, *, window):  # type: ignore[no-untyped-def]
        for piece in original(old, new, window=window):
            seen.append(len(piece))
            yield piece
    monkeypatch.setattr(index_upkeep, "iter_diff", counting)
    whole = ProllyTree.scan
    monkeypatch.setattr(ProllyTree, "scan", lambda self: whole(self) if not seen or seen[0] < 0
                        else pytest.fail("a tree was read whole"))
    return seen


def base(store: MemoryStore) -> Table:
    ids = np.arange(N)
    return Table.empty(store, SCHEMA).apply(rows(ids, ids % 7, ids), None)


def test_a_large_edit_keeps_the_indexes_those_of_the_rows(windows: list[int]) -> None:
    store = MemoryStore()
    table = base(store)
    ids = np.arange(0, N, 3)
    edited = table.apply(rows(ids, ids % 5, ids + 10 * N), pa.table({"id": pa.array(np.arange(1, N, 9))}))
    assert len(windows) > 10
    windows.insert(0, -1)  # whole reads allowed again: the reference rebuild scans the rows
    assert edited.value.index_roots == edited.with_indexes_rebuilt().value.index_roots


def test_a_value_may_move_between_rows_in_different_windows(windows: list[int]) -> None:
    """Row 0 takes u = N - 1 while row N - 1 (windows later) gives it up: no violation."""
    store = MemoryStore()
    table = base(store)
    windows.clear()
    ids = np.array([0, N - 1])
    swapped = table.apply(rows(ids, ids % 7, np.array([N - 1, 0])), None)
    assert len(windows) > 1
    assert swapped.lookup(pa.table({"id": pa.array([0, N - 1])})).column("u").to_pylist() == [N - 1, 0]


def test_a_duplicate_across_windows_is_a_unique_violation(windows: list[int]) -> None:
    store = MemoryStore()
    table = base(store)
    ids = np.array([0, N - 1])
    with pytest.raises(UniqueViolation, match="duplicate unique key given") as found:
        table.apply(rows(ids, ids % 7, np.array([N // 2, 5])), None)  # 0 takes row N/2's value
    assert found.value.index == "uu"
