"""Remotes from SQL: dolt_remotes, dolt_remote_branches, AS OF 'origin/main', and the
procedures dolt_remote, dolt_push, dolt_fetch, dolt_pull, dolt_clone, dolt_checkout of a
branch only the remote has."""
from __future__ import annotations

from pathlib import Path

import pytest
from dl.core.repo import Author, Repository
from dl.sql.errors import SqlError
from dl.sql.session import Session

ME = Author("Ada", "ada@example.com")


def rows(session: Session, sql: str) -> list[dict[str, object]]:
    return session.query(sql).to_pylist()  # type: ignore[no-any-return]


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Session, Session, Path]:
    a_dir = tmp_path / "a"
    a_dir.mkdir()
    a = Session(Repository.init(a_dir), author=ME)
    a.run("create table t (id int primary key, v text)")
    a.run("insert into t values (1, 'one'), (2, 'two')")
    a.run("call dolt_commit('-Am', 'two rows')")
    remote = tmp_path / "remote"
    a.run(f"call dolt_remote('add', 'origin', 'file://{remote}')")
    a.run("call dolt_push('--set-upstream', 'origin', 'main')")
    a.run("call dolt_clone('file://" + str(remote) + "', 'b')")
    b = Session(Repository.open(tmp_path / "b"), author=ME)
    return a, b, remote


def test_tables_and_procedures(pair: tuple[Session, Session, Path]) -> None:
    a, b, remote = pair
    assert rows(a, "select name, url, params from dolt_remotes") == \
        [{"name": "origin", "url": f"file://{remote}", "params": "{}"}]
    assert [r["name"] for r in rows(b, "select name from dolt_remote_branches")] == ["remotes/origin/main"]
    assert rows(b, "select remote, branch from dolt_branches") == [{"remote": "origin", "branch": "main"}]
    a.run("update t set v = 'uno' where id = 1")
    a.run("call dolt_commit('-am', 'uno')")
    assert rows(a, "call dolt_push('origin', 'main')")[0]["status"] == 0
    b.run("call dolt_fetch('origin')")
    assert rows(b, "select v from t as of 'origin/main' where id = 1") == [{"v": "uno"}]
    assert rows(b, "select v from t where id = 1") == [{"v": "one"}]
    assert rows(b, "call dolt_pull('origin')") == [{"fast_forward": 1, "conflicts": 0, "message": "fast-forward"}]
    assert rows(b, "select v from t where id = 1") == [{"v": "uno"}]
    with pytest.raises(SqlError, match="^failed to push some refs .*non-fast-forward|fetch first"):
        a.run("call dolt_reset('--hard', 'HEAD~1')")
        a.run("call dolt_push('origin', 'main')")
    with pytest.raises(SqlError, match="dolt_remote: use"):
        a.run("call dolt_remote('rename', 'origin')")


def test_checkout_of_a_branch_only_the_remote_has(pair: tuple[Session, Session, Path]) -> None:
    a, b, _ = pair
    a.run("call dolt_checkout('-b', 'feature')")
    a.run("insert into t values (3, 'three')")
    a.run("call dolt_commit('-am', 'three')")
    a.run("call dolt_push('origin', 'feature')")
    b.run("call dolt_fetch()")
    assert rows(b, "call dolt_checkout('feature')") == [{"status": 0, "message": "Switched to branch 'feature'"}]
    assert rows(b, "select active_branch() as b") == [{"b": "feature"}]


def test_push_message_and_flags_are_the_commands(pair: tuple[Session, Session, Path]) -> None:
    """dolt_push's message holds `dl push`'s lines (Dolt's), and takes --all; dolt_pull takes
    merge's flags; dolt_fetch a SRC:DST refspec."""
    a, b, remote = pair
    assert rows(a, "call dolt_push('origin', 'main')") == [{"status": 0, "message": "Everything up-to-date"}]
    a.run("call dolt_branch('b1')")
    a.run("call dolt_branch('b2')")
    assert rows(a, "call dolt_push('--all', 'origin')") == [{"status": 0, "message": (
        f"To file://{remote}\n * [new branch]          b1 -> b1\n * [new branch]          b2 -> b2")}]
    a.run("insert into t values (3, 'three')")
    a.run("call dolt_commit('-am', 'three')")
    a.run("call dolt_push('origin', 'main')")
    b.run("call dolt_fetch('origin', 'refs/heads/b1:refs/remotes/elsewhere/b1')")
    assert [r["name"] for r in rows(b, "select name from dolt_remote_branches")] == \
        ["remotes/elsewhere/b1", "remotes/origin/main"]
    assert rows(b, "call dolt_pull('--no-ff', 'origin')") == \
        [{"fast_forward": 0, "conflicts": 0, "message": "merge successful"}]
    assert [r["name"] for r in rows(b, "select name from dolt_remote_branches")] == \
        ["remotes/elsewhere/b1", "remotes/origin/b1", "remotes/origin/b2", "remotes/origin/main"]


def test_checkout_track_sets_the_upstream(pair: tuple[Session, Session, Path]) -> None:
    a, b, _ = pair
    a.run("call dolt_branch('feature')")
    a.run("call dolt_push('origin', 'feature')")
    b.run("call dolt_fetch()")
    assert rows(b, "call dolt_checkout('--track', 'origin/feature')") == \
        [{"status": 0, "message": "Switched to branch 'feature'"}]
    b.run("call dolt_checkout('-b', 'newbranch', '--track', 'origin/feature')")
    b.run("call dolt_checkout('-b', 'newbranch2', 'origin/feature')")
    tracked = {r["name"]: (r["remote"], r["branch"]) for r in
               rows(b, "select name, remote, branch from dolt_branches")}
    assert tracked["feature"] == tracked["newbranch"] == tracked["newbranch2"] == ("origin", "feature")
    with pytest.raises(SqlError, match="no value for option `track'"):
        b.run("call dolt_checkout('--track')")
    with pytest.raises(SqlError, match="^invalid ref spec: 'newbranch'"):
        b.run("call dolt_checkout('--track', 'newbranch')")


def test_clone_argument_errors_are_dolts(pair: tuple[Session, Session, Path]) -> None:
    a, _, remote = pair
    with pytest.raises(SqlError, match="^invalid number of arguments"):
        a.run("call dolt_clone()")
    with pytest.raises(SqlError, match="^clone has too many positional arguments."):
        a.run(f"call dolt_clone('file://{remote}', 'foo', 'bar')")
