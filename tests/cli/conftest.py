"""Fixtures of the CLI tests: a private DL_HOME, a working directory, a repository in it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import FIXTURES, Dl


@pytest.fixture(autouse=True)
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private DL_HOME (with user.name and user.email), pinned width, no colour, no debug."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "config_global.json").write_text(
        json.dumps({"user.name": "Tess Ter", "user.email": "tess@example.com"}))
    monkeypatch.setenv("DL_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("DL_DEBUG", raising=False)
    for editor in ("DL_EDITOR", "VISUAL", "EDITOR"):  # `commit` without -m would open the user's
        monkeypatch.delenv(editor, raising=False)
    return home


@pytest.fixture
def dl(capsys: pytest.CaptureFixture[str]) -> Dl:
    return Dl(capsys)


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory (no repository), made the current directory."""
    directory = tmp_path / "work"
    directory.mkdir()
    monkeypatch.chdir(directory)
    return directory


@pytest.fixture
def repo(work: Path, dl: Dl) -> Path:
    """`dl init` in the working directory."""
    dl.ok("init")
    return work


@pytest.fixture
def people(repo: Path, dl: Dl) -> Path:
    """A repository whose HEAD holds the 20 people of fixtures/people.csv, keyed by id."""
    dl.ok("table", "import", "-c", "--pk", "id", "people", FIXTURES / "people.csv")
    dl.ok("commit", "-Am", "import people")
    return repo
