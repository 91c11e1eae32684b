"""Index DDL in every dialect, MySQL's names and errors, and the tables that list indexes."""
from __future__ import annotations

import pytest
from dl.sql.errors import SqlError
from dl.sql.session import Session

from tests.sql.conftest import rows


def indexes(session: Session, table: str = "t") -> list[tuple[str, tuple[str, ...], bool]]:
    return [(i.name, i.columns, i.unique) for i in session._view().table(table).schema.indexes]


def fresh(session: Session, table: str = "t") -> bool:
    stored = session._view().table(table)
    return stored.with_indexes_rebuilt().value == stored.value


@pytest.mark.parametrize("dialect", ["duckdb", "mysql", "sqlite", "postgres"])
def test_create_index_forms_in_every_dialect(session: Session, dialect: str) -> None:
    run = Session(session.repo, dialect=dialect).run
    run("CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(10))")
    run("CREATE INDEX ia ON t (a)")
    run("CREATE UNIQUE INDEX ub ON t (b DESC)")
    run("CREATE INDEX IF NOT EXISTS ia ON t (b)")
    run("INSERT INTO t VALUES (1, 5, 'x'), (2, 5, NULL), (3, 6, NULL)")
    assert indexes(session) == [("ia", ("a",), False), ("ub", ("b",), True)]
    run("DROP INDEX ia ON t" if dialect == "mysql" else "DROP INDEX ia")
    run("DROP INDEX IF EXISTS ia" if dialect != "mysql" else "DROP INDEX ub ON t")
    assert len(indexes(session)) == (0 if dialect == "mysql" else 1) and fresh(session)


def test_key_clauses_in_create_table_keep_quoted_names(session: Session) -> None:
    session.run('CREATE TABLE t ("Id" INT PRIMARY KEY, "MixedCase" TEXT, b INT UNIQUE, '
                'KEY "Ix" ("MixedCase", b), INDEX (b), UNIQUE (b, "Id"), CONSTRAINT u2 UNIQUE ("MixedCase"))')
    assert indexes(session) == [("b", ("b",), True), ("b_2", ("b",), False), ("b_3", ("b", "Id"), True),
                                ("Ix", ("MixedCase", "b"), False), ("u2", ("MixedCase",), True)]


def test_mysql_alter_forms(session: Session) -> None:
    mysql = Session(session.repo, dialect="mysql")
    mysql.run("CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT)")
    mysql.run("ALTER TABLE t ADD INDEX (a)")
    mysql.run("ALTER TABLE `t` ADD UNIQUE KEY `ub` (`b`)")
    mysql.run("ALTER TABLE t ADD COLUMN c INT UNIQUE")
    mysql.run("ALTER TABLE t ADD CONSTRAINT uc UNIQUE (c, a)")
    assert indexes(session) == [("a", ("a",), False), ("c", ("c",), True), ("ub", ("b",), True),
                                ("uc", ("c", "a"), True)]
    mysql.run("ALTER TABLE t DROP INDEX a, DROP INDEX uc")
    assert [i[0] for i in indexes(session)] == ["c", "ub"]


def test_errors_are_one_line_and_change_nothing(session: Session) -> None:
    session.run("CREATE TABLE t (id INT PRIMARY KEY, a INT); INSERT INTO t VALUES (1, 1), (2, 1)")
    before = session._view().root
    for text, message in [
        ("CREATE UNIQUE INDEX u ON t (a)", "duplicate unique key given: .1. "),
        ("CREATE INDEX x ON t (nope)", "column not found: nope"),
        ("CREATE INDEX x ON t ((a + 1))", "indexes on expressions are not supported"),
        ("CREATE INDEX x ON t (a) WHERE a > 0", "partial indexes"),
        ("DROP INDEX nope", "index not found: nope"),
        ("ALTER TABLE t DROP INDEX nope", "Can't DROP 'nope'"),
        ("CREATE TABLE u (a INT, KEY k (a), KEY k (a))", "Duplicate key name 'k'"),
        ("CREATE TABLE u (a INT, KEY k (zz))", "Key column 'zz' doesn't exist in table"),
    ]:
        with pytest.raises(SqlError, match=message.replace("(", r"\(").replace(")", r"\)").replace("+", r"\+")):
            session.run(text)
        assert session._view().root == before, text


def test_truncate_and_delete_all_empty_the_indexes(session: Session) -> None:
    session.run("CREATE TABLE t (id INT PRIMARY KEY, a INT, KEY ia (a)); INSERT INTO t VALUES (1, 1), (2, 2)")
    session.run("DELETE FROM t")
    assert session._view().table("t").value.index_roots == () and fresh(session)
    session.run("INSERT INTO t VALUES (1, 1); TRUNCATE TABLE t")
    assert session._view().table("t").value.index_roots == () and indexes(session) == [("ia", ("a",), False)]


def test_transaction_rollback_drops_index_changes(session: Session) -> None:
    session.run("CREATE TABLE t (id INT PRIMARY KEY, a INT)")
    session.run("BEGIN; CREATE INDEX ia ON t (a); INSERT INTO t VALUES (1, 1); ROLLBACK")
    assert indexes(session) == []


def test_information_schema_statistics_and_show_indexes(session: Session) -> None:
    session.run("CREATE TABLE t (id INT PRIMARY KEY, a INT NOT NULL, b INT, KEY iab (a, b)); "
                "CREATE TABLE u (x INT)")
    assert rows(session, "select table_name, index_name, seq_in_index, column_name, non_unique, nullable "
                         "from information_schema.statistics order by 1, 2, 3") == [
        ("t", "PRIMARY", 1, "id", 0, ""), ("t", "iab", 1, "a", 1, ""), ("t", "iab", 2, "b", 1, "YES")]
    assert rows(session, "select count(*) from information_schema.STATISTICS s where s.table_name = 't'") == [(3,)]
    shown = session.query("SHOW KEYS FROM t")
    assert shown.column("Key_name").to_pylist() == ["PRIMARY", "iab", "iab"]
    with pytest.raises(SqlError, match="table not found: nope"):
        session.run("SHOW INDEXES FROM nope")
    assert [r.message for r in session.execute("REINDEX")] == ["indexes are kept current"]
