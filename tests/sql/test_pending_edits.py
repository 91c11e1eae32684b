"""A transaction's point writes wait as pending rows (sql.pending_edits): every read sees them,
ROLLBACK drops them, errors come at the same statement, and the tree they land as is the one
the statement-by-statement path gives (history independence)."""
from __future__ import annotations

from unittest import mock

import pytest
from dl.core.repo import Repository
from dl.core.tables import table as core_table
from dl.sql.errors import SqlError
from dl.sql.plans import compile_prepared
from dl.sql.session import Session
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.sql.conftest import AUTHOR, rows, value

SETUP = ("create table t (id bigint primary key, k int not null, c varchar(20));"
         "insert into t values " + ", ".join(f"({i}, {i}, 'c{i}')" for i in range(1, 401)))


@pytest.fixture
def session(repo: Repository) -> Session:
    with Session(repo, dialect="mysql", author=AUTHOR) as s:
        s.run(SETUP)
        yield s


def counting_edits():
    """Counts the in-place edits of row trees (each rewrites touched leaves and their paths)."""
    return mock.patch.object(core_table, "apply_edits", side_effect=core_table.apply_edits)


def table_root(session: Session, name: str = "t") -> str:
    return session.snapshot().root.tables[name].hex


def test_point_writes_in_a_transaction_land_as_one_edit_at_commit(session: Session) -> None:
    session.run("begin")
    with counting_edits() as edits:
        session.run("update t set k = k + 1 where id = 5")
        session.run("update t set c = 'new' where id = 300")
        session.run("delete from t where id = 77")
        session.run("insert into t (id, k, c) values (77, 1, 'again')")
        assert edits.call_count == 0  # recorded, not applied
        session.run("commit")
        assert edits.call_count == 1
    assert rows(session, "select id, k, c from t where id in (5, 77, 300) order by id") == [
        (5, 6, "c5"), (77, 1, "again"), (300, 300, "new")]


def test_the_landed_tree_is_the_one_statement_by_statement_writes_give(session: Session, repo: Repository) -> None:
    statements = ["update t set k = k + 1 where id = 5", "update t set c = 'new' where id = 300",
                  "delete from t where id = 77", "insert into t (id, k, c) values (77, 1, 'again')",
                  "insert into t values (1000, 3, null)", "delete from t where id = 1000",
                  "replace into t values (6, 60, 'six')"]
    other = Session(repo, dialect="mysql", author=AUTHOR)
    session.run("call dolt_add('.'); call dolt_commit('-m', 'base')")
    base = table_root(session)
    session.run("begin")
    for statement in statements:
        session.run(statement)
    session.run("commit")
    pending_root = table_root(session)
    session.run("call dolt_reset('--hard')")
    assert table_root(other) == base
    for statement in statements:  # autocommit: each statement rewrites the tree
        other.run(statement)
    assert table_root(other) == pending_root


def test_reads_in_the_transaction_see_the_pending_writes(session: Session, repo: Repository) -> None:
    session.run("begin")
    session.run("update t set k = 1000 where id = 2")
    assert value(session, "select k from t where id = 2") == 1000  # point path
    session.run("delete from t where id = 3")
    assert value(session, "select count(*) from t") == 399  # general path (DuckDB)
    session.run("insert into t values (500, 5, 'five hundred')")
    ranged = compile_prepared("SELECT SUM(k) FROM t WHERE id BETWEEN ? AND ?".split("?"), "mysql")
    point = compile_prepared("SELECT c FROM t WHERE id = ?".split("?"), "mysql")
    assert ranged is not None and point is not None
    session.run("update t set k = 7 where id = 4")
    first = ranged.run(session, (1, 4))
    if first is None:  # a range plan learns its columns from one general answer first
        ranged.learn(session.run("select sum(k) from t where id between 1 and 4")[-1])
        first = ranged.run(session, (1, 4))
    assert first is not None and first.table.column(0).to_pylist() == [1 + 1000 + 7]
    session.run("update t set c = 'seen' where id = 500")
    answer = point.run(session, (500,))
    assert answer is not None and answer.table.column(0).to_pylist() == ["seen"]
    outside = Session(repo, dialect="mysql", author=AUTHOR)
    assert value(outside, "select k from t where id = 2") == 2  # not landed for other sessions
    session.run("commit")
    assert value(outside, "select k from t where id = 2") == 1000


def test_writes_read_the_pending_rows(session: Session) -> None:
    session.run("begin")
    session.run("update t set k = k + 10 where id = 9")
    session.run("update t set k = k + 10 where id = 9")  # reads the pending row, not the tree
    assert session.run("delete from t where id = 8")[-1].rows_affected == 1
    assert session.run("delete from t where id = 8")[-1].rows_affected == 0  # already gone
    assert session.run("update t set k = 1 where id = 8")[-1].rows_affected == 0
    assert session.run("insert into t values (8, 80, 'back')")[-1].rows_affected == 1
    assert session.run("replace into t values (8, 81, 'replaced')")[-1].rows_affected == 2  # MySQL: delete + insert
    session.run("commit")
    assert rows(session, "select id, k, c from t where id in (8, 9) order by id") == [(8, 81, "replaced"), (9, 29, "c9")]


def test_keys_whose_encoding_ends_in_nul_bytes_read_their_pending_rows(session: Session) -> None:
    session.run("insert into t values (512, 1, 'a'), (0, 1, 'z'), (65536, 1, 'b')")
    session.run("begin")
    for key in (512, 0, 65536, 256):
        session.run(f"update t set k = k + 1 where id = {key}")
        session.run(f"update t set k = k + 1 where id = {key}")  # reads the pending row
    assert session.run("delete from t where id = 512")[-1].rows_affected == 1
    assert session.run("delete from t where id = 512")[-1].rows_affected == 0
    session.run("commit")
    assert rows(session, "select id, k from t where id in (0, 256, 512, 65536) order by id") == [
        (0, 3), (256, 258), (65536, 3)]


def test_rollback_drops_the_pending_writes(session: Session) -> None:
    before = table_root(session)
    session.run("begin")
    session.run("update t set k = 0 where id = 1")
    session.run("delete from t where id = 2")
    session.run("rollback")
    assert table_root(session) == before
    assert rows(session, "select id, k from t where id in (1, 2) order by id") == [(1, 1), (2, 2)]


def test_errors_come_at_the_statement_that_causes_them(session: Session) -> None:
    session.run("begin")
    session.run("insert into t values (900, 9, 'x')")
    with pytest.raises(SqlError, match="(?i)duplicate"):
        session.run("insert into t values (900, 10, 'y')")  # a pending row's key
    with pytest.raises(SqlError, match="(?i)duplicate"):
        session.run("insert into t values (10, 10, 'y')")  # a key in the tree
    with pytest.raises(SqlError, match="(?i)null"):
        session.run("update t set k = null where id = 11")
    session.run("commit")
    assert rows(session, "select id, k, c from t where id in (10, 11, 900) order by id") == [
        (10, 10, "c10"), (11, 11, "c11"), (900, 9, "x")]


def test_ddl_and_procedures_in_the_transaction_see_the_pending_writes(session: Session) -> None:
    session.run("call dolt_add('.'); call dolt_commit('-m', 'base')")
    session.run("begin")
    session.run("update t set c = 'before alter' where id = 12")
    session.run("alter table t add column d int")
    assert rows(session, "select c, d from t where id = 12") == [("before alter", None)]
    session.run("update t set d = 4 where id = 12")
    session.run("call dolt_commit('-am', 'in a transaction')")  # lands the transaction first
    assert rows(session, "select c, d from t as of 'HEAD' where id = 12") == [("before alter", 4)]


def test_writes_to_another_table_land_the_first_tables_pending_writes(session: Session) -> None:
    session.run("create table u (id int primary key, v int)")
    session.run("begin")
    session.run("update t set k = 55 where id = 13")
    session.run("insert into u values (1, 1)")
    session.run("update t set k = 56 where id = 14")
    session.run("commit")
    assert rows(session, "select id, k from t where id in (13, 14) order by id") == [(13, 55), (14, 56)]
    assert rows(session, "select * from u") == [(1, 1)]


def test_autocommit_off_keeps_point_writes_pending_until_commit(session: Session, repo: Repository) -> None:
    session.run("set autocommit = 0")
    with counting_edits() as edits:
        session.run("update t set k = 0 where id = 15")
        session.run("update t set k = 0 where id = 16")
        assert edits.call_count == 0
        session.run("commit")
        assert edits.call_count == 1
    assert value(Session(repo, dialect="mysql", author=AUTHOR), "select sum(k) from t where id in (15, 16)") == 0


@pytest.mark.parametrize("ddl, violation, message", [
    ("create unique index uk on t (k)", "update t set k = 20 where id = 21", "(?i)duplicate|unique"),
    ("alter table t add constraint positive check (k > 0)", "update t set k = -1 where id = 21", "(?i)check|positive"),
])
def test_tables_with_more_checks_are_written_at_once(session: Session, ddl: str, violation: str,
                                                    message: str) -> None:
    session.run(ddl)
    session.run("begin")
    with counting_edits() as edits:
        session.run("update t set c = 'direct' where id = 22")
        assert edits.call_count == 1  # not pending: its writes are checked against more than keys
    with pytest.raises(SqlError, match=message):
        session.run(violation)
    session.run("commit")
    assert value(session, "select c from t where id = 22") == "direct"


def test_a_foreign_key_anywhere_keeps_writes_direct(session: Session) -> None:
    session.run("create table child (id int primary key, t_id bigint, foreign key (t_id) references t (id))")
    session.run("insert into child values (1, 23)")
    session.run("begin")
    with pytest.raises(SqlError, match="(?i)foreign key"):
        session.run("delete from t where id = 23")
    session.run("delete from t where id = 24")
    session.run("commit")
    assert rows(session, "select id from t where id in (23, 24)") == [(23,)]


KEYS = st.sampled_from([1, 2, 3, 5, 8, 12, 0, -1, 256, 512, 257, -256, 65536])  # some encode ending in NUL bytes
OPS = st.lists(st.tuples(st.sampled_from(["insert", "update", "delete", "replace"]), KEYS,
                         st.integers(-5, 5)), min_size=1, max_size=25)


@settings(max_examples=40, deadline=None)
@given(OPS)
def test_any_point_writes_give_the_rows_and_root_of_writing_each_at_once(ops: list[tuple[str, int, int]]) -> None:
    """A dict model, the statement-by-statement path (autocommit) and one transaction of
    pending writes agree on every row, and the two trees have the same root."""
    repos = [Repository.in_memory(), Repository.in_memory()]
    sessions = [Session(r, dialect="mysql", author=AUTHOR) for r in repos]
    model = {i: i for i in range(1, 7)}
    for s in sessions:
        s.run("create table m (id int primary key, v int); insert into m values " +
              ", ".join(f"({i}, {v})" for i, v in model.items()))
    sessions[1].run("begin")
    for verb, key, v in ops:
        text = {"insert": f"insert into m values ({key}, {v})", "update": f"update m set v = v + {v} where id = {key}",
                "delete": f"delete from m where id = {key}", "replace": f"replace into m values ({key}, {v})"}[verb]
        outcomes = []
        for s in sessions:
            try:
                outcomes.append(s.run(text)[-1].rows_affected)
            except SqlError as exc:
                outcomes.append(type(exc).__name__ + (": duplicate" if "uplicate" in str(exc) else str(exc)))
        assert outcomes[0] == outcomes[1], (text, outcomes)
        if verb == "insert" and key not in model:
            model[key] = v
        elif verb == "update" and key in model:
            model[key] += v
        elif verb == "delete":
            model.pop(key, None)
        elif verb == "replace":
            model[key] = v
    sessions[1].run("commit")
    for s in sessions:
        assert dict(rows(s, "select id, v from m")) == model
    assert table_root(sessions[0], "m") == table_root(sessions[1], "m")


def test_the_next_transaction_begins_without_reading_back_what_commit_stored(session: Session,
                                                                             repo: Repository) -> None:
    session.run("begin")
    session.run("update t set k = 1 where id = 30")
    session.run("commit")
    with mock.patch.object(repo.store, "get", side_effect=repo.store.get) as gets:
        session.run("begin")  # the working set, root and table value COMMIT just stored
        session.run("update t set k = 2 where id = 31")
        assert gets.call_count == 0
    session.run("commit")
    assert value(session, "select k from t where id = 31") == 2
