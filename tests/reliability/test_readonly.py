"""A repository in a read-only directory serves log, diff, status, fsck and SQL SELECTs, and
refuses every write with one clear line, changing nothing.

Two mechanisms, both tested: the kernel's (an unprivileged process cannot write a directory
without its write bit: as root the test drops to `nobody` in a forked child), and dl's own
(a store whose directory or file has no write bit at all opens read-only, even for root,
whom file modes do not stop: core/store/sqlite.py `read_only_place`).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import crash_harness as harness
import pytest
from rel_cli import assert_clean_error, home_config

NOBODY = 65534
READS = [
    (["log", "--oneline"], "second"),
    (["diff", "HEAD~1", "HEAD"], "| + "),
    (["status"], "On branch main"),
    (["sql", "-q", "select count(*) as n from t", "-r", "csv"], "n\n3\n"),
    (["sql", "-q", "select v from t as of 'HEAD~1' where id = 1", "-r", "csv"], "v\nfirst\n"),
    (["fsck"], "0 problem(s)"),
    (["branch"], "* main"),
]
WRITES = [
    ["sql", "-q", "insert into t values (9, 'nine')"],
    ["commit", "--allow-empty", "-m", "x"],
    ["table", "import", "-u", "t", "../rows.csv"],
    ["branch", "other"],
    ["checkout", "-b", "other"],
    ["tag", "v1"],
    ["gc"],
]


@pytest.fixture
def readonly_repo() -> Iterator[tuple[Path, Path]]:
    """A repository (two commits) and a DL_HOME, all read-only, in a directory anyone can reach
    (pytest's tmp_path is private to its user)."""
    harness.warm()  # an unprivileged child cannot import from a private interpreter install
    top = Path(tempfile.mkdtemp(prefix="dl-readonly-"))
    top.chmod(0o755)
    home = home_config(top / "home")
    repo = top / "repo"
    repo.mkdir()
    (top / "rows.csv").write_text("id,v\n9,nine\n")
    create = "create table t (id int primary key, v text); insert into t values (1, 'first'), (2, 'b')"
    change = "update t set v = 'second' where id = 1; insert into t values (3, 'c')"
    for argv in (["init"], ["sql", "-q", create], ["commit", "-Am", "first"], ["sql", "-q", change],
                 ["commit", "-am", "second"]):
        assert harness.run_forked(repo, home, argv).code == 0
    for path in [top, home, repo, *repo.rglob("*"), *home.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    yield repo, home
    for path in [top, *top.rglob("*")]:
        path.chmod(stat.S_IRWXU | (0o055 if path.is_dir() else 0))
    shutil.rmtree(top)


def _files(repo: Path) -> dict[str, str]:
    """What the repository holds: the database, its log and the config (not the log's
    shared-memory index, which readers use as scratch space)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (repo / ".dl").iterdir()
            if not p.name.endswith("-shm")}


def _as_nobody() -> None:
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)


@pytest.mark.parametrize("who", ["same-user", "unprivileged"])
def test_reads_serve_and_writes_are_refused(readonly_repo: tuple[Path, Path], who: str) -> None:
    repo, home = readonly_repo
    drop = _as_nobody if who == "unprivileged" else None
    files = _files(repo)
    for argv, expected in READS:
        done = harness.run_forked(repo, home, argv, preexec=drop)
        assert done.code == 0 and done.err == "", (argv, done)
        assert expected in done.out, (argv, done.out)
    for argv in WRITES:
        done = harness.run_forked(repo, home, argv, preexec=drop)
        assert done.code == 1, (argv, done)
        assert_clean_error(done.err)
        assert "read-only" in done.err, (argv, done.err)
    assert _files(repo) == files  # not a byte changed
    assert "store.db" in files
