"""Where the DuckDB twins of tables live (`.dl/twins/`), how they are named, bounded and removed.

`dl sql -q` answers a plain SELECT over the working set's tables from DuckDB database files
that hold each table's rows as DuckDB stores them (`dl.sql.twins` writes and checks them), so
the query needs neither pyarrow nor a decode of the tree. This module knows only the files,
not DuckDB, so that `core` (gc) can manage them:

- **Never stale.** A twin is named by the address of the table value it holds (its schema, the
  root of its rows and its indexes: any change to any of them is another address) and by a tag
  of the format that wrote it (`dl.sql.twins.FORMAT`: dl's twin layout and DuckDB's version). A
  file for another address or tag is never opened. The file also names its address and tag
  inside; `dl.sql.twins` checks that before use, and DuckDB checks every block it reads
  against the block's checksum.
- **Derived data only.** Written through a temporary file and an atomic rename (two processes
  writing the same table write the same rows). Bounded to `MAX_BYTES`: the least recently used
  files go first. `dl gc` removes them all; `dl fsck` need not read them; clones and pushes
  never carry them. A failure to write leaves no file: the query takes the general path.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dl.core.hashing import Address
from dl.core.store.lru_files import evict, size_of

TWINS_DIR = "twins"  # beside the store file
MAX_BYTES = 1 << 30  # files beyond this total are evicted, least recently used first
SUFFIX = ".duckdb"
LARGE = ".large"  # beside a twin's name: that table version is streamed, never twinned


class TwinFiles:
    """The twin files of one repository, in `directory` (created on first write)."""

    def __init__(self, directory: Path, *, writable: bool = True) -> None:
        self.directory = directory
        self.writable = writable

    def path_for(self, table: Address, tag: str) -> Path:
        return self.directory / f"{table.hex}-{tag}{SUFFIX}"

    def temporary_for(self, path: Path) -> Path:
        """A private name to write `path` under before the rename (this process's)."""
        return path.with_name(f".{path.name}.{os.getpid()}.tmp")

    def marker_for(self, path: Path) -> Path:
        """An empty file saying the table of twin `path` gets none (too large): the next query
        over that table version takes the general path without reading the table to know it."""
        return path.with_name(path.name + LARGE)

    def used(self, path: Path) -> None:
        """Marks `path` as just used (eviction keeps the recently used)."""
        if self.writable:
            try:
                os.utime(path)
            except OSError:
                pass

    def publish(self, temporary: Path, path: Path) -> None:
        """Moves a finished twin into place and evicts the least recently used beyond the bound."""
        os.replace(temporary, path)
        self._evict(keep=path)

    def clear(self) -> int:
        """Removes every twin file (`dl gc`); returns how many."""
        return sum(self.remove(p) for p in self._files())

    def total_bytes(self) -> int:
        return sum(size_of(p) for p in self._files())

    def _files(self) -> list[Path]:
        try:
            return [p for p in self.directory.iterdir() if p.name.endswith((SUFFIX, LARGE, ".tmp", ".wal"))]
        except OSError:
            return []

    def _evict(self, keep: Path) -> None:
        """Removes the least recently used files until the total is within `MAX_BYTES`."""
        evict((p for p in self._files() if p.name.endswith(SUFFIX)), MAX_BYTES, keep, self.remove)

    @staticmethod
    def remove(path: Path) -> int:
        """Deletes `path` (and a write-ahead log DuckDB may have left beside it); 1 if it went."""
        try:
            Path(f"{path}.wal").unlink(missing_ok=True)
            path.unlink()
            return 1
        except OSError:
            return 0


def twin_files_of(store: Any) -> TwinFiles | None:
    """The twin files beside a store kept in a file (SQLite: `.dl/store.db`); None for others."""
    path = getattr(store, "path", None)
    if not isinstance(path, Path):
        return None
    return TwinFiles(path.parent / TWINS_DIR, writable=not getattr(store, "readonly", False))
