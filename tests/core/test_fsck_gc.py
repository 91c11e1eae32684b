"""fsck finds damage and names it; gc gives space back and keeps everything reachable."""
from __future__ import annotations

import sqlite3

import numpy as np
import pyarrow as pa
from dl.core.maintenance.fsck import fsck
from dl.core.maintenance.gc import collect_garbage
from dl.core.repo import Author, Repository
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table

ME = Author("Ada", "ada@example.com")
SCHEMA = TableSchema((Column("id", pa.int64()), Column("v", pa.float64())), ("id",))


def fill(repo: Repository, name: str, n: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    rows = pa.table({"id": pa.array(np.arange(n), pa.int64()), "v": rng.random(n)})
    repo.write_table(name, lambda cur, buf: Table.empty(buf, SCHEMA).replace_rows(rows))


def test_fsck_clean_then_names_a_corrupt_chunk(tmp_path):
    repo = Repository.init(tmp_path, author=ME)
    fill(repo, "t", 20000)
    fill(repo, "u", 20000, seed=2)
    repo.commit("base", include_new=True, author=ME)
    report = fsck(repo.store)
    assert report.ok and report.chunks > 10 and report.commits == 2
    db = sqlite3.connect(tmp_path / ".dl" / "store.db")
    rowid, body = db.execute("SELECT id, body FROM chunks WHERE length(body) > 2000 LIMIT 1").fetchone()
    body = bytearray(body)
    body[len(body) // 2] ^= 0x55
    db.execute("UPDATE chunks SET body = ? WHERE id = ?", (bytes(body), rowid))
    db.commit()
    damaged = fsck(repo.store)
    assert not damaged.ok
    assert any("corrupt" in p or "decompress" in p for p in damaged.problems)
    assert fsck(repo.store, quick=True).chunks < damaged.chunks


def test_fsck_reports_missing_chunks_and_bad_refs(tmp_path):
    repo = Repository.init(tmp_path, author=ME)
    fill(repo, "t", 5000)
    repo.commit("base", include_new=True, author=ME)
    leaf = repo.table("t").tree.leaf_addresses()[0]
    repo.store.delete_many([leaf])
    assert any("missing" in p for p in fsck(repo.store).problems)
    db = sqlite3.connect(tmp_path / ".dl" / "store.db")
    db.execute("INSERT INTO refs VALUES ('refs/heads/bogus', 'not-an-address')")
    db.commit()
    assert any("bogus" in p for p in fsck(repo.store).problems)


def test_gc_after_deleting_a_branch_returns_the_space(tmp_path):
    repo = Repository.init(tmp_path, author=ME)
    fill(repo, "t", 20000)
    repo.commit("base", include_new=True, author=ME)
    repo.store.vacuum()
    base_bytes = repo.store.file_bytes()
    repo.create_branch("tmp")
    repo.checkout("tmp")
    fill(repo, "big", 200000, seed=3)
    repo.commit("big", include_new=True, author=ME)
    repo.checkout("main")
    repo.delete_branch("tmp", force=True)
    phases: list[str] = []
    result = collect_garbage(repo.store, phases.append)
    assert phases == ["marking", "sweeping", "compacting"]
    assert result.chunks_deleted > 0
    assert result.bytes_after <= 1.1 * base_bytes + 65536
    assert fsck(repo.store).ok
    assert repo.table("t", "HEAD").count() == 20000
