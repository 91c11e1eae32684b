"""Running `dl` as a user would, for the CLI tests: in-process (`Dl`) or as a real process.

Most tests call `dl.app.main([...])` in-process (errors are mapped to messages and exit codes
there, so this is the real command line minus process start-up) and read stdout and stderr
with capsys; `run_dl` starts the installed `dl` in a subprocess for what only a real process
shows (start-up, the working directory, `--help` through the entry point).

Fixtures (conftest.py) give every test its own `DL_HOME`, so the user's global config is never
read or written, a pinned terminal width, and no colour.
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from dl.app import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
BAD = FIXTURES / "bad"
GOLDEN = Path(__file__).resolve().parent / "golden"


@dataclass(frozen=True)
class Result:
    """What one `dl` run left behind: exit code, stdout, stderr."""

    code: int
    out: str
    err: str


class Dl:
    """Calls `dl ARGS...` in-process; `ok` and `fails` also check the outcome."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *args: str | Path) -> Result:
        self.capsys.readouterr()  # drop anything printed before this run
        with pytest.raises(SystemExit) as done:
            main([str(a) for a in args])
        captured = self.capsys.readouterr()
        code = done.value.code
        return Result(0 if code is None else int(code), captured.out, captured.err)

    def ok(self, *args: str | Path) -> str:
        """Runs `dl ARGS`, asserts it succeeded, returns its stdout."""
        result = self(*args)
        assert result.code == 0, f"dl {' '.join(map(str, args))} failed: {result.err}"
        return result.out

    def fails(self, *args: str | Path, code: int = 1) -> str:
        """Runs `dl ARGS`, asserts it failed with `code` and one clean line on stderr; returns
        that line without its `error: ` prefix."""
        result = self(*args)
        assert result.code == code, (result.code, result.out, result.err)
        assert_one_error_line(result.err)
        return result.err.strip()[len("error: "):]

    def table_hash(self, table: str) -> str:
        """The working table's content hash, from `dl sql` as a user would ask for it."""
        out = self.ok("sql", "-q", f"select dolt_hashof_table('{table}') as h", "-r", "csv")
        return out.splitlines()[1]

    def query(self, sql: str) -> str:
        """`dl sql -q SQL -r csv`: the result as CSV text."""
        return self.ok("sql", "-q", sql, "-r", "csv")

    def tables(self, revision: str = "WORKING") -> list[str]:
        out = self.ok("table", "ls", revision)
        return [line.strip() for line in out.splitlines()[1:]]


def assert_one_error_line(err: str) -> None:
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert "internal error" not in lines[0], err


def run_dl(*args: str | Path, cwd: Path, home: Path,
           stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `dl` in a subprocess (falls back to `python -m dl` if not on PATH)."""
    env = {**os.environ, "DL_HOME": str(home), "COLUMNS": "120", "NO_COLOR": "1", "TZ": "UTC"}
    env.pop("DL_DEBUG", None)
    command = ["dl"] if _has_entry_point() else [sys.executable, "-m", "dl"]
    return subprocess.run([*command, *map(str, args)], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=60, check=False)


def _has_entry_point() -> bool:
    from shutil import which
    return which("dl") is not None
