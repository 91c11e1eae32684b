"""Secondary indexes as a user meets them on the command line: DDL in every dialect, UNIQUE
errors (one line, nothing written), `dl schema show`, `dl diff`, merge, import, SHOW INDEXES."""
from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Dl

TABLE = ("create table t (id int primary key, email text, grp int, unique key uemail (email), key igrp (grp)); "
         "insert into t values (1, 'a@x', 1), (2, 'b@x', 1), (3, NULL, 2), (4, NULL, 2)")


@pytest.fixture
def base(repo: Path, dl: Dl) -> Path:
    dl.ok("sql", "-q", TABLE)
    dl.ok("commit", "-Am", "base")
    return repo


def test_schema_show_prints_indexes_as_show_create_table(base: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create index both_cols on t (grp, email)")
    assert dl.ok("schema", "show", "t") == (
        't @ working\n'
        'CREATE TABLE `t` (\n'
        '  `id` int NOT NULL,\n'
        '  `email` text,\n'
        '  `grp` int,\n'
        '  PRIMARY KEY (`id`),\n'
        '  KEY `both_cols` (`grp`,`email`),\n'
        '  KEY `igrp` (`grp`),\n'
        '  UNIQUE KEY `uemail` (`email`)\n'
        ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;\n\n')


def test_schema_show_output_runs_as_sql(base: Path, dl: Dl) -> None:
    text = dl.ok("schema", "show", "t").split("\n", 1)[1].replace('`t`', '`copy`')
    dl.ok("sql", "--dialect", "mysql", "-q", text)  # MySQL's text, as Dolt's
    assert dl.ok("schema", "show", "copy").split("\n", 1)[1] == text


def test_duplicate_on_insert_and_update_is_one_line_and_writes_nothing(base: Path, dl: Dl) -> None:
    before = dl.table_hash("t")
    assert dl.fails("sql", "-q", "insert into t values (5, 'a@x', 3)").startswith(
        "duplicate unique key given: [a@x]")
    assert dl.fails("sql", "-q", "update t set email = 'b@x' where id = 1").startswith(
        "duplicate unique key given: [b@x]")
    assert dl.table_hash("t") == before
    dl.ok("sql", "-q", "insert into t values (5, NULL, 3)")  # NULLs never collide


def test_duplicate_on_import_names_the_index(base: Path, dl: Dl, work: Path) -> None:
    (work / "more.csv").write_text("id,email,grp\n7,new@x,1\n8,a@x,2\n")
    before = dl.table_hash("t")
    assert dl.fails("table", "import", "-u", "t", "more.csv") == "duplicate unique key given: [a@x]"
    assert dl.table_hash("t") == before
    (work / "fine.csv").write_text("id,email,grp\n7,new@x,1\n1,changed@x,2\n")
    dl.ok("table", "import", "-u", "t", "fine.csv")
    assert dl.query("select id from t where email = 'changed@x'").splitlines()[1:] == ["1"]
    dl.ok("table", "import", "-r", "t", "fine.csv")
    assert dl.query("select count(*) as n from t where grp = 1").splitlines()[1:] == ["1"]
    assert "UNIQUE KEY" in dl.ok("schema", "show", "t")  # replace keeps the table's indexes


def test_create_drop_and_alter_indexes_with_errors(base: Path, dl: Dl) -> None:
    assert dl.fails("sql", "-q", "create unique index u2 on t (grp)") == \
        "duplicate unique key given: [1] (statement 1, line 1, `create unique index u2 on t (grp)`)"
    assert dl.fails("sql", "-q", "create index igrp on t (email)").startswith("Duplicate key name 'igrp'")
    assert dl.fails("sql", "-q", "create index x on t (nope)").startswith("column not found: nope")
    assert dl.fails("sql", "-q", "drop index nope on t").startswith("Can't DROP 'nope'")
    dl.ok("sql", "-q", "create index if not exists igrp on t (email); drop index if exists nope on t")
    dl.ok("sql", "-q", "alter table t add index (email); alter table t drop index igrp")
    dl.ok("sql", "-q", "alter table t add constraint ug unique (grp, id)")
    assert dl.query("show indexes from t").splitlines()[1:] == [  # "": an empty string, not NULL
        't,0,PRIMARY,1,id,,0,,,"",BTREE,"","",YES,',  # Collation NULL, Cardinality 0: as Dolt's
        't,1,email,1,email,,0,,,YES,BTREE,"","",YES,',
        't,0,uemail,1,email,,0,,,YES,BTREE,"","",YES,',
        't,0,ug,1,grp,,0,,,YES,BTREE,"","",YES,',
        't,0,ug,2,id,,0,,,"",BTREE,"","",YES,']


def test_columns_renamed_and_dropped_carry_their_indexes(base: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create index pair on t (grp, email); alter table t rename column grp to g")
    dl.ok("sql", "-q", "alter table t drop column email")
    shown = dl.ok("schema", "show", "t")
    assert 'KEY `pair` (`g`)' in shown and 'KEY `igrp` (`g`)' in shown and "uemail" not in shown
    assert dl.query("select id from t where g = 2 order by id").splitlines()[1:] == ["3", "4"]


def test_diff_shows_index_changes_as_schema_changes(base: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "drop index igrp on t; create index iboth on t (grp, email)")
    out = dl.ok("diff")
    assert "-  KEY `igrp` (`grp`),\n+  KEY `iboth` (`grp`,`email`),\n" in out
    assert dl.ok("diff", "-r", "sql") == ('ALTER TABLE `t` DROP INDEX `igrp`;\n'
                                         'ALTER TABLE `t` ADD INDEX `iboth`(`grp`,`email`);\n')
    assert "| t          | modified  | false       | true          |" in dl.ok("diff", "--summary")
    assert dl.ok("diff", "--schema") == (
        'diff --dl a/t b/t\n--- a/t\n+++ b/t\n'
        ' CREATE TABLE `t` (\n'
        '   `id` int NOT NULL,\n'
        '   `email` text,\n'
        '   `grp` int,\n'
        '   PRIMARY KEY (`id`),\n'
        '-  KEY `igrp` (`grp`),\n'
        '+  KEY `iboth` (`grp`,`email`),\n'
        '   UNIQUE KEY `uemail` (`email`)\n'
        ' ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;\n')
    dl.ok("commit", "-am", "indexes")
    assert dl.ok("diff", "--schema") == ""  # nothing changed since
    assert dl.ok("diff", "-s", "HEAD~1", "HEAD").count("KEY") == 4  # PRIMARY, -igrp, +iboth, uemail


def test_merge_takes_both_sides_indexes_and_conflicts_on_a_name(base: Path, dl: Dl) -> None:
    dl.ok("checkout", "-b", "feat")
    dl.ok("sql", "-q", "create index by_email on t (email); insert into t values (9, 'z@x', 9)")
    dl.ok("commit", "-am", "feat index")
    dl.ok("checkout", "main")
    dl.ok("sql", "-q", "create index by_id_grp on t (id, grp)")
    dl.ok("commit", "-am", "main index")
    dl.ok("merge", "feat")
    shown = dl.ok("schema", "show", "t")
    assert 'KEY `by_email` (`email`)' in shown and 'KEY `by_id_grp` (`id`,`grp`)' in shown
    assert dl.query("select id from t where email = 'z@x'").splitlines()[1:] == ["9"]
    dl.ok("checkout", "-b", "other")
    dl.ok("sql", "-q", "create index clash on t (grp)")
    dl.ok("commit", "-am", "clash on other")
    dl.ok("checkout", "main")
    dl.ok("sql", "-q", "create index clash on t (email)")
    dl.ok("commit", "-am", "clash on main")
    merged = dl("merge", "other")  # an index defined two ways is a schema conflict, recorded as Dolt's
    assert merged.code == 1 and "CONFLICT (schema): Merge conflict in t" in merged.out
    assert "index clash is KEY `clash` (`email`) on ours and KEY `clash` (`grp`) on theirs" in dl.query(
        "select description from dolt_schema_conflicts")


def test_sqlite_index_statements_run_unchanged(repo: Path, dl: Dl, work: Path) -> None:
    (work / "s.sql").write_text(
        "CREATE TABLE t1(a INTEGER PRIMARY KEY, b TEXT, c INTEGER);\n"
        "CREATE INDEX idx_b ON t1(b);\n"
        "CREATE UNIQUE INDEX IF NOT EXISTS idx_c ON t1(c DESC, b COLLATE NOCASE);\n"
        "CREATE UNIQUE INDEX IF NOT EXISTS idx_c ON t1(c);\n"
        "CREATE INDEX IF NOT EXISTS \"idx b2\" ON t1(b, a);\n"
        "INSERT INTO t1 VALUES (1, 'x', 10), (2, 'y', 20), (3, NULL, NULL), (4, NULL, NULL);\n"
        "DROP INDEX idx_b;\n"
        "DROP INDEX IF EXISTS idx_b;\n"
        "REINDEX;\n"
        "SELECT a FROM t1 WHERE b = 'y' AND c > 5;\n")
    assert dl.ok("sql", "--dialect", "sqlite", "-f", "s.sql", "-r", "csv").splitlines()[-2:] == ["a", "2"]
    assert [line.strip() for line in dl.ok("schema", "show", "t1").splitlines()[5:8]] == [
        'PRIMARY KEY (`a`),', 'KEY `idx b2` (`b`,`a`),', 'UNIQUE KEY `idx_c` (`c`,`b`)']


def test_import_with_a_schema_file_declaring_indexes(repo: Path, dl: Dl, work: Path) -> None:
    (work / "schema.sql").write_text("SET NAMES utf8mb4;\nCREATE TABLE x (id INT PRIMARY KEY, email TEXT, "
                                     "UNIQUE KEY ue (email), KEY ie (email, id));\n")
    (work / "dup.csv").write_text("id,email\n1,a\n2,b\n3,a\n")
    (work / "ok.csv").write_text("id,email\n1,a\n2,b\n3,\n4,\n")
    assert dl.fails("table", "import", "-c", "-s", "schema.sql", "people", "dup.csv") == \
        "duplicate unique key given: [a]"
    assert dl.tables() == []
    dl.ok("table", "import", "-c", "-s", "schema.sql", "people", "ok.csv")
    assert 'UNIQUE KEY `ue` (`email`)' in dl.ok("schema", "show", "people")
    assert dl.query("select id from people where email = 'b'").splitlines()[1:] == ["2"]


def test_index_cat_lists_the_entries_in_index_order(repo: Path, dl: Dl) -> None:
    """Dolt's `index cat TABLE INDEX [-r csv|json]`: index columns then the key's; a keyless
    table's entries show the index columns alone; Dolt's words for an unknown index."""
    dl.ok("sql", "--dialect", "mysql", "-q", "create table t (id int primary key, a int, b int, index ab (a, b));"
          "insert into t values (1, 5, 6), (2, 4, 7); create table k (v1 int, v2 int, unique key ux (v1))")
    assert dl.ok("index", "cat", "t", "ab", "-r", "csv") == "a,b,id\n4,7,2\n5,6,1\n"
    assert dl.ok("index", "cat", "t", "ab") == ("+---+---+----+\n| a | b | id |\n+---+---+----+\n"
                                               "| 4 | 7 | 2  |\n| 5 | 6 | 1  |\n+---+---+----+\n")
    dl.ok("sql", "-q", "insert into k values (3, 1), (2, 9)")
    assert dl.ok("index", "cat", "k", "ux", "-r", "json") == '{"rows": [{"v1": 2}, {"v1": 3}]}\n'
    assert dl.fails("index", "cat", "t", "nope") == "The index `nope` does not exist on table `t`."
    assert dl.fails("sql", "-q", "insert into k values (2, 0)").startswith("duplicate unique key given: [2]")
