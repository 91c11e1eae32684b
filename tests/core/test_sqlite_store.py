"""SQLite store specifics: persistence, compression, corruption, damaged files, races, busy,
read-only stores and directories, a full disk."""
from __future__ import annotations

import multiprocessing
import os
import random
import re
import resource
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from dl.core.errors import CorruptChunk, DlError, IntegrityError, MissingChunk, NotFound, StoreError
from dl.core.hashing import Address, address_of
from dl.core.store import RefUpdate, open_store
from dl.core.store import sqlite as sqlite_module
from dl.core.store.bodies import Row
from dl.core.store.sqlite import RAW, SHUFFLED, ZSTD, SqliteStore
from dl.core.workers import pool

NOBODY = 65534


def compressible(n: int = 20000) -> bytes:
    return b"abcdefgh" * (n // 8)


def noise(n: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(n)


def arrow_batch(rows: int = 200, seed: int = 0) -> bytes:
    """A leaf as the prolly tree stores it: one serialized record batch."""
    rng = random.Random(seed)
    batch = pa.record_batch({
        "id": pa.array(range(seed * rows, (seed + 1) * rows), pa.int64()),
        "a": pa.array([rng.randrange(10**9) for _ in range(rows)], pa.int64()),
        "s": pa.array(["".join(rng.choices("abcdefghij", k=10)) for _ in range(rows)]),
        "x": pa.array([rng.random() for _ in range(rows)], pa.float64()),
    })
    return batch.serialize().to_pybytes()


def stored(path: Path, address: Address) -> tuple[int, int, bytes]:
    """(codec, size, body) of a chunk's row, read behind the store's back."""
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT codec, size, body FROM chunks WHERE address = ?",
                         (address.raw,)).fetchone()
    db.close()
    assert row is not None
    return row


def tamper(path: Path, sql: str, args: tuple[Any, ...] = ()) -> None:
    db = sqlite3.connect(path)
    db.execute(sql, args)
    db.commit()
    db.close()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
def store(path: Path) -> Iterator[SqliteStore]:
    made = SqliteStore(path, create=True)
    yield made
    made.close()


# --- persistence and compression -----------------------------------------------------


def test_persists_across_reopen(path: Path) -> None:
    store = open_store(path, create=True)
    pairs = {address_of(d): d for d in [compressible(), noise(3000), b"small"]}
    assert store.put_many(pairs) == 3
    assert store.set_ref_if("HEAD", "refs/heads/main", None)
    before = store.stats()
    store.close()
    again = open_store(path)
    assert again.get_many(list(pairs)) == pairs and again.get_ref("HEAD") == "refs/heads/main"
    assert again.stats() == before and before.chunk_count == 3
    assert sorted(again.all_addresses()) == sorted(pairs)
    again.close()


def test_compression_stores_fewer_bytes_and_round_trips(store: SqliteStore, path: Path) -> None:
    leaves = {address_of(b): b for b in (arrow_batch(seed=i) for i in range(20))}
    text = compressible()
    random_bytes, small = noise(5000), compressible(500)
    pairs = {**leaves, **{address_of(d): d for d in (text, random_bytes, small)}}
    store.put_many(pairs)
    assert store.get_many(list(pairs)) == pairs
    stats = store.stats()
    assert stats.raw_bytes == sum(map(len, pairs.values()))
    assert stats.stored_bytes < 0.9 * stats.raw_bytes
    codec, size, body = stored(path, address_of(text))
    assert codec == SHUFFLED and size == len(text) and len(body) < len(text) / 10
    leaf = next(iter(leaves))
    codec, _, body = stored(path, leaf)
    assert codec == SHUFFLED and len(body) < len(leaves[leaf])
    assert stored(path, address_of(random_bytes))[::2] == (RAW, random_bytes)  # would grow
    assert stored(path, address_of(small))[::2] == (RAW, small)  # below COMPRESS_FROM


# --- corruption ----------------------------------------------------------------------


def test_flipped_byte_in_a_raw_body_names_the_chunk(store: SqliteStore, path: Path) -> None:
    data = noise(5000)
    address = address_of(data)
    store.put_many({address: data})
    body = bytearray(stored(path, address)[2])
    body[len(body) // 2] ^= 0x55
    tamper(path, "UPDATE chunks SET body = ?", (bytes(body),))
    with pytest.raises(CorruptChunk, match=address.hex) as caught:
        store.get(address)
    assert caught.value.expected == address.hex
    assert caught.value.actual == address_of(bytes(body)).hex
    with pytest.raises(CorruptChunk, match=address.hex):
        store.get_many([address])


def test_flipped_byte_in_a_compressed_body_names_the_chunk(store: SqliteStore, path: Path) -> None:
    # 100 chunks: get_many decodes them on the thread pool
    leaves = {address_of(b): b for b in (arrow_batch(seed=i) for i in range(100))}
    store.put_many(leaves)
    victim = list(leaves)[37]
    codec, _, body = stored(path, victim)
    assert codec == SHUFFLED
    for position in (0, len(body) // 2, len(body) - 1):
        flipped = bytearray(body)
        flipped[position] ^= 0x01
        tamper(path, "UPDATE chunks SET body = ? WHERE address = ?", (bytes(flipped), victim.raw))
        with pytest.raises(IntegrityError, match=victim.hex):
            store.get(victim)
        with pytest.raises(IntegrityError, match=victim.hex):
            store.get_many(list(leaves))


def test_decode_many_decodes_every_chunk_as_get_many_reads_it_inflating_on_the_pool(
        store: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    # 700 chunks: more than one SQLite batch of addresses; the pool inflates them 100 a call
    # (one zstd call each), the calling thread unshuffles, checks and decodes
    leaves = {address_of(b): b for b in (arrow_batch(rows=20, seed=i) for i in range(700))}
    store.put_many(leaves)
    inflating: list[tuple[str, int]] = []
    original = sqlite_module.inflate_shuffled

    def recorded(rows: list[Row]) -> object:
        inflating.append((threading.current_thread().name, len(rows)))
        time.sleep(0.001)
        return original(rows)
    monkeypatch.setattr(sqlite_module, "inflate_shuffled", recorded)
    decoding: set[str] = set()

    def decode(address: Address, data: bytes) -> tuple[bytes, int]:
        decoding.add(threading.current_thread().name)
        return address.raw, len(data)
    wanted = list(leaves)[::-1] + list(leaves)[:3]  # any order, repeats
    decoded = store.decode_many(wanted, decode)
    assert decoded == {a: (a.raw, len(d)) for a, d in store.get_many(wanted).items()}
    assert set(decoded) == set(leaves)
    assert decoding == {threading.main_thread().name}
    assert {name for name, _ in inflating} - {threading.main_thread().name}, "inflated on the pool"
    assert max(count for _, count in inflating) == sqlite_module.DECODE_SLICE
    few = list(leaves)[:5]
    assert store.decode_many(few, decode) == {a: (a.raw, len(leaves[a])) for a in few}


def test_decode_many_checks_what_it_reads_and_passes_on_what_decode_raises(store: SqliteStore,
                                                                          path: Path) -> None:
    leaves = {address_of(b): b for b in (arrow_batch(rows=20, seed=i) for i in range(300))}
    store.put_many(leaves)
    absent = address_of(b"never stored")
    with pytest.raises(MissingChunk, match=absent.hex):
        store.decode_many([*leaves, absent], lambda a, d: d)
    victim = list(leaves)[201]
    with pytest.raises(ValueError, match="refused"):
        store.decode_many(leaves, lambda a, d: _refuse(a == victim))
    flipped = bytearray(stored(path, victim)[2])
    flipped[len(flipped) // 2] ^= 0x01
    tamper(path, "UPDATE chunks SET body = ? WHERE address = ?", (bytes(flipped), victim.raw))
    with pytest.raises(IntegrityError, match=victim.hex):
        store.decode_many(leaves, lambda a, d: d)


def test_decode_many_has_the_calling_thread_inflate_the_tasks_no_worker_started(
        store: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """With every worker of the pool busy elsewhere, the caller does not wait for them: it
    inflates each task itself (cancelling the queued one), and every chunk is read once, with
    the same result."""
    leaves = {address_of(b): b for b in (arrow_batch(rows=5, seed=i) for i in range(7 * sqlite_module.DECODE_SLICE))}
    store.put_many(leaves)
    threads: list[str] = []
    original = sqlite_module.inflate_shuffled

    def recorded(rows: list[Row]) -> object:
        threads.append(threading.current_thread().name)
        return original(rows)
    monkeypatch.setattr(sqlite_module, "inflate_shuffled", recorded)
    release = threading.Event()
    busy = [pool().submit(release.wait) for _ in range(pool()._max_workers)]
    try:
        assert store.decode_many(list(leaves), lambda a, d: d) == leaves
    finally:
        release.set()
    for future in busy:
        future.result()
    assert threads == [threading.main_thread().name] * 7, "the calling thread inflated every task"


def test_a_damaged_chunk_in_a_task_the_caller_took_is_named(store: SqliteStore, path: Path) -> None:
    """A flipped byte is a clear error naming the chunk whichever thread reads it: with slow
    decoding the caller takes the last tasks, so each damaged chunk below is read by the
    caller in one run or by a worker in another."""
    leaves = {address_of(b): b for b in (arrow_batch(rows=20, seed=i) for i in range(300))}
    store.put_many(leaves)
    rows = store._db.execute("SELECT address FROM chunks ORDER BY address").fetchall()
    for victim in (Address(bytes(rows[0][0])), Address(bytes(rows[-1][0]))):  # first and last read
        flipped = bytearray(stored(path, victim)[2])
        flipped[len(flipped) // 2] ^= 0x01
        tamper(path, "UPDATE chunks SET body = ? WHERE address = ?", (bytes(flipped), victim.raw))
        with pytest.raises(IntegrityError, match=victim.hex):
            store.decode_many(list(leaves), lambda a, d: time.sleep(0.001))
        flipped[len(flipped) // 2] ^= 0x01
        tamper(path, "UPDATE chunks SET body = ? WHERE address = ?", (bytes(flipped), victim.raw))


def test_decode_many_drops_the_tasks_not_started_when_one_fails(store: SqliteStore) -> None:
    # 14 tasks that each fail after 0.2 s: the first failure cancels those still queued
    leaves = {address_of(b): b for b in (arrow_batch(rows=5, seed=i) for i in range(14 * sqlite_module.DECODE_SLICE))}
    store.put_many(leaves)
    calls: list[Address] = []

    def decode(address: Address, data: bytes) -> None:
        calls.append(address)
        time.sleep(0.2)
        raise ValueError("refused")
    with pytest.raises(ValueError, match="refused"):
        store.decode_many(list(leaves), decode)
    time.sleep(1.0)  # the tasks already running finish
    assert len(calls) <= 10


def _refuse(refuse: bool) -> None:
    if refuse:
        raise ValueError("refused")


@pytest.mark.parametrize("sql", [
    "UPDATE chunks SET body = zeroblob(40)",
    "UPDATE chunks SET size = 7",
    "UPDATE chunks SET size = 1 << 40",
    "UPDATE chunks SET codec = 9",
])
def test_undecodable_rows_are_integrity_errors(store: SqliteStore, path: Path, sql: str) -> None:
    data = compressible()
    address = address_of(data)
    store.put_many({address: data})
    tamper(path, sql)
    with pytest.raises(IntegrityError, match=address.hex):
        store.get(address)


# --- damaged, missing and foreign files ------------------------------------------------


def _assert_dl_error_naming(path: Path, action: Callable[[], object]) -> None:
    with pytest.raises(DlError, match=re.escape(str(path))):
        action()


@pytest.mark.parametrize("content", [b"", b"SQLite format 3\0" + b"\0" * 84, b"not a db" * 50],
                         ids=["empty", "header-only", "text"])
def test_damaged_files_give_dl_errors(path: Path, content: bytes) -> None:
    path.write_bytes(content)
    _assert_dl_error_naming(path, lambda: SqliteStore(path))
    _assert_dl_error_naming(path, lambda: SqliteStore(path, readonly=True))


@pytest.mark.parametrize("keep", [100, 2048, 4096, 0.5])
def test_truncated_store_gives_a_dl_error(path: Path, keep: float) -> None:
    store = SqliteStore(path, create=True)
    pairs = {address_of(d): d for d in (noise(8000, seed) for seed in range(100))}
    store.put_many(pairs)
    store.vacuum()
    store.close()
    data = path.read_bytes()
    path.write_bytes(data[:int(keep * len(data)) if keep < 1 else int(keep)])

    def read_everything() -> None:
        reopened = SqliteStore(path)
        reopened.get_many(list(reopened.all_addresses()) or list(pairs))

    _assert_dl_error_naming(path, read_everything)


def test_missing_store_is_not_found(tmp_path: Path) -> None:
    for readonly in (False, True):
        with pytest.raises(NotFound, match="nope.db"):
            SqliteStore(tmp_path / "nope.db", readonly=readonly)
    assert not (tmp_path / "nope.db").exists()


def test_foreign_database_and_other_format_are_refused(path: Path, tmp_path: Path) -> None:
    foreign = tmp_path / "other.db"
    tamper(foreign, "CREATE TABLE t (x)")
    with pytest.raises(StoreError, match="not a dl store"):
        SqliteStore(foreign)
    SqliteStore(path, create=True).close()
    tamper(path, "UPDATE meta SET value = 'dl-store-99' WHERE key = 'format'")
    with pytest.raises(StoreError, match="dl-store-99"):
        SqliteStore(path)


# --- atomicity and the refs' targets ----------------------------------------------------


def test_a_ref_never_points_at_a_missing_chunk(store: SqliteStore) -> None:
    data = b"commit"
    address = address_of(data)
    with pytest.raises(MissingChunk, match=address.hex):
        store.commit({address_of(b"other"): b"other"}, [RefUpdate("main", address.hex, None)])
    assert store.get_ref("main") is None and store.stats().chunk_count == 0
    assert store.commit({address: data}, [RefUpdate("main", address.hex, None)])


def test_a_chunk_deleted_after_the_precheck_is_stored_again(store: SqliteStore, path: Path) -> None:
    """A `dl gc` may delete an unreachable chunk between the check of what is present and
    the write transaction of a commit that re-uses it: the commit must store it again."""
    data = compressible()
    address = address_of(data)
    store.put_many({address: data})
    precheck = store.has_many

    def has_many_then_gc(addresses: Any) -> set[Address]:
        found = precheck(addresses)
        tamper(path, "DELETE FROM chunks")
        return found

    store.has_many = has_many_then_gc  # type: ignore[method-assign]
    assert store.commit({address: data}, [RefUpdate("main", address.hex, None)])
    del store.has_many
    assert store.get(address) == data and store.get_ref("main") == address.hex


# --- concurrency -----------------------------------------------------------------------


def _race(path: str, worker: int, rounds: int, start: Any, queue: Any) -> None:
    try:
        store = SqliteStore(path)
        start.wait(30)
        claims, increments = [], 0
        for r in range(rounds):
            if store.set_ref_if(f"round/{r}", str(worker), None):
                claims.append(r)
            current = store.get_ref("counter")
            assert current is not None
            if store.set_ref_if("counter", str(int(current) + 1), current):
                increments += 1
        store.close()
        queue.put((worker, claims, increments, None))
    except BaseException as exc:  # noqa: BLE001 (report it, so the parent fails with the cause)
        queue.put((worker, [], 0, f"{type(exc).__name__}: {exc}"))


def test_two_processes_racing_cas_exactly_one_wins_each_round(path: Path) -> None:
    store = SqliteStore(path, create=True)
    store.set_ref_if("counter", "0", None)
    ctx = multiprocessing.get_context("spawn")
    queue, start, rounds = ctx.Queue(), ctx.Barrier(2), 60
    procs = [ctx.Process(target=_race, args=(str(path), w, rounds, start, queue)) for w in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(10)
    assert [r[3] for r in results] == [None, None]
    claims = {w: set(c) for w, c, _, _ in results}
    assert claims[0].isdisjoint(claims[1]) and claims[0] | claims[1] == set(range(rounds))
    for w, mine in claims.items():
        assert all(store.get_ref(f"round/{r}") == str(w) for r in mine)
    assert int(store.get_ref("counter") or "") == sum(r[2] for r in results) > 0


def test_a_writer_waits_then_reports_busy(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    holder = SqliteStore(path, create=True)
    monkeypatch.setattr(sqlite_module, "BUSY_TIMEOUT_S", 0.2)
    other = SqliteStore(path)
    with holder.write_lock():
        holder.set_ref_if("main", "1", None)
        with pytest.raises(StoreError, match="busy"):
            other.set_ref_if("dev", "1", None)
        assert other.get_ref("main") is None  # readers are not blocked, and see committed state
    assert other.set_ref_if("dev", "1", None) and other.get_ref("main") == "1"
    holder.close()
    other.close()


# --- read-only ---------------------------------------------------------------------------


def _refuses_every_write(store: SqliteStore) -> list[str]:
    data = b"new chunk"
    attempts: list[Callable[[], object]] = [
        lambda: store.put_many({address_of(data): data}),
        lambda: store.set_ref_if("main", "x", None),
        lambda: store.commit({}, [RefUpdate("dev", "x", None)]),
        lambda: store.delete_many(list(store.all_addresses())),
        store.vacuum,
    ]
    messages = []
    for attempt in attempts:
        try:
            attempt()
            messages.append("no error")
        except StoreError as exc:
            messages.append(str(exc))
    return messages


def test_readonly_open_serves_reads_and_refuses_writes(path: Path) -> None:
    data = compressible()
    writer = SqliteStore(path, create=True)
    writer.commit({address_of(data): data}, [RefUpdate("main", address_of(data).hex, None)])
    reader = SqliteStore(path, readonly=True)
    assert reader.get(address_of(data)) == data and reader.get_ref("main") == address_of(data).hex
    assert all("read-only" in m for m in _refuses_every_write(reader)), _refuses_every_write(reader)
    assert reader.stats().chunk_count == 1
    writer.close()
    reader.close()


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory an unprivileged user can reach (pytest's tmp_path is private to root)."""
    directory = Path(tempfile.mkdtemp(prefix="dl-ro-"))
    directory.chmod(0o755)
    yield directory
    directory.chmod(0o755)
    shutil.rmtree(directory)


def _unprivileged(action: Callable[[], Any]) -> Any:
    """Runs `action` in a forked child without root's power to ignore file modes."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()

    def child() -> None:
        try:
            if os.geteuid() == 0:
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            queue.put(("ok", action()))
        except BaseException as exc:  # noqa: BLE001 (the parent asserts on it)
            queue.put(("error", f"{type(exc).__name__}: {exc}"))

    process = ctx.Process(target=child)
    process.start()
    outcome = queue.get(timeout=30)
    process.join(10)
    return outcome


def _read_in_readonly_dir(path: Path, address: Address, readonly: bool) -> tuple[Any, ...]:
    assert not os.access(path.parent, os.W_OK)
    store = SqliteStore(path, readonly=readonly)
    result = (store.get(address), store.get_ref("main"), _refuses_every_write(store))
    store.close()
    return result


def _make_readonly_dir(path: Path) -> None:
    for p in path.parent.iterdir():
        p.chmod(0o644)
    path.parent.chmod(0o555)


@pytest.mark.parametrize("writer_open", [False, True], ids=["closed-cleanly", "writer-live"])
def test_readonly_directory(shared_dir: Path, writer_open: bool) -> None:
    """Closed cleanly, there is no -wal/-shm and none can be created: the store opens
    immutable. With a live writer, the log holds the latest commit: it must be seen."""
    path = shared_dir / "store.db"
    writer = SqliteStore(path, create=True)
    data = noise(4000)
    address = address_of(data)
    assert writer.commit({address: data}, [RefUpdate("main", address.hex, None)])
    if not writer_open:
        writer.close()
        assert sorted(p.name for p in shared_dir.iterdir()) == ["store.db"]
    _make_readonly_dir(path)
    status, result = _unprivileged(lambda: _read_in_readonly_dir(path, address, True))
    assert status == "ok", result
    got, ref, refusals = result
    assert got == data and ref == address.hex
    assert all("read-only" in m for m in refusals), refusals
    if writer_open:
        writer.close()


def test_readwrite_open_in_a_readonly_directory_opens_read_only(shared_dir: Path) -> None:
    """Asked to open for writing where it cannot write, the store opens read-only: reads
    serve, and every write is refused saying why."""
    path = shared_dir / "store.db"
    writer = SqliteStore(path, create=True)
    data = noise(4000)
    address = address_of(data)
    assert writer.commit({address: data}, [RefUpdate("main", address.hex, None)])
    writer.close()
    _make_readonly_dir(path)
    status, result = _unprivileged(lambda: _read_in_readonly_dir(path, address, False))
    assert status == "ok", result
    got, ref, refusals = result
    assert got == data and ref == address.hex
    assert all("read-only" in m and "not writable" in m for m in refusals), refusals


# --- a full disk -------------------------------------------------------------------------


def _fill(path: Path, limit: int) -> tuple[int, str]:
    """Writes chunks under a file size limit (as a full disk would stop them)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    store = SqliteStore(path)
    for seed in range(1, 1000):
        data = noise(50_000, seed)
        try:
            address = address_of(data)
            store.commit({address: data}, [RefUpdate(f"chunk/{seed}", address.hex, None)])
        except DlError as exc:
            return seed, f"{type(exc).__name__}: {exc}"
    return -1, "never failed"


def test_disk_full_is_a_clear_error_and_keeps_what_was_committed(path: Path) -> None:
    store = SqliteStore(path, create=True)
    store.close()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        failed_at, message = pool.apply(_fill, (path, 1_000_000))
    assert failed_at > 1, message
    assert message.startswith("StoreError: no space left on device") and str(path) in message
    again = SqliteStore(path)
    refs = again.list_refs("chunk/")
    assert len(refs) == failed_at - 1
    committed = [Address.parse(v) for v in refs.values()]
    assert again.get_many(committed).keys() == set(committed)
    again.close()


def test_a_store_built_in_bulk_is_a_wal_store_once_sealed(tmp_path: Path) -> None:
    """A clone's store grows with its journal in memory and no syncs; `seal` leaves it as every
    store runs (WAL), with what was written there after a reopen."""
    path = tmp_path / "built.db"
    built = SqliteStore(path, create=True, building=True)
    assert built._db.execute("PRAGMA journal_mode").fetchone()[0] == "memory"
    data = {address_of(bytes([i]) * 2000): bytes([i]) * 2000 for i in range(50)}
    assert built.commit(data, [RefUpdate("refs/heads/main", next(iter(data)).hex, None)])
    built.seal()
    assert built._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert built._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    built.close()
    again = SqliteStore(path)
    assert again.get_many(data) == data and again.get_ref("refs/heads/main") == next(iter(data)).hex
    again.close()


def test_only_a_new_store_is_built_in_bulk(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    SqliteStore(path, create=True).close()
    with pytest.raises(StoreError, match="only a new store"):
        SqliteStore(path, building=True)


def test_decode_many_inflates_only_a_few_pieces_ahead_of_what_it_decodes(
        store: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the pool has inflated but the caller not yet decoded waits in memory: a read of a
    large tree holds `INFLATE_AHEAD` pieces of it that way, not a second copy of the tree."""
    leaves = {address_of(b): b for b in (arrow_batch(rows=5, seed=i) for i in range(12 * sqlite_module.DECODE_SLICE))}
    store.put_many(leaves)
    inflated = 0
    lock = threading.Lock()
    original = sqlite_module.inflate_shuffled

    def counted(rows: list[Row]) -> object:
        nonlocal inflated
        with lock:
            inflated += 1
        return original(rows)
    monkeypatch.setattr(sqlite_module, "inflate_shuffled", counted)
    decoded = 0
    ahead: list[int] = []

    def decode(address: Address, data: bytes) -> bytes:
        nonlocal decoded
        time.sleep(0.0002)  # slower than inflating: the pool would run ahead if let
        ahead.append(inflated - decoded // sqlite_module.DECODE_SLICE)
        decoded += 1
        return data
    assert store.decode_many(list(leaves), decode) == leaves
    assert inflated == 12
    assert max(ahead) <= sqlite_module.INFLATE_AHEAD + 1
