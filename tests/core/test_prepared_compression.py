"""Compressing ahead (`SqliteStore.prepare`): a bulk build hands its new chunks to the store as it
cuts them, so their compression runs on the pool beside the build. The stored rows and the
root must be exactly those of a build that compresses at the flush, and an error in a pool
task must fail the change cleanly (nothing lands)."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from dl.core.hashing import Address, address_of
from dl.core.prolly import chunker
from dl.core.prolly.node import InternalNode
from dl.core.repo import Author, Repository
from dl.core.store import sqlite as sqlite_module
from dl.core.store.bodies import RAW, SHUFFLED, encode_row
from dl.core.store.sqlite import SqliteStore
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table

SCHEMA = TableSchema((Column("id", pa.int64()), Column("v", pa.float64()), Column("s", pa.string())), ("id",))


def rows(n: int = 30_000) -> pa.Table:
    rng = np.random.default_rng(5)
    return pa.table({"id": pa.array(np.arange(n), pa.int64()), "v": rng.random(n),
                     "s": pa.array([f"s{i % 97}" for i in range(n)])})


def build(directory: Path) -> tuple[Address | None, list[tuple[bytes, int, int, bytes]]]:
    """Imports `rows()` into a new repository; its table's root and the stored rows of every
    node of its tree (commits differ by their time)."""
    directory.mkdir()
    repo = Repository.init(directory, author=Author("Ada", "ada@example.com"))
    repo.write_table("t", lambda cur, buf: Table.empty(buf, SCHEMA).replace_rows(rows()))
    tree = repo.table("t").tree
    nodes, frontier = set(), [tree.root]
    while frontier:
        nodes.update(a.raw for a in frontier)
        frontier = [n.entries.address(i) for n in tree.nodes(frontier) if isinstance(n, InternalNode)
                    for i in range(len(n.entries))]
    repo.close()
    with sqlite3.connect(directory / ".dl" / "store.db") as db:
        stored = [tuple(r) for r in db.execute("SELECT address, codec, size, body FROM chunks ORDER BY address")
                  if bytes(r[0]) in nodes]
    db.close()
    assert len(stored) == len(nodes) > 40
    return tree.root, stored


def test_a_build_compressing_ahead_stores_the_rows_and_root_of_one_compressing_at_the_flush(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    handed: list[int] = []
    prepare = SqliteStore.prepare

    def counted(self: SqliteStore, chunks: dict[Address, bytes]) -> None:
        handed.append(len(chunks))
        prepare(self, chunks)
    monkeypatch.setattr(SqliteStore, "prepare", counted)
    monkeypatch.setattr(chunker, "PREPARE_EVERY", 8)  # ~45 leaves here
    ahead = build(tmp_path / "ahead")
    assert sum(handed) >= 3 * chunker.PREPARE_EVERY, "the build handed its leaves over as it cut them"
    monkeypatch.delattr(SqliteStore, "prepare")
    at_flush = build(tmp_path / "at-flush")
    assert ahead[0] == at_flush[0]
    assert ahead[1] == at_flush[1]  # byte for byte: address, codec, size and body


def test_prepared_rows_are_encode_rows_and_are_taken_once(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db", create=True)
    chunks = {address_of(d): d for d in (np.arange(600 + i, dtype=np.int64).tobytes() for i in range(200))}
    store.prepare(chunks)
    assert set(store._prepared) == set(chunks)
    store.put_many(chunks)
    assert store._prepared == {}
    with sqlite3.connect(tmp_path / "store.db") as db:
        stored = {bytes(r[0]): tuple(r) for r in db.execute("SELECT address, codec, size, body FROM chunks")}
    db.close()
    assert stored == {a.raw: encode_row(a, d) for a, d in chunks.items()}
    store.close()


def test_an_error_in_a_compressing_task_fails_the_change_and_nothing_lands(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Repository.init(tmp_path, author=Author("Ada", "ada@example.com"))
    before = repo.store.stats()

    def broken(chunks: list[object]) -> list[tuple[bytes, int, int, bytes]]:
        raise MemoryError("no memory for zstd")
    monkeypatch.setattr(sqlite_module, "pack_rows", broken)
    with pytest.raises(MemoryError, match="zstd"):
        repo.write_table("t", lambda cur, buf: Table.empty(buf, SCHEMA).replace_rows(rows()))
    assert repo.store.stats() == before
    assert "t" not in repo.resolve_root("WORKING").tables
    assert repo.store._prepared == {}  # type: ignore[attr-defined]
    repo.close()


def test_an_abandoned_change_forgets_what_was_prepared_for_it(tmp_path: Path) -> None:
    repo = Repository.init(tmp_path, author=Author("Ada", "ada@example.com"))

    def failing(current: object, buffer: object) -> object:
        Table.empty(buffer, SCHEMA).replace_rows(rows())  # type: ignore[arg-type]
        raise ValueError("the change fails after building")
    with pytest.raises(ValueError, match="after building"):
        repo.write_table("t", failing)  # type: ignore[arg-type]
    assert repo.store._prepared == {}  # type: ignore[attr-defined]
    repo.close()


def test_a_worker_packs_each_slice_in_one_call_and_the_rows_are_encode_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`prepare` shuffles on the calling thread and hands each slice to a worker, which
    compresses it in one zstd call (`pack_rows`): rows equal to `encode_row`'s, small chunks
    and chunks that would not shrink kept raw."""
    store = SqliteStore(tmp_path / "store.db", create=True)
    rng = np.random.default_rng(5)
    datas = [np.arange(600 + i, dtype=np.int64).tobytes() for i in range(150)]
    datas += [rng.bytes(3000) for _ in range(10)] + [b"small %d" % i for i in range(10)]
    chunks = {address_of(d): d for d in datas}
    packing: list[tuple[str, int]] = []
    original = sqlite_module.pack_rows

    def recorded(part: list[tuple[Address, bytes, bytes | None]]) -> list[tuple[bytes, int, int, bytes]]:
        packing.append((threading.current_thread().name, len(part)))
        return original(part)
    monkeypatch.setattr(sqlite_module, "pack_rows", recorded)
    store.prepare(chunks)
    store.put_many(chunks)
    assert sorted(count for _, count in packing) == [42, 64, 64]  # two workers: any order
    assert threading.main_thread().name not in {name for name, _ in packing}
    with sqlite3.connect(tmp_path / "store.db") as db:
        stored = {bytes(r[0]): tuple(r) for r in db.execute("SELECT address, codec, size, body FROM chunks")}
    db.close()
    assert stored == {a.raw: encode_row(a, d) for a, d in chunks.items()}
    assert {row[1] for row in stored.values()} == {RAW, SHUFFLED}
    store.close()
