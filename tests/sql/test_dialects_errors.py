"""Dialects (transpiled by sqlglot, with the semantic fixes DESIGN names) and error messages."""
from __future__ import annotations

import pyarrow as pa
import pytest
from dl.core.repo import Repository
from dl.sql.errors import SqlError
from dl.sql.parse import is_complete, parse_statement, split_script
from dl.sql.session import Session
from sqlglot import exp

from tests.sql.conftest import rows, value


def test_sqlite_integer_division_and_64bit_integers(repo: Repository) -> None:
    s = Session(repo, dialect="sqlite")
    assert rows(s, "select 7 / 2, -7 / 2, 7.0 / 2") == [(3, -3, 3.5)]
    s.run("create table t (id integer primary key, x integer); insert into t values (1, 3000000000)")
    assert s._view().table("t").schema.column("x").type == pa.int64()
    assert value(s, "select x * 3 from t") == 9_000_000_000
    # SQLite's integers are 64-bit everywhere: casts, declared widths and literal arithmetic
    assert rows(s, "select cast(3000000000 as integer) * 3, 2147483647 + 1, 100000 * 100000") \
        == [(9_000_000_000, 2_147_483_648, 10_000_000_000)]
    s.run("create table w (id integer primary key, small smallint); insert into w values (1, 100000)")
    assert value(s, "select cast(small as int) * 100000 from w") == 10_000_000_000
    assert s.query("select 7 / 2, count(*) from w").column_names == ["7 / 2", "count(*)"]  # as typed
    assert rows(Session(repo), "select 7 / 2") == [(3.5,)]  # the duckdb dialect is unchanged


def test_sqlite_key_equality_is_still_pushed_down(repo: Repository) -> None:
    s = Session(repo, dialect="sqlite")
    s.run("create table t (id integer primary key, v integer)")
    s.run("insert into t select range, range * 2 from range(5000)")
    assert value(s, "select v from t where id = 40 + 2") == 84
    expression = parse_statement(split_script("select v from t where id = 42", "sqlite")[0], "sqlite").expression
    assert expression.find(exp.Cast) is None  # a literal compared with a key stays a literal


def test_mysql_dialect(repo: Repository) -> None:
    s = Session(repo, dialect="mysql")
    s.run("create table `my t` (id int primary key, name varchar(10)); insert into `my t` values (1, 'a'), (2, 'b')")
    assert rows(s, "select 7 / 2, 7 div 2") == [(3.5, 3)]
    assert rows(s, "select name from `my t` as of 'WORKING' where id = 2") == [("b",)]
    s.run("call dolt_commit('-Am', 'mysql', '--author', 'M <m@x>')")
    assert value(s, "select count(*) from `my t` as of 'HEAD'") == 2


def test_postgres_dialect(repo: Repository) -> None:
    s = Session(repo, dialect="postgres")
    s.run("create table t (id int primary key, v text); insert into t values (1, 'x') on conflict (id) do nothing")
    assert rows(s, "select v || '!' , 7 / 2 from t") == [("x!", 3)]


def test_duckdb_text_reaches_duckdb_unchanged(session: Session) -> None:
    session.run("create table t (id int primary key, v int); insert into t values (1, 2)")
    table = session.query("select 2 ** 10, count(*), v from t group by v")
    assert table.column_names == ["2 ** 10", "count(*)", "v"]  # as typed (sql/headers.py)
    table = session.query("select active_branch(), dolt_hashof_table('t') is not null as ok")
    assert table.column_names == ["active_branch()", "ok"]


def test_split_keeps_semicolons_in_strings_and_comments() -> None:
    pieces = split_script("select ';' as a; -- c; \n select 2; /* ; */ ;  ;\n\nselect 3")
    assert [p.text for p in pieces] == ["select ';' as a", "-- c; \n select 2", "select 3"]
    assert [p.line for p in pieces] == [1, 1, 4]
    assert is_complete("select 1;") and not is_complete("select ';'") and not is_complete("select 'abc;")


def test_syntax_error_has_position(session: Session) -> None:
    with pytest.raises(SqlError) as caught:
        session.run("select 1;\nselect * from\n t where")
    err = caught.value
    assert err.number == 2 and err.line == 3 and "syntax error" in str(err)
    assert "statement 2" in str(err) and "\n" not in str(err)


def test_unknown_names(session: Session) -> None:
    session.run("create table t (id int primary key, v int)")
    with pytest.raises(SqlError, match="table not found: nosuch"):
        session.run("select * from nosuch")
    with pytest.raises(SqlError, match='"nope" not found') as caught:
        session.run("select nope from t")
    assert "__dl_src" not in str(caught.value)
    with pytest.raises(SqlError, match='Table "t" does not have a column named "nope"'):
        session.run("select t.nope from t")
    with pytest.raises(SqlError, match='"nope" not found'):
        session.run("update t set v = 1 where nope = 2")
    with pytest.raises(SqlError, match="column not found: nope"):
        session.run("update t set nope = 1")
    with pytest.raises(SqlError, match="revision not found: nobranch"):
        session.run("select * from t as of 'nobranch'")
    with pytest.raises(SqlError, match="AS OF takes a quoted revision"):
        session.run("select * from t as of HEAD")


def test_unsupported_statements(session: Session) -> None:
    for text in ("attach 'x.db'", "install httpfs", "pragma version"):
        with pytest.raises(SqlError, match="unsupported statement"):
            session.run(text)
    before = session.query("select current_setting('threads') as n").to_pylist()
    session.run("set threads = 1")  # a session variable of dl's (sql.variables): DuckDB never sees it
    assert session.variables.system["threads"] == 1
    assert session.query("select current_setting('threads') as n").to_pylist() == before


def test_case_insensitive_table_names(session: Session) -> None:
    session.run("create table People (id int primary key)")
    session.run("insert into people values (1)")
    assert value(session, "select count(*) from PEOPLE") == 1
