"""`dl.clone`: the API's clone stands on the same core function as `dl clone`."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

import dl


def _origin(tmp_path: Path) -> Path:
    with dl.init(tmp_path / "origin", name="Ada", email="ada@example.com") as repo:
        repo.write("people", pa.table({"id": [1, 2, 3], "name": ["a", "b", "c"]}), pk="id")
        repo.commit("people", all=True, include_new=True)
        repo.branch("feature")
    return tmp_path / "origin"


def test_clone_opens_a_full_repository_with_remote_tracking_branches(tmp_path: Path) -> None:
    origin = _origin(tmp_path)
    with dl.clone(str(origin), tmp_path / "copy") as copy:
        assert copy.path == (tmp_path / "copy").resolve()
        assert copy.table("people").sort_by("id")["name"].to_pylist() == ["a", "b", "c"]
        assert copy.active_branch() == "main"
        assert copy.log()["message"].to_pylist() == dl.open(origin).log()["message"].to_pylist()
        remote = copy.sql("select name from dolt_remote_branches order by name").arrow()
        assert remote["name"].to_pylist() == ["remotes/origin/feature", "remotes/origin/main"]
        assert copy.table("people", rev="origin/main").num_rows == 3


def test_clone_into_the_urls_last_part_and_of_one_branch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    origin = _origin(tmp_path)
    monkeypatch.chdir(tmp_path / "..")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    with dl.clone(str(origin), branch="feature") as copy:
        assert copy.path == (work / "origin").resolve()
        assert copy.active_branch() == "feature"


def test_clone_errors_are_dl_errors_and_leave_nothing(tmp_path: Path) -> None:
    with pytest.raises(dl.Error):
        dl.clone(str(tmp_path / "no-such-remote"), tmp_path / "copy")
    assert not (tmp_path / "copy").exists()
    with pytest.raises(dl.UsageError):
        dl.clone("", tmp_path / "copy")
    with pytest.raises(dl.Error):
        dl.clone("ftp://example.invalid/x", tmp_path / "copy")
    assert not (tmp_path / "copy").exists()
    origin = _origin(tmp_path)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "file.txt").write_text("mine")
    with pytest.raises(dl.AlreadyExists):
        dl.clone(str(origin), tmp_path / "busy")
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["file.txt"]
