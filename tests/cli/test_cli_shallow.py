"""`dl clone --depth N` and `dolt_clone('--depth', N)` as a user runs them, after Dolt's
shallow-clone.bats: the log stops at the boundary, the table is whole, revisions beyond the
boundary say "You are using a shallow clone" in one line, fsck and gc pass, pull
fast-forwards, fetch --depth deepens and --unshallow completes, push goes to the origin and a
push to a remote lacking the boundary's parents is refused."""
from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Dl


@pytest.fixture
def serial(people: Path, dl: Dl, tmp_path: Path) -> Path:
    """people with five more commits (ages of ids 1..5 set to 50+k), pushed to `origin`."""
    for k in range(1, 6):
        dl.ok("sql", "-q", f"update people set age = {50 + k} where id = {k}")
        dl.ok("commit", "-am", f"age {k}")
    remote = tmp_path / "remote"
    dl.ok("remote", "add", "origin", f"file://{remote}")
    dl.ok("push", "-u", "origin", "main")
    return remote


def lines(text: str) -> list[str]:
    return text.splitlines()


def test_depth_one_clone(serial: Path, dl: Dl, work: Path, monkeypatch) -> None:
    total = dl.query("select sum(age) as s from people")
    dl.ok("clone", "--depth", "1", f"file://{serial}", "shallow")
    monkeypatch.chdir(work / "shallow")
    log = lines(dl.ok("log", "--oneline"))
    assert len(log) == 1 and log[0].endswith("age 5")
    assert dl.query("select count(*) as n from dolt_log()") == "n\n1\n"
    assert dl.query("select sum(age) as s from people") == total
    for args in (("diff", "HEAD~1", "HEAD"), ("tag", "t1", "HEAD~1"), ("cherry-pick", "HEAD~1"),
                 ("sql", "-q", "select count(*) from people as of 'HEAD~1'")):
        assert "You are using a shallow clone" in dl.fails(*args), args
    assert dl.ok("status").startswith("On branch main\nYour branch is up to date with 'origin/main'.")
    dl.ok("fsck")
    dl.ok("gc")
    dl.ok("fsck")
    assert dl.query("select sum(age) as s from people") == total


def test_depth_three_then_pull_deepen_and_unshallow(serial: Path, dl: Dl, work: Path,
                                                    monkeypatch) -> None:
    full = len(lines(dl.ok("log", "--oneline")))
    dl.ok("clone", "--depth", "3", str(serial), "shallow")
    dl.ok("sql", "-q", "update people set age = 7 where id = 7")
    dl.ok("commit", "-am", "seven")
    dl.ok("push", "origin", "main")
    monkeypatch.chdir(work / "shallow")
    assert dl.query("select message from dolt_log()") == "message\nage 5\nage 4\nage 3\n"
    assert "Fast-forward" in dl.ok("pull")
    assert len(lines(dl.ok("log", "--oneline"))) == 4
    dl.ok("fetch", "--depth", "6")
    assert len(lines(dl.ok("log", "--oneline", "origin/main"))) == 6
    dl.ok("fetch", "--unshallow")
    assert len(lines(dl.ok("log", "--oneline", "origin/main"))) == full + 1
    dl.ok("fsck")
    assert dl.fails("fetch", "--depth", "2", "--unshallow", code=2)


def test_push_from_a_shallow_clone(serial: Path, dl: Dl, work: Path, tmp_path: Path,
                                   monkeypatch) -> None:
    dl.ok("clone", "--depth", "1", str(serial), "shallow")
    monkeypatch.chdir(work / "shallow")
    dl.ok("sql", "-q", "update people set age = 42 where id = 2")
    dl.ok("commit", "-am", "forty-two")
    dl.ok("push", "origin", "main")
    dl.ok("remote", "add", "alt", f"file://{tmp_path / 'alt'}")
    assert dl.fails("push", "alt", "main").startswith("shallow repository missing chunks to complete push")
    monkeypatch.chdir(work)
    dl.ok("clone", str(serial), "full")
    monkeypatch.chdir(work / "full")
    assert "forty-two" in dl.ok("log", "-n", "1")
    dl.ok("fsck")


def test_dolt_clone_with_depth_and_bad_depths(serial: Path, dl: Dl, work: Path, monkeypatch) -> None:
    dl.ok("sql", "-q", f"call dolt_clone('--depth', '2', 'file://{serial}', 'viasql')")
    monkeypatch.chdir(work.parent / "viasql")  # beside the repository, as Dolt makes a database
    assert dl.query("select count(*) as n from dolt_log()") == "n\n2\n"
    assert "positive number" in dl.fails("sql", "-q", f"call dolt_clone('--depth', 'x', 'file://{serial}', 'y')")
    assert not (work.parent / "y").exists()
    monkeypatch.chdir(work)
    dl.fails("clone", "--depth", "0", str(serial), "zero", code=2)
    assert not (work / "zero").exists()


def test_diff_tables_and_blame_in_a_shallow_clone(serial: Path, dl: Dl, work: Path, monkeypatch) -> None:
    """As Dolt's depth-3 test: dolt_diff shows the deltas inside the clone, not the boundary's
    (its parent is beyond the clone); blame gives the boundary commit what came before it."""
    dl.ok("clone", "--depth", "3", str(serial), "shallow")
    monkeypatch.chdir(work / "shallow")
    assert dl.query("select message from dolt_diff where table_name = 'people' order by date desc") == \
        "message\nage 5\nage 4\n"
    assert dl.query("select count(*) as n from dolt_diff_people where to_commit <> 'WORKING'") == "n\n2\n"
    blamed = dl.query("select message from dolt_blame_people where id in (1, 5) order by id")
    assert blamed == "message\nage 3\nage 5\n"
