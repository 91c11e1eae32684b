"""Result headers are the projections' source text, as MySQL, Dolt and sqlite3 print them; a
statement that does not start like one is a syntax error that says where."""
from __future__ import annotations

import pytest
from dl.core.repo import Repository
from dl.sql.errors import SqlError
from dl.sql.session import Session


@pytest.fixture
def filled(session: Session) -> Session:
    session.run("create table t (id int primary key, a int, name text); "
                "insert into t values (1, 10, 'x'), (2, 20, 'y')")
    return session


def test_unaliased_expressions_are_named_as_typed(filled: Session) -> None:
    table = filled.query("select count(*), 1.5::double, sum(a)  +  1, max( name ) from t")
    assert table.column_names == ["count(*)", "1.5::double", "sum(a)  +  1", "max( name )"]
    assert table.to_pylist() == [{"count(*)": 2, "1.5::double": 1.5, "sum(a)  +  1": 31, "max( name )": "y"}]


def test_aliases_columns_and_star_keep_their_names(filled: Session) -> None:
    assert filled.query("select id, t.a, count(*) over () as n from t").column_names == ["id", "a", "n"]
    assert filled.query("select * from t").column_names == ["id", "a", "name"]
    assert filled.query("select (a), a n from t").column_names == ["a", "n"]


def test_what_duckdb_runs_is_the_same_query(filled: Session) -> None:
    assert filled.query("select a * 2 from t where id = 2 order by 1").column(0).to_pylist() == [40]
    table = filled.query("select distinct a % 20, 'it''s' from t order by a % 20")
    assert table.column_names == ["a % 20", "'it''s'"]
    assert table.column(0).to_pylist() == [0, 10]


def test_unions_ctes_and_as_of(filled: Session, repo: Repository) -> None:
    assert filled.query("select 1 + 1 union all select 3").column_names == ["1 + 1"]
    assert filled.query("with c as (select a from t) select max(a) from c").column_names == ["max(a)"]
    filled.run("call dolt_commit('-Am', 'one')")
    table = filled.query("select (select count(*) from t as of 'HEAD') + 0")
    assert table.column_names == ["(select count(*) from t AS OF 'HEAD') + 0"]
    assert table.column(0).to_pylist() == [2]


@pytest.mark.parametrize("dialect, text, names", [
    ("mysql", "select count(*), 7 DIV 2 from t", ["count(*)", "7 DIV 2"]),
    ("sqlite", "select 7/2,  count(*) from t", ["7/2", "count(*)"]),
    ("postgres", "select 1.5::float8, count(*) from t", ["1.5::float8", "count(*)"]),
])
def test_other_dialects_name_as_typed(repo: Repository, dialect: str, text: str, names: list[str]) -> None:
    with Session(repo) as setup:
        setup.run("create table t (id int primary key)")
    with Session(repo, dialect=dialect) as session:
        assert session.query(text).column_names == names


def test_dolt_functions_are_named_once(filled: Session) -> None:
    table = filled.query("select active_branch(), upper(active_branch())")
    assert table.column_names == ["active_branch()", "upper(active_branch())"]
    assert table.to_pylist() == [{"active_branch()": "main", "upper(active_branch())": "MAIN"}]


def test_a_typo_says_where_it_broke(filled: Session) -> None:
    with pytest.raises(SqlError) as raised:
        filled.run("select 1;\n\n  selec * form t")
    message = str(raised.value)
    assert message.startswith("Error parsing SQL: syntax error near 'selec'")
    assert "line 3, column 3" in message and "ALIAS" not in message
    with pytest.raises(SqlError, match=r"syntax error near 't'.*line 1, column 15"):
        filled.run("select * form t")
