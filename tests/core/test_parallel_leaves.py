"""Leaves encoded on the worker pool (`RowRun.emit_many`, `core.workers.run_all`): the same chunks
in the same order and the same root as encoding them one by one, for bulk builds and in-place
edits; an error in a pool task fails the build and lands nothing."""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from dl.core import workers
from dl.core.prolly import chunker
from dl.core.prolly.builder import build_from_sorted, sorted_rows
from dl.core.repo import Author, Repository
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table

SCHEMA = TableSchema((Column("id", pa.int64()), Column("v", pa.float64()), Column("s", pa.string())), ("id",))


def rows(n: int = 40_000, seed: int = 2) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table({"id": pa.array(np.arange(n) * 3, pa.int64()), "v": rng.random(n),
                     "s": pa.array([None if i % 31 == 0 else f"s{i % 101}" for i in range(n)])})


def chunks_of(table: pa.Table) -> tuple[object, list[tuple[object, bytes]]]:
    """The root and every chunk (in the order written) of a bulk build of `table`."""
    batch, keys = sorted_rows(SCHEMA.layout, table)
    writer = chunker.NodeWriter()
    root = build_from_sorted(SCHEMA.layout, batch, keys, writer)
    return root, list(writer.chunks.items())


def test_leaves_encoded_on_the_pool_are_the_chunks_encoded_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunker, "PARALLEL_LEAVES", 10**9)
    serial = chunks_of(rows())
    threads: set[str] = set()
    encode = chunker.RowRun._encode_leaves

    def watched(self: chunker.RowRun, bounds: list[tuple[int, int]]) -> list:
        threads.add(threading.current_thread().name)
        threading.Event().wait(0.02)  # slow enough that the workers start some (the caller takes the rest)
        return encode(self, bounds)
    monkeypatch.setattr(chunker.RowRun, "_encode_leaves", watched)
    monkeypatch.setattr(chunker, "PARALLEL_LEAVES", 8)
    monkeypatch.setattr(chunker, "LEAVES_PER_TASK", 3)
    parallel = chunks_of(rows())
    assert len(serial[1]) > 50
    assert parallel == serial  # root, addresses, bytes and order
    assert threads - {threading.main_thread().name}, "some leaves were encoded on the pool"


def test_an_edit_through_the_pool_reaches_the_root_of_a_bulk_build(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunker, "PARALLEL_LEAVES", 4)
    monkeypatch.setattr(chunker, "LEAVES_PER_TASK", 2)
    repo = Repository.init(tmp_path, author=Author("Ada", "ada@example.com"))
    repo.write_table("t", lambda cur, buf: Table.empty(buf, SCHEMA).replace_rows(rows()))
    more = rows(20_000, seed=9)
    more = more.set_column(0, "id", pa.array(np.arange(20_000) * 3 + 1, pa.int64()))
    repo.write_table("t", lambda cur, buf: cur.upsert(more))  # type: ignore[union-attr]
    edited = repo.table("t").tree.root
    both = pa.concat_tables([rows(), more]).sort_by("id")
    repo.write_table("u", lambda cur, buf: Table.empty(buf, SCHEMA).replace_rows(both))
    assert repo.table("u").tree.root == edited
    repo.close()


def test_an_error_encoding_a_leaf_on_the_pool_fails_the_build_and_lands_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunker, "PARALLEL_LEAVES", 8)
    calls = iter(range(10**6))

    def failing(batch: pa.RecordBatch) -> bytes:
        if next(calls) == 20:
            raise MemoryError("no memory for a leaf")
        return encode_leaf(batch)
    from dl.core.prolly.node import encode_leaf
    monkeypatch.setattr(chunker, "encode_leaf", failing)
    repo = Repository.init(tmp_path, author=Author("Ada", "ada@example.com"))
    before = repo.store.stats()
    with pytest.raises(MemoryError, match="leaf"):
        repo.write_table("t", lambda cur, buf: Table.empty(buf, SCHEMA).replace_rows(rows()))
    assert repo.store.stats() == before
    assert "t" not in repo.resolve_root("WORKING").tables
    repo.close()


def test_run_all_keeps_the_order_and_the_caller_takes_tasks_no_worker_started() -> None:
    names: list[str] = []

    def slow(i: int) -> int:
        names.append(threading.current_thread().name)
        threading.Event().wait(0.01)
        return i * i
    assert workers.run_all(slow, list(range(40))) == [i * i for i in range(40)]
    assert threading.main_thread().name in names
    assert set(names) - {threading.main_thread().name}


def test_run_all_raises_a_task_error_and_drops_the_tasks_not_started() -> None:
    ran: list[int] = []

    def failing(i: int) -> None:
        ran.append(i)
        threading.Event().wait(0.05)
        raise ValueError(f"task {i} refused")
    with pytest.raises(ValueError, match="refused"):
        workers.run_all(failing, list(range(30)))
    threading.Event().wait(0.3)
    assert len(ran) < 10
