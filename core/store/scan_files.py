"""Decoded full scans of large trees, kept as Arrow IPC files beside the store (`.dl/scans/`).

A cold full read of a 1M-row table decodes ~2,500 leaves (zstd, unshuffle, read check, Arrow
validation): ~130 ms of CPU. The same rows as one uncompressed Arrow IPC file map into memory
and check in a few milliseconds. This cache keeps such files, one per (tree root, row layout):

- **Never stale.** A file is named by the tree's root address and the layout's fingerprint;
  the root address is the hash of every row below it, so a file can only ever hold the rows of
  that root. A file for any other address is never opened.
- **Never trusted blindly.** A file ends with the root address and layout fingerprint it
  holds, the xxh3_128 of its Arrow bytes and of those two, and a magic tag. Before use, the
  bytes must hash to that check, the file must name the root and layout asked for (a file
  copied under another root's name is refused), the schema must be the layout's schema, the
  row count must be the root's count, and Arrow must validate every buffer (`full=True`). A file
  failing any of these is deleted and the rows are read from the tree (and the file rewritten):
  a damaged cache costs time, never a wrong row.
- **Derived data only.** Written after a full read of a tree of at least `MIN_ROWS` rows (small
  tables decode fast anyway), through a temporary file and an atomic rename (two processes
  writing the same root write the same rows). Bounded to `MAX_BYTES`: the least recently used
  files go first. `dl gc` removes them all; `dl fsck` need not read them; clones and pushes
  never carry them. Any error writing (a read-only repository, a full disk) leaves no file and
  no error: the read has already succeeded.

pyarrow and xxhash are imported on first use, so opening a store stays cheap for `dl status`.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from dl.core.hashing import ADDRESS_BYTES, Address
from dl.core.store.lru_files import evict, size_of

if TYPE_CHECKING:
    import pyarrow as pa

MIN_ROWS = 65_536  # trees smaller than this are not cached: they decode in a few ms
MAX_BYTES = 1 << 30  # files beyond this total are evicted, least recently used first
BATCH_ROWS = 1 << 17  # rows per record batch in a file: few batches, cheap to open
MAGIC = b"dlscan01"
CHECK_BYTES = 16  # xxh3_128 of the Arrow bytes, the root address and the layout fingerprint
FINGERPRINT_BYTES = 16
TRAILER_BYTES = ADDRESS_BYTES + FINGERPRINT_BYTES + CHECK_BYTES + len(MAGIC)
SUFFIX = ".arrow"


class ScanFiles:
    """The scan files of one repository, in `directory` (created on first write)."""

    def __init__(self, directory: Path, *, writable: bool = True) -> None:
        self.directory = directory
        self.writable = writable

    def path_for(self, root: Address, fingerprint: bytes) -> Path:
        return self.directory / f"{root.hex}-{fingerprint.hex()}{SUFFIX}"

    def read(self, root: Address, schema: pa.Schema, fingerprint: bytes, rows: int) -> pa.Table | None:
        """The cached scan of `root` if a sound file holds it; else None (a bad file is removed)."""
        path = self.path_for(root, fingerprint)
        if not path.is_file():
            return None
        table = _load(path, root.raw + fingerprint, schema, rows)
        if table is None:
            self._remove(path)
            return None
        if self.writable:
            _touch(path)
        return table

    def write(self, root: Address, fingerprint: bytes, table: pa.Table) -> None:
        """Keeps `table` (the full scan of `root`) for later reads; best effort, never raises."""
        if not self.writable or table.num_rows < MIN_ROWS:
            return
        path = self.path_for(root, fingerprint)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            self.directory.mkdir(exist_ok=True)
            _dump(table, root.raw + fingerprint, temporary)
            os.replace(temporary, path)
            self._evict(keep=path)
        except OSError:
            self._remove(temporary)

    def clear(self) -> int:
        """Removes every scan file (`dl gc`); returns how many."""
        removed = 0
        for path in self._files():
            removed += self._remove(path)
        return removed

    def total_bytes(self) -> int:
        return sum(size_of(p) for p in self._files())

    def _files(self) -> list[Path]:
        try:
            return [p for p in self.directory.iterdir() if p.name.endswith(SUFFIX) or p.name.endswith(".tmp")]
        except OSError:
            return []

    def _evict(self, keep: Path) -> None:
        """Removes the least recently used files until the total is within `MAX_BYTES`."""
        evict(self._files(), MAX_BYTES, keep, self._remove)

    @staticmethod
    def _remove(path: Path) -> int:
        try:
            path.unlink()
            return 1
        except OSError:
            return 0


def _dump(table: pa.Table, names: bytes, path: Path) -> None:
    """Writes the Arrow IPC file of `table` to `path`, then what it is the scan of (`names`:
    root address and layout fingerprint), the check of both, and the magic tag. The Arrow
    bytes go straight to the file and are hashed through a memory map of it (no copy)."""
    import pyarrow as pa
    try:
        with pa.OSFile(str(path), "wb") as sink:
            with pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table.combine_chunks(), max_chunksize=BATCH_ROWS)  # few batches: cheap to open
        check = _check(pa.memory_map(str(path)).read_buffer(), names)
    except pa.ArrowException as exc:  # what pyarrow raises for a full disk or a bad path
        raise OSError(str(exc)) from None
    with open(path, "ab") as out:
        out.write(names + check + MAGIC)


def _check(body: pa.Buffer, names: bytes) -> bytes:
    import xxhash
    digest = xxhash.xxh3_128()
    digest.update(body)
    digest.update(names)
    return digest.digest()


def _load(path: Path, names: bytes, schema: pa.Schema, rows: int) -> pa.Table | None:
    """The table in the file at `path`, memory-mapped, if every check passes; else None."""
    import pyarrow as pa
    try:
        whole = pa.memory_map(str(path)).read_buffer()
        size = whole.size - TRAILER_BYTES
        if size < 0:
            return None
        trailer = whole.slice(size).to_pybytes()
        body = whole.slice(0, size)
        if trailer[-len(MAGIC):] != MAGIC or trailer[:len(names)] != names \
                or trailer[len(names):len(names) + CHECK_BYTES] != _check(body, names):
            return None
        table = pa.ipc.open_file(body).read_all()
        if not table.schema.equals(schema) or table.num_rows != rows:
            return None
        table.validate(full=True)
    except (pa.ArrowException, OSError, ValueError, EOFError, TypeError, IndexError):
        return None
    return table


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass
