"""Remotes as Dolt's own remote tests (remotes*.bats, remote-cmd.bats over `file://`) use them:
relative `file://` URLs, the directory made at `remote add`, Dolt's messages and shapes. Each
test here stands for a cause those bats tests found; CI does not run bats."""
from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import Dl


def test_relative_file_urls_are_read_as_dolt_reads_them(repo: Path, dl: Dl, work: Path,
                                                         monkeypatch) -> None:
    # `file://remote/` is the directory `remote` here, not a host: kept absolute, made if missing
    dl.ok("remote", "add", "origin", "file://remote/")
    assert dl.ok("remote", "-v") == f"origin file://{work / 'remote'}\n"
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
    assert dl.ok("remote", "-v") == "origin s3://bucket/org/db region=us-west\n"


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
    message = "remote 'poop' not found; please make sure the remote exists (dl remote -v lists them)"
    assert dl.fails("push", "poop", "main") == message
    assert dl.fails("pull", "poop") == message
    assert dl.fails("fetch", "poop") == message
    assert dl.fails("remote", "remove", "poop") == "unknown remote: 'poop'; see dl remote -v"
