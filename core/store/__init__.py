"""Chunk stores: the interface, SQLite (the default), memory (tests), and wrappers."""
from __future__ import annotations

from pathlib import Path

from core.store.base import ChunkStore, RefUpdate, StoreStats

__all__ = ["ChunkStore", "RefUpdate", "StoreStats", "open_store"]


def open_store(path: str | Path, create: bool = False, readonly: bool = False) -> ChunkStore:
    """The SQLite store at `path`."""
    from core.store.sqlite import SqliteStore
    return SqliteStore(path, create=create, readonly=readonly)
