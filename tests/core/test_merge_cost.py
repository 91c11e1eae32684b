"""A merge's cost follows the size of the two diffs, not of the table (counted, never timed).

A 100k-row table (three tree levels, ~250 leaves), two branches each changing k rows spread
over the whole key range; the three-way merge's chunk reads and writes are bounded by a small
constant times k times the tree depth, and the same merge on a table five times smaller
reads about as many chunks.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from dl.core.config import Config
from dl.core.prolly.tree import NODE_CACHE
from dl.core.repo import Author, Repository
from dl.core.store.counting import CountingStore
from dl.core.store.memory import MemoryStore
from dl.core.tables.table import Table
from dl.core.versioning.merge_commits import MergeKind, merge

from tests.core.test_prolly_cost import make_rows

N = 100_000
ME = Author("Cost", "cost@example.com")


def _base_repo(n: int):
    store = CountingStore(MemoryStore())
    repo = Repository(store, Config(None, None))
    repo._create_initial_commit("main", ME)
    table = make_rows(n)
    repo.write_table("t", lambda cur, buf: Table.empty(buf, _schema(table)).replace_rows(table))
    repo.commit("base", include_new=True, author=ME)
    tree = repo.table("t").tree
    return repo, store, table, tree.height + 1, len(list(tree.leaf_addresses()))


@pytest.fixture(scope="module")
def base():
    built = _base_repo(N)
    assert built[3] >= 3
    return built


@pytest.fixture(scope="module")
def small_base():
    return _base_repo(N // 5)


def _schema(table: pa.Table):
    from dl.core.tables.schema import TableSchema
    return TableSchema.from_arrow(table.schema, ("id",))


def _change(repo: Repository, branch: str, table: pa.Table, ids: np.ndarray, column: str) -> None:
    repo.create_branch(branch, "main", force=True)
    repo.checkout(branch)
    rows = table.take(pa.array(ids))
    index = rows.schema.get_field_index(column)
    new = rows.set_column(index, column, pa.array(np.full(len(ids), -1), rows.schema.field(column).type))
    repo.write_table("t", lambda cur, buf: Table(buf, cur.value).upsert(new))
    repo.commit(branch, stage_all=True, author=ME)


def _merge_cost(base, k: int) -> tuple[int, int]:
    repo, store, table, _, _ = base
    start = repo.branch_head("main")
    spread = np.linspace(0, table.num_rows - 1, 2 * k).astype(np.int64)
    _change(repo, f"ours{k}", table, spread[0::2], "a")
    _change(repo, f"theirs{k}", table, spread[1::2], "c")
    repo.checkout(f"ours{k}")
    NODE_CACHE.clear()
    store.reset()
    result = merge(repo, f"theirs{k}", author=ME)
    reads, writes = store.reads, store.writes
    assert result.kind is MergeKind.MERGED and not result.conflicts
    merged = repo.table("t", "HEAD").lookup(pa.table({"id": pa.array(spread, pa.int64())}))
    assert merged.column("a").to_pylist()[0::2] == [-1] * k and merged.column("c").to_pylist()[1::2] == [-1.0] * k
    repo.checkout("main")
    assert repo.branch_head("main") == start
    return reads, writes


@pytest.mark.parametrize("k", [1, 3, 10])
def test_merge_reads_and_writes_follow_the_diffs(base, k):
    depth, leaves = base[3], base[4]
    reads, writes = _merge_cost(base, k)
    # Each changed row costs a few reads per level (two diffs walk to it, the edit of ours
    # rewrites its path) on top of a constant: commits, roots, table values, working sets.
    assert reads <= 4 * k * depth + 40, f"{reads} chunk reads to merge 2x{k} rows at depth {depth}"
    assert writes <= 2 * k * depth + 12, f"{writes} chunk writes to merge 2x{k} rows at depth {depth}"
    assert reads < leaves / 2


def test_merge_cost_does_not_grow_with_the_table(base, small_base):
    """The same 2x10-row merge on a table 5x larger reads about as many chunks."""
    large, _ = _merge_cost(base, 10)
    small, _ = _merge_cost(small_base, 10)
    assert base[4] > 4 * small_base[4]  # five times the leaves
    assert large <= small + 2 * 10 * (base[3] - small_base[3]) + 10, (large, small)
