"""Fixtures of the API tests: a private DL_HOME, and a repository made with `dl.init`."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_helpers import PEOPLE

import dl


@pytest.fixture(autouse=True)
def api_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private DL_HOME with user.name and user.email, as a user's ~/.dl would have."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "config_global.json").write_text(
        json.dumps({"user.name": "Tess Ter", "user.email": "tess@example.com"}))
    monkeypatch.setenv("DL_HOME", str(home))
    return home


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[dl.Repo]:
    """A fresh repository in tmp_path/data, closed after the test."""
    directory = tmp_path / "data"
    directory.mkdir()
    with dl.init(directory) as opened:
        yield opened


@pytest.fixture
def people(repo: dl.Repo) -> dl.Repo:
    """`repo` whose HEAD holds PEOPLE keyed by id."""
    repo.write("people", PEOPLE, pk="id")
    repo.add("people")
    repo.commit("import people")
    return repo
