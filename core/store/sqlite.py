"""The default chunk store: one SQLite file (`.dl/store.db`) in WAL mode.

Owns the on-disk format of chunks and refs. Invariants it keeps:

- Chunks and refs live in one database, so `commit` stores a batch of chunks and moves refs in
  one `BEGIN IMMEDIATE` transaction: a crash or kill leaves the old state or the new, never a
  mix. WAL with `synchronous=NORMAL` keeps every committed transaction across a process kill;
  a power loss may lose the last commits but never corrupts the file.
- A ref moves only by compare-and-swap inside that transaction; if any CAS of a batch fails,
  nothing of the batch lands. A ref whose value is a 40-hex address never points at a chunk the
  store lacks (this guards against a concurrent `dl gc`).
- Bodies are kept as `bodies.py` encodes them (a codec tag per chunk; small chunks raw, so
  `dl status` and `dl log` never import pyarrow). The address is always of the uncompressed
  bytes, and every read is checked (`read_body`): corruption is reported naming the chunk,
  never returned. `dl fsck` rehashes every chunk with SHA-256 on top.
- New stores use 1 KB pages (chunk bodies of ~9 KB waste less of their last overflow page:
  23.1 MB against 24.4 MB for 1M rows) and every store is read through a memory map (reading
  1M rows' chunks: ~8 ms of CPU against ~22-30 ms through read calls).
- Full scans of large trees are kept decoded beside the file (`scan_files`, `.dl/scans/`):
  derived data keyed by tree root, checked before use, removed by `dl gc`.
- Large reads and writes use a thread pool (zstd, numpy and hashing release the GIL):
  `decode_many` has the pool inflate what it fetches, 100 chunks a call, while it fetches,
  then decodes beside the workers; `prepare` compresses a bulk build's chunks while the build goes on, into exactly the
  rows `encode_row` makes (a prepared row is taken once; those of an abandoned change are
  dropped by `forget`).
- Writers wait for each other (busy timeout) instead of failing; readers never block under WAL.
- Every sqlite3 or OS error is mapped to a one-line dl error: busy, no space, read-only, damaged.
- A store being built (`building=True`: new, private to its builder, deleted by it on failure,
  as a clone's is) keeps its rollback journal in memory and never syncs while it grows, so a
  bulk load writes its pages once instead of twice (log, then checkpoint) with no fsync per
  transaction; `seal()` then syncs the file once and turns WAL on as for any store.
"""
from __future__ import annotations

import errno
import os
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from dl.core.errors import DlError, IntegrityError, MissingChunk, NotFound, StoreError
from dl.core.hashing import HEX_LENGTH, Address
from dl.core.store import faults
from dl.core.store.scan_files import ScanFiles
from dl.core.store.bodies import (  # noqa: F401 (RAW, ZSTD, SHUFFLED, encode_body: re-exported)
    RAW, SHUFFLED, ZSTD, Row, decode_body, encode_body, encode_row, inflate_shuffled, pack_rows,
    read_body, read_inflated, shuffled)
from dl.core.store.base import LINKED, RefUpdate, StoreStats
from dl.core.workers import pool as _pool
from dl.core.workers import run_all

if TYPE_CHECKING:
    from concurrent.futures import Future

    import pyarrow as pa

FORMAT = "dl-store-1"
BUSY_TIMEOUT_S = 10.0
BATCH = 500  # addresses per `IN (...)`: well under SQLite's 32,766 bound variables
PRECHECK_MAX = 50_000  # above this, compress everything rather than ask what is present
PARALLEL_FROM = 64  # rows (de)compressed on the thread pool from this many on
DECODE_SLICE = 100  # rows per zstd call of a bulk read (`bodies.inflate_shuffled`)
INFLATE_AHEAD = 4  # calls inflating ahead of the thread decoding: what is inflated waits in memory
PREPARE_SLICE = 64  # chunks per task of `prepare`
WAL_LIMIT_BYTES = 64 << 20  # a checkpointed log is cut back to this (else it keeps its peak size)
PAGE_BYTES = 1024  # of a new store (an existing one keeps its own)
MMAP_BYTES = 1 << 30  # read through a memory map up to this size of file
SCANS_DIR = "scans"  # beside the store file: decoded scans of large trees (`scan_files`)

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
_INSERT = "INSERT OR IGNORE INTO chunks (address, codec, size, body) VALUES (?, ?, ?, ?)"
_CHECKPOINT = "PRAGMA wal_checkpoint(TRUNCATE)"
READONLY_DIRECTORY = 1544  # SQLITE_READONLY_DIRECTORY: cannot create the -shm file beside it

T = TypeVar("T")
U = TypeVar("U")

# --- bodies (their codecs: bodies.py) ----------------------------------------------

def _on_pool(work: Callable[[list[T]], list[U]], items: list[T]) -> list[U]:
    """`work` over `items`, in four slices on a few threads when there are many: zstd and
    SHA-256 release the GIL, so on two cores decoding 5,000 leaves takes ~0.11 s instead of
    ~0.17 s, and compressing them ~0.12 s instead of ~0.2 s."""
    if len(items) < PARALLEL_FROM:
        return work(items)
    n = len(items)
    parts = [items[k * n // 4:(k + 1) * n // 4] for k in range(4)]  # contiguous: keeps the order
    return [out for part in run_all(work, parts) for out in part]


def decode_rows(rows: list[Row]) -> list[tuple[Address, bytes]]:
    """Decompresses stored rows from elsewhere and verifies them against their addresses."""
    return _on_pool(_decode_part, rows)


def read_rows(rows: list[Row]) -> list[tuple[Address, bytes]]:
    """Decompresses this store's rows with its read check (`read_body`): inflated 100 a call
    on the pool, then unshuffled and checked on this thread (as `decode_many`; see `bodies`)."""
    pieces = [rows[start:start + DECODE_SLICE] for start in range(0, len(rows), DECODE_SLICE)]
    if len(rows) < PARALLEL_FROM:
        return [out for piece in pieces for out in read_inflated(piece, inflate_shuffled(piece))]
    with _Inflating() as inflating:
        for piece in pieces:
            inflating.add(piece)
        return [out for piece, inflated in inflating for out in read_inflated(piece, inflated)]


class _Inflating:
    """Pieces of rows inflated on the pool (`bodies.inflate_shuffled`), `INFLATE_AHEAD` calls
    ahead of the thread that takes them in order: what is inflated but not yet taken waits in
    memory, so a read of a large tree holds a few pieces of it, not a second copy. A piece no
    worker has started when it is taken is inflated by the taker. Used as a context manager:
    on an error or Ctrl-C, the calls not started never run."""

    def __init__(self) -> None:
        self._pieces: list[list[Row]] = []
        self._tasks: deque[Future[pa.Buffer | None]] = deque()  # of pieces taken .. _next - 1
        self._next = 0  # the next piece to submit

    def add(self, piece: list[Row]) -> None:
        self._pieces.append(piece)
        self._fill()

    def __iter__(self) -> Iterator[tuple[list[Row], pa.Buffer | None]]:
        for piece in self._pieces:
            future = self._tasks.popleft()
            self._fill()
            yield piece, inflate_shuffled(piece) if future.cancel() else future.result()

    def _fill(self) -> None:
        while len(self._tasks) < INFLATE_AHEAD and self._next < len(self._pieces):
            self._tasks.append(_pool().submit(inflate_shuffled, self._pieces[self._next]))
            self._next += 1

    def __enter__(self) -> "_Inflating":
        return self

    def __exit__(self, *exc: object) -> None:
        for future in self._tasks:
            future.cancel()


def encode_rows(chunks: list[tuple[Address, bytes]]) -> list[Row]:
    """Compresses chunks into rows to store."""
    return _on_pool(_encode_part, chunks) if chunks else []


def _encode_part(chunks: list[tuple[Address, bytes]]) -> list[Row]:
    return pack_rows([shuffled(address, data) for address, data in chunks])


def _decode_part(rows: list[Row]) -> list[tuple[Address, bytes]]:
    out = []
    for raw, codec, size, body in rows:
        address = Address(bytes(raw))
        out.append((address, decode_body(address, codec, size, body)))
    return out


def _prepared_rows(futures: Mapping[Address, Future[list[Row]]], wanted: set[bytes]) -> list[Row]:
    """The rows of `wanted` addresses from `prepare`'s tasks (one task holds several chunks),
    waited for here; an error in a task is raised here."""
    rows: list[Row] = []
    for future in dict.fromkeys(futures.values()):
        rows += [row for row in future.result() if row[0] in wanted]
    return rows


# --- errors --------------------------------------------------------------------------

_NO_SPACE_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
_WRITE_IOERRS = {"SQLITE_IOERR_WRITE", "SQLITE_IOERR_FSYNC", "SQLITE_IOERR_TRUNCATE",
                 "SQLITE_IOERR_DIR_FSYNC", "SQLITE_IOERR_SHMSIZE"}


def map_error(exc: BaseException, path: Path, doing: str) -> DlError:
    """One clear dl error for an sqlite3 or OS error met while `doing` something to `path`."""
    if isinstance(exc, OSError):
        if exc.errno in _NO_SPACE_ERRNOS:
            return StoreError(f"no space left on device while {doing} {path}")
        if exc.errno in _READ_ONLY_ERRNOS:
            return StoreError(f"the repository is read-only: cannot write {path}")
        return StoreError(f"cannot use the store {path} while {doing}: {exc}")
    code = getattr(exc, "sqlite_errorcode", None)
    name = getattr(exc, "sqlite_errorname", None) or ""
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in str(exc):
        return StoreError(f"the repository is busy (another dl process holds the lock) "
                          f"while {doing} {path}; retry")
    if primary == sqlite3.SQLITE_FULL or name in _WRITE_IOERRS:
        return StoreError(f"no space left on device (or the file size limit was reached) "
                          f"while {doing} {path}")
    if primary == sqlite3.SQLITE_READONLY:
        return StoreError(f"the repository is read-only: cannot write {path}")
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return IntegrityError(f"the store {path} is damaged or not a dl store ({exc})")
    if primary == sqlite3.SQLITE_IOERR:
        return StoreError(f"I/O error while {doing} {path} ({name or exc})")
    if primary == sqlite3.SQLITE_CANTOPEN:
        return StoreError(f"cannot open the store {path} ({exc})")
    return StoreError(f"store error while {doing} {path}: {exc}")


def read_only_place(path: Path) -> str | None:
    """Why the store at `path` must open read-only (None if it may be written): its directory
    or file is not writable. For root, whom file modes do not stop, a directory or file with
    no write bit at all (`chmod a-w`) counts as read-only too, so that a repository made
    read-only is read-only for everyone."""
    for place, what in ((path.parent, "directory"), (path, "file")):
        try:
            mode = place.stat().st_mode
        except OSError:
            continue
        if not os.access(place, os.W_OK) or not mode & 0o222:
            return f"its {what} {place} is not writable"
    return None


class _CasLost(Exception):
    """A compare-and-swap found another value: the whole transaction is rolled back."""


# --- the store -----------------------------------------------------------------------


class SqliteStore:
    """Chunks and refs in one SQLite database file; one connection, guarded by one lock."""

    verifies_reads = False  # shuffled chunks are read-checked by xxh3: fsck rehashes (SHA-256)

    def __init__(self, path: str | os.PathLike[str], *, create: bool = False,
                 readonly: bool = False, building: bool = False) -> None:
        self.path = Path(path)
        self._building = building
        if building and not create:
            raise StoreError(f"only a new store can be built in bulk: {self.path}")
        self._lock = threading.RLock()
        self._in_transaction = False
        self._closed = False
        if create and readonly:
            raise StoreError(f"cannot create the store {self.path} read-only")
        self._check_file(create)
        place = None if create else read_only_place(self.path)
        self._readonly_place = place is not None
        self.why_readonly = place or ("opened read-only" if readonly else None)
        self.readonly = self.why_readonly is not None
        self._db = self._connect(create)
        self._prepared: dict[Address, Future[list[Row]]] = {}  # `prepare`: rows being compressed
        self.scan_files = ScanFiles(self.path.parent / SCANS_DIR, writable=not self.readonly and not building)

    # --- connection ------------------------------------------------------------------

    def _check_file(self, create: bool) -> None:
        if create:
            return
        if not self.path.exists():
            raise NotFound("repository store", str(self.path),
                           "run `dl init` to create a repository")
        if self.path.is_file() and self.path.stat().st_size == 0:
            raise IntegrityError(f"the store {self.path} is empty (zero bytes): "
                                 "the repository is damaged")

    def _connect(self, create: bool) -> sqlite3.Connection:
        db: sqlite3.Connection | None = None
        try:
            db = self._open_readonly() if self.readonly else self._open_readwrite(create)
            if create:
                db.executescript(_SCHEMA)
                db.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
            self._check_format(db)
            return db
        except BaseException as exc:
            if db is not None:
                db.close()
            if isinstance(exc, (sqlite3.Error, OSError)):
                raise map_error(exc, self.path, "opening") from None
            raise

    def _open_readwrite(self, create: bool) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                             timeout=BUSY_TIMEOUT_S)
        try:
            if create:  # before WAL mode (or a bulk build) writes the file's first page
                db.execute(f"PRAGMA page_size={PAGE_BYTES}")
            db.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            if self._building:
                db.execute("PRAGMA journal_mode=MEMORY")
                db.execute("PRAGMA synchronous=OFF")
                return db
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(f"PRAGMA journal_size_limit={WAL_LIMIT_BYTES}")
        except BaseException:
            db.close()
            raise
        return db

    def _open_readonly(self) -> sqlite3.Connection:
        """`mode=ro`; where the -wal/-shm files can be neither found nor created (a read-only
        directory after a clean close), `immutable=1`. Never immutable while a -wal file has
        content: that would ignore committed transactions not yet checkpointed."""
        uri = f"file:{quote(str(self.path.resolve()))}?mode=ro"
        if self._readonly_place and not self._wal_has_content():
            # a read-only place with everything checkpointed: reading needs no -wal or -shm,
            # and creating them (as root could) would change a directory meant to stay as is
            return self._connect_uri(uri + "&immutable=1")
        db = self._connect_uri(uri)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.OperationalError as exc:
            db.close()
            if not self._may_open_immutable(exc):
                raise
        return self._connect_uri(uri + "&immutable=1")

    @staticmethod
    def _connect_uri(uri: str) -> sqlite3.Connection:
        db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False,
                             timeout=BUSY_TIMEOUT_S)
        db.execute("PRAGMA query_only=1")
        db.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        return db

    def _may_open_immutable(self, exc: sqlite3.Error) -> bool:
        code = getattr(exc, "sqlite_errorcode", None) or 0
        cannot_make_shm = code == READONLY_DIRECTORY or code & 0xFF == sqlite3.SQLITE_CANTOPEN
        return cannot_make_shm and not self._wal_has_content()

    def _wal_has_content(self) -> bool:
        wal = Path(f"{self.path}-wal")
        return wal.exists() and wal.stat().st_size > 0

    def _check_format(self, db: sqlite3.Connection) -> None:
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise
            raise StoreError(f"{self.path} is an SQLite database but not a dl store") from None
        if row is None or row[0] != FORMAT:
            found = row[0] if row else None
            raise StoreError(f"{self.path} is not a dl store of format {FORMAT} (found {found!r})")

    @contextmanager
    def _write(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction (or the enclosing write lock's); rolled back on any error."""
        if self.readonly:
            raise StoreError(f"the repository is read-only: cannot write {self.path} "
                             f"({self.why_readonly})")
        with self._lock:
            if self._in_transaction:
                yield self._db
                return
            self._execute("BEGIN IMMEDIATE", doing)
            try:
                yield self._db
                faults.reach("commit-before")
                self._db.execute("COMMIT")
                faults.reach("commit-after")
            except BaseException as exc:
                self._rollback()
                if isinstance(exc, (sqlite3.Error, OSError)):
                    raise map_error(exc, self.path, doing) from None
                raise

    def _execute(self, sql: str, doing: str) -> None:
        try:
            self._db.execute(sql)
        except (sqlite3.Error, OSError) as exc:
            raise map_error(exc, self.path, doing) from None

    def _rollback(self) -> None:
        """Rolls back if a transaction is open (SQLite ends one itself on some I/O errors)."""
        if self._db.in_transaction:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def _read(self, sql: str, args: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._db.execute(sql, args).fetchall()
            except (sqlite3.Error, OSError) as exc:
                raise map_error(exc, self.path, "reading") from None

    # --- chunks ----------------------------------------------------------------------

    def get(self, address: Address) -> bytes:
        rows = self._read("SELECT codec, size, body FROM chunks WHERE address = ?", (address.raw,))
        if not rows:
            raise MissingChunk(address.hex)
        return read_body(address, *rows[0])

    def get_many(self, addresses: Iterable[Address]) -> dict[Address, bytes]:
        wanted = list(dict.fromkeys(addresses))
        rows: list[Row] = []
        for part in _batches(wanted):
            rows += self._read(f"SELECT address, codec, size, body FROM chunks "
                               f"WHERE address IN ({_marks(part)})", [a.raw for a in part])
        found = dict(read_rows(rows))
        for address in wanted:
            if address not in found:
                raise MissingChunk(address.hex)
        return found

    def decode_many(self, addresses: Iterable[Address], decode: Callable[[Address, bytes], U]
                    ) -> dict[Address, U]:
        """`decode(address, data)` of every requested chunk, read as `get_many` reads them,
        with reading and inflating overlapped: while this thread fetches rows from SQLite, the
        pool inflates them, 100 chunks a call (`bodies.inflate_shuffled`: zstd in one call
        that releases the GIL throughout); then this thread unshuffles, checks and decodes each
        chunk, the pool still inflating ahead of it. A cold scan of 1M rows (2,500 leaves):
        ~50 ms, against ~130 ms when each worker took whole chunks, one short GIL-free call
        after another (see `bodies`). A task no worker has started when this thread reaches it
        is inflated here. `decode` runs on this thread.
        `MissingChunk` for the first one absent; whatever `decode` raises, raised here."""
        wanted = list(dict.fromkeys(addresses))
        if len(wanted) < PARALLEL_FROM:
            return {a: decode(a, data) for a, data in self.get_many(wanted).items()}
        inflating = _Inflating()
        found: dict[Address, U] = {}
        with inflating:
            for part in _batches(wanted):
                rows = self._read(f"SELECT address, codec, size, body FROM chunks "
                                  f"WHERE address IN ({_marks(part)})", [a.raw for a in part])
                for start in range(0, len(rows), DECODE_SLICE):
                    inflating.add(rows[start:start + DECODE_SLICE])
            for piece, inflated in inflating:
                for address, data in read_inflated(piece, inflated):
                    found[address] = decode(address, data)
        for address in wanted:
            if address not in found:
                raise MissingChunk(address.hex)
        return found

    def get_rows(self, addresses: Iterable[Address]) -> dict[Address, Row]:
        """Chunks in their stored form (address, codec, size, body), not decoded or verified:
        for copying them elsewhere as they are (a push's pack), where the receiver verifies.
        `MissingChunk` for the first one absent."""
        wanted = list(dict.fromkeys(addresses))
        found: dict[Address, Row] = {}
        for part in _batches(wanted):
            for raw, codec, size, body in self._read(
                    f"SELECT address, codec, size, body FROM chunks WHERE address IN ({_marks(part)})",
                    [a.raw for a in part]):
                found[Address(bytes(raw))] = (bytes(raw), codec, size, bytes(body))
        for address in wanted:
            if address not in found:
                raise MissingChunk(address.hex)
        return {a: found[a] for a in wanted}

    def has_many(self, addresses: Iterable[Address]) -> set[Address]:
        with self._lock:
            try:
                return _present(self._db, addresses)
            except (sqlite3.Error, OSError) as exc:
                raise map_error(exc, self.path, "reading") from None

    def put_many(self, chunks: Mapping[Address, bytes]) -> int:
        if not chunks:
            return 0
        rows, present = self._encode(chunks)
        with self._write("writing chunks to") as db:
            return _insert(db, rows, present, chunks)

    def prepare(self, chunks: Mapping[Address, bytes]) -> None:
        """Starts compressing chunks on the pool ahead of the `put_many` or `commit` that will
        store them: a bulk build hands over its leaves as it cuts them, so their compression
        runs beside the build instead of after it. A worker shuffles each `PREPARE_SLICE` and
        compresses it in one zstd call (`bodies.pack_rows`), which releases the GIL once for
        all of them: compressing chunk after chunk in calls of their own, it fought the building
        thread for the GIL, and the build was no faster than on one core. (Shuffling on the
        building thread instead measured the same, and held the shuffled copies of every slice
        waiting for a worker.)
        The rows are exactly `encode_row`'s; `forget` drops those not stored after all."""
        todo = [(a, d) for a, d in chunks.items() if a not in self._prepared]
        for start in range(0, len(todo), PREPARE_SLICE):
            part = todo[start:start + PREPARE_SLICE]
            future = _pool().submit(_encode_part, part)
            for address, _ in part:
                self._prepared[address] = future

    def forget(self, addresses: Iterable[Address]) -> None:
        """Drops prepared rows (their change was abandoned)."""
        for address in addresses:
            future = self._prepared.pop(address, None)
            if future is not None:
                future.cancel()

    def _encode(self, chunks: Mapping[Address, bytes], stored: Mapping[Address, Row] | None = None
                ) -> tuple[list[Row], set[Address]]:
        """Compresses the chunks the store lacks, outside any transaction (the slow part);
        also returns the ones skipped as present, to re-check inside the transaction. A chunk
        whose stored form is in `stored` (received so, and verified) is not compressed again,
        nor one `prepare`d (its row is taken, once its task is done)."""
        present = self.has_many(chunks) if len(chunks) <= PRECHECK_MAX else set()
        stored = stored or {}
        # taken out first (each pop is atomic: another thread's commit never gets the same one)
        futures = {a: f for a in chunks if (f := self._prepared.pop(a, None)) is not None}
        rows = encode_rows([(a, d) for a, d in chunks.items()
                            if a not in present and a not in stored and a not in futures])
        rows += [stored[a] for a in chunks if a in stored and a not in present]
        return rows + _prepared_rows(futures, {a.raw for a in futures if a not in present and a not in stored}), present

    # --- refs ------------------------------------------------------------------------

    def get_ref(self, name: str) -> str | None:
        rows = self._read("SELECT value FROM refs WHERE name = ?", (name,))
        return rows[0][0] if rows else None

    def list_refs(self, prefix: str = "") -> dict[str, str]:
        rows = self._read("SELECT name, value FROM refs WHERE substr(name, 1, ?) = ? ORDER BY name",
                          (len(prefix), prefix))
        return dict(rows)

    def set_ref_if(self, name: str, new: str | None, expected: str | None) -> bool:
        return self.commit({}, [RefUpdate(name, new, expected)])

    def commit(self, chunks: Mapping[Address, bytes], updates: Sequence[RefUpdate],
               requires: Iterable[Address] = (), stored: Mapping[Address, Row] | None = None) -> bool:
        """As `ChunkStore.commit`; `stored` may give chunks' stored forms (as `get_rows` returns
        them, for chunks verified against `chunks`), which are then stored as they are."""
        return self.commit_received(chunks, (), updates, requires, stored)

    def commit_received(self, chunks: Mapping[Address, bytes], parts: Iterable[Sequence[Row]],
                        updates: Sequence[RefUpdate], requires: Iterable[Address] = (),
                        stored: Mapping[Address, Row] | None = None) -> bool:
        """As `commit`, plus chunks received in their stored form, `parts` of them, each
        inserted as it comes inside the one transaction (for bulk receiving: a fetch's or
        clone's leaves). The caller verifies each part before yielding it (`remotes.receive`),
        so verifying the next part overlaps writing this one; if the iterator raises, nothing
        lands. The rows are written as they are: they must already be in this store's body
        codecs (`bodies.py`) and verified against their addresses. The write lock is held
        while `parts` is consumed: where other writers may be waiting, pass parts already
        received (a list), not an iterator that waits on a network."""
        rows, present = self._encode(chunks, stored) if chunks else ([], set())
        required = [a for a in dict.fromkeys(requires) if a not in chunks]
        try:
            with self._write("committing to") as db:
                if not _refs_hold(db, updates):
                    raise _CasLost()
                _insert(db, rows, present, chunks)
                for part in parts:
                    db.executemany(_INSERT, faults.counting("chunk", part))
                _check_linked(db, required)
                _check_targets(db, chunks, updates)
                _apply(db, updates)
        except _CasLost:
            return False
        return True

    # --- maintenance -----------------------------------------------------------------

    def stats(self) -> StoreStats:
        count, stored, raw = self._read("SELECT count(*), coalesce(sum(length(body)), 0), "
                                        "coalesce(sum(size), 0) FROM chunks")[0]
        return StoreStats(int(count), int(stored), int(raw))

    def file_bytes(self) -> int:
        """Bytes of the database file and its write-ahead log."""
        return sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())

    def all_addresses(self) -> Iterator[Address]:
        """Every stored address (a snapshot taken when called)."""
        return iter([Address(bytes(r[0])) for r in self._read("SELECT address FROM chunks")])

    def delete_many(self, addresses: Iterable[Address]) -> int:
        """Deletes chunks (for `dl gc`); returns how many were there."""
        raws = [(a.raw,) for a in addresses]
        with self._write("deleting chunks from") as db:
            before = db.total_changes
            db.executemany("DELETE FROM chunks WHERE address = ?", faults.counting("delete", raws))
            return db.total_changes - before

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Holds the database's write lock: other writers wait until the block ends, and every
        write inside it lands (or is rolled back) with the block."""
        with self._write("locking"):
            self._in_transaction = True
            try:
                yield
            finally:
                self._in_transaction = False

    def vacuum(self) -> None:
        """Checkpoints the log and rewrites the file without free pages (after `delete_many`)."""
        if self.readonly:
            raise StoreError(f"the repository is read-only: cannot compact {self.path} "
                             f"({self.why_readonly})")
        with self._lock:
            for sql in (_CHECKPOINT, "VACUUM", _CHECKPOINT):
                if sql == "VACUUM":
                    faults.reach("vacuum")
                self._execute(sql, "compacting")

    def seal(self) -> None:
        """Ends the building of a store opened with `building=True`: syncs the file once and
        switches it to WAL with the usual syncing, as every other store runs."""
        if not self._building:
            return
        with self._lock:
            try:
                self._db.execute("PRAGMA synchronous=FULL")
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.execute(f"PRAGMA journal_size_limit={WAL_LIMIT_BYTES}")
                with open(self.path, "rb") as f:
                    os.fsync(f.fileno())
            except (sqlite3.Error, OSError) as exc:
                raise map_error(exc, self.path, "finishing") from None
            self._building = False

    def close(self) -> None:
        with self._lock:
            self.forget(list(self._prepared))
            if not self._closed:
                self._closed = True
                try:
                    self._db.close()
                except sqlite3.Error:
                    pass


# --- statements run inside a transaction ---------------------------------------------


def _batches(addresses: list[Address]) -> Iterator[list[Address]]:
    for start in range(0, len(addresses), BATCH):
        yield addresses[start:start + BATCH]


def _marks(part: list[Address]) -> str:
    return ",".join("?" * len(part))


def _present(db: sqlite3.Connection, addresses: Iterable[Address]) -> set[Address]:
    present: set[Address] = set()
    for part in _batches(list(dict.fromkeys(addresses))):
        rows = db.execute(f"SELECT address FROM chunks WHERE address IN ({_marks(part)})",
                          [a.raw for a in part]).fetchall()
        present.update(Address(bytes(r[0])) for r in rows)
    return present


def _count_present(db: sqlite3.Connection, part: list[Address]) -> int:
    return int(db.execute(f"SELECT count(*) FROM chunks WHERE address IN ({_marks(part)})",
                          [a.raw for a in part]).fetchone()[0])


def _insert(db: sqlite3.Connection, rows: list[Row], present: set[Address],
            chunks: Mapping[Address, bytes]) -> int:
    """Inserts the encoded rows, and any chunk skipped as present that is gone by now (a
    `dl gc` may have deleted it between the check and this transaction); returns how many
    chunks are new."""
    before = db.total_changes
    db.executemany(_INSERT, faults.counting("chunk", rows))
    if present:
        gone = present - _present(db, present)
        db.executemany(_INSERT, encode_rows([(a, chunks[a]) for a in gone]))
    return db.total_changes - before


def _refs_hold(db: sqlite3.Connection, updates: Sequence[RefUpdate]) -> bool:
    for update in updates:
        found = db.execute("SELECT value FROM refs WHERE name = ?", (update.name,)).fetchone()
        if (found[0] if found else None) != update.expected:
            return False
    return True


def _apply(db: sqlite3.Connection, updates: Sequence[RefUpdate]) -> None:
    for update in updates:
        if update.new is None:
            db.execute("DELETE FROM refs WHERE name = ?", (update.name,))
        else:
            db.execute("INSERT OR REPLACE INTO refs (name, value) VALUES (?, ?)",
                       (update.name, update.new))


def _check_linked(db: sqlite3.Connection, required: list[Address]) -> None:
    """Every chunk the new chunks link to is still stored (guards against a concurrent gc).
    Counted per batch (a one-row edit links to a few hundred children); which one is
    missing is looked up only when a count falls short."""
    if required and any(_count_present(db, part) != len(part) for part in _batches(required)):
        missing = set(required) - _present(db, required)
        if missing:
            raise MissingChunk(min(missing, key=lambda a: a.raw).hex, LINKED)


def _check_targets(db: sqlite3.Connection, chunks: Mapping[Address, bytes],
                   updates: Sequence[RefUpdate]) -> None:
    """A ref never points at a missing chunk (guards against a concurrent gc)."""
    for update in updates:
        target = _as_address(update.new)
        if target is None or target in chunks:
            continue
        if db.execute("SELECT 1 FROM chunks WHERE address = ?", (target.raw,)).fetchone() is None:
            raise MissingChunk(target.hex, f"ref {update.name}")


def _as_address(value: str | None) -> Address | None:
    if value is None or len(value) != HEX_LENGTH:
        return None
    try:
        return Address(bytes.fromhex(value))
    except ValueError:
        return None
