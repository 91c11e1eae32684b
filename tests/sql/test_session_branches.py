"""Sessions as Dolt's: each has its own branch, database and transaction; concurrent
transactions on one branch merge at COMMIT, and no increment is ever lost."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from dl.core.errors import ConcurrentUpdate
from dl.core.repo import Repository
from dl.sql.databases import UnknownDatabase, database_name
from dl.sql.errors import SqlError
from dl.sql.session import Session

from tests.sql.conftest import AUTHOR, rows, value


@pytest.fixture
def seeded(repo: Repository) -> Repository:
    with Session(repo, author=AUTHOR) as s:
        s.run("create table t (id int primary key, v int); insert into t values (1, 0); "
              "call dolt_commit('-Am', 'base'); call dolt_branch('feature')")
    return repo


def test_checkout_switches_only_that_session(seeded: Repository) -> None:
    a, b = Session(seeded, author=AUTHOR), Session(seeded, author=AUTHOR)
    a.run("call dolt_checkout('feature')")
    assert value(a, "select active_branch()") == "feature"
    assert value(b, "select active_branch()") == "main"
    assert seeded.current_branch() == "main"  # HEAD, the CLI's branch, did not move
    a.run("update t set v = 9 where id = 1; call dolt_commit('-am', 'on feature')")
    assert value(b, "select v from t where id = 1") == 0
    assert value(b, "select v from t as of 'feature' where id = 1") == 9
    assert value(a, "select message from dolt_log limit 1") == "on feature"
    assert value(b, "select message from dolt_log limit 1") == "base"


def test_many_sessions_create_branches_at_once_without_colliding(seeded: Repository, tmp_path: Path) -> None:
    """The probe's failure: eight `dolt_checkout('-b', ...)` at once raced on HEAD."""
    repo = Repository.init(tmp_path / "db", author=AUTHOR)
    Session(repo, author=AUTHOR).run("create table t (id int primary key); call dolt_commit('-Am', 'base')")
    errors: list[BaseException] = []

    def work(n: int) -> None:
        own = Repository.open(tmp_path / "db")
        try:
            with Session(own, author=AUTHOR) as s:
                s.run(f"call dolt_checkout('-b', 'b{n}'); insert into t values ({n}); "
                      f"call dolt_commit('-am', 'n{n}')")
                assert value(s, "select active_branch()") == f"b{n}"
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            own.close()
    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert repo.current_branch() == "main"
    assert sorted(repo.branches()) == sorted(["main"] + [f"b{n}" for n in range(8)])


def test_dirty_working_set_stays_on_its_branch(seeded: Repository) -> None:
    s = Session(seeded, author=AUTHOR)
    s.run("insert into t values (2, 2); call dolt_checkout('feature')")
    assert value(s, "select count(*) from t") == 1
    s.run("call dolt_checkout('main')")
    assert value(s, "select count(*) from t") == 2


def test_use_database_and_branch(seeded: Repository) -> None:
    s = Session(seeded, author=AUTHOR)
    assert s.current_database() == "dl"  # an in-memory repository
    s.run("use `dl/feature`")
    assert s.current_database() == "dl/feature" and value(s, "select active_branch()") == "feature"
    s.run("insert into t values (3, 3)")
    s.run("use dl")
    assert value(s, "select active_branch()") == "main" and value(s, "select count(*) from t") == 1
    with pytest.raises(UnknownDatabase, match="database not found: other"):
        s.run("use other")
    with pytest.raises(UnknownDatabase, match="database not found: dl/../../etc"):
        s.run("use `dl/../../etc`")


def test_revision_database_is_read_only(seeded: Repository) -> None:
    s = Session(seeded, author=AUTHOR)
    base = value(s, "select dolt_hashof('HEAD')")
    s.run("update t set v = 5; call dolt_commit('-am', 'five'); call dolt_tag('v1', 'HEAD~1')")
    for rev in (base, "v1", base[:8]):
        s.run(f"use `dl/{rev}`")
        assert s.current_database() == f"dl/{rev}"
        assert value(s, "select v from t") == 0
        with pytest.raises(SqlError, match="read-only"):
            s.run("insert into t values (7, 7)")
        with pytest.raises(SqlError, match="read-only"):
            s.run("call dolt_commit('--allow-empty', '-m', 'no')")
    s.run("call dolt_checkout('main')")  # leaving a revision database by checkout is allowed
    assert value(s, "select v from t") == 5


def test_database_name_as_dolt_names_it(tmp_path: Path) -> None:
    repo = Repository.init(tmp_path / "my data-set", author=AUTHOR)
    assert database_name(repo) == "my_data_set"
    repo.close()


def test_readonly_session_refuses_every_write(seeded: Repository) -> None:
    s = Session(seeded, author=AUTHOR, readonly=True)
    assert value(s, "select count(*) from t") == 1
    for text in ("insert into t values (2, 2)", "update t set v = 1 where id = 1", "delete from t",
                 "create table u (id int primary key)", "drop table t", "call dolt_commit('-am', 'x')",
                 "call dolt_branch('x')", "call dolt_checkout('-b', 'x')", "select dolt_commit('-am', 'x')"):
        with pytest.raises(SqlError, match="read-only"):
            s.run(text)
    s.run("call dolt_checkout('feature')")  # switching branches writes nothing
    assert sorted(seeded.branches()) == ["feature", "main"]


def test_autocommit_off_keeps_changes_private_until_commit(seeded: Repository) -> None:
    a, b = Session(seeded, author=AUTHOR), Session(seeded, author=AUTHOR)
    a.run("set autocommit = 0")
    a.run("insert into t values (2, 2)")
    assert a.in_transaction and value(a, "select count(*) from t") == 2
    assert value(b, "select count(*) from t") == 1
    a.run("commit")
    assert value(b, "select count(*) from t") == 2
    a.run("insert into t values (3, 3); rollback")
    assert value(b, "select count(*) from t") == 2
    a.run("update t set v = 1 where id = 1")  # a point statement opens the transaction too
    assert value(b, "select v from t where id = 1") == 0
    a.run("SET @@autocommit = 1")  # turning autocommit on commits, as in MySQL
    assert not a.in_transaction and value(b, "select v from t where id = 1") == 1
    with pytest.raises(SqlError, match="Variable can't be set to the value of 'maybe'"):
        a.run("set autocommit = maybe")
    a.run("set foreign_key_checks = 1")  # the refused value was not kept
    assert a.autocommit


def test_begin_commit_rollback_per_session(seeded: Repository) -> None:
    a, b = Session(seeded, author=AUTHOR), Session(seeded, author=AUTHOR)
    a.run("begin; insert into t values (2, 2)")
    b.run("begin; insert into t values (3, 3)")
    assert value(a, "select count(*) from t") == 2 and value(b, "select count(*) from t") == 2
    a.run("commit")
    b.run("commit")  # other rows: merges
    assert rows(a, "select id from t order by id") == [(1,), (2,), (3,)]


def test_concurrent_schema_change_and_conflict_fail_as_serialization_failures(seeded: Repository) -> None:
    a, b = Session(seeded, author=AUTHOR), Session(seeded, author=AUTHOR)
    a.run("begin; update t set v = 1 where id = 1")
    b.run("update t set v = 2 where id = 1")
    with pytest.raises(SqlError, match="serialization failure") as caught:
        a.run("commit")
    assert isinstance(caught.value.cause, ConcurrentUpdate)
    assert "concurrent update" in str(caught.value) and "retry" in str(caught.value)  # as every writer's failure
    a.run("begin; drop table t")
    b.run("update t set v = 3 where id = 1")
    with pytest.raises(SqlError, match="serialization failure"):
        a.run("commit")
    assert value(b, "select v from t") == 3


def _increment(directory: Path, times: int, errors: list[BaseException], retries: list[int]) -> None:
    repo = Repository.open(directory)
    try:
        with Session(repo, author=AUTHOR) as s:
            done = 0
            while done < times:
                try:
                    s.run("begin; update counter set n = n + 1 where id = 1; commit")
                    done += 1
                except SqlError as exc:
                    if not isinstance(exc.cause, ConcurrentUpdate):
                        raise
                    s.rollback()
                    retries.append(1)
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)
    finally:
        repo.close()


@pytest.mark.parametrize("sessions,times", [(4, 10), (6, 5)])
def test_no_increment_is_lost(tmp_path: Path, sessions: int, times: int) -> None:
    """N sessions incrementing one counter M times, retrying serialization failures: N x M."""
    repo = Repository.init(tmp_path / "db", author=AUTHOR)
    Session(repo, author=AUTHOR).run("create table counter (id int primary key, n int); "
                                     "insert into counter values (1, 0)")
    errors: list[BaseException] = []
    retries: list[int] = []
    threads = [threading.Thread(target=_increment, args=(tmp_path / "db", times, errors, retries))
               for _ in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert value(Session(repo), "select n from counter") == sessions * times
    repo.close()
