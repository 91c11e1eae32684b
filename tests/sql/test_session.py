"""Sessions: statement order, per-statement atomicity, transactions, the seed scenario."""
from __future__ import annotations

import pytest
from dl.core.errors import ConcurrentUpdate
from dl.sql.errors import SqlError
from dl.sql.session import ResultKind, Session

from tests.sql.conftest import AUTHOR, rows, value

SEED = """CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT, score REAL);
INSERT INTO users VALUES(1,'Alice',95.5); INSERT INTO users VALUES(2,'Bob',87.3);
INSERT INTO users VALUES(3,'Charlie',92.1);
DELETE FROM users WHERE id = 2; UPDATE users SET score = 99.9 WHERE name = 'Alice';
BEGIN; INSERT INTO users VALUES(4,'Dave',50.0); ROLLBACK;"""


def test_seed_scenario(session: Session) -> None:
    results = session.run(SEED)
    assert [r.rows_affected for r in results if r.kind is ResultKind.COUNT] == [1, 1, 1, 1, 1, 1]
    assert rows(session, "select id, name, score from users order by id") == [(1, "Alice", 99.9), (3, "Charlie", 92.1)]
    first = value(session, "select dolt_commit('-A', '-m', 'first')")
    assert len(first) == 40
    session.run("insert into users values (5, 'Eve', 70.0); delete from users where id = 3")
    assert rows(session, "select diff_type, to_id, from_id from dolt_diff_users where to_commit = 'WORKING' "
                         "order by coalesce(to_id, from_id)") == [("removed", None, 3), ("added", 5, None)]
    assert value(session, "select count(*) from dolt_diff('HEAD', 'WORKING', 'users')") == 2
    second = value(session, "select dolt_commit('-am', 'second')")
    assert value(session, "select count(*) from users as of 'HEAD~1'") == 2
    assert rows(session, "select id from users as of 'HEAD~1' order by id") == [(1,), (3,)]
    assert rows(session, f"select name from users as of '{first[:8]}' where id = 3") == [("Charlie",)]
    assert rows(session, "select commit_hash from dolt_log limit 2") == [(second,), (first,)]
    assert rows(session, "select name from users order by id") == [("Alice",), ("Eve",)]


def test_results_stream_in_order_and_first_error_stops(session: Session) -> None:
    session.run("create table t (id int primary key, v text)")
    with pytest.raises(SqlError) as caught:
        session.run("insert into t values (1, 'a'); insert into t values (1, 'b'); insert into t values (2, 'c')")
    assert "statement 2" in str(caught.value) and "duplicate primary key 1 in t" in str(caught.value)
    assert rows(session, "select * from t") == [(1, "a")]  # statement 1 stayed, 3 never ran


def test_statement_is_atomic(session: Session) -> None:
    session.run("create table t (id int primary key, v text not null); insert into t values (1, 'a')")
    with pytest.raises(SqlError, match="NOT NULL"):
        session.run("insert into t values (2, 'b'), (3, null)")
    assert rows(session, "select id from t") == [(1,)]


def test_transaction_commit_and_read_your_writes(session: Session, repo) -> None:
    session.run("create table t (id int primary key, v int)")
    before = repo.working_set()[0]
    session.run("begin; insert into t values (1, 10); update t set v = v + 1 where id = 1")
    assert session.in_transaction
    assert rows(session, "select v from t") == [(11,)]
    assert repo.working_set()[0] == before  # nothing landed yet
    other = Session(repo)
    assert rows(other, "select count(*) from t") == [(0,)]
    session.run("commit")
    assert rows(other, "select v from t") == [(11,)]


def test_transaction_rollback_discards(session: Session) -> None:
    session.run("create table t (id int primary key)")
    session.run("start transaction; insert into t values (1); rollback")
    assert value(session, "select count(*) from t") == 0


def test_transaction_merges_with_a_concurrent_commit_to_other_rows(session: Session, repo) -> None:
    """As in Dolt: at COMMIT the transaction is merged three-way with what landed since BEGIN."""
    session.run("create table t (id int primary key, v int); insert into t values (1, 0), (2, 0)")
    session.run("begin; insert into t values (3, 3); update t set v = 1 where id = 1")
    Session(repo).run("insert into t values (4, 4); update t set v = 2 where id = 2")  # lands first
    session.run("commit")
    assert rows(session, "select id, v from t order by id") == [(1, 1), (2, 2), (3, 3), (4, 4)]


def test_transaction_conflicting_with_a_concurrent_commit_is_a_serialization_failure(session: Session,
                                                                                     repo) -> None:
    session.run("create table t (id int primary key, v int); insert into t values (1, 0)")
    session.run("begin; update t set v = 1 where id = 1; insert into t values (5, 5)")
    Session(repo).run("update t set v = 2 where id = 1")  # another writer lands first, same cell
    with pytest.raises(SqlError, match="serialization failure.*try restarting transaction") as caught:
        session.run("commit")
    assert isinstance(caught.value.cause, ConcurrentUpdate)
    assert not session.in_transaction
    assert rows(session, "select id, v from t") == [(1, 2)]  # the other write kept, ours not half-applied


def test_autocommit_statement_retries_on_a_fresh_root(repo) -> None:
    """A statement whose CAS loses re-runs against the new root instead of overwriting it."""
    first = Session(repo)
    first.run("create table t (id int primary key, v int); insert into t values (1, 0)")
    calls: list[int] = []
    sneaked: list[int] = []
    original = first.repo.update_working_set  # the session's view of the repository

    def racing(change, branch=None):
        def wrapped(root, buffer, ws, name):
            if not calls:
                calls.append(1)
                sneaked.append(len(sneaked) + 2)  # an insert sneaks in after our read
                Session(repo).run(f"insert into t values ({sneaked[-1]}, 0)")
            return change(root, buffer, ws, name)
        return original(wrapped, branch)
    first.repo.update_working_set = racing
    first.run("update t set v = v + 1")
    calls.clear()
    first.run("update t set v = v + 1 where id = 2")  # a point statement retries the same way
    first.repo.update_working_set = original
    assert sneaked == [2, 3]
    assert rows(first, "select id, v from t order by id") == [(1, 1), (2, 2), (3, 0)]


def test_procedures_inside_transaction_land_it_first(session: Session) -> None:
    session.run("create table t (id int primary key)")
    session.run("begin; insert into t values (1); call dolt_commit('-Am', 'in tx'); insert into t values (2)")
    assert session.in_transaction
    assert value(session, "select count(*) from t as of 'HEAD'") == 1
    session.run("rollback")
    assert value(session, "select count(*) from t") == 1
    session.run("begin; insert into t values (3)")
    assert len(value(session, "select dolt_commit('-am', 'select form')")) == 40
    assert session.in_transaction
    session.run("rollback")


def test_nested_begin_is_an_error(session: Session) -> None:
    session.run("begin")
    with pytest.raises(SqlError, match="already open"):
        session.run("begin")


def test_commit_without_begin_is_a_no_op(session: Session) -> None:
    assert session.run("commit")[0].kind is ResultKind.OK


def test_show_tables_and_describe(session: Session) -> None:
    session.run("create table b (id int primary key, name text not null default 'x'); create table a (k text)")
    assert rows(session, "show tables") == [("a",), ("b",)]
    assert rows(session, "describe b") == [("id", "BIGINT", "NO", "PRI", None, ""),
                                          ("name", "VARCHAR", "NO", "", "x", "")]


def test_duckdb_query_statements_beyond_select(session: Session) -> None:
    session.run("create table t (id int primary key, v double); insert into t values (1, 1.5), (2, 2.5)")
    assert rows(session, "summarize t")[0][:4] == ("id", "BIGINT", "1", "2")
    assert rows(session, "describe select v, id from t")[0][:2] == ("v", "DOUBLE")
    plan = session.query("explain select * from t where id = 1")
    assert plan.column_names == ["explain_key", "explain_value"] and "ARROW" in plan.column(1)[0].as_py().upper()
    assert session.query("EXPLAIN ANALYZE select count(*) from t").column(0)[0].as_py() == "analyzed_plan"
    with pytest.raises(SqlError, match="EXPLAIN takes a query"):
        session.run("explain delete from t")
    assert value(session, "select count(*) from t") == 2


def test_a_statement_run_again_is_evaluated_again(session: Session) -> None:
    """Parsed statements are remembered by text; binding and function values must not stick."""
    session.run("create table t (id int primary key, v int); insert into t values (1, 0)")
    session.run("call dolt_commit('-Am', 'one')")
    assert value(session, "select active_branch()") == "main"
    session.run("call dolt_checkout('-b', 'other')")
    assert value(session, "select active_branch()") == "other"
    for expected in (1, 2, 3):
        session.run("update t set v = v + 1 where id = 1")
        assert value(session, "select v from t where id = 1") == expected


def test_session_needs_known_dialect(repo) -> None:
    with pytest.raises(SqlError, match="dialect"):
        Session(repo, dialect="oracle")


def test_author_from_session(repo) -> None:
    s = Session(repo, author=AUTHOR)
    s.run("create table t (id int primary key)")
    s.run("call dolt_commit('-Am', 'x')")
    assert rows(s, "select committer, email from dolt_log limit 1") == [("Tester", "tester@example.com")]
