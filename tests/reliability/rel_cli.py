"""Running `dl` in-process for the reliability tests: exit code, stdout, stderr."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from dl.app import main


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


class Cli:
    """`cli("fsck")` runs `dl fsck` in the current directory and returns a `Ran`."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *args: str | Path) -> Ran:
        self.capsys.readouterr()
        with pytest.raises(SystemExit) as done:
            main([str(a) for a in args])
        captured = self.capsys.readouterr()
        code = done.value.code
        return Ran(0 if code is None else int(code), captured.out, captured.err)

    def ok(self, *args: str | Path) -> str:
        ran = self(*args)
        assert ran.code == 0, f"dl {' '.join(map(str, args))}: {ran.err}"
        return ran.out

    def fails(self, *args: str | Path) -> str:
        """Asserts a clean failure: exit 1, one `error: ` line, no traceback; returns it."""
        ran = self(*args)
        assert ran.code == 1, (ran.code, ran.out, ran.err)
        assert_clean_error(ran.err)
        return ran.err.strip()


def assert_clean_error(err: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and "internal error" not in err, err


def home_config(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config_global.json").write_text(
        json.dumps({"user.name": "Rel Iable", "user.email": "rel@example.com"}))
    return home
