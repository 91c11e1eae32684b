"""Fixtures of the reliability tests: a private DL_HOME, a repository directory, `cli`."""
from __future__ import annotations

from pathlib import Path

import pytest
from rel_cli import Cli, home_config


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """`dl` in-process, in an empty directory `tmp_path/repo` (made current)."""
    monkeypatch.setenv("DL_HOME", str(home_config(tmp_path / "home")))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("DL_DEBUG", raising=False)
    monkeypatch.delenv("DL_FAULT", raising=False)
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)
    return Cli(capsys)
