"""Scan files (`core.store.scan_files`): decoded full scans kept by tree root, never stale,
never trusted unchecked, removed by gc."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from dl.core.maintenance.gc import collect_garbage
from dl.core.prolly.tree import NODE_CACHE, ProllyTree
from dl.core.repo import Author, Repository
from dl.core.store import scan_files
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table

ME = Author("Ada", "ada@example.com")
SCHEMA = TableSchema((Column("id", pa.int64()), Column("v", pa.float64()), Column("s", pa.string())), ("id",))
N = 3000


@pytest.fixture(autouse=True)
def small_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_files, "MIN_ROWS", 1000)


def rows(n: int = N, seed: int = 1) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table({"id": pa.array(np.arange(n), pa.int64()), "v": rng.random(n),
                     "s": pa.array([f"s{i % 97}" for i in range(n)])})


def same(scanned: pa.Table, expected: pa.Table) -> bool:
    return scanned.equals(expected.cast(scanned.schema))


def make(path: Path, table: pa.Table | None = None) -> Repository:
    repo = Repository.init(path, author=ME)
    data = rows() if table is None else table
    repo.write_table("t", lambda cur, buf: Table.empty(buf, SCHEMA).replace_rows(data))
    return repo


def fresh_scan(path: Path) -> pa.Table:
    """A full scan by a new repository object with an empty node cache, as a new process's."""
    NODE_CACHE.clear()
    repo = Repository.open(path)
    try:
        return repo.table("t").scan()
    finally:
        repo.close()


def files(path: Path) -> list[Path]:
    folder = path / ".dl" / "scans"
    return sorted(folder.iterdir()) if folder.exists() else []


def no_tree_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: ProllyTree, *args: object, **kwargs: object) -> None:
        raise AssertionError("the leaves were read")
    monkeypatch.setattr(ProllyTree, "leaf_addresses", refuse)


def test_a_full_scan_writes_a_file_that_the_next_scan_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(tmp_path).close()
    first = fresh_scan(tmp_path)
    [kept] = files(tmp_path)
    root = Repository.open(tmp_path).table("t").value.rows
    assert kept.name.startswith(root.hex)
    no_tree_reads(monkeypatch)
    again = fresh_scan(tmp_path)
    assert again.equals(first) and same(again, rows())


def test_small_trees_and_read_only_stores_write_no_file(tmp_path: Path) -> None:
    make(tmp_path / "small", rows(500)).close()
    assert fresh_scan(tmp_path / "small").num_rows == 500 and files(tmp_path / "small") == []
    make(tmp_path / "ro").close()
    NODE_CACHE.clear()
    repo = Repository.open(tmp_path / "ro", readonly=True)
    assert same(repo.table("t").scan(), rows())
    repo.close()
    assert files(tmp_path / "ro") == []


def test_a_changed_table_never_reads_the_old_file(tmp_path: Path) -> None:
    repo = make(tmp_path)
    fresh_scan(tmp_path)
    changed = rows().set_column(1, "v", pa.array(np.zeros(N)))
    repo.write_table("t", lambda cur, buf: cur.replace_rows(changed))
    repo.close()
    assert same(fresh_scan(tmp_path), changed)
    assert same(fresh_scan(tmp_path), changed)  # from its own file now
    assert len(files(tmp_path)) == 2


def test_a_file_copied_under_another_roots_name_is_refused(tmp_path: Path) -> None:
    """Same row count, same schema, a sound file: but of another root, so never used."""
    repo = make(tmp_path)
    fresh_scan(tmp_path)
    [old] = files(tmp_path)
    changed = rows().set_column(1, "v", pa.array(np.zeros(N)))
    repo.write_table("t", lambda cur, buf: cur.replace_rows(changed))
    new_root = repo.table("t").value.rows
    repo.close()
    forged = old.with_name(old.name.replace(old.name[:40], new_root.hex))
    shutil.copyfile(old, forged)
    assert same(fresh_scan(tmp_path), changed)
    assert same(fresh_scan(tmp_path), changed)


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "trailer"])
def test_a_damaged_file_is_ignored_and_rewritten(tmp_path: Path, damage: str) -> None:
    make(tmp_path).close()
    fresh_scan(tmp_path)
    [kept] = files(tmp_path)
    data = bytearray(kept.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01  # inside the float column: Arrow alone would not notice
    elif damage == "truncate":
        data = data[: len(data) // 3]
    elif damage == "empty":
        data = bytearray()
    else:
        data[-1] ^= 0xFF
    kept.write_bytes(bytes(data))
    assert same(fresh_scan(tmp_path), rows())
    [rewritten] = files(tmp_path)
    assert rewritten.read_bytes() != bytes(data)
    assert same(fresh_scan(tmp_path), rows())


def test_gc_removes_the_scan_files(tmp_path: Path) -> None:
    make(tmp_path).close()
    fresh_scan(tmp_path)
    assert files(tmp_path)
    repo = Repository.open(tmp_path)
    collect_garbage(repo.store)
    repo.close()
    assert files(tmp_path) == []
    assert same(fresh_scan(tmp_path), rows())


def test_files_beyond_the_bound_are_evicted_oldest_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make(tmp_path)
    fresh_scan(tmp_path)
    [first] = files(tmp_path)
    os.utime(first, (1, 1))
    monkeypatch.setattr(scan_files, "MAX_BYTES", first.stat().st_size + 1)
    changed = rows(seed=2)
    repo.write_table("t", lambda cur, buf: cur.replace_rows(changed))
    repo.close()
    fresh_scan(tmp_path)
    [kept] = files(tmp_path)
    assert kept != first and same(fresh_scan(tmp_path), changed)
