"""`dl --version` / `dl version` (Dolt's `dolt version`), and `dl init` needing an author as
`commit` does (Dolt's init refuses without user.name and user.email)."""
from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from cli_helpers import Dl


@pytest.mark.parametrize("args", [("--version",), ("version",)], ids=" ".join)
def test_version_from_the_installed_distribution(dl: Dl, args: tuple[str, ...]) -> None:
    assert dl.ok(*args) == f"dl version {version('dl')}\n"


def test_version_through_the_entry_point(work: Path, cli_env: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "dl", "--version"], cwd=work, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0 and result.stdout.strip() == f"dl version {version('dl')}"


@pytest.fixture
def nobody(cli_env: Path) -> Path:
    """A DL_HOME with no user.name or user.email."""
    (cli_env / "config_global.json").write_text(json.dumps({}))
    return cli_env


def test_init_without_a_name_is_refused_like_commit(work: Path, dl: Dl, nobody: Path) -> None:
    message = dl.fails("init")
    assert message == 'Author identity unknown: user.name is not set; run: dl config --global --add user.name "Your Name"'
    assert not (work / ".dl").exists()  # nothing half-made


def test_init_without_an_email_names_the_email(work: Path, dl: Dl, nobody: Path) -> None:
    (nobody / "config_global.json").write_text(json.dumps({"user.name": "Ada"}))
    assert "user.email is not set" in dl.fails("init")
    assert not (work / ".dl").exists()


def test_init_with_name_and_email_flags_needs_no_config(work: Path, dl: Dl, nobody: Path) -> None:
    dl.ok("init", "--name", "Ada", "--email", "ada@example.com")
    log = dl.ok("log")
    assert "Author: Ada <ada@example.com>" in log
    assert "dl@localhost" not in log
