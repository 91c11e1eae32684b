"""The CLI over an S3 remote (moto's server on 127.0.0.1, endpoint and credentials from the
environment as a user sets them): push, clone, pull; two clones pushing at once, as real
processes: one wins, the other is rejected, and a fresh clone passes fsck."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cli_helpers import Dl


def _dl(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    return subprocess.Popen([sys.executable, "-m", "dl", *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_s3_push_clone_pull_and_racing_pushers(people: Path, dl: Dl, s3_env, work: Path,
                                               monkeypatch) -> None:
    url = f"s3://{s3_env.bucket()}/team/people"
    dl.ok("remote", "add", "origin", url)
    assert dl.ok("push", "-u", "origin", "main").startswith(f"To {url}\n * [new branch]")
    monkeypatch.chdir(work.parent)
    for name in ("x", "y"):
        dl.ok("clone", url, name)
    for name, person in (("x", 1), ("y", 2)):
        monkeypatch.chdir(work.parent / name)
        dl.ok("sql", "-q", f"update people set age = 0 where id = {person}")
        dl.ok("commit", "-am", f"{name} edits")
    racers = {n: _dl("push", "origin", "main", cwd=work.parent / n) for n in ("x", "y")}
    done = {n: (p.wait(timeout=120), p.communicate()[1]) for n, p in racers.items()}
    codes = sorted(code for code, _ in done.values())
    assert codes == [0, 1], done
    loser = next(n for n, (code, _) in done.items() if code == 1)
    assert "[rejected] main -> main (fetch first)" in done[loser][1]
    monkeypatch.chdir(work.parent / loser)
    dl.ok("pull")
    dl.ok("push")
    monkeypatch.chdir(work)
    assert "Fast-forward" in dl.ok("pull")
    assert dl.query("select count(*) as n from people where age = 0") == "n\n2\n"
    monkeypatch.chdir(work.parent)
    dl.ok("clone", url, "fresh")
    monkeypatch.chdir(work.parent / "fresh")
    dl.ok("fsck")
    assert dl.ok("fsck", "--remote", "origin").endswith(": 0 problem(s)\n")
    assert dl.query("select count(*) as n from people where age = 0") == "n\n2\n"


def test_s3_without_boto3_says_what_to_install(repo: Path, dl: Dl, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # as if the s3 extra were not installed
    dl.ok("remote", "add", "origin", "s3://bucket/x")
    assert dl.fails("push", "origin", "main") == \
        "s3:// remotes need boto3: pip install 'dl[s3]' (or pip install boto3)"
