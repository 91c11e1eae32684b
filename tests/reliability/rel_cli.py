"""Running `dl` in-process for the reliability tests: exit code, stdout, stderr."""
from __future__ import annotations

import json
from pathlib import Path

from tests.cli.cli_helpers import Dl
from tests.cli.cli_helpers import assert_one_error_line as assert_clean_error

__all__ = ["Cli", "assert_clean_error", "home_config"]


class Cli(Dl):
    """`cli("fsck")` runs `dl fsck` in the current directory and returns its `Result`; `fails`
    returns the whole `error: ...` line."""

    def fails(self, *args: str | Path, code: int = 1) -> str:
        """Asserts a clean failure: exit `code`, one `error: ` line, no traceback; returns it."""
        return "error: " + super().fails(*args, code=code)


def home_config(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config_global.json").write_text(
        json.dumps({"user.name": "Rel Iable", "user.email": "rel@example.com"}))
    return home
