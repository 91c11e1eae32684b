"""Remotes as Dolt's own remote tests (remotes*.bats, remote-cmd.bats over `file://`) use them:
relative `file://` URLs, the directory made at `remote add`, Dolt's messages and shapes. Each
test here stands for a cause those bats tests found; CI does not run bats."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import Dl


@pytest.fixture
def pushed_repo(repo: Path, dl: Dl) -> Path:
    """A repository with a commit pushed to `origin` (a directory beside it), upstream set."""
    dl.ok("sql", "-q", "create table t (pk int primary key, v int)")
    dl.ok("commit", "-Am", "t")
    dl.ok("remote", "add", "origin", "file://../remote")
    dl.ok("push", "-u", "origin", "main")
    return repo


def test_relative_file_urls_are_read_as_dolt_reads_them(repo: Path, dl: Dl, work: Path,
                                                         monkeypatch) -> None:
    # `file://remote/` is the directory `remote` here, not a host: kept absolute, made if missing
    dl.ok("remote", "add", "origin", "file://remote/")
    assert dl.ok("remote", "-v") == f"origin file://{work / 'remote'} {{}}\n"
    assert (work / "remote").is_dir()
    dl.ok("remote", "add", "up", "file://../shared")
    assert (work.parent / "shared").is_dir()
    dl.ok("push", "origin", "main")
    monkeypatch.chdir(work.parent)
    assert dl.ok("clone", "file://./work/remote", "copy") == f"cloning file://{work / 'remote'}\n"
    settings = json.loads((work.parent / "copy" / ".dl" / "remotes.json").read_text())
    assert settings["remotes"]["origin"]["url"] == f"file://{work / 'remote'}"


def test_remote_add_refuses_a_path_it_cannot_make(repo: Path, dl: Dl, work: Path) -> None:
    (work / "afile").write_text("x")
    assert dl.fails("remote", "add", "origin", "file://afile") == \
        f"remote path '{work / 'afile'}' is a file, not a directory"
    assert dl.fails("remote", "add", "origin", "file://afile/sub").startswith(
        f"failed to create directory '{work / 'afile' / 'sub'}'")
    assert dl.ok("remote") == ""


def test_aws_flags_only_for_s3_remotes(repo: Path, dl: Dl, work: Path) -> None:
    assert dl.fails("remote", "add", "--aws-region", "us-west", "other", "file://r") == \
        "--aws-region only valid for aws remotes (s3://)"
    assert not (work / "r").exists() and dl.ok("remote") == ""
    dl.ok("remote", "add", "--aws-region", "us-west", "origin", "s3://bucket/org/db")
    assert dl.ok("remote", "-v") == 'origin s3://bucket/org/db {"aws-region": "us-west"}\n'  # Dolt's form
    assert dl.query("select params from dolt_remotes") == 'params\n"{""aws-region"": ""us-west""}"\n'


def _two_clones(dl: Dl, work: Path, monkeypatch) -> tuple[Path, Path]:
    """repo1 pushed to `remote` (main, upstream set), and repo2 cloned from it."""
    (work / "repo1").mkdir()
    monkeypatch.chdir(work / "repo1")
    dl.ok("init")
    dl.ok("remote", "add", "origin", "file://../remote")
    dl.ok("push", "--set-upstream", "origin", "main")
    monkeypatch.chdir(work)
    dl.ok("clone", "file://./remote", "repo2")
    return work / "repo1", work / "repo2"


def test_pull_fetches_every_branch_and_says_up_to_date(work: Path, dl: Dl, monkeypatch) -> None:
    repo1, repo2 = _two_clones(dl, work, monkeypatch)
    monkeypatch.chdir(repo1)
    dl.ok("checkout", "-b", "other")
    dl.ok("push", "origin", "other")
    monkeypatch.chdir(repo2)
    assert dl.ok("pull").endswith("Everything up-to-date\n")
    assert "remotes/origin/other" in dl.ok("branch", "-a")


def test_transfer_to_an_unknown_remote_says_not_found(repo: Path, dl: Dl) -> None:
    message = "fatal: remote 'poop' not found. Please make sure the remote exists (dl remote -v lists them)."
    assert dl.fails("push", "poop", "main") == message
    assert dl.fails("pull", "poop") == message
    assert dl.fails("fetch", "poop") == "unknown remote: 'poop'; see dl remote -v"  # Dolt's fetch
    assert dl.fails("remote", "remove", "poop") == "unknown remote: 'poop'; see dl remote -v"


def test_push_with_a_remote_alone_follows_dolts_rules(repo: Path, dl: Dl, work: Path) -> None:
    dl.ok("remote", "add", "origin", "file://r1")
    dl.ok("remote", "add", "test-remote", "file://r2")
    dl.ok("checkout", "-b", "test-branch")
    # the default remote needs an upstream (or -u); another remote takes the branch by its name
    assert dl.fails("push", "origin") == (
        "fatal: The current branch test-branch has no upstream branch. To push the current branch and "
        "set the remote as upstream, use: dl push --set-upstream origin test-branch")
    out = dl.ok("push", "test-remote")
    assert out == f"To file://{work / 'r2'}\n * [new branch]          test-branch -> test-branch\n"
    assert dl.ok("push", "-u", "origin").endswith(
        " * [new branch]          test-branch -> test-branch\n"
        "branch 'test-branch' set up to track 'origin/test-branch'.\n")
    assert dl.ok("push", "origin") == "Everything up-to-date\n"  # now it has an upstream there
    assert dl.fails("push", "origin", "") == "invalid ref spec: ''"


def test_push_all_pushes_every_branch_and_reports_the_rejected(work: Path, dl: Dl, monkeypatch) -> None:
    repo1, repo2 = _two_clones(dl, work, monkeypatch)
    monkeypatch.chdir(repo2)
    dl.ok("sql", "-q", "create table t (pk int primary key, v int)")
    dl.ok("commit", "-Am", "t")
    dl.ok("checkout", "-b", "branch1")
    out = dl.ok("push", "--all", "origin")
    assert " * [new branch]          branch1 -> branch1\n" in out and "set up to track" not in out
    monkeypatch.chdir(repo1)
    dl.ok("pull", "origin", "main")  # fetches branch1 too: checkout makes it, tracking origin's
    assert "set up to track 'origin/branch1'" in dl.ok("checkout", "branch1")
    dl.ok("sql", "-q", "insert into t values (1, 1)")
    dl.ok("commit", "-am", "repo1 on branch1")
    dl.ok("push", "origin", "branch1")
    monkeypatch.chdir(repo2)
    dl.ok("sql", "-q", "insert into t values (2, 2)")
    dl.ok("commit", "-am", "repo2 on branch1")
    dl.ok("checkout", "-b", "branch2")
    result = dl("push", "--all", "-u")
    assert result.code == 1
    assert " * [new branch]          branch2 -> branch2\n" in result.out
    assert " ! [rejected]            branch1 -> branch1 (fetch first)\n" in result.out
    assert "branch 'branch2' set up to track 'origin/branch2'.\n" in result.out
    assert "branch 'branch1' set up" not in result.out
    assert "Updates were rejected because the tip of your current branch is behind" in result.err
    assert "remotes/origin/branch2" in dl.ok("branch", "-a")


def test_fetch_refspecs_land_where_they_say(repo: Path, dl: Dl, work: Path) -> None:
    dl.ok("remote", "add", "remote2", "file://remote2")
    dl.ok("push", "remote2", "main")
    assert dl.fails("fetch") == "unknown remote: 'origin'; see dl remote -v"  # no default: origin
    dl.ok("remote", "add", "origin", "file://remote1")
    dl.ok("push", "origin", "main:notmain")
    assert dl.ok("fetch", "origin", "refs/heads/notmain:refs/remotes/anything/main") == (
        f"From file://{work / 'remote1'}\n * [new branch]          notmain -> anything/main\n")
    dl.ok("fetch", "remote2", "main:refs/remotes/something/main")
    listed = dl.ok("branch", "-a")
    assert "  remotes/anything/main\n" in listed and "  remotes/something/main\n" in listed
    assert dl.fails("fetch", "origin", "notmain:refs/heads/x").startswith("invalid fetch spec: 'notmain:refs/heads/x'")
    assert dl.fails("fetch", "origin", ":refs/remotes/a/b") == "invalid fetch spec: ':refs/remotes/a/b'"


def test_pull_without_an_author_says_so_before_fetching(work: Path, dl: Dl, monkeypatch) -> None:
    repo1, repo2 = _two_clones(dl, work, monkeypatch)
    monkeypatch.chdir(repo1)
    dl.ok("commit", "--allow-empty", "-m", "more")
    dl.ok("push")
    monkeypatch.chdir(repo2)
    dl.ok("config", "--global", "--unset", "user.name")
    assert dl.fails("pull").startswith("Could not determine name and/or email.")
    assert "remotes/origin/main" in dl.ok("branch", "-a")
    assert dl.query("select count(*) as n from dolt_log") == "n\n1\n"


def test_checkout_of_a_name_two_remotes_have_is_refused(work: Path, dl: Dl, monkeypatch) -> None:
    repo1, repo2 = _two_clones(dl, work, monkeypatch)
    monkeypatch.chdir(repo1)
    dl.ok("checkout", "-b", "other")
    dl.ok("push", "origin", "other")
    monkeypatch.chdir(repo2)
    dl.ok("remote", "add", "test-remote", "file://../remote")
    dl.ok("fetch", "test-remote")
    dl.ok("fetch")
    assert dl.fails("checkout", "other") == ("fatal: 'other' matched multiple (2) remote tracking branches; "
                                             "name the one to track: dl checkout --track origin/other")
    assert "other" not in dl.ok("branch")
    assert dl.fails("fetch", "poop", "main") == "unknown remote: 'poop'; see dl remote -v"


def test_pull_takes_merges_flags(work: Path, dl: Dl, monkeypatch) -> None:
    repo1, repo2 = _two_clones(dl, work, monkeypatch)
    monkeypatch.chdir(repo1)
    dl.ok("sql", "-q", "create table t (pk int primary key)")
    dl.ok("commit", "-Am", "t")
    dl.ok("push")
    monkeypatch.chdir(repo2)
    out = dl.ok("pull", "--no-ff", "--no-edit")
    assert "\nMerge made: " in out and "Fast-forward" not in out  # a merge commit, as asked
    assert dl.ok("log", "--oneline", "-n", "1").split(" ", 1)[1].startswith("(HEAD -> main) Merge branch 'main' of ")
    monkeypatch.chdir(repo1)
    dl.ok("sql", "-q", "insert into t values (1)")
    dl.ok("commit", "-am", "one row")
    dl.ok("push", "--force")
    monkeypatch.chdir(repo2)
    assert "Squash commit -- not updating HEAD\n" in dl.ok("pull", "--squash")
    assert dl.query("select count(*) as n from t") == "n\n1\n"
    assert "one row" not in dl.ok("log", "--oneline")


def test_clone_checks_out_master_when_there_is_no_main(repo: Path, dl: Dl, work: Path, monkeypatch) -> None:
    dl.ok("remote", "add", "origin", "file://remote")
    for name in ("111", "dev", "master", "zzz"):
        dl.ok("push", "origin", f"main:{name}")
    monkeypatch.chdir(work.parent)
    dl.ok("clone", f"file://{work / 'remote'}", "copy")
    monkeypatch.chdir(work.parent / "copy")
    assert dl.ok("status").startswith("On branch master\nYour branch is up to date with 'origin/master'.")


def test_full_ref_names_of_remote_tracking_branches_are_revisions(pushed_repo: Path, dl: Dl) -> None:
    expected = dl.ok("log", "--oneline", "origin/main")
    assert dl.ok("log", "--oneline", "refs/remotes/origin/main") == expected
    assert dl.ok("log", "--oneline", "remotes/origin/main") == expected
    assert dl.ok("diff", "HEAD", "refs/remotes/origin/main") == ""
    assert dl.ok("merge", "refs/remotes/origin/main") == "Everything up-to-date\n"


def test_branch_r_lists_and_deletes_remote_tracking_branches(pushed_repo: Path, dl: Dl) -> None:
    dl.ok("push", "origin", "main:branch-one")
    assert dl.ok("branch", "-r") == "  remotes/origin/branch-one\n  remotes/origin/main\n"  # Dolt's shape
    dl.ok("branch", "-r", "-d", "origin/main")
    assert dl.ok("branch", "-a") == "* main\n  remotes/origin/branch-one\n"
    assert dl.fails("branch", "-r", "-d", "origin/nope") == \
        "remote-tracking branch not found: origin/nope; dl branch -r lists them"
    dl.ok("fetch")
    assert "remotes/origin/main" in dl.ok("branch", "-r")


def test_push_with_no_remote_at_all(repo: Path, dl: Dl) -> None:
    assert dl.fails("push") == ("fatal: No configured push destination. Either give the remote, or add "
                                "one with dl remote add <name> <url> and push with dl push <name>.")


def test_fetch_and_pull_of_a_branch_the_remote_lacks(pushed_repo: Path, dl: Dl) -> None:
    assert dl.fails("fetch", "origin", "dadasdfasdfa") == \
        "invalid ref spec: 'dadasdfasdfa': remote origin has no such branch (it has main)"
    assert dl.fails("pull", "origin", "doesnotexist") == \
        'branch "doesnotexist" not found on remote origin (it has main)'


def test_a_plain_path_remote_is_not_made_at_add(repo: Path, dl: Dl, work: Path) -> None:
    dl.ok("remote", "add", "myremote", "some/fake")
    assert not (work / "some").exists()
    assert dl.fails("fetch", "myremote").startswith("remote directory not found")


def test_checkout_b_from_a_remote_tracking_branch_tracks_it(work: Path, dl: Dl, monkeypatch) -> None:
    repo1, repo2 = _two_clones(dl, work, monkeypatch)
    monkeypatch.chdir(repo1)
    dl.ok("checkout", "-b", "feature")
    dl.ok("push", "--set-upstream", "origin", "feature")
    monkeypatch.chdir(repo2)
    dl.ok("fetch")
    assert dl.ok("checkout", "-b", "newbranch", "--track", "origin/feature") == (
        "Switched to branch 'newbranch'\nbranch 'newbranch' set up to track 'origin/feature'.\n")
    assert dl.ok("pull") == "Everything up-to-date\n"
    dl.ok("checkout", "main")
    dl.ok("branch", "-D", "newbranch")
    assert dl.ok("checkout", "-b", "newbranch", "origin/feature").endswith(
        "branch 'newbranch' set up to track 'origin/feature'.\n")  # git's autoSetupMerge default
    assert dl.ok("checkout", "-b", "plain", "main") == "Switched to branch 'plain'\n"
    assert dl.fails("checkout", "-b", "x", "--track", "origin/nope").startswith(
        "remote-tracking branch not found: origin/nope")


def test_pull_in_a_repository_without_remotes(repo: Path, dl: Dl) -> None:
    assert dl.fails("pull") == "no remote: this repository has none (dl remote add NAME URL adds one)"


def test_remote_names_dolt_refuses(repo: Path, dl: Dl, work: Path) -> None:
    assert dl.fails("remote", "add", "remote with space", "file://r") == \
        "remote name invalid: 'remote with space' (it may not contain ' ')"
    assert dl.fails("remote", "add", "remote/slash", "file://r") == \
        "remote name invalid: 'remote/slash' (it may not contain '/')"
    assert dl.fails("remote", "add", "remote@special", "file://r").startswith("remote name invalid:")
    assert not (work / "r").exists() and dl.ok("remote") == ""


def test_fetch_prune_with_a_refspec_is_refused(pushed_repo: Path, dl: Dl) -> None:
    assert dl.fails("fetch", "--prune", "origin", "main:refs/remotes/origin/other") == \
        "--prune option cannot be provided with a ref spec"
