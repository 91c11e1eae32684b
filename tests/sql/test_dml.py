"""INSERT / UPDATE / DELETE / upserts: results, schema enforcement and errors."""
from __future__ import annotations

import pytest
from dl.core.errors import DuplicateKey
from dl.sql.errors import SqlError
from dl.sql.session import Session

from tests.sql.conftest import rows, value


@pytest.fixture
def t(session: Session) -> Session:
    session.run("create table t (id int primary key, name text, score double, n int not null default 7)")
    session.run("insert into t values (1, 'a', 1.5, 1), (2, 'b', 2.5, 2), (3, 'c', null, 3)")
    return session


def count_of(session: Session, text: str) -> int:
    return session.run(text)[-1].rows_affected


def test_insert_values_column_list_and_defaults(t: Session) -> None:
    assert count_of(t, "insert into t (name, id) values ('d', 4)") == 1
    assert rows(t, "select * from t where id = 4") == [(4, "d", None, 7)]
    t.run("insert into t values (5, 'e', 1, default)")
    assert value(t, "select n from t where id = 5") == 7


def test_insert_select(t: Session) -> None:
    assert count_of(t, "insert into t select id + 10, upper(name), score * 2, n from t where id < 3") == 2
    assert rows(t, "select id, name, score from t where id > 10 order by id") == [(11, "A", 3.0), (12, "B", 5.0)]


def test_insert_casts_values_like_sql(t: Session) -> None:
    t.run("insert into t values ('6', 'f', '2.25', 2.6)")
    assert rows(t, "select id, score, n from t where id = 6") == [(6, 2.25, 3)]


def test_insert_bad_value_names_column_and_value(t: Session) -> None:
    with pytest.raises(SqlError, match=r"column id: cannot convert 'seven'"):
        t.run("insert into t values ('seven', 'x', 1, 1)")


def test_insert_duplicate_key_names_key(t: Session) -> None:
    with pytest.raises(SqlError, match="duplicate primary key 2 in t") as caught:
        t.run("insert into t values (2, 'again', 0, 0)")
    assert isinstance(caught.value.cause, DuplicateKey) and caught.value.cause.key == 2
    with pytest.raises(SqlError, match="duplicate primary key 9"):
        t.run("insert into t values (9, 'x', 0, 0), (9, 'y', 0, 0)")
    assert value(t, "select count(*) from t") == 3


def test_insert_not_null_and_null_key(t: Session) -> None:
    with pytest.raises(SqlError, match="NOT NULL"):
        t.run("insert into t values (8, 'x', 0, null)")
    with pytest.raises(SqlError, match="primary key"):
        t.run("insert into t (name) values ('nokey')")


def test_insert_wrong_arity_and_unknown_column(t: Session) -> None:
    with pytest.raises(SqlError, match="gives 2 values per row for 4 columns"):
        t.run("insert into t values (1, 'x')")
    with pytest.raises(SqlError, match="column not found: nope"):
        t.run("insert into t (id, nope) values (1, 2)")
    with pytest.raises(SqlError, match="table not found: nosuch"):
        t.run("insert into nosuch values (1)")


def test_insert_or_replace_and_replace_into(t: Session, repo) -> None:
    assert count_of(t, "insert or replace into t values (1, 'A', 0, 0), (4, 'D', 0, 0)") == 2
    assert rows(t, "select id, name from t order by id") == [(1, "A"), (2, "b"), (3, "c"), (4, "D")]
    mysql = Session(repo, dialect="mysql")
    mysql.run("replace into t values (2, 'B', 0, 0), (2, 'B2', 0, 0)")  # last one of a key wins
    assert value(t, "select name from t where id = 2") == "B2"


def test_insert_ignore_variants(t: Session, repo) -> None:
    assert count_of(t, "insert or ignore into t values (1, 'X', 0, 0), (5, 'e', 0, 0)") == 1
    assert count_of(t, "insert into t values (1, 'X', 0, 0), (6, 'f', 0, 0) on conflict do nothing") == 1
    Session(repo, dialect="mysql").run("insert ignore into t values (2, 'X', 0, 0), (7, 'g', 0, 0)")
    assert rows(t, "select id, name from t order by id") == [(1, "a"), (2, "b"), (3, "c"), (5, "e"), (6, "f"), (7, "g")]


def test_on_conflict_do_update(t: Session) -> None:
    n = count_of(t, "insert into t values (1, 'z', 10, 0), (9, 'new', 1, 1) "
                    "on conflict (id) do update set score = t.score + excluded.score, name = excluded.name")
    assert n == 2
    assert rows(t, "select id, name, score, n from t where id in (1, 9) order by id") == [(1, "z", 11.5, 1), (9, "new", 1.0, 1)]
    t.run("insert into t values (2, 'q', 0, 0) on conflict (id) do update set name = 'never' where t.score > 100")
    assert value(t, "select name from t where id = 2") == "b"


def test_on_duplicate_key_update_mysql(t: Session, repo) -> None:
    Session(repo, dialect="mysql").run(
        "insert into t values (3, 'C', 3.5, 0) on duplicate key update score = values(score), n = n + 10")
    assert rows(t, "select name, score, n from t where id = 3") == [("c", 3.5, 13)]


def test_mysql_counts_affected_rows_as_mysql_does(t: Session, repo) -> None:
    mysql = Session(repo, dialect="mysql")
    assert count_of(mysql, "update t set n = 2 where id <= 2") == 1  # id 2 already had n = 2
    assert count_of(t, "update t set n = 2 where id <= 2") == 2  # other dialects count matched rows
    assert count_of(mysql, "replace into t values (1, 'A', 0, 0), (8, 'h', 0, 0)") == 3  # 2 + 1
    assert count_of(mysql, "replace into t values (9, 'i', 0, 0), (9, 'j', 0, 0)") == 3  # 1 + 2
    assert count_of(t, "insert or replace into t values (1, 'A', 0, 0), (7, 'g', 0, 0)") == 2
    assert count_of(mysql, "insert into t values (2, 'x', 0, 0), (3, 'y', 0, 0), (10, 'z', 0, 0) "
                           "on duplicate key update name = if(id = 2, name, values(name))") == 3  # 0 + 2 + 1
    assert rows(t, "select id, name from t where id in (2, 3, 10) order by id") == [(2, "b"), (3, "y"), (10, "z")]


def test_update(t: Session) -> None:
    assert count_of(t, "update t set score = score * 2, name = name || '!' where id >= 2") == 2
    assert rows(t, "select id, name, score from t order by id") == [(1, "a", 1.5), (2, "b!", 5.0), (3, "c!", None)]
    assert count_of(t, "update t set n = 0 where false") == 0
    with pytest.raises(SqlError, match="NOT NULL"):
        t.run("update t set n = null where id = 1")
    with pytest.raises(SqlError, match="cannot convert"):
        t.run("update t set n = 'many' where id = 1")


def test_update_primary_key(t: Session) -> None:
    t.run("update t set id = id + 100 where id = 1")
    assert rows(t, "select id from t order by id") == [(2,), (3,), (101,)]
    t.run("update t set id = id + 1")  # shifts every key, including onto keys being vacated
    assert rows(t, "select id from t order by id") == [(3,), (4,), (102,)]
    with pytest.raises(SqlError, match="duplicate primary key 4"):
        t.run("update t set id = 4 where id = 3")


def test_update_from_and_alias(t: Session) -> None:
    t.run("create table bonus (id int primary key, extra double); insert into bonus values (1, 100), (3, 5)")
    assert count_of(t, "update t as x set score = coalesce(x.score, 0) + b.extra from bonus b where x.id = b.id") == 2
    assert rows(t, "select id, score from t order by id") == [(1, 101.5), (2, 2.5), (3, 5.0)]


def test_delete(t: Session) -> None:
    assert count_of(t, "delete from t where score is null or id = 1") == 2
    assert rows(t, "select id from t") == [(2,)]
    assert count_of(t, "delete from t where id = 42") == 0
    assert count_of(t, "delete from t") == 1
    assert value(t, "select count(*) from t") == 0


def test_truncate_and_returning(t: Session) -> None:
    with pytest.raises(SqlError, match="RETURNING"):
        t.run("insert into t values (9, 'x', 0, 0) returning id")
    t.run("truncate table t")
    assert value(t, "select count(*) from t") == 0
    assert [c for c in t.query("select * from t").column_names] == ["id", "name", "score", "n"]


def test_delete_using(t: Session) -> None:
    t.run("create table gone (id int primary key); insert into gone values (2), (3)")
    assert count_of(t, "delete from t using gone where t.id = gone.id") == 2
    assert rows(t, "select id from t") == [(1,)]


def test_system_tables_are_read_only(t: Session) -> None:
    with pytest.raises(SqlError, match="read-only"):
        t.run("delete from dolt_log")


def test_keyless_table(session: Session) -> None:
    session.run("create table k (a int, b text); insert into k values (1, 'x'), (1, 'x'), (2, 'y')")
    assert value(session, "select count(*) from k") == 3
    assert session.run("update k set b = 'z' where a = 1")[0].rows_affected == 2
    assert rows(session, "select a, b from k order by a") == [(1, "z"), (1, "z"), (2, "y")]
    session.run("delete from k where a = 1")
    assert rows(session, "select a, b from k") == [(2, "y")]


def test_composite_key(session: Session) -> None:
    session.run("create table c (a int, b text, v int, primary key (a, b))")
    session.run("insert into c values (1, 'x', 1), (1, 'y', 2), (2, 'x', 3)")
    with pytest.raises(SqlError, match=r"duplicate primary key \(1, 'y'\)"):
        session.run("insert into c values (1, 'y', 9)")
    session.run("update c set v = v * 10 where a = 1 and b = 'y'")
    assert rows(session, "select v from c where a = 1 and b = 'y'") == [(20,)]


def test_insert_then_delete_restores_table_hash(session: Session) -> None:
    session.run("create table h (id int primary key, v text)")
    session.run("insert into h select range, 'v' || range from range(2000)")
    before = value(session, "select dolt_hashof_table('h')")
    session.run("insert into h select id + 100000, v from h where id < 300; delete from h where id >= 100000")
    assert value(session, "select dolt_hashof_table('h')") == before
