"""The default chunk store: one SQLite file (`.dl/store.db`) in WAL mode.

Chunks and refs live in the same database, so `commit` writes a batch of chunks and moves
refs in one transaction: a crash leaves the old state or the new, never a mix. Writes take
`BEGIN IMMEDIATE` and wait (busy timeout) for other writers instead of failing; reads never
block under WAL. Bodies of 1 KB or more are compressed with zstd when that saves space (small
chunks, i.e. commits, roots and working sets, stay raw, so `dl status` and `dl log` never need
pyarrow); the address is always of the uncompressed bytes, and every read is verified against
it, so corruption is reported naming the chunk, never returned.

Every sqlite3 error is mapped to a one-line dl error: busy, no space, read-only, not a
database.
"""
from __future__ import annotations

import errno
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from core.errors import CorruptChunk, IntegrityError, MissingChunk, NotFound, StoreError
from core.hashing import Address, address_of
from core.store.base import RefUpdate, StoreStats

FORMAT = "dl-store-1"
RAW, ZSTD = 0, 1
COMPRESS_FROM = 1024
BUSY_TIMEOUT_S = 30.0
BATCH = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    address BLOB NOT NULL UNIQUE,
    codec INTEGER NOT NULL,
    size INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS refs (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_codec = None


def _zstd():  # type: ignore[no-untyped-def]
    """pyarrow's zstd codec, imported on first use (start-up of light commands stays fast)."""
    global _codec
    if _codec is None:
        import pyarrow as pa
        _codec = pa.Codec("zstd", compression_level=1)
    return _codec


def encode_body(data: bytes) -> tuple[int, bytes]:
    """(codec, stored bytes) for a chunk: zstd when it is large enough and saves space."""
    if len(data) < COMPRESS_FROM:
        return RAW, data
    packed = _zstd().compress(data, asbytes=True)
    return (ZSTD, packed) if len(packed) < len(data) else (RAW, data)


def decode_body(address: Address, codec: int, size: int, body: bytes) -> bytes:
    """The chunk's bytes, verified against its address."""
    if codec == ZSTD:
        try:
            data = _zstd().decompress(body, decompressed_size=size, asbytes=True)
        except Exception as exc:  # pyarrow raises several kinds on garbage input
            raise IntegrityError(f"corrupt chunk {address.hex}: body does not decompress ({exc})",
                                 address.hex) from None
    elif codec == RAW:
        data = bytes(body)
    else:
        raise IntegrityError(f"corrupt chunk {address.hex}: unknown codec {codec}", address.hex)
    actual = address_of(data)
    if actual != address:
        raise CorruptChunk(address.hex, actual.hex)
    return data


_POOL = None
PARALLEL_FROM = 64


def _decode_rows(rows: list[tuple]) -> list[tuple[Address, bytes]]:
    """Decompresses and verifies rows; large batches on two threads (zstd and SHA-256 release
    the GIL), which takes a 1M-row scan from ~100 ms to ~60 ms of decoding."""
    global _POOL
    if len(rows) < PARALLEL_FROM:
        return _decode_part(rows)
    if _POOL is None:
        from concurrent.futures import ThreadPoolExecutor
        _POOL = ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2)))
    parts = [rows[i::4] for i in range(4)]
    return [pair for part in _POOL.map(_decode_part, parts) for pair in part]


def _decode_part(rows: list[tuple]) -> list[tuple[Address, bytes]]:
    out = []
    for raw, codec, size, body in rows:
        address = Address(bytes(raw))
        out.append((address, decode_body(address, codec, size, body)))
    return out


class _CasLost(Exception):
    """A compare-and-swap found another value: the whole transaction is rolled back."""


class SqliteStore:
    """Chunks and refs in one SQLite database file."""

    def __init__(self, path: str | os.PathLike[str], *, create: bool = False, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._lock = threading.RLock()
        self._in_transaction = False
        if not self.path.exists() and not create:
            raise NotFound("repository store", str(self.path), "run `dl init` to create a repository")
        if self.path.exists() and self.path.is_file() and self.path.stat().st_size == 0 and not create:
            raise IntegrityError(f"the store {self.path} is empty (zero bytes): the repository is damaged")
        self._db = self._connect(create)

    # --- connection ------------------------------------------------------------------

    def _connect(self, create: bool) -> sqlite3.Connection:
        try:
            if self.readonly:
                uri = f"file:{self.path}?mode=ro"
                if not os.access(self.path.parent, os.W_OK):
                    uri += "&immutable=1"
                db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False,
                                     timeout=BUSY_TIMEOUT_S)
            else:
                db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                     timeout=BUSY_TIMEOUT_S)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
            db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            if create:
                db.executescript(_SCHEMA)
                db.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
            row = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        except sqlite3.Error as exc:
            raise self._error(exc, "opening") from None
        if row is None or row[0] != FORMAT:
            raise StoreError(f"{self.path} is not a dl store of format {FORMAT} (found {row and row[0]!r})")
        return db

    def _error(self, exc: BaseException, doing: str) -> Exception:
        text = str(exc).lower()
        code = getattr(exc, "sqlite_errorcode", None)
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG):
            return StoreError(f"no space left on device while {doing} {self.path}")
        if "locked" in text or "busy" in text:
            return StoreError(f"the repository is busy (another dl process holds the lock) while {doing}; retry")
        if "full" in text or code == 13 or "disk i/o" in text:
            return StoreError(f"no space left on device (or a write failed) while {doing} {self.path}")
        if "readonly" in text or "read-only" in text or code == 8:
            return StoreError(f"the repository is read-only: cannot write {self.path}")
        if "not a database" in text or "malformed" in text or code in (11, 26):
            return IntegrityError(f"the store {self.path} is damaged or not a dl store ({exc})")
        if "unable to open" in text:
            return StoreError(f"cannot open the store {self.path} ({exc})")
        return StoreError(f"store error while {doing} {self.path}: {exc}")

    @contextmanager
    def _write(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction (or the enclosing write lock's), mapped errors, rollback."""
        if self.readonly:
            raise StoreError(f"the repository is read-only: cannot write {self.path}")
        with self._lock:
            if self._in_transaction:
                yield self._db
                return
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._error(exc, doing) from None
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException as exc:
                try:
                    self._db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                if isinstance(exc, (sqlite3.Error, OSError)):
                    raise self._error(exc, doing) from None
                raise

    def _read(self, sql: str, args: Sequence[object] = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise self._error(exc, "reading") from None

    # --- chunks ----------------------------------------------------------------------

    def get(self, address: Address) -> bytes:
        rows = self._read("SELECT codec, size, body FROM chunks WHERE address = ?", (address.raw,))
        if not rows:
            raise MissingChunk(address.hex)
        return decode_body(address, *rows[0])

    def get_many(self, addresses: Iterable[Address]) -> dict[Address, bytes]:
        wanted = list(dict.fromkeys(addresses))
        rows: list[tuple] = []
        for start in range(0, len(wanted), BATCH):
            part = wanted[start:start + BATCH]
            marks = ",".join("?" * len(part))
            rows += self._read(f"SELECT address, codec, size, body FROM chunks WHERE address IN ({marks})",
                               [a.raw for a in part])
        found = dict(_decode_rows(rows))
        for address in wanted:
            if address not in found:
                raise MissingChunk(address.hex)
        return found

    def has_many(self, addresses: Iterable[Address]) -> set[Address]:
        wanted = list(dict.fromkeys(addresses))
        present: set[Address] = set()
        for start in range(0, len(wanted), BATCH):
            part = wanted[start:start + BATCH]
            marks = ",".join("?" * len(part))
            rows = self._read(f"SELECT address FROM chunks WHERE address IN ({marks})", [a.raw for a in part])
            present.update(Address(bytes(r[0])) for r in rows)
        return present

    def put_many(self, chunks: Mapping[Address, bytes]) -> int:
        if not chunks:
            return 0
        rows = self._encode(chunks)
        with self._write("writing chunks to") as db:
            before = db.total_changes
            db.executemany("INSERT OR IGNORE INTO chunks (address, codec, size, body) VALUES (?, ?, ?, ?)", rows)
            return db.total_changes - before

    def _encode(self, chunks: Mapping[Address, bytes]) -> list[tuple[bytes, int, int, bytes]]:
        existing = self.has_many(chunks) if len(chunks) < 50_000 else set()
        out = []
        for address, data in chunks.items():
            if address in existing:
                continue
            codec, body = encode_body(data)
            out.append((address.raw, codec, len(data), body))
        return out

    # --- refs ------------------------------------------------------------------------

    def get_ref(self, name: str) -> str | None:
        rows = self._read("SELECT value FROM refs WHERE name = ?", (name,))
        return rows[0][0] if rows else None

    def list_refs(self, prefix: str = "") -> dict[str, str]:
        rows = self._read("SELECT name, value FROM refs WHERE substr(name, 1, ?) = ?", (len(prefix), prefix))
        return dict(rows)

    def set_ref_if(self, name: str, new: str | None, expected: str | None) -> bool:
        return self.commit({}, [RefUpdate(name, new, expected)])

    def commit(self, chunks: Mapping[Address, bytes], updates: Sequence[RefUpdate]) -> bool:
        rows = self._encode(chunks) if chunks else []
        try:
            self._commit(rows, chunks, updates)
        except _CasLost:
            return False
        return True

    def _commit(self, rows: list, chunks: Mapping[Address, bytes], updates: Sequence[RefUpdate]) -> None:
        with self._write("committing to") as db:
            for update in updates:
                found = db.execute("SELECT value FROM refs WHERE name = ?", (update.name,)).fetchone()
                if (found[0] if found else None) != update.expected:
                    raise _CasLost(update.name)
            if rows:
                db.executemany("INSERT OR IGNORE INTO chunks (address, codec, size, body) VALUES (?, ?, ?, ?)", rows)
            self._check_targets(db, chunks, updates)
            for update in updates:
                if update.new is None:
                    db.execute("DELETE FROM refs WHERE name = ?", (update.name,))
                else:
                    db.execute("INSERT OR REPLACE INTO refs (name, value) VALUES (?, ?)", (update.name, update.new))

    @staticmethod
    def _check_targets(db: sqlite3.Connection, chunks: Mapping[Address, bytes], updates: Sequence[RefUpdate]) -> None:
        """A ref never points at a missing chunk (guards against a concurrent gc)."""
        for update in updates:
            value = update.new
            if value is None or len(value) != 40:
                continue
            try:
                raw = bytes.fromhex(value)
            except ValueError:
                continue
            if Address(raw) in chunks:
                continue
            if db.execute("SELECT 1 FROM chunks WHERE address = ?", (raw,)).fetchone() is None:
                raise MissingChunk(value, f"ref {update.name}")

    # --- maintenance -----------------------------------------------------------------

    def stats(self) -> StoreStats:
        count, stored, raw = self._read("SELECT count(*), coalesce(sum(length(body)), 0), "
                                        "coalesce(sum(size), 0) FROM chunks")[0]
        return StoreStats(int(count), int(stored), int(raw))

    def file_bytes(self) -> int:
        """Bytes of the database file and its write-ahead log."""
        return sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())

    def all_addresses(self) -> Iterator[Address]:
        return iter([Address(bytes(r[0])) for r in self._read("SELECT address FROM chunks")])

    def delete_many(self, addresses: Iterable[Address]) -> int:
        raws = [(a.raw,) for a in addresses]
        with self._write("deleting chunks from") as db:
            before = db.total_changes
            db.executemany("DELETE FROM chunks WHERE address = ?", raws)
            return db.total_changes - before

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Holds the database's write lock: other writers wait until the block ends."""
        with self._write("locking") as _:
            self._in_transaction = True
            try:
                yield
            finally:
                self._in_transaction = False

    def vacuum(self) -> None:
        with self._lock:
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                self._db.execute("VACUUM")
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:
                raise self._error(exc, "compacting") from None

    def close(self) -> None:
        with self._lock:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
