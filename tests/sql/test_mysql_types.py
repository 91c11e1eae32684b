"""MySQL column types through SQL (sql.types.declared_text, core.tables.column_rules): ENUM,
SET, YEAR, JSON, DATETIME(n), MEDIUMINT/TINYINT UNSIGNED, VARCHAR(n)/CHAR(n), DECIMAL(p,s),
BIT(n) with strict-mode errors; DESCRIBE shows the declared types; nested Arrow types (struct,
list, map) work in every statement."""
from __future__ import annotations

import datetime
import decimal

import pyarrow as pa
import pytest
from tests.sql.conftest import rows, value
from dl.core.tables.table import Table
from dl.sql.errors import SqlError
from dl.sql.session import Session

MYSQL_TABLE = ("create table t (id int primary key, e enum('a','b'), s set('x','y'), y year, j json, "
               "d datetime(3), m mediumint unsigned, u tinyint unsigned, v varchar(3), c char(2), "
               "n decimal(5,2), b bit(4))")


@pytest.fixture
def mysql(session: Session) -> Session:
    session.run(MYSQL_TABLE)  # read by MySQL's grammar where DuckDB's has no SET(...)/YEAR
    return session


def test_good_values_are_stored_and_normalized(mysql: Session) -> None:
    mysql.run("insert into t values (1, 'B', 'y,x', 2024, '{\"k\": 1}', '2024-01-02 03:04:05.123456', "
              "16777215, 255, 'abc', 'ab', 123.45, 15)")
    assert rows(mysql, "select * from t") == [(
        1, "b", "x,y", 2024, '{"k": 1}', datetime.datetime(2024, 1, 2, 3, 4, 5, 123000), 16777215, 255,
        "abc", "ab", decimal.Decimal("123.45"), 15)]


@pytest.mark.parametrize("column, bad, message", [
    ("e", "'c'", "Data truncated for column 'e'"),
    ("s", "'x,z'", "Data truncated for column 's'"),
    ("y", "1800", "Out of range value for column 'y'"),
    ("j", "'{oops'", "Invalid JSON text for column 'j'"),
    ("m", "16777216", "Out of range value for column 'm'"),
    ("u", "256", "cannot convert 256"),
    ("v", "'abcd'", "Data too long for column 'v'"),
    ("c", "'abc'", "Data too long for column 'c'"),
    ("n", "1234.5", "cannot convert 1234.5"),
    ("b", "16", "Out of range value for column 'b'"),
])
def test_bad_values_are_errors_and_nothing_is_written(mysql: Session, column: str, bad: str, message: str) -> None:
    before = mysql.repo.working_set()[1].working
    for text in (f"insert into t (id, {column}) values (1, {bad})",  # the point path
                 f"insert into t (id, {column}) select 1, {bad}"):  # the general path
        with pytest.raises(SqlError, match=message):
            mysql.run(text)
    assert mysql.repo.working_set()[1].working == before
    mysql.run("insert into t (id) values (1)")
    with pytest.raises(SqlError, match=message):
        mysql.run(f"update t set {column} = {bad} where id = 1")


def test_describe_shows_the_declared_types(mysql: Session) -> None:
    types = {r[0]: r[1] for r in rows(mysql, "describe t")}
    assert types["e"] == "enum('a','b')" and types["s"] == "set('x','y')" and types["y"] == "year"
    assert types["d"] == "datetime(3)" and types["m"] == "mediumint unsigned" and types["v"] == "varchar(3)"
    assert types["b"] == "bit(4)" and types["n"] == "DECIMAL(5, 2)"


def test_alter_modify_column_changes_the_declared_type(mysql: Session) -> None:
    mysql.run("insert into t (id, v) values (1, 'abc'); alter table t modify column v varchar(5)")
    mysql.run("insert into t (id, v) values (2, 'abcde')")
    with pytest.raises(SqlError, match="Data too long"):
        mysql.run("alter table t modify column v varchar(4)")


def test_nested_types_from_arrow_work_in_every_statement(session: Session) -> None:
    nested = pa.table({"id": pa.array([1, 2], pa.int64()),
                       "s": pa.array([{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]),
                       "l": pa.array([[1, 2], [3]]),
                       "m": pa.array([[("k", 1)], [("j", 2)]], pa.map_(pa.string(), pa.int64()))})
    table = Table.empty(session.repo.store, __import__("dl.core.tables.schema", fromlist=["x"])
                        .TableSchema.from_arrow(nested.schema, ["id"]))
    session.repo.write_table("n", lambda current, buffer: Table(buffer, table.value).replace_rows(nested))
    session.run("update n set s = {'a': 5, 'b': 'z'}, l = [9], m = MAP {'q': 4} where id = 1")  # failed before
    session.run("update n set l = list_append(l, 4) where s.a = 2")
    session.run("insert into n values (3, {'a': 3, 'b': 'w'}, [7], MAP {'r': 1})")
    session.run("delete from n where s.a = 3")
    assert rows(session, "select id, s, l from n order by id") == [
        (1, {"a": 5, "b": "z"}, [9]), (2, {"a": 2, "b": "y"}, [3, 4])]
    assert value(session, "select m['q'] from n where id = 1") in (4, [4])
    session.run("create table n2 (id int primary key, s struct(a bigint, b varchar), l bigint[], "
                "m map(varchar, bigint)); insert into n2 select * from n")
    assert value(session, "select count(*) from n2") == 2


def test_lengths_hold_in_the_default_dialect_too(session: Session) -> None:
    """DuckDB's tokenizer reads VARCHAR(n) as TEXT; DDL is read keeping n (sql.parse.ddl_dialect)."""
    session.run("create table s (id int primary key, v varchar(3), c char(2), ts timestamp)")
    assert [r[1] for r in rows(session, "describe s")] == ["BIGINT", "varchar(3)", "char(2)", "TIMESTAMP"]
    with pytest.raises(SqlError, match="Data too long for column 'v' at row 1"):
        session.run("insert into s (id, v) values (1, 'abcd')")
    from dl.sql.schema_file import schema_from_sql
    schema = schema_from_sql("create table x (id int primary key, c char(5))")
    assert schema.constraints.declared_type("c") == "char(5)"


def test_a_mysql_boolean_column_is_tinyint_1_and_holds_1_or_0(repo) -> None:
    with Session(repo, dialect="mysql", author=None) as mysql:
        mysql.run("create table f (id int primary key, b boolean, c bool default true)")
        mysql.run("insert into f values (1, true, false), (2, 0, 1); alter table f add column d boolean")
        assert rows(mysql, "select id, b, c from f order by id") == [(1, 1, 0), (2, 0, 1)]
        assert rows(mysql, "select id from f where b") == [(1,)]
        assert {r[0]: r[1] for r in rows(mysql, "describe f")}["d"] == "tinyint(1)"
        assert repo.table("f").schema.column("b").type == pa.int8()
    with Session(repo) as duck:  # DuckDB's BOOLEAN stays a boolean
        duck.run("create table g (b boolean)")
        assert repo.table("g").schema.column("b").type == pa.bool_()
