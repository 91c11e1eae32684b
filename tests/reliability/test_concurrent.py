"""Concurrent writers: 8 processes x 25 commits on one branch plus 8 on their own branches,
a reader querying meanwhile. Nothing that reported success is lost, every failure is a clean
"concurrent update, retry", and no reader ever sees half a transaction."""
from __future__ import annotations

from pathlib import Path

import concurrency
from dl.core.maintenance.fsck import fsck
from dl.core.repo import Repository
from dl.core.versioning.commit import walk_history

SHARED, OWN, COMMITS = 8, 8, 25


def test_writers_lose_nothing_and_fail_cleanly(tmp_path: Path) -> None:
    concurrency.setup(tmp_path, OWN)
    result = concurrency.race(tmp_path, SHARED, OWN, COMMITS)
    bugs = [b for w in result.writers for b in w.bugs] + result.reader.bugs
    assert not bugs, bugs[0]
    failures = [f for w in result.writers for f in w.failures] + result.reader.failures
    assert all("concurrent update" in f and "retry" in f and "\n" not in f for f in failures), failures
    assert not any("locked" in f or "Traceback" in f for f in failures)
    assert not result.reader.torn, result.reader.torn[:3]
    assert result.reader.checks > 0
    own = [w for w in result.writers if w.branch != concurrency.SHARED]
    assert all(len(w.committed) == COMMITS for w in own)  # nobody else writes their branches
    assert result.landed >= 0.9 * (SHARED + OWN) * COMMITS

    repo = Repository.open(tmp_path)
    for branch in {w.branch for w in result.writers}:
        log = {a.hex: c for a, c in walk_history(repo.load_commit, [repo.branch_head(branch)])}
        mine = [w for w in result.writers if w.branch == branch]
        committed = [(row, c) for w in mine for row, c in w.committed]
        assert all(c in log for _, c in committed), f"a reported commit is missing from {branch}"
        assert len(log) == 2 + len(committed)  # init, tables, and exactly the reported commits
        head = repo.table("t", branch and repo.branch_head(branch).hex)
        ids = set(head.scan().column("id").to_pylist())
        assert {row for row, _ in committed} <= ids
        working = set(repo.table_in(repo.load_root(repo.working_set(branch)[1].working), "t")
                      .scan().column("id").to_pylist())
        assert {row for w in mine for row in w.inserted} <= working
        for address, commit in log.items():  # every commit holds whole transactions
            root = repo.load_root(commit.root)
            if "t" in root.tables:
                t = repo.table_in(root, "t").scan().column("id").to_pylist()
                u = repo.table_in(root, "u").scan().column("id").to_pylist()
                assert t == u, f"commit {address} holds half a transaction"
    assert fsck(repo.store).ok
    repo.close()
