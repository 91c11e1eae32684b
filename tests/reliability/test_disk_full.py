"""A full disk mid-write: `dl table import` and `dl commit` run as real processes under a file
size limit (RLIMIT_FSIZE, set in preexec_fn: the kernel then refuses any write past it, as a
full disk refuses any write), so the store's write-ahead log cannot grow. Each ends with one
"no space" line, leaves the repository exactly as it was with `fsck` clean, and the same
command works once space is back."""
from __future__ import annotations

import resource
import sqlite3
from collections.abc import Callable
from pathlib import Path

import crash_harness as harness
import pytest
from dl.core.maintenance.fsck import fsck
from dl.core.repo import Repository
from rel_cli import Cli, assert_clean_error


def limit(nbytes: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return apply


@pytest.fixture
def repo(cli: Cli, tmp_path: Path) -> Path:
    """A repository with a committed table and uncommitted changes to it."""
    harness.write_csv(tmp_path / "base.csv", harness.people_rows(2000, 1), "id,a,s")
    harness.write_csv(tmp_path / "more.csv", harness.people_rows(60000, 2, start=1000), "id,a,s")
    cli.ok("init")
    cli.ok("table", "import", "-c", "--pk", "id", "t", tmp_path / "base.csv")
    cli.ok("commit", "-Am", "base")
    cli.ok("sql", "-q", "update t set a = a + 1 where id < 50")
    return Path.cwd()


def _under_limit(repo: Path, home: Path, argv: list[str], nbytes: int) -> harness.Outcome:
    """Runs `dl ARGV` limited to files of `nbytes`, while this process holds the store open
    with its log checkpointed to empty: the log must grow from zero, and the shared-memory
    index already exists (it is mapped, so the limit does not apply to it)."""
    holder = sqlite3.connect(repo / ".dl" / "store.db")
    holder.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    holder.execute("SELECT count(*) FROM refs").fetchone()
    try:
        assert (repo / ".dl" / "store.db-wal").stat().st_size == 0
        return harness.run_process(repo, home, argv, preexec=limit(nbytes))
    finally:
        holder.close()


@pytest.mark.parametrize("argv, nbytes", [
    (["table", "import", "-u", "t", "../more.csv"], 256 << 10),
    (["commit", "-am", "under a full disk"], 2 << 10),  # a commit writes ~4 KB of 1 KB pages
], ids=["import", "commit"])
def test_a_full_disk_is_one_line_and_changes_nothing(repo: Path, tmp_path: Path, argv: list[str],
                                                     nbytes: int) -> None:
    home = tmp_path / "home"
    before = harness.snapshot(repo)
    done = _under_limit(repo, home, argv, nbytes)
    assert done.code == 1, done
    assert_clean_error(done.err)
    assert "no space left on device" in done.err, done.err
    assert harness.snapshot(repo) == before
    store = Repository.open(repo, readonly=True)
    assert fsck(store.store).ok
    store.close()
    again = harness.run_process(repo, home, argv)  # space is back: the same command works
    assert again.code == 0, again.err
    assert harness.snapshot(repo) != before
