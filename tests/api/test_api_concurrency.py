"""What dl.Repo's docstring states about concurrency, tested as stated: a Repo belongs to the
thread that opened it; separate Repos in threads, and separate processes, may commit to one
repository at once and no commit is lost."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pyarrow as pa

import dl

COMMITS = 8


def test_a_repo_refuses_other_threads(people: dl.Repo) -> None:
    caught: list[BaseException] = []

    def use() -> None:
        try:
            people.tables()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            caught.append(exc)

    worker = threading.Thread(target=use)
    worker.start()
    worker.join()
    assert len(caught) == 1 and isinstance(caught[0], dl.Error)
    assert "one Repo per thread" in str(caught[0])
    assert people.tables() == ["people"]  # still fine in its own thread


def _lost_race(exc: dl.Error) -> bool:
    """A compare-and-swap lost even after the retries: the stated outcome is this error, with
    nothing written, so the caller may try again."""
    return isinstance(exc, dl.ConcurrentUpdate) or isinstance(getattr(exc, "cause", None), dl.ConcurrentUpdate)


def commit_rows(repo: dl.Repo, table: str, commits: int) -> None:
    """Inserts a row and commits it, `commits` times, retrying a step whose race was lost."""
    for i in range(commits):
        for step in (lambda i=i: repo.sql(f"insert into {table} values ({i})"),
                     lambda: repo.add(table),
                     # the branch has one staging area (as git's index): another writer's commit
                     # may take this staged row along, leaving this commit empty but nothing lost
                     lambda i=i: repo.commit(f"{table} {i}", allow_empty=True)):
            for _ in range(50):
                try:
                    step()
                    break
                except dl.Error as exc:
                    if not _lost_race(exc):
                        raise


def _commit_rows(path: Path, table: str, errors: list[BaseException]) -> None:
    try:
        with dl.open(path) as repo:
            commit_rows(repo, table, COMMITS)
    except BaseException as exc:  # noqa: BLE001
        errors.append(exc)


def _two_tables(repo: dl.Repo) -> Path:
    for name in ("a", "b"):
        repo.write(name, pa.table({"k": pa.array([], pa.int64())}), pk="k")
    repo.add()
    repo.commit("tables")
    assert repo.path is not None
    return repo.path


def test_two_threads_with_their_own_repos_commit_without_loss(repo: dl.Repo) -> None:
    path = _two_tables(repo)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_commit_rows, args=(path, t, errors)) for t in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert repo.log().num_rows == 2 + 2 * COMMITS
    assert repo.table("a", rev="HEAD").num_rows == COMMITS == repo.table("b", rev="HEAD").num_rows


WRITER = """
import sys, dl
sys.path.insert(0, sys.argv[4])
from test_api_concurrency import commit_rows
with dl.open(sys.argv[1]) as repo:
    commit_rows(repo, sys.argv[2], int(sys.argv[3]))
"""


def test_two_processes_commit_without_loss(repo: dl.Repo, tmp_path: Path) -> None:
    path = _two_tables(repo)
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    writers = [subprocess.Popen([sys.executable, str(script), str(path), t, str(COMMITS),
                                 str(Path(__file__).parent)],
                                stderr=subprocess.PIPE, text=True) for t in ("a", "b")]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    assert repo.log().num_rows == 2 + 2 * COMMITS
    assert repo.table("a", rev="HEAD").num_rows == COMMITS == repo.table("b", rev="HEAD").num_rows
