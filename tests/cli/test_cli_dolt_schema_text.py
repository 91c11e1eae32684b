"""Schemas and history as Dolt prints them, run as a user would: MySQL's CREATE TABLE text
(declared types, COMMENTs, table options) from `schema show`, `SHOW CREATE TABLE`, `DESCRIBE`
and the schema part of `dl diff`; the ALTER TABLE forms Dolt's tests use; `log --stat`."""
from __future__ import annotations

from pathlib import Path

from cli_helpers import Dl

TAIL = ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin"
TEST = ("CREATE TABLE test (pk BIGINT NOT NULL COMMENT 'tag:0', c1 int COMMENT 'it''s', "
        "c2 varchar(10) DEFAULT 'x', c3 float, c4 datetime, c5 text, PRIMARY KEY (pk))")


def mysql(dl: Dl, *statements: str) -> str:
    return dl.ok("sql", "--dialect", "mysql", "-q", "; ".join(statements))


def test_show_create_table_keeps_declared_types_and_comments(repo: Path, dl: Dl) -> None:
    mysql(dl, TEST)
    text = ("CREATE TABLE `test` (\n"
            "  `pk` bigint NOT NULL COMMENT 'tag:0',\n"
            "  `c1` int COMMENT 'it\\'s',\n"
            "  `c2` varchar(10) DEFAULT 'x',\n"
            "  `c3` float,\n"
            "  `c4` datetime,\n"
            "  `c5` text,\n"
            "  PRIMARY KEY (`pk`)\n" + TAIL)
    assert dl.ok("schema", "show", "test") == f"test @ working\n{text};\n\n"
    shown = dl.ok("sql", "--dialect", "mysql", "-q", "show create table test", "-r", "csv")
    assert shown.startswith("Table,Create Table\ntest,\"CREATE TABLE `test` (\n  `pk` bigint NOT NULL")
    assert TAIL in shown
    dl.ok("commit", "-Am", "test")
    mysql(dl, "alter table test drop column c5")
    old = dl.ok("sql", "-q", "show create table test as of 'HEAD'", "-r", "csv")
    assert "`c5` text" in old
    assert "`c5`" not in dl.ok("sql", "-q", "show create table test", "-r", "csv")
    assert dl.fails("sql", "-q", "show create table nope").startswith("table not found: nope")


def test_describe_in_the_mysql_dialect_names_mysql_types(repo: Path, dl: Dl) -> None:
    mysql(dl, TEST)
    rows = dl.ok("sql", "--dialect", "mysql", "-q", "describe test", "-r", "csv").splitlines()
    assert [r.split(",")[1] for r in rows[1:]] == ["bigint", "int", "varchar(10)", "float", "datetime", "text"]
    rows = dl.ok("sql", "-q", "describe test", "-r", "csv").splitlines()  # DuckDB's names elsewhere
    assert [r.split(",")[1] for r in rows[1:]] == ["BIGINT", "BIGINT", "varchar(10)", "DOUBLE", "TIMESTAMP", "VARCHAR"]


def test_diff_shows_the_create_table_statements_line_by_line(repo: Path, dl: Dl) -> None:
    mysql(dl, TEST)
    dl.ok("commit", "-Am", "test")
    mysql(dl, "alter table test drop column c3, add column c6 varchar(10) after c1, "
              "modify column c4 tinyint comment 'new comment'")
    expected = ["diff --dl a/test b/test", "--- a/test", "+++ b/test",
                " CREATE TABLE `test` (",
                "   `pk` bigint NOT NULL COMMENT 'tag:0',",
                "   `c1` int COMMENT 'it\\'s',",
                "+  `c6` varchar(10),",
                "   `c2` varchar(10) DEFAULT 'x',",
                "-  `c3` float,",
                "-  `c4` datetime,",
                "+  `c4` tinyint COMMENT 'new comment',",
                "   `c5` text,",
                "   PRIMARY KEY (`pk`)",
                " " + TAIL + ";"]
    assert dl.ok("diff").splitlines() == expected  # no rows: no table after the schema
    assert dl.ok("diff", "--schema").splitlines() == expected
    added = dl.ok("diff", "HEAD~1", "HEAD").splitlines()
    assert added[:3] == ["diff --dl a/test b/test", "added table", "+CREATE TABLE `test` ("]


def test_alter_table_forms_dolt_uses(repo: Path, dl: Dl) -> None:
    mysql(dl, "create table t (a int, b int, c int)", "insert into t values (1, 1, 1), (1, 2, 3)")
    mysql(dl, "alter table t add column z int first", "alter table t add column m int after b")
    assert dl.query("select * from t order by b").splitlines()[0] == "z,a,b,m,c"
    assert "Multiple primary key" not in mysql(dl, "alter table t add primary key (a, b)")
    assert "PRIMARY KEY (`a`,`b`)" in dl.ok("schema", "show", "t")
    mysql(dl, "alter table t drop primary key, add primary key (b)")
    assert "PRIMARY KEY (`b`)" in dl.ok("schema", "show", "t")
    assert dl.query("select b from t order by b") == "b\n1\n2\n"
    mysql(dl, "alter table t drop primary key")
    assert "PRIMARY KEY" not in dl.ok("schema", "show", "t")
    assert dl.fails("sql", "--dialect", "mysql", "-q", "alter table t drop primary key").startswith(
        "Can't DROP 'PRIMARY'")
    mysql(dl, "insert into t (a, b) values (NULL, 5)")
    assert "must be NOT NULL" in dl.fails("sql", "--dialect", "mysql", "-q", "alter table t add primary key (a)")
    assert "has NULL values" in dl.fails("sql", "--dialect", "mysql", "-q", "alter table t modify column m int not null")
    mysql(dl, "update t set m = 1", "alter table t modify column m varchar(5) not null default 'q' comment 'note'")
    assert "`m` varchar(5) NOT NULL DEFAULT 'q' COMMENT 'note'," in dl.ok("schema", "show", "t")
    mysql(dl, "alter table t modify column m varchar(5)")  # MODIFY redefines: what it leaves out goes
    assert "`m` varchar(5),\n" in dl.ok("schema", "show", "t")


def test_log_stat_counts_rows_per_table_and_skips_merges(repo: Path, dl: Dl) -> None:
    mysql(dl, "create table test (pk int primary key, c int)")
    dl.ok("commit", "-Am", "create table test")
    assert dl.ok("log", "--stat", "-n", "1").endswith("    create table test\n\n test added\n")
    mysql(dl, "insert into test values (1, 1), (2, 2)")
    dl.ok("commit", "-Am", "insert")
    mysql(dl, "update test set c = 5 where pk = 1", "delete from test where pk = 2", "insert into test values (3, 3)")
    dl.ok("commit", "-Am", "mixed")
    lines = dl.ok("log", "--stat", "--oneline", "-n", "2").splitlines()
    assert lines[1:3] == [" test | 3 +*-",
                          " 1 tables changed, 1 rows added(+), 1 rows modified(*), 1 rows deleted(-)"]
    assert lines[4:] == [" test | 2 ++",
                         " 1 tables changed, 2 rows added(+), 0 rows modified(*), 0 rows deleted(-)"]
    dl.ok("checkout", "-b", "side")
    mysql(dl, "insert into test values (7, 7)")
    dl.ok("commit", "-Am", "side")
    dl.ok("checkout", "main")
    mysql(dl, "insert into test values (8, 8)")
    dl.ok("commit", "-Am", "main")
    dl.ok("merge", "side", "-m", "merge side")
    merge = dl.ok("log", "--stat", "-n", "1")
    assert "merge side" in merge and "test" not in merge
    mysql(dl, "drop table test")
    dl.ok("commit", "-Am", "drop")
    assert dl.ok("log", "--stat", "-n", "1").endswith("\n test deleted\n")


def test_diff_stat_as_json(repo: Path, dl: Dl) -> None:
    assert dl.ok("diff", "--stat", "-r", "json") == ""
    dl.ok("sql", "-q", "create table test (i int primary key, j int, k int)")
    assert dl.ok("diff", "--stat", "-r", "json") == '{"tables":[{"name":"test","stats":{}}]}\n'
    dl.ok("sql", "-q", "insert into test values (1, 2, 3), (4, 5, 6), (7, 8, 9)")
    dl.ok("commit", "-Am", "rows")
    dl.ok("sql", "-q", "update test set j = j * 10 where i < 5; delete from test where i = 7")
    assert dl.ok("diff", "--stat", "-r", "json") == (
        '{"tables":[{"name":"test","stats":{"rows_added":0,"rows_deleted":1,"rows_modified":2,'
        '"rows_unmodified":0,"cells_added":0,"cells_deleted":3,"cells_modified":2}}]}\n')


def test_a_retyped_column_diffs_both_ways_without_losing_values(repo: Path, dl: Dl) -> None:
    """As Dolt's: the old and new values in a type both fit (float over int, decimal, timestamp
    over date), floats in Go's %g form, either way round."""
    mysql(dl, "create table t (pk int primary key, f int, d int, ts date, big double)",
          "insert into t values (1, 1, 1, '2023-01-01', 16777216)")
    dl.ok("commit", "-Am", "base")
    mysql(dl, "alter table t modify column f float", "alter table t modify column d decimal(20,4)",
          "alter table t modify column ts datetime",
          "update t set f = f + 0.234, d = d + 0.234, ts = '2023-01-01 12:21:42', big = 16777217")
    out = dl.ok("diff", "--data").splitlines()
    assert out[-3:-1] == ["| < | 1  | 1     | 1.0000 | 2023-01-01 00:00:00 | 1.6777216e+07 |",
                          "| > | 1  | 1.234 | 1.2340 | 2023-01-01 12:21:42 | 1.6777217e+07 |"]
    out = dl.ok("diff", "--data", "-R").splitlines()
    assert out[-3:-1] == ["| < | 1  | 1.234 | 1.2340 | 2023-01-01 12:21:42 | 1.6777217e+07 |",
                          "| > | 1  | 1     | 1.0000 | 2023-01-01 00:00:00 | 1.6777216e+07 |"]


def test_line_diff_marks_lines_as_dolts_schema_diff() -> None:
    from dl.sql.mysql_schema import line_diff
    assert line_diff(["a", "b", "c"], ["a", "b", "c"]) == []
    assert line_diff(["a", "b", "c"], ["a", "x", "y", "c"]) == [" a", "-b", "+x", "+y", " c"]
    assert line_diff([], ["a"]) == ["+a"] and line_diff(["a"], []) == ["-a"]


def test_a_foreign_key_gets_an_index_unless_one_serves_it(repo: Path, dl: Dl) -> None:
    # MySQL (and Dolt) index a foreign key's columns: named after the constraint, or after its
    # first column when MySQL named the constraint; an index or key that starts with them serves
    mysql(dl, "create table parent (pk bigint primary key, c1 bigint, c2 bigint, index c1 (c1), index c2 (c2))",
          "create table test (pk bigint primary key, c1 bigint, c2 bigint, c3 bigint, index c3 (c3, c1))")
    dl.ok("commit", "-Am", "tables")
    mysql(dl, "alter table test add constraint fk1 foreign key (c1) references parent (c1)")
    mysql(dl, "alter table test drop foreign key fk1",
          "alter table test add constraint fk2 foreign key (c2) references parent (c2)")
    diff = dl.ok("diff", "test").splitlines()
    assert "+  KEY `fk1` (`c1`)," in diff  # kept when its constraint goes, as MySQL keeps it
    assert "+  KEY `fk2` (`c2`)," in diff
    assert "+  CONSTRAINT `fk2` FOREIGN KEY (`c2`) REFERENCES `parent` (`c2`)" in diff
    mysql(dl, "create table ch (id bigint primary key, p bigint, q bigint, "
              "foreign key (p) references parent (c1), foreign key (id) references parent (c2), "
              "constraint q_fk foreign key (q) references parent (c2))")
    shown = dl.ok("schema", "show", "ch")
    assert "  KEY `p` (`p`),\n  KEY `q_fk` (`q`),\n" in shown and "KEY `id`" not in shown  # the key serves id


def test_alter_table_auto_increment_shows_in_diff_and_status(repo: Path, dl: Dl) -> None:
    """Dolt's status.bats "ALTER TABLE AUTO_INCREMENT value change shows table as modified"."""
    mysql(dl, "CREATE TABLE ainc (id int NOT NULL AUTO_INCREMENT, PRIMARY KEY (id))", "INSERT INTO ainc VALUES ()")
    dl.ok("add", "-A")
    dl.ok("commit", "-m", "create ainc")
    mysql(dl, "ALTER TABLE ainc AUTO_INCREMENT = 100")
    diff = dl.ok("diff")
    assert "-" + TAIL + ";" in diff
    assert "+) ENGINE=InnoDB AUTO_INCREMENT=100 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;" in diff
    status = dl.ok("status")
    assert "Changes not staged for commit:" in status and "modified:         ainc" in status
    assert dl.ok("diff", "-r", "sql") == "ALTER TABLE `ainc` AUTO_INCREMENT=100;\n"  # replays to the same table
    dl.ok("add", "ainc")
    assert "Changes to be committed:" in dl.ok("status")
    dl.ok("commit", "-m", "bump auto_increment")
    mysql(dl, "ALTER TABLE ainc AUTO_INCREMENT = 100")  # the same value again changes nothing
    assert "nothing to commit, working tree clean" in dl.ok("status")
    mysql(dl, "INSERT INTO ainc () VALUES ()")
    assert dl.query("select id from ainc order by id").split() == ["id", "1", "100"]
    assert "AUTO_INCREMENT=" not in dl.ok("schema", "show", "ainc")  # the rows have reached it
