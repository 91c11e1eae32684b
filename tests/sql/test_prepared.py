"""PREPARE / EXECUTE / DEALLOCATE PREPARE (`sql.prepared`), as Dolt's system-tables.bats runs them."""
from __future__ import annotations

import pytest
from dl.core.repo import Repository
from dl.sql.errors import SqlError
from dl.sql.prepared import bind
from dl.sql.session import Session

from tests.sql.conftest import AUTHOR


@pytest.fixture
def mysql(repo: Repository) -> Session:
    with Session(repo, dialect="mysql", author=AUTHOR) as s:
        s.run("create table t (pk int primary key, v varchar(10)); insert into t values (1, 'a'), (2, 'b')")
        s.run("call dolt_commit('-Am', 'one'); call dolt_commit('--allow-empty', '-m', 'two')")
        yield s


def test_execute_binds_user_variables_in_order(mysql: Session) -> None:
    mysql.run("prepare s from 'select count(*) as n from dolt_log(?, \"--not\", ?)'; set @a = 'HEAD', @b = 'HEAD~1'")
    assert mysql.query("execute s using @a, @b").to_pylist() == [{"n": 1}]
    mysql.run("set @b = 'HEAD~2'")
    assert mysql.query("execute s using @a, @b").to_pylist() == [{"n": 2}]  # values are read at EXECUTE
    mysql.run("prepare w from 'update t set v = ? where pk = ?'; set @v = 'z', @k = 2; execute w using @v, @k")
    assert mysql.query("select v from t order by pk").column(0).to_pylist() == ["a", "z"]


def test_a_question_mark_in_a_string_is_not_a_placeholder() -> None:
    assert bind("select ?, '?' as q, \"?\"", [1], "mysql") == "select 1, '?' as q, \"?\""
    assert bind("select ?", ["it's"], "mysql") == "select 'it''s'"


def test_errors_name_the_statement_and_the_cause(mysql: Session) -> None:
    with pytest.raises(SqlError, match="Invalid argument to dolt_diff"):
        mysql.run("prepare d from 'select * from dolt_diff(?, ?, \"t\")'")
    with pytest.raises(SqlError, match="Invalid argument to dolt_query_diff: unbound variable"):
        mysql.run("prepare q from 'select * from dolt_query_diff(?, ?)'")
    mysql.run("prepare s from 'select ? + ?'; set @a = 1")
    with pytest.raises(SqlError, match="Incorrect arguments to EXECUTE"):
        mysql.run("execute s using @a")
    mysql.run("deallocate prepare s")
    with pytest.raises(SqlError, match=r"Unknown prepared statement handler \(s\) given to EXECUTE"):
        mysql.run("execute s using @a, @a")
