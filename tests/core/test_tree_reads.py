"""Full reads of a prolly tree from the SQLite store: leaves are fetched, checked and decoded on
the store's pool (`SqliteStore.decode_many`), with the same rows and the same errors as one by one."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from dl.core.errors import IntegrityError
from dl.core.hashing import Address
from dl.core.prolly.tree import NODE_CACHE
from dl.core.repo import Author, Repository
from dl.core.store.sqlite import PARALLEL_FROM, SqliteStore
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table

SCHEMA = TableSchema((Column("id", pa.int64()), Column("v", pa.float64()), Column("s", pa.string())), ("id",))
N = 40_000


def rows(n: int = N) -> pa.Table:
    rng = np.random.default_rng(3)
    return pa.table({"id": pa.array(np.arange(n), pa.int64()), "v": rng.random(n),
                     "s": pa.array([f"s{i % 89}" for i in range(n)])})


@pytest.fixture
def path(tmp_path: Path) -> Path:
    repo = Repository.init(tmp_path, author=Author("Ada", "ada@example.com"))
    repo.write_table("t", lambda cur, buf: Table.empty(buf, SCHEMA).replace_rows(rows()))
    repo.close()
    return tmp_path


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of chunks each `decode_many` call is asked for, as the test goes."""
    counts: list[int] = []
    original = SqliteStore.decode_many

    def counted(self: SqliteStore, addresses: list[Address], decode: object) -> object:
        counts.append(len(addresses))
        return original(self, addresses, decode)  # type: ignore[arg-type]
    monkeypatch.setattr(SqliteStore, "decode_many", counted)
    return counts


def cold_scan(path: Path) -> pa.Table:
    """A scan by a new repository object, empty node cache and no scan file, as a new process's."""
    NODE_CACHE.clear()
    repo = Repository.open(path)
    repo.store.scan_files = None  # type: ignore[attr-defined]
    try:
        return repo.table("t").scan()
    finally:
        repo.close()


def test_a_cold_scan_decodes_its_leaves_on_the_stores_pool(path: Path, calls: list[int]) -> None:
    scanned = cold_scan(path)
    assert scanned.equals(rows().cast(scanned.schema))
    assert max(calls) >= PARALLEL_FROM, "the leaves were read in one decode_many"
    calls.clear()
    assert cold_scan(path).equals(scanned)
    repo = Repository.open(path)
    try:
        assert repo.table("t").scan().equals(scanned)  # warm: from the node cache, no store read
    finally:
        repo.close()


def test_a_streamed_read_decodes_on_the_pool_with_the_same_rows(path: Path, calls: list[int]) -> None:
    NODE_CACHE.clear()
    repo = Repository.open(path)
    try:
        tree = repo.table("t").tree
        streamed = pa.Table.from_batches(list(tree.stream_leaves(batch_leaves=PARALLEL_FROM)))
    finally:
        repo.close()
    assert streamed.equals(rows().cast(streamed.schema))
    assert PARALLEL_FROM in calls


def test_a_damaged_leaf_fails_the_scan_naming_it(path: Path) -> None:
    db = sqlite3.connect(path / ".dl" / "store.db")
    address, body = db.execute("SELECT address, body FROM chunks WHERE codec = 2 "
                               "ORDER BY address LIMIT 1 OFFSET 40").fetchone()
    flipped = bytearray(body)
    flipped[len(flipped) // 2] ^= 0x10
    db.execute("UPDATE chunks SET body = ? WHERE address = ?", (bytes(flipped), address))
    db.commit()
    db.close()
    with pytest.raises(IntegrityError, match=bytes(address).hex()):
        cold_scan(path)
