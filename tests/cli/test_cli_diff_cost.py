"""A one-row change in a 200k-row table diffs in O(depth) chunk reads, whatever the output.

Counted, never timed: the repository runs over a `CountingStore`, and `dl diff`'s own code path
(`dl.commands.diff.print_diff`: resolve both sides, tree diff, filter, render) is what is counted.
Reading the table would take hundreds of chunks; the diff must stay under a small constant times
the tree's depth.
"""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from dl.core.config import Config
from dl.core.repo import Author, Repository
from dl.core.store.counting import CountingStore
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table

from dl.commands.diff import Sides, print_diff

N = 200_000
AUTHOR = Author("Tess Ter", "tess@example.com")


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory: pytest.TempPathFactory):
    """An on-disk repository whose HEAD holds a 200k-row table and whose working set changes
    one row of it."""
    directory: Path = tmp_path_factory.mktemp("big")
    Repository.init(directory, author=AUTHOR).close()
    opened = Repository.open(directory)
    store = CountingStore(opened.store)
    repo = Repository(store, Config(None, None), directory)
    rows = pa.table({"id": pa.array(np.arange(N), pa.int64()),
                     "v": pa.array(np.arange(N) * 3, pa.int64()),
                     "s": pa.array([f"row {i:06d}" for i in range(N)])})
    schema = TableSchema.from_arrow(rows.schema, ("id",))
    repo.write_table("big", lambda current, buffer: Table.empty(buffer, schema).replace_rows(rows))
    repo.commit("200k rows", include_new=True, author=AUTHOR)
    one = rows.slice(123_456, 1).set_column(1, "v", pa.array([-1], pa.int64()))
    repo.write_table("big", lambda current, buffer: current.upsert(one))
    yield repo, store
    repo.close()


def counted_diff(repo: Repository, store: CountingStore, **options) -> tuple[int, str]:
    from dl.core.prolly.tree import NODE_CACHE
    NODE_CACHE.clear()  # a cold cache: every chunk the diff needs is read from the store
    store.reset()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_diff(repo, Sides("HEAD", "WORKING", None), **options)
    return store.reads, out.getvalue()


@pytest.mark.parametrize("options", [{}, {"stat": True}, {"summary": True},
                                     {"result_format": "json"}, {"result_format": "sql"},
                                     {"result_format": "csv"}, {"where": "to_v < 0", "limit": 5}],
                         ids=["tabular", "stat", "summary", "json", "sql", "csv", "where-limit"])
def test_one_row_diff_reads_a_few_chunks_per_level(big_repo, options) -> None:
    repo, store = big_repo
    table = repo.table("big", "HEAD")
    depth = table.tree.height + 1
    leaves = len(list(table.tree.leaf_addresses()))
    assert table.count() == N and leaves > 100 and depth >= 2
    reads, out = counted_diff(repo, store, **options)
    assert reads < 40, f"{reads} chunk reads for a one-row diff (depth {depth}, {leaves} leaves)"
    assert reads <= 4 * depth + 8, f"{reads} chunk reads at depth {depth}"
    if "where" in options or not (options.get("stat") or options.get("summary")):
        assert "123456" in out and ("row 123456" in out or "-1" in out)


def test_the_counter_sees_a_full_read(big_repo) -> None:
    """The bound above means something: scanning the table reads every leaf."""
    repo, store = big_repo
    from dl.core.prolly.tree import NODE_CACHE
    NODE_CACHE.clear()
    store.reset()
    assert repo.table("big", "HEAD").scan().num_rows == N
    assert store.reads > 100


def test_summary_of_a_change_of_every_row_reads_no_rows(tmp_path: Path) -> None:
    """`--summary` of a table whose every row changed, and of an added and a dropped table,
    reads a few chunks (table values and tree roots), not the leaves; the result is Dolt's."""
    Repository.init(tmp_path, author=AUTHOR).close()
    store = CountingStore(Repository.open(tmp_path).store)
    repo = Repository(store, Config(None, None), tmp_path)
    rows = pa.table({"id": pa.array(np.arange(50_000), pa.int64()), "v": pa.array(np.arange(50_000), pa.int64())})
    schema = TableSchema.from_arrow(rows.schema, ("id",))
    for name in ("t", "gone", "same"):
        repo.write_table(name, lambda current, buffer: Table.empty(buffer, schema).replace_rows(rows))
    repo.commit("rows", include_new=True, author=AUTHOR)
    changed = rows.set_column(1, "v", pa.array(np.arange(50_000) + 1, pa.int64()))
    repo.write_table("t", lambda current, buffer: current.upsert(changed))
    repo.write_table("new", lambda current, buffer: Table.empty(buffer, schema).replace_rows(rows))
    repo.write_table("same", lambda current, buffer: current.upsert(rows.slice(0, 10)))  # no change
    repo.write_table("gone", lambda current, buffer: None)
    assert len(list(repo.table("t", "HEAD").tree.leaf_addresses())) > 50
    reads, out = counted_diff(repo, store, summary=True)
    assert reads < 30, reads
    assert "| t          | modified  | true        | false         |" in out
    assert "| new        | added     | true        | true          |" in out
    assert "| gone       | dropped   | true        | true          |" in out or "| gone       | deleted" in out
    assert "same" not in out
