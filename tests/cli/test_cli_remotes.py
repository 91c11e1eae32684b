"""`dl remote`, `clone`, `fetch`, `pull`, `push` as a user runs them: in temp directories,
exact lines and exit codes, and each bad input one line on stderr with nothing changed."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import Dl


def head(dl: Dl, rev: str = "HEAD") -> str:
    return dl.query(f"select dolt_hashof('{rev}') as h").splitlines()[1]


@pytest.fixture
def pushed(people: Path, dl: Dl, tmp_path: Path) -> Path:
    """people pushed to a bare directory remote `origin` with upstream set; returns the remote."""
    remote = tmp_path / "remote"
    dl.ok("remote", "add", "origin", f"file://{remote}")
    out = dl.ok("push", "-u", "origin", "main")
    assert out == (f"To file://{remote}\n * [new branch]          main -> main\n"
                   "branch 'main' set up to track 'origin/main'.\n")
    return remote


def test_remote_add_list_remove(repo: Path, dl: Dl, tmp_path: Path) -> None:
    dl.ok("remote", "add", "origin", f"file://{tmp_path}/r")
    dl.ok("remote", "add", "cloud", "s3://bucket/team/repo", "--endpoint", "http://127.0.0.1:9000")
    assert dl.ok("remote") == "cloud\norigin\n"
    assert dl.ok("remote", "-v") == (f'cloud s3://bucket/team/repo {{"endpoint": "http://127.0.0.1:9000"}}\n'
                                     f"origin file://{tmp_path}/r {{}}\n")
    assert dl.fails("remote", "add", "origin", "file:///x") == "remote already exists: origin"
    assert dl.fails("remote", "add", "web", "ftp://host/x").startswith("unknown remote URL scheme 'ftp'")
    dl.ok("remote", "remove", "cloud")
    assert dl.ok("remote") == "origin\n"
    assert dl.fails("remote", "remove", "cloud") == "unknown remote: 'cloud'; see dl remote -v"


def test_clone_is_a_full_repository(pushed: Path, dl: Dl, work: Path, monkeypatch) -> None:
    expected = head(dl)
    assert dl.ok("clone", f"file://{pushed}", "copy") == f"cloning file://{pushed}\n"
    monkeypatch.chdir(work / "copy")
    assert head(dl) == expected
    assert dl.ok("branch", "-a") == "* main\n  remotes/origin/main\n"
    assert dl.ok("branch", "-r") == "  remotes/origin/main\n"
    assert dl.ok("status").startswith("On branch main\nYour branch is up to date with 'origin/main'.\n")
    assert dl.query("select count(*) as n from people as of 'origin/main'") == "n\n20\n"
    assert "import people" in dl.ok("log", "origin/main", "-n", "1")
    assert json.loads((work / "copy" / ".dl" / "remotes.json").read_text())["branches"] == \
        {"main": {"merge": "main", "remote": "origin"}}
    dl.ok("fsck")


def test_push_pull_fetch_round_trip(pushed: Path, dl: Dl, work: Path, monkeypatch) -> None:
    dl.ok("clone", str(pushed), "b")
    monkeypatch.chdir(work / "b")
    dl.ok("sql", "-q", "update people set age = 99 where id = 1")
    dl.ok("commit", "-am", "b: 99")
    assert "ahead of 'origin/main' by 1 commit." in dl.ok("status")
    old, new = head(dl, "origin/main")[:8], head(dl)[:8]
    assert dl.ok("push") == f"To file://{pushed}\n   {old}..{new}  main -> main\n"
    assert dl.ok("push", "origin", "main") == "Everything up-to-date\n"
    monkeypatch.chdir(work)
    dl.ok("sql", "-q", "update people set age = 11 where id = 2")
    dl.ok("commit", "-am", "a: 11")
    err = dl.fails("push", "origin", "main")
    assert err.startswith(f"failed to push some refs to 'file://{pushed}': [rejected] main -> main "
                          "(fetch first)")
    dl.ok("fetch")
    assert "have diverged," in dl.ok("status")
    err = dl.fails("push", "origin", "main")
    assert "[rejected] main -> main (non-fast-forward)" in err
    mine, theirs = head(dl)[:8], head(dl, "origin/main")[:8]
    out = dl.ok("pull")
    assert out.startswith(f"Updating {mine}..{theirs}\nMerge made: ")  # then the row counts, as merge's
    assert "people | 1 *\n" in out
    assert dl.ok("pull") == "Everything up-to-date\n"
    assert dl.query("select age from people where id in (1, 2) order by id") == "age\n99\n11\n"
    dl.ok("push")
    monkeypatch.chdir(work / "b")
    out = dl.ok("pull")
    assert out.startswith(f"From file://{pushed}\n") and "Fast-forward" in out
    assert dl.query("select age from people where id = 2") == "age\n11\n"
    dl.ok("fsck")


def test_push_delete_and_force(pushed: Path, dl: Dl) -> None:
    dl.ok("checkout", "-b", "feature")
    dl.ok("push", "origin", "feature")
    assert "remotes/origin/feature" in dl.ok("branch", "-a")
    assert dl.ok("push", "origin", ":feature") == f"To file://{pushed}\n - [deleted]             feature\n"
    assert "origin/feature" not in dl.ok("branch", "-a")
    dl.ok("push", "origin", "feature")
    assert dl.ok("fetch", "origin", "feature") == ""  # already up to date: nothing to say
    assert "[deleted]" in dl.ok("push", "--delete", "origin", "feature")
    assert dl.fails("fetch", "origin", "feature") == \
        "invalid ref spec: 'feature': remote origin has no such branch (it has main)"
    dl.ok("checkout", "main")
    dl.ok("reset", "--hard", "HEAD~1")
    assert "non-fast-forward" in dl.fails("push", "origin", "main")
    assert "(forced update)" in dl.ok("push", "--force", "origin", "main")


def test_bad_input_changes_nothing(pushed: Path, dl: Dl, work: Path, tmp_path: Path) -> None:
    before = sorted(p.name for p in (pushed / "packs").iterdir())
    assert dl.fails("push", "origin", "nope") == \
        "branch not found: nope; src refspec nope does not match any"
    assert dl.fails("push", "upstream", "main") == ("fatal: remote 'upstream' not found. Please make sure "
                                                    "the remote exists (dl remote -v lists them).")
    dl.ok("checkout", "-b", "lonely")
    assert dl.fails("push") == ("fatal: The current branch lonely has no upstream branch. To push the current "
                                "branch and set the remote as upstream, use: dl push --set-upstream "
                                "origin lonely")
    dl.ok("checkout", "main")
    dl.ok("sql", "-q", "update people set age = 1 where id = 3")
    assert dl.fails("pull").startswith("cannot merge with uncommitted changes: your local changes to "
                                       "people would be overwritten")
    assert sorted(p.name for p in (pushed / "packs").iterdir()) == before
    assert dl.fails("clone", "ftp://x/y", "z").startswith("unknown remote URL scheme 'ftp'")
    assert dl.fails("clone", f"file://{tmp_path}/missing", "z") == (
        f"clone failed; remote at file://{tmp_path}/missing contains no dl data (no such directory: "
        f"{tmp_path}/missing)")
    (tmp_path / "empty").mkdir()
    assert dl.fails("clone", f"file://{tmp_path}/empty", "z").startswith(
        f"clone failed; remote at file://{tmp_path}/empty contains no dl data")
    assert not (work / "z").exists()
    assert "already exists" in dl.fails("clone", f"file://{pushed}", str(work))


def test_clone_of_a_repository_directory_and_push_back(people: Path, dl: Dl, tmp_path: Path,
                                                      monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    dl.ok("clone", str(people), "copy")
    monkeypatch.chdir(tmp_path / "copy")
    dl.ok("sql", "-q", "delete from people where id = 20")
    dl.ok("commit", "-am", "drop 20")
    dl.ok("push", "origin", "main")
    monkeypatch.chdir(people)
    assert dl.query("select count(*) as n from people") == "n\n19\n"
    assert dl.ok("status").endswith("nothing to commit, working tree clean\n")


def test_tags_travel(pushed: Path, dl: Dl, work: Path, monkeypatch) -> None:
    dl.ok("tag", "v1", "-m", "first release")
    assert dl.ok("push", "origin", "v1") == f"To file://{pushed}\n * [new tag]             v1 -> v1\n"
    assert dl.ok("push", "origin", "v1") == "Everything up-to-date\n"
    dl.ok("tag", "-d", "v1")
    dl.ok("tag", "v1", "HEAD~1")
    assert "[rejected] v1 -> v1 (already exists)" in dl.fails("push", "origin", "v1")
    monkeypatch.chdir(work.parent)
    dl.ok("clone", f"file://{pushed}", "b")
    monkeypatch.chdir(work.parent / "b")
    assert "v1" in dl.ok("tag")
    assert dl.query("select count(*) as n from people as of 'v1'") == "n\n20\n"  # the pushed v1
    monkeypatch.chdir(work)
    dl.ok("tag", "v2")
    dl.ok("push", "origin", "v2")
    monkeypatch.chdir(work.parent / "b")
    assert dl.ok("fetch") == f"From file://{pushed}\n * [new tag]             v2 -> v2\n"


def test_checkout_of_a_branch_only_the_remote_has_tracks_it(pushed: Path, dl: Dl, work: Path,
                                                           monkeypatch) -> None:
    dl.ok("checkout", "-b", "feature")
    dl.ok("sql", "-q", "delete from people where id = 1")
    dl.ok("commit", "-am", "feature drops 1")
    dl.ok("push", "origin", "feature")
    monkeypatch.chdir(work.parent)
    dl.ok("clone", str(pushed), "b")
    monkeypatch.chdir(work.parent / "b")
    assert dl.ok("checkout", "feature") == ("Switched to branch 'feature'\n"
                                            "branch 'feature' set up to track 'origin/feature'.\n")
    assert dl.query("select count(*) as n from people") == "n\n19\n"
    assert "up to date with 'origin/feature'" in dl.ok("status")
    assert dl.fails("checkout", "nothing-anywhere") == "branch or table not found: nothing-anywhere"
    dl.ok("checkout", "main")
    dl.ok("branch", "-D", "feature")
    assert dl.ok("checkout", "--track", "origin/feature") == (
        "Switched to branch 'feature'\nbranch 'feature' set up to track 'origin/feature'.\n")
    assert "up to date with 'origin/feature'" in dl.ok("status")
    assert dl.fails("checkout", "--track", "origin/nope").startswith("remote-tracking branch not found: origin/nope")


def test_fsck_of_a_remote(pushed: Path, dl: Dl) -> None:
    out = dl.ok("fsck", "--remote", "origin")
    assert out.startswith("checked 2 commits, 1 table values, 6 chunks") and out.endswith(": 0 problem(s)\n")
    pack = next((pushed / "packs").glob("*.pack"))
    data = bytearray(pack.read_bytes())
    data[-5] ^= 0xFF
    pack.write_bytes(bytes(data))
    result = dl("fsck", "--remote", "origin")
    assert result.code == 1 and "corrupt" in result.out and "1 problem(s)" in result.out, result


def test_a_clone_works_offline(pushed: Path, dl: Dl, work: Path, monkeypatch) -> None:
    import shutil
    monkeypatch.chdir(work.parent)
    dl.ok("clone", f"file://{pushed}", "b")
    shutil.rmtree(pushed)  # the remote is gone: everything below reads only the clone
    monkeypatch.chdir(work.parent / "b")
    assert "import people" in dl.ok("log", "-n", "1")
    dl.ok("checkout", "-b", "side")
    dl.ok("sql", "-q", "update people set age = 5 where id = 5")
    dl.ok("commit", "-am", "side")
    dl.ok("checkout", "main")
    assert "Fast-forward" in dl.ok("merge", "side")
    assert "people" in dl.ok("diff", "origin/main", "main")
    assert "ahead of 'origin/main' by 1 commit" in dl.ok("status")
    dl.ok("table", "export", "people", "out.csv")
    dl.ok("fsck")
    dl.ok("gc")
    assert dl.fails("fetch").startswith("remote directory not found")


def test_clone_single_branch_tracks_only_that_branch(pushed: Path, dl: Dl, work: Path, monkeypatch) -> None:
    """As Dolt's remotes.bats: `clone --single-branch` makes no remote refs for other branches."""
    dl.ok("branch", "other")
    dl.ok("push", "origin", "other")
    dl.ok("clone", "--single-branch", str(pushed), "one")
    dl.ok("clone", str(pushed), "all")
    monkeypatch.chdir(work / "one")
    assert dl.ok("branch", "-a") == "* main\n  remotes/origin/main\n"
    monkeypatch.chdir(work / "all")
    assert dl.ok("branch", "-a") == "* main\n  remotes/origin/main\n  remotes/origin/other\n"
