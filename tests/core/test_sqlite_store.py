"""SQLite store specifics: persistence, compression, corruption, damaged files, races."""
from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from core.errors import CorruptChunk, DlError, IntegrityError, NotFound, StoreError
from core.hashing import address_of
from core.store.sqlite import SqliteStore


def compressible(n: int = 20000) -> bytes:
    return b"abcdefgh" * (n // 8)


def test_persists_across_reopen_and_compresses(tmp_path):
    path = tmp_path / "store.db"
    store = SqliteStore(path, create=True)
    data = compressible()
    address = address_of(data)
    store.put_many({address: data})
    store.set_ref_if("HEAD", "refs/heads/main", None)
    stats = store.stats()
    assert stats.stored_bytes < stats.raw_bytes / 10
    store.close()
    again = SqliteStore(path)
    assert again.get(address) == data and again.get_ref("HEAD") == "refs/heads/main"


def test_flipped_byte_is_reported_naming_the_chunk(tmp_path):
    path = tmp_path / "store.db"
    store = SqliteStore(path, create=True)
    data = bytes(range(256)) * 20  # not compressible: stored raw
    address = address_of(data)
    store.put_many({address: data})
    db = sqlite3.connect(path)
    body = bytearray(db.execute("SELECT body FROM chunks").fetchone()[0])
    body[len(body) // 2] ^= 0x55
    db.execute("UPDATE chunks SET body = ?", (bytes(body),))
    db.commit()
    db.close()
    with pytest.raises(CorruptChunk, match=address.hex):
        store.get(address)
    with pytest.raises(CorruptChunk):
        store.get_many([address])


def test_corrupt_compressed_body_is_an_integrity_error(tmp_path):
    path = tmp_path / "store.db"
    store = SqliteStore(path, create=True)
    data = compressible()
    address = address_of(data)
    store.put_many({address: data})
    db = sqlite3.connect(path)
    db.execute("UPDATE chunks SET body = zeroblob(40)")
    db.commit()
    with pytest.raises(IntegrityError, match=address.hex):
        store.get(address)


@pytest.mark.parametrize("content", [b"", b"SQLite format 3\0" + b"\0" * 50, b"hello, not a database" * 50])
def test_damaged_files_give_dl_errors(tmp_path, content):
    path = tmp_path / "store.db"
    path.write_bytes(content)
    with pytest.raises(DlError):
        SqliteStore(path)


def test_truncated_store(tmp_path):
    path = tmp_path / "store.db"
    store = SqliteStore(path, create=True)
    store.put_many({address_of(compressible(200000)): compressible(200000)})
    store.vacuum()
    store.close()
    path.write_bytes(path.read_bytes()[:2048])
    with pytest.raises(DlError):
        reopened = SqliteStore(path)
        list(reopened.all_addresses())
        reopened.get(address_of(compressible(200000)))


def test_missing_store_is_not_found(tmp_path):
    with pytest.raises(NotFound):
        SqliteStore(tmp_path / "nope.db")


def test_readonly_refuses_writes(tmp_path):
    path = tmp_path / "store.db"
    SqliteStore(path, create=True).close()
    store = SqliteStore(path, readonly=True)
    assert store.get_ref("HEAD") is None
    with pytest.raises(StoreError, match="read-only"):
        store.set_ref_if("HEAD", "x", None)


def _race(path: str, worker: int, rounds: int, queue) -> None:
    store = SqliteStore(path)
    wins = 0
    for i in range(rounds):
        current = store.get_ref("counter")
        nxt = str(int(current) + 1)
        if store.set_ref_if("counter", nxt, current):
            wins += 1
    queue.put(wins)


def test_concurrent_cas_never_loses_an_increment(tmp_path):
    path = tmp_path / "store.db"
    store = SqliteStore(path, create=True)
    store.set_ref_if("counter", "0", None)
    queue = multiprocessing.get_context("spawn").Queue()
    procs = [multiprocessing.get_context("spawn").Process(target=_race, args=(str(path), w, 40, queue))
             for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    wins = sum(queue.get(timeout=10) for _ in procs)
    assert int(store.get_ref("counter")) == wins > 0
