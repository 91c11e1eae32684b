"""Ctrl-C stops a running DuckDB query at once: in the library (KeyboardInterrupt, connection
still usable), in `dl sql -q` (exit 130, one line) and in the shell (back to the prompt), the
last two on a pseudo-terminal where ^C is typed, as a user does."""
from __future__ import annotations

import _thread
import json
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from dl.core.repo import Author, Repository
from dl.sql.interrupt import run_interruptible
from dl.sql.session import Session

pty = pytest.importorskip("pty")
from test_shell_pty import ROOT, Terminal

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SLOW = "select count(*) from big as x cross join big as y where x.a + y.a = 7"  # ~10^10 pairs: minutes


def _slow_duckdb() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create table big as select range as a from range(100000)")
    return con


def test_ctrl_c_interrupts_duckdb_and_leaves_the_connection_usable() -> None:
    con = _slow_duckdb()
    timer = threading.Timer(0.5, _thread.interrupt_main)  # Ctrl-C, as the main thread sees it
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_interruptible(con, lambda: con.sql(SLOW).fetchall())
    assert time.monotonic() - started < 5  # not the minutes the query would take
    assert run_interruptible(con, lambda: con.sql("select 41 + 1").fetchall()) == [(42,)]
    con.close()  # not "busy with another call"


def test_errors_and_values_pass_through() -> None:
    con = duckdb.connect()
    assert run_interruptible(con, lambda: 7) == 7
    with pytest.raises(duckdb.Error):
        run_interruptible(con, lambda: con.sql("select * from nowhere").fetchall())


@pytest.fixture
def big_repo(tmp_path: Path) -> tuple[Path, Path]:
    repo_dir, home = tmp_path / "repo", tmp_path / "home"
    repo_dir.mkdir()
    home.mkdir()
    (home / "config_global.json").write_text(json.dumps({"user.name": "T", "user.email": "t@x"}))
    repo = Repository.init(repo_dir, author=Author("T", "t@x"))
    with Session(repo) as session:
        session.run("create table big (id bigint primary key, a bigint); "
                    "insert into big select range, range from range(100000)")
    repo.close()
    return repo_dir, home


def _spawn(cwd: Path, home: Path, *args: str) -> tuple[int, int]:
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        env = dict(os.environ, DL_HOME=str(home), COLUMNS="100", TERM="xterm", PYTHONPATH=str(ROOT))
        env.pop("NO_COLOR", None)
        os.execve(sys.executable, [sys.executable, "-m", "dl", *args], env)
    return pid, fd


def _read_until_exit(pid: int, fd: int, timeout: float) -> tuple[int | None, str]:
    seen, end = b"", time.monotonic() + timeout
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        try:
            import select
            if select.select([fd], [], [], 0.05)[0]:
                seen += os.read(fd, 4096)
        except OSError:
            pass
        if done:
            return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")
    return None, seen.decode(errors="replace")


def test_ctrl_c_stops_dl_sql_q_with_exit_130(big_repo: tuple[Path, Path]) -> None:
    pid, fd = _spawn(*big_repo, "sql", "-q", SLOW)
    time.sleep(3)  # the query is running
    started = time.monotonic()
    os.write(fd, b"\x03")  # ^C on the terminal: SIGINT to the foreground process
    code, out = _read_until_exit(pid, fd, 20)
    if code is None:
        os.kill(pid, signal.SIGKILL)
        pytest.fail(f"dl sql -q ignored Ctrl-C; output {out!r}")
    assert code == 130, out
    assert time.monotonic() - started < 5
    assert "\x1b[0m" in out  # colour reset on the way out
    text = ESCAPES.sub("", out.replace("^C", ""))
    lines = [line for line in text.splitlines() if line.strip() and "running" not in line]  # the spinner
    assert lines == ["error: interrupted"], out
    assert out.count("\x1b[?25l") == out.count("\x1b[?25h")  # a spinner gave the cursor back
    assert "internal error" not in out
    os.close(fd)


def test_ctrl_c_in_the_shell_returns_to_the_prompt(big_repo: tuple[Path, Path]) -> None:
    repo_dir, home = big_repo
    shell = Terminal(repo_dir, home)
    shell.expect("main> ")
    shell.send(SLOW + ";")
    time.sleep(3)
    started = time.monotonic()
    os.write(shell.fd, b"\x03")
    assert "query interrupted" in shell.expect("main> ", timeout=10)
    assert time.monotonic() - started < 5
    shell.send("select count(*) from big;")  # the session still works
    assert "100000" in shell.expect("main> ")
    shell.send("exit")
    assert shell.finish() == 0
