"""Killed pushes and fetches, and concurrent pushers: both sides end in the state before or
after, the remote stays readable (a fresh clone passes `dl fsck`), and a retry completes.

Kills are fault injections (`DL_FAULT=remote-put=N`: before the N-th object a push writes to
the remote; `chunk=N` / `commit-before=1` / `commit-after=1` inside the local transaction)
in a forked `dl`, plus SIGKILLs of a real `dl push` at several moments.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import crash_harness as harness
import pytest
from rel_cli import home_config

ROWS = 3000


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    harness.warm()


def remote_refs(remote: Path) -> dict[str, str]:
    return dict(json.loads((remote / "manifest.json").read_text())["refs"])


def _setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Repository a with ROWS rows pushed to a bare remote, one more commit unpushed."""
    home = home_config(tmp_path / "home")
    a, remote = tmp_path / "a", tmp_path / "remote"
    a.mkdir()
    csv = harness.write_csv(tmp_path / "p.csv", harness.people_rows(ROWS, 1), "id,age,name")
    for argv in (["init"], ["table", "import", "-c", "--pk", "id", "people", str(csv)],
                 ["commit", "-Am", "base"], ["remote", "add", "origin", f"file://{remote}"],
                 ["push", "-u", "origin", "main"],
                 ["sql", "-q", "update people set age = -1 where id = 7"], ["commit", "-am", "one"]):
        assert harness.run_forked(a, home, argv).code == 0, argv
    return home, a, remote


def _fresh_clone_is_sound(tmp_path: Path, home: Path, remote: Path, name: str) -> str:
    """Clones the remote into a new directory, runs fsck there; returns the clone's HEAD."""
    out = harness.run_forked(tmp_path, home, ["clone", f"file://{remote}", name])
    assert out.code == 0, out.err
    assert harness.run_forked(tmp_path / name, home, ["fsck"]).code == 0
    return harness.run_forked(tmp_path / name, home, ["sql", "-q", "select dolt_hashof('HEAD')",
                                                      "-r", "csv"]).out.splitlines()[1]


def _head(home: Path, directory: Path, rev: str) -> str:
    out = harness.run_forked(directory, home, ["sql", "-q", f"select dolt_hashof('{rev}')", "-r", "csv"])
    return out.out.splitlines()[1]


@pytest.mark.parametrize("fault", ["remote-put=1", "remote-put=2", "remote-put=3",
                                   "commit-before=1", "commit-after=1"])
def test_killed_push_leaves_before_or_after(tmp_path: Path, fault: str) -> None:
    home, a, remote = _setup(tmp_path)
    old, new = _head(home, a, "origin/main"), _head(home, a, "HEAD")
    killed = harness.run_forked(a, home, ["push", "origin", "main"], fault=fault)
    assert killed.aborted, (killed.code, killed.err)
    on_remote = remote_refs(remote)["refs/heads/main"]
    assert on_remote == (old if fault.startswith("remote-put") else new)
    assert _fresh_clone_is_sound(tmp_path, home, remote, "probe") == on_remote
    assert _head(home, a, "origin/main") in (old, new)
    assert harness.run_forked(a, home, ["push", "origin", "main"]).code == 0
    assert remote_refs(remote)["refs/heads/main"] == new == _head(home, a, "origin/main")
    assert _fresh_clone_is_sound(tmp_path, home, remote, "after") == new


@pytest.mark.parametrize("fault", ["chunk=1", "chunk=5", "commit-before=1", "commit-after=1"])
def test_killed_fetch_leaves_before_or_after(tmp_path: Path, fault: str) -> None:
    home, a, remote = _setup(tmp_path)
    assert _fresh_clone_is_sound(tmp_path, home, remote, "b")
    b = tmp_path / "b"
    assert harness.run_forked(a, home, ["push", "origin", "main"]).code == 0
    old, new = _head(home, b, "origin/main"), _head(home, a, "HEAD")
    before = harness.snapshot(b)
    killed = harness.run_forked(b, home, ["fetch", "origin"], fault=fault)
    assert killed.aborted, (killed.code, killed.err)
    assert harness.run_forked(b, home, ["fsck"]).code == 0
    state = _head(home, b, "origin/main")
    assert state == (new if fault == "commit-after=1" else old)
    assert harness.snapshot(b) == before  # branches, working sets, tables: untouched by a fetch
    assert harness.run_forked(b, home, ["pull"]).code == 0
    assert _head(home, b, "HEAD") == new


def test_sigkilled_push_leaves_before_or_after(tmp_path: Path) -> None:
    home, a, remote = _setup(tmp_path)
    old, new = _head(home, a, "origin/main"), _head(home, a, "HEAD")
    for delay in (0.3, 0.6, 0.9, 1.2):
        harness.kill_after(a, home, ["push", "origin", "main"], delay)
        assert remote_refs(remote)["refs/heads/main"] in (old, new)
    assert _fresh_clone_is_sound(tmp_path, home, remote, "probe") in (old, new)
    assert harness.run_forked(a, home, ["push", "origin", "main"]).code == 0
    assert remote_refs(remote)["refs/heads/main"] == new


def test_two_clones_pushing_at_once_one_wins(tmp_path: Path) -> None:
    home, a, remote = _setup(tmp_path)
    harness.run_forked(a, home, ["push", "origin", "main"])
    for name in ("x", "y"):
        assert harness.run_forked(tmp_path, home, ["clone", f"file://{remote}", name]).code == 0
    for round_ in range(4):
        for name in ("x", "y"):
            d = tmp_path / name
            assert harness.run_forked(d, home, ["pull"]).code == 0
            person = 10 if name == "x" else 20
            update = f"update people set age = {round_} where id = {person}"
            assert harness.run_forked(d, home, ["sql", "-q", update]).code == 0
            assert harness.run_forked(d, home, ["commit", "-am", f"{name} {round_}"]).code == 0
        procs = {name: subprocess.Popen([*harness.dl_command(), "push", "origin", "main"],
                                        cwd=tmp_path / name, env=harness.dl_env(home),
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for name in ("x", "y")}
        done = {name: (p.wait(timeout=120), p.stderr.read() if p.stderr else "") for name, p in procs.items()}
        winners = [n for n, (code, _) in done.items() if code == 0]
        losers = [n for n, (code, _) in done.items() if code != 0]
        assert len(winners) == 1 and len(losers) == 1, done
        code, err = done[losers[0]]
        assert code == 1 and "[rejected] main -> main (fetch first)" in err, err
        assert remote_refs(remote)["refs/heads/main"] == _head(home, tmp_path / winners[0], "HEAD")
    assert _fresh_clone_is_sound(tmp_path, home, remote, "final")
    checked = harness.run_forked(tmp_path / "x", home, ["fsck", "--remote", "origin"])
    assert checked.code == 0 and checked.out.endswith(": 0 problem(s)\n"), checked


@pytest.mark.parametrize("fault", ["chunk=3", "commit-before=1", "commit-after=2"])
def test_killed_clone_leaves_no_repository_and_can_be_redone(tmp_path: Path, fault: str) -> None:
    home, a, remote = _setup(tmp_path)
    killed = harness.run_forked(tmp_path, home, ["clone", f"file://{remote}", "b"], fault=fault)
    assert killed.aborted, (killed.code, killed.err)
    assert not (tmp_path / "b" / ".dl").exists()
    assert harness.run_forked(tmp_path / "b", home, ["status"]).code == 1  # not a repository
    assert _fresh_clone_is_sound(tmp_path, home, remote, "b") == remote_refs(remote)["refs/heads/main"]
