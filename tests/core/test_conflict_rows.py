"""Conflicts written as a merge finds them (core/versioning/conflict_rows.py): ids that sort as
their numbers at every count, one tree whatever the windows, and resolution a window of
conflicts at a time."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from dl.core.prolly.tree import ProllyTree
from dl.core.store.memory import MemoryStore
from dl.core.tables.schema import TableSchema
from dl.core.versioning import conflict_rows
from dl.core.versioning.conflict_rows import CONFLICT_ID, ConflictWriter, conflict_ids
from dl.core.versioning.merge_commits import (
    conflict_counts,
    conflict_tables,
    conflicts_of,
    merge,
    resolve_conflicts,
)
from hypothesis import given
from hypothesis import strategies as st

from tests.core.test_merge import ME, base_repo, commit, edit, rows

SCHEMA = TableSchema.from_arrow(pa.schema([("id", pa.int64()), ("a", pa.int64())]), ["id"])


@given(st.integers(0, 10**13), st.integers(0, 10**13))
def test_conflict_ids_sort_as_their_numbers(a: int, b: int) -> None:
    x, y = conflict_ids(a, 1)[0].as_py(), conflict_ids(b, 1)[0].as_py()
    assert (x < y) == (a < b) and (x == y) == (a == b)
    assert x.lstrip(":") == str(a).zfill(8)


def test_conflict_ids_across_a_width_change() -> None:
    ids = conflict_ids(10**8 - 2, 4).to_pylist()
    assert ids == ["99999998", "99999999", ":100000000", ":100000001"]
    assert conflict_ids(0, 3).to_pylist() == ["00000000", "00000001", "00000002"]


def _side(ids: np.ndarray, a: np.ndarray) -> pa.Table:
    return pa.table({"id": pa.array(ids, pa.int64()), "a": pa.array(a, pa.int64())})


def test_windows_written_one_at_a_time_make_the_tree_of_all_at_once(small_chunks: None) -> None:
    store = MemoryStore()
    ids = np.arange(500)
    kinds = np.array(["modified"] * 500)
    whole = ConflictWriter(store, "t", SCHEMA, "abc")
    whole.add(_side(ids, ids), _side(ids, ids + 1), _side(ids, ids + 2), kinds, kinds)
    pieces = ConflictWriter(store, "t", SCHEMA, "abc")
    for start in range(0, 500, 37):
        part = ids[start:start + 37]
        pieces.add(_side(part, part), _side(part, part + 1), _side(part, part + 2), kinds[:len(part)],
                   kinds[:len(part)])
    one, many = whole.finish(), pieces.finish()
    assert len(one) == len(many) == 500
    assert one.rows is not None and many.rows is not None
    assert one.rows.value.rows == many.rows.value.rows
    scanned = many.scan()
    assert scanned.column("their_a").to_pylist() == list(range(2, 502))
    assert scanned.column(CONFLICT_ID).to_pylist()[:2] == ["00000000", "00000001"]
    assert set(scanned.column("from_root_ish").to_pylist()) == {"abc"}
    assert ConflictWriter(store, "t", SCHEMA, "abc").finish().rows is None


def test_theirs_resolves_a_window_of_conflicts_at_a_time(small_chunks: None,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Many conflicts over many leaves: counted from the tree's root, and `resolve --theirs`
    reads them in windows (a whole scan of the conflicts fails the test) and takes every one."""
    repo = base_repo()
    n = 400
    edit(repo, "t", [(i, i, "base") for i in range(4, n)])
    commit(repo, "many rows")
    repo.create_branch("other")
    edit(repo, "t", [(i, i + 1, "ours") for i in range(1, n)] + [(1000, 1, "ours")])
    commit(repo, "ours")
    repo.checkout("other")
    edit(repo, "t", [(i, i + 2, "theirs") for i in range(1, n) if i % 7] + [(1000, 2, "theirs")],
         deletes=[i for i in range(1, n) if i % 7 == 0])
    commit(repo, "theirs")
    repo.checkout("main")
    result = merge(repo, "other", author=ME)
    assert result.conflicts == {"t": n}  # every changed row, and the key both added
    assert conflict_counts(repo) == {"t": n}
    assert len(conflicts_of(repo)["t"]) == n
    assert conflict_tables(repo)["t"].tree.height > 1
    windows: list[int] = []
    original = conflict_rows.conflict_batches
    monkeypatch.setattr("dl.core.versioning.merge_commits.conflict_batches",
                        lambda table: (windows.append(1) or w for w in original(table, batch_leaves=2)))
    monkeypatch.setattr(ProllyTree, "scan", lambda self: pytest.fail("the conflicts were read whole"))
    resolve_conflicts(repo, ["t"], theirs=True)
    monkeypatch.undo()
    assert len(windows) > 3
    assert conflict_counts(repo) == {}
    got = rows(repo)
    assert got[1000] == (2, "theirs") and got[1] == (3, "theirs")
    assert all(i not in got for i in range(7, n, 7))
