"""`dl gc`: gives the space of a deleted branch back, keeps everything reachable (stashes,
a merge in progress), and is safe beside concurrent writers."""
from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import concurrency
import numpy as np
import pyarrow as pa
import pytest
from dl.core.errors import MissingChunk
from dl.core.maintenance.fsck import fsck
from dl.core.maintenance.gc import collect_garbage
from dl.core.repo import Author, Repository
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table
from dl.core.versioning.commit import walk_history
from dl.core.versioning.merge_commits import merge
from rel_cli import Cli

ME = Author("Ada", "ada@example.com")
SCHEMA = TableSchema((Column("id", pa.int64()), Column("v", pa.float64())), ("id",))


def write_csv(path: Path, n: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    ids, a = np.arange(n), rng.integers(0, 10**6, n)
    path.write_text("id,a,s\n" + "".join(f"{i},{x},s{x:08d}\n" for i, x in zip(ids, a)))
    return path


def store_bytes(directory: Path) -> int:
    """Bytes under .dl after folding the write-ahead log into the database."""
    db = sqlite3.connect(directory / ".dl" / "store.db")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return sum(f.stat().st_size for f in (directory / ".dl").iterdir() if f.is_file())


def test_gc_after_deleting_a_branch_returns_the_store_within_10_percent(cli: Cli, tmp_path: Path) -> None:
    cli.ok("init")
    cli.ok("table", "import", "-c", "--pk", "id", "t", write_csv(tmp_path / "t.csv", 20000, 1))
    cli.ok("commit", "-Am", "base")
    here = Path.cwd()
    before_branch = store_bytes(here)
    cli.ok("checkout", "-b", "tmp")
    cli.ok("table", "import", "-c", "--pk", "id", "big", write_csv(tmp_path / "big.csv", 100000, 2))
    cli.ok("commit", "-Am", "big")
    cli.ok("checkout", "main")
    cli.ok("branch", "-D", "tmp")
    with_branch = store_bytes(here)
    out = cli.ok("gc")
    found = re.fullmatch(r"deleted (\d+) of (\d+) chunks; store ([\d,]+) -> ([\d,]+) bytes\n", out)
    assert found, out
    assert int(found[1]) > 0 and int(found[4].replace(",", "")) < int(found[3].replace(",", ""))
    after = store_bytes(here)
    assert with_branch > 3 * before_branch
    assert after <= 1.1 * before_branch, (before_branch, with_branch, after)
    assert cli("fsck").code == 0
    assert cli.ok("sql", "-q", "select count(*) as n from t", "-r", "csv") == "n\n20000\n"


def test_gc_keeps_stashes_and_a_merge_in_progress(cli: Cli, tmp_path: Path) -> None:
    cli.ok("init")
    cli.ok("sql", "-q", "create table t (id int primary key, v text); insert into t values (1, 'a'), (2, 'b')")
    cli.ok("commit", "-Am", "base")
    cli.ok("sql", "-q", "create table only_stashed (k int primary key); insert into only_stashed values (7), (8)")
    cli.ok("stash", "-u")  # a new table: untracked, stashed only with -u (as Dolt)
    cli.ok("checkout", "-b", "f")
    cli.ok("sql", "-q", "update t set v = 'theirs' where id = 1; create table only_f (k int primary key); "
                        "insert into only_f values (1)")
    cli.ok("commit", "-Am", "f")
    cli.ok("checkout", "main")
    cli.ok("sql", "-q", "update t set v = 'ours' where id = 1")
    cli.ok("commit", "-am", "ours")
    assert cli("merge", "f").code == 1  # a conflict on row 1: the merge waits in the working set
    cli.ok("branch", "-D", "f")  # their commit is now reachable only from the merge state
    cli.ok("gc")
    fsck_out = cli("fsck")
    assert fsck_out.code == 0, fsck_out.out
    assert "only_f" in cli.ok("status") + cli.ok("table", "ls")
    cli.ok("merge", "--abort")
    cli.ok("stash", "pop")
    assert cli.ok("sql", "-q", "select k from only_stashed order by k", "-r", "csv") == "k\n7\n8\n"


def _fill(repo: Repository, name: str, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = pa.table({"id": pa.array(np.arange(n), pa.int64()), "v": rng.random(n)})
    repo.write_table(name, lambda cur, buf: Table.empty(buf, SCHEMA).replace_rows(rows))


def test_a_merge_of_a_branch_collected_meanwhile_fails_cleanly(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The merge reads the branch, then (before it lands) the branch is deleted and gc runs:
    its landing transaction finds the branch's chunks gone and refuses, instead of leaving the
    working set linking to deleted chunks."""
    repo = Repository.init(tmp_path, author=ME)
    _fill(repo, "t", 3000, 1)
    repo.commit("base", include_new=True, author=ME)
    repo.create_branch("f")
    repo.checkout("f")
    _fill(repo, "big", 5000, 2)
    repo.commit("big", include_new=True, author=ME)
    repo.checkout("main")
    _fill(repo, "t", 3001, 3)
    head = repo.commit("ours", stage_all=True, author=ME)
    ws_before = repo.store.get_ref("workingSets/heads/main")
    land = repo.store.commit
    collected = []

    def gc_first(chunks, updates, requires=()):  # type: ignore[no-untyped-def]
        if not collected:
            other = Repository.open(tmp_path)
            other.delete_branch("f", force=True)
            collected.append(collect_garbage(other.store).chunks_deleted)
            other.close()
        return land(chunks, updates, requires)

    monkeypatch.setattr(repo.store, "commit", gc_first)
    with pytest.raises(MissingChunk, match="concurrent dl gc"):
        merge(repo, "f", message="merge f", author=ME)
    monkeypatch.undo()
    assert collected and collected[0] > 0
    assert repo.branch_head("main") == head
    assert repo.store.get_ref("workingSets/heads/main") == ws_before
    assert fsck(repo.store).ok


def test_gc_beside_concurrent_writers_loses_nothing(tmp_path: Path) -> None:
    concurrency.setup(tmp_path, 2)
    result = concurrency.race(tmp_path, 2, 2, 12, gc=True)
    assert result.gc is not None
    bugs = [b for w in result.writers for b in w.bugs] + result.reader.bugs + result.gc.bugs
    assert not bugs, bugs[0]
    failures = [f for w in result.writers for f in w.failures] + result.gc.failures
    assert all("concurrent update" in f for f in failures), failures
    assert result.gc.runs >= 2 and result.gc.deleted > 0 and not result.reader.torn
    repo = Repository.open(tmp_path)
    assert fsck(repo.store).ok
    for w in result.writers:
        log = {a.hex for a, _ in walk_history(repo.load_commit, [repo.branch_head(w.branch)])}
        assert all(c in log for _, c in w.committed)
        rows = set(repo.table("t", repo.branch_head(w.branch).hex).scan().column("id").to_pylist())
        assert {row for row, _ in w.committed} <= rows
    repo.close()
    assert os.path.exists(tmp_path / ".dl" / "store.db")


@pytest.mark.parametrize("kind", ["sqlite", "memory"])
def test_a_commit_requiring_a_missing_chunk_changes_nothing(tmp_path: Path, kind: str) -> None:
    """The store-level guard the buffer relies on: `requires` names chunks that must still be
    stored when the transaction lands."""
    from dl.core.hashing import address_of
    from dl.core.store.base import RefUpdate
    from dl.core.store.memory import MemoryStore
    from dl.core.store.sqlite import SqliteStore
    store = SqliteStore(tmp_path / "s.db", create=True) if kind == "sqlite" else MemoryStore()
    there, gone, new = b"there", b"gone", b"new chunk"
    store.put_many({address_of(there): there})
    with pytest.raises(MissingChunk, match=address_of(gone).hex):
        store.commit({address_of(new): new}, [RefUpdate("r", address_of(new).hex, None)],
                     requires=[address_of(there), address_of(gone)])
    assert store.get_ref("r") is None and not store.has_many([address_of(new)])
    assert store.commit({address_of(new): new}, [RefUpdate("r", address_of(new).hex, None)],
                        requires=[address_of(there), address_of(new)])
    assert store.get_ref("r") == address_of(new).hex
    store.close()
