"""Chunk stores: the interface (`base`), SQLite (the default, `sqlite`), memory (tests,
notebooks), and two wrappers: a write buffer that makes a change land whole (`buffered`) and
a counter of chunk reads and writes (`counting`). Importing this package does not import
pyarrow; the SQLite store loads it only to (de)compress.
"""
from __future__ import annotations

import os

from dl.core.store.base import ChunkStore, RefUpdate, StoreStats
from dl.core.store.buffered import BufferedStore
from dl.core.store.counting import CountingStore
from dl.core.store.memory import MemoryStore
from dl.core.store.sqlite import SqliteStore

__all__ = ["BufferedStore", "ChunkStore", "CountingStore", "MemoryStore", "RefUpdate",
           "SqliteStore", "StoreStats", "open_store"]


def open_store(path: str | os.PathLike[str], create: bool = False,
               readonly: bool = False) -> SqliteStore:
    """The SQLite store at `path` (a repository's `.dl/store.db`)."""
    return SqliteStore(path, create=create, readonly=readonly)
