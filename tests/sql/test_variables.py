"""SET statements and session variables (`sql.variables`): MySQL's `@v` and `@@v`."""
from __future__ import annotations

import pytest
from dl.core.repo import Repository
from dl.sql.errors import SqlError
from dl.sql.session import Session

from tests.sql.conftest import AUTHOR


@pytest.fixture
def mysql(repo: Repository) -> Session:
    with Session(repo, dialect="mysql", author=AUTHOR) as s:
        yield s


def test_user_variables_hold_values_and_expressions(mysql: Session) -> None:
    mysql.run("create table t (pk int primary key); insert into t values (1), (2), (3)")
    mysql.run("set @x = 41; set @n = (select count(*) from t), @s = concat('a', 'b')")
    assert mysql.query("select @x + 1, @n, @s, @unset").to_pylist() == [
        {"@x + 1": 42, "@n": 3, "@s": "ab", "@unset": None}]
    assert mysql.query("select pk from t where pk > @x - 40").column(0).to_pylist() == [2, 3]


def test_system_variables_have_mysql_defaults_and_accept_words(mysql: Session) -> None:
    assert mysql.query("select @@autocommit").column(0).to_pylist() == [1]
    mysql.run("set autocommit = off; SET @@dolt_author_name = 'Ann'; SET SESSION sql_mode = ''")
    assert mysql.query("select @@autocommit, @@session.dolt_author_name").to_pylist()[0] == {
        "@@autocommit": 0, "@@session.dolt_author_name": "Ann"}
    mysql.run("set @@autocommit = 1")
    assert mysql.query("select @@autocommit").column(0).to_pylist() == [1]


def test_unknown_system_variable_is_one_clear_error(mysql: Session) -> None:
    with pytest.raises(SqlError, match="unknown system variable: @@nope"):
        mysql.run("select @@nope")


def test_variables_belong_to_their_session(repo: Repository, mysql: Session) -> None:
    mysql.run("set @x = 1")
    with Session(repo, dialect="mysql") as other:
        assert other.query("select @x").column(0).to_pylist() == [None]


def test_mysql_flags_print_as_dolt_prints_them(repo: Repository, mysql: Session) -> None:
    """Dolt keeps dolt_status.staged as a byte (1/0) and computes comparisons as booleans
    (`select count(*)=0` prints true): both, in every dialect and in streams too."""
    mysql.run("create table t (pk int primary key)")
    assert mysql.query("select 1 = 2 as b, null = 1 as c").to_pylist() == [{"b": False, "c": None}]
    assert mysql.query("select staged from dolt_status").column(0).to_pylist() == [0]
    assert mysql.query("select count(*) = 1 as one from dolt_status where not staged").to_pylist() == [
        {"one": True}]
    stream = next(iter(mysql.execute("select staged, status from dolt_status", stream=True))).stream
    assert stream.schema.field("staged").type == "int8" and stream.read_all().to_pylist() == [
        {"staged": 0, "status": "new table"}]


def test_system_variables_set_in_the_default_dialect(repo: Repository) -> None:
    """DuckDB's grammar reads `@@x` as abs(abs(x)); SET still names the variable, and the ones
    dl acts on (autocommit, FOREIGN_KEY_CHECKS) take effect."""
    with Session(repo) as session:
        session.run("SET @@autocommit = 0")
        assert session.autocommit is False
        session.run("SET @@autocommit = 1; SET foreign_key_checks = 0")
        assert session.autocommit is True and session.foreign_key_checks is False
