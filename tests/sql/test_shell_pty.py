"""The interactive `dl sql` shell on a real pseudo-terminal, as a user meets it: the prompt shows
the branch, statements span lines until `;`, errors do not end the shell, history survives the
session (a multi-line statement as one entry), rich tables on the terminal, Ctrl-D and `exit`."""
from __future__ import annotations

import json
import os
import re
import select
import sys
import time
from pathlib import Path

import pytest
from dl.core.repo import Author, Repository

pty = pytest.importorskip("pty")  # POSIX only

ROOT = Path(__file__).resolve().parents[2]
STYLE = re.compile(r"\x1b\[[0-9;]*m")


class Terminal:
    """`dl sql` running on a pseudo-terminal, read until an expected text appears."""

    def __init__(self, cwd: Path, home: Path) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become `dl sql` in the repository
            os.chdir(cwd)
            env = dict(os.environ, DL_HOME=str(home), COLUMNS="100", TERM="xterm", PYTHONPATH=str(ROOT))
            env.pop("NO_COLOR", None)
            os.execve(sys.executable, [sys.executable, "-m", "dl", "sql"], env)
        self.seen = ""

    def expect(self, text: str, timeout: float = 30.0) -> str:
        """Output up to and including `text` (consumed), failing after `timeout` seconds."""
        end = time.monotonic() + timeout
        while text not in self.seen:
            ready, _, _ = select.select([self.fd], [], [], max(0.0, end - time.monotonic()))
            if not ready:
                raise AssertionError(f"timed out waiting for {text!r}; got {self.seen!r}")
            try:
                chunk = os.read(self.fd, 4096).decode(errors="replace")
            except OSError:  # the child closed the terminal
                chunk = ""
            if not chunk:
                raise AssertionError(f"shell ended before {text!r}; got {self.seen!r}")
            self.seen = STYLE.sub("", self.seen + chunk)
        before, _, self.seen = self.seen.partition(text)
        return before + text

    def send(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")

    def finish(self) -> int:
        """Waits for the shell to exit; its exit code."""
        for _ in range(300):
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            try:
                os.read(self.fd, 4096)
            except OSError:
                pass
            time.sleep(0.05)
        os.kill(self.pid, 9)
        raise AssertionError("the shell did not exit")


@pytest.fixture
def place(tmp_path: Path) -> tuple[Path, Path]:
    repo_dir, home = tmp_path / "repo", tmp_path / "home"
    repo_dir.mkdir()
    home.mkdir()
    (home / "config_global.json").write_text(json.dumps({"user.name": "T", "user.email": "t@x"}))
    Repository.init(repo_dir, author=Author("T", "t@x")).close()
    return repo_dir, home


def test_interactive_shell_on_a_terminal(place: tuple[Path, Path]) -> None:
    repo_dir, home = place
    shell = Terminal(repo_dir, home)
    shell.expect("main> ")
    shell.send("create table t (id int primary key, name text);")
    shell.expect("main> ")
    shell.send("insert into t")  # a statement over three lines
    shell.expect("-> ")
    shell.send("values (1, 'one'),")
    shell.expect("-> ")
    shell.send("(2, 'two');")
    assert "Query OK, 2 rows affected" in shell.expect("main> ")
    shell.send("select nosuch from t;")
    assert "error:" in shell.expect("main> ")  # and the shell goes on
    shell.send("select id, name from t order by id;")
    table = shell.expect("main> ")
    assert "| 2  | two  |" in table and "2 rows in set" in table  # the one box style, and a count
    shell.send("call dolt_checkout('-b', 'feature');")
    shell.expect("feature> ")  # the prompt follows the branch
    shell.send("begin;")
    shell.expect("feature*> ")
    os.write(shell.fd, b"\x04")  # Ctrl-D: leaves, rolling back the open transaction
    assert shell.finish() == 0
    history = (home / "sql_history").read_text().splitlines()
    assert "insert into t values (1, 'one'), (2, 'two');" in history
    assert "select nosuch from t;" in history

    again = Terminal(repo_dir, home)
    again.expect("main> ")  # as in Dolt, dolt_checkout switched the session's branch, not HEAD
    os.write(again.fd, b"\x1b[A")  # up arrow: the last statement of the previous session
    again.expect("begin;")
    os.write(again.fd, b"\x15")  # Ctrl-U clears the line
    again.send("exit")
    assert again.finish() == 0
