"""`core.store.lru_files`: the byte bound shared by the scan files and the DuckDB twins."""
from __future__ import annotations

import os
from pathlib import Path

from dl.core.store.lru_files import age_of, evict, size_of


def _file(directory: Path, name: str, size: int, age: float) -> Path:
    path = directory / name
    path.write_bytes(b"x" * size)
    os.utime(path, (age, age))
    return path


def _unlink(path: Path) -> int:
    path.unlink()
    return 1


def test_the_least_recently_used_go_first_until_the_total_fits(tmp_path: Path) -> None:
    old, middle, new = (_file(tmp_path, n, 100, t) for n, t in (("old", 1.0), ("middle", 2.0), ("new", 3.0)))
    evict([new, old, middle], 250, keep=new, remove=_unlink)
    assert (old.exists(), middle.exists(), new.exists()) == (False, True, True)
    evict([new, middle], 50, keep=new, remove=_unlink)  # the kept file stays even over the bound
    assert (middle.exists(), new.exists()) == (False, True)


def test_nothing_goes_within_the_bound_and_a_vanished_file_counts_as_empty(tmp_path: Path) -> None:
    kept = [_file(tmp_path, n, 10, t) for n, t in (("a", 1.0), ("b", 2.0))]
    evict(kept, 20, keep=kept[1], remove=_unlink)
    assert all(p.exists() for p in kept)
    gone = tmp_path / "gone"
    assert (size_of(gone), age_of(gone)) == (0, 0.0)
    evict([gone, *kept], 20, keep=kept[1], remove=_unlink)
    assert all(p.exists() for p in kept)
