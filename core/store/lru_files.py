"""A directory of derived files kept within a byte bound, least recently used out first.

The store keeps two such caches beside its file: decoded scans (`scan_files`) and DuckDB twins
(`twin_files`). Both are derived data, named by what they hold, touched when used and bounded
in total size; this module is their shared part, so the two bound and age their files alike.
A file that vanishes meanwhile (another process evicting, `dl gc`) counts as empty and old.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path


def size_of(path: Path) -> int:
    """Bytes of `path`; 0 if it is gone."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def age_of(path: Path) -> float:
    """When `path` was last written or touched (its mtime); 0 if it is gone."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def evict(files: Iterable[Path], max_bytes: int, keep: Path, remove: Callable[[Path], int]) -> None:
    """Removes the least recently used of `files` (`remove(path)`) until their total is within
    `max_bytes`, never `keep` (the file just written)."""
    ordered = sorted(files, key=age_of)
    total = sum(size_of(p) for p in ordered)
    for path in ordered:
        if total <= max_bytes:
            return
        if path != keep:
            total -= size_of(path)
            remove(path)
