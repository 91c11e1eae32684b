"""`dl diff` as Dolt's users know it: the compact JSON document (`-r json`), `--data` and
`--schema` (apart and together), `--merge-base`, `--reverse`/`-R`, `--skinny`, `--name-only`,
and the column order of a diff across a schema change (old columns first, then new ones)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_helpers import Dl


@pytest.fixture
def changed(repo: Path, dl: Dl) -> Path:
    """HEAD: test(pk, c1, c2) with rows 1 and 4; working set: c2 dropped, c3 varchar(10) added,
    row 7 added, row 1 deleted, row 4's c1 changed."""
    dl.ok("sql", "--dialect", "mysql", "-q",
          "create table test (pk int primary key, c1 int, c2 int); "
          "insert into test values (1,2,3), (4,5,6)")
    dl.ok("commit", "-Am", "first")
    dl.ok("sql", "--dialect", "mysql", "-q",
          "alter table test drop column c2; alter table test add column c3 varchar(10); "
          "insert into test values (7,8,'9'); delete from test where pk = 1; "
          "update test set c1 = 100 where pk = 4")
    return repo


EXPECTED_DATA = ('"data_diff":[{"from_row":{"c1":2,"c2":3,"pk":1},"to_row":{}},'
                 '{"from_row":{"c1":5,"c2":6,"pk":4},"to_row":{"c1":100,"pk":4}},'
                 '{"from_row":{},"to_row":{"c1":8,"c3":"9","pk":7}}]')
EXPECTED_SCHEMA = '"schema_diff":["ALTER TABLE `test` DROP `c2`;","ALTER TABLE `test` ADD `c3` varchar(10);"]'


def test_json_diff_is_dolts_compact_document(changed: Path, dl: Dl) -> None:
    whole = '{"tables":[{"name":"test",' + EXPECTED_SCHEMA + "," + EXPECTED_DATA + "}]}\n"
    assert dl.ok("diff", "-r", "json") == whole
    assert dl.ok("diff", "-r", "json", "--data", "--schema") == whole
    assert dl.ok("diff", "-r", "json", "--schema") == \
        '{"tables":[{"name":"test",' + EXPECTED_SCHEMA + ',"data_diff":[]}]}\n'
    assert dl.ok("diff", "-r", "json", "--data") == '{"tables":[{"name":"test",' + EXPECTED_DATA + "}]}\n"
    json.loads(whole)


def test_json_diff_of_nothing_prints_nothing(changed: Path, dl: Dl) -> None:
    assert dl.ok("diff", "-r", "json", "HEAD", "HEAD") == ""
    assert dl.ok("diff", "-r", "json", "--cached") == ""


def test_json_diff_of_a_new_table_is_a_mysql_create_table(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q",
          "create table t (pk int primary key, `type of food` varchar(100)); insert into t values (1, 'ramen')")
    doc = json.loads(dl.ok("diff", "-r", "json"))
    table = doc["tables"][0]
    assert table["schema_diff"][0].startswith("CREATE TABLE `t` (\n  `pk` ")
    assert ("  `type of food` varchar(100),\n  PRIMARY KEY (`pk`)\n"
            ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;") in table["schema_diff"][0]
    assert table["data_diff"] == [{"from_row": {}, "to_row": {"pk": 1, "type of food": "ramen"}}]


def test_keyless_json_diff_has_one_entry_per_copy(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q", "create table t (pk int, val int); insert into t values (1, 1), (1, 1)")
    dl.ok("commit", "-Am", "two copies")
    dl.ok("sql", "--dialect", "mysql", "-q", "update t set val = 2 where pk = 1")
    out = dl.ok("diff", "-r", "json")
    assert out.count('{"from_row":{},"to_row":{"pk":1,"val":2}}') == 2
    assert out.count('{"from_row":{"pk":1,"val":1},"to_row":{}}') == 2


def test_tabular_data_only_and_columns_old_first(changed: Path, dl: Dl) -> None:
    out = dl.ok("diff", "--data").splitlines()
    assert out[:3] == ["diff --dl a/test b/test", "--- a/test", "+++ b/test"]
    assert out[3:] == ["+---+----+-----+------+------+",
                       "|   | pk | c1  | c2   | c3   |",
                       "+---+----+-----+------+------+",
                       "| - | 1  | 2   | 3    | NULL |",
                       "| < | 4  | 5   | 6    | NULL |",
                       "| > | 4  | 100 | NULL | NULL |",
                       "| + | 7  | 8   | NULL | 9    |",
                       "+---+----+-----+------+------+"]
    assert "-  `c2` int," in dl.ok("diff", "--data", "--schema")  # both: the schema lines stay


def test_reverse_swaps_the_sides(changed: Path, dl: Dl) -> None:
    for flag in ("--reverse", "-R"):
        out = dl.ok("diff", flag, "--data")
        assert "| + | 1  | 2   | NULL | 3    |" in out
        assert "| - | 7  | 8   | 9    | NULL |" in out
        assert out.index("| < | 4  | 100 |") < out.index("| > | 4  | 5   |")


def test_merge_base_diffs_from_the_common_ancestor(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (pk int primary key); insert into t values (0)")
    dl.ok("commit", "-Am", "base")
    dl.ok("checkout", "-b", "branch1")
    dl.ok("sql", "-q", "insert into t values (1)")
    dl.ok("commit", "-am", "on branch1")
    dl.ok("checkout", "main")
    dl.ok("sql", "-q", "insert into t values (2)")
    dl.ok("commit", "-am", "on main")
    out = dl.ok("diff", "--merge-base", "branch1")
    assert "| + | 2  |" in out and "| - | 1  |" not in out
    assert dl.ok("diff", "--merge-base", "branch1", "main") == out
    other = dl.ok("diff", "--merge-base", "main", "branch1", "t")
    assert "| + | 1  |" in other and "| - | 2  |" not in other
    assert dl.fails("diff", "--merge-base", code=2) == "--merge-base needs a revision"


def test_skinny_keeps_the_key_and_changed_columns(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (pk int primary key, val1 int, val2 int); insert into t values (1, 1, 1)")
    dl.ok("commit", "-Am", "cm1")
    added = dl.ok("diff", "--skinny", "--data", "HEAD~1")
    assert "| pk | val1 | val2 |" in added  # an added row: every column
    dl.ok("sql", "-q", "update t set val1 = 3 where pk = 1")
    out = dl.ok("diff", "--skinny")
    assert "| pk | val1 |" in out and "val2" not in out
    assert "val2" in dl.ok("diff")


def test_name_only_lists_changed_tables(changed: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table other (pk int primary key)")
    assert dl.ok("diff", "--name-only") == "other\ntest\n"
    for flag in ("--schema", "--data", "--stat", "--summary"):
        assert dl.fails("diff", "--name-only", flag, code=2).startswith("invalid Arguments")


def test_dolts_messages_for_bad_tables_revisions_and_conditions(changed: Path, dl: Dl) -> None:
    assert dl.fails("diff", "HEAD", "fake") == "table fake does not exist in either revision"
    assert dl.fails("diff", "HEAD..", "fake") == "table fake does not exist in either revision"
    assert dl.fails("diff", "--merge-base", "ref.with.period", "main") == \
        "revision not found: ref.with.period"
    assert dl.fails("diff", "--where", "some nonsense").startswith(
        "Failed to parse diff query. Invalid where clause? (where some nonsense): ")
    assert dl.fails("diff", "--where", "poop = 0") == (
        'Error running diff query (where poop = 0): column "poop" could not be found in any table in scope')


def test_where_sees_dolts_diff_columns_and_is_checked_when_nothing_changed(changed: Path, dl: Dl) -> None:
    # dolt_diff's columns are from_<col>, to_<col> and diff_type: a plain column is none of them
    assert dl.fails("diff", "--where", "pk = 4") == (
        'Error running diff query (where pk = 4): column "pk" could not be found in any table in scope')
    assert "| > | 4  | 100 |" in dl.ok("diff", "--where", "to_pk = 4")
    dl.ok("commit", "-Am", "second")  # no change left: the condition is still checked
    assert dl.ok("diff", "--where", "to_c1 = 0") == ""
    assert dl.fails("diff", "--where", "poop = 0") == (
        'Error running diff query (where poop = 0): column "poop" could not be found in any table in scope')
    assert dl.fails("diff", "--where", "some nonsense").startswith("Failed to parse diff query.")


def test_summary_calls_a_deleted_table_dropped(changed: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "drop table test")
    assert "| test       | dropped   |" in dl.ok("diff", "--summary")


def test_filter_keeps_one_kind_of_change(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (pk int primary key, val int)")
    dl.ok("commit", "-Am", "create table")
    assert dl.ok("diff", "HEAD~1", "--filter=modified") == ""
    assert dl.ok("diff", "HEAD~1", "--filter", "removed") == ""
    assert "added table" in dl.ok("diff", "HEAD~1", "--filter=added")
    dl.ok("sql", "-q", "insert into t values (1, 10), (2, 10), (3, 10)")
    dl.ok("commit", "-am", "rows")
    dl.ok("sql", "-q", "update t set val = 12 where pk = 1; delete from t where pk = 2; "
                       "insert into t values (4, 40)")
    modified = dl.ok("diff", "--filter=modified")
    assert "| < | 1  | 10  |" in modified and "| > | 1  | 12  |" in modified
    assert "| + |" not in modified and "| - |" not in modified
    dropped = dl.ok("diff", "--filter=dropped")
    assert "| - | 2  | 10  |" in dropped and "| + |" not in dropped and "| < |" not in dropped
    added = json.loads(dl.ok("diff", "--filter=added", "-r", "json"))
    assert added["tables"][0]["data_diff"] == [{"from_row": {}, "to_row": {"pk": 4, "val": 40}}]
    assert dl.ok("diff", "--filter=renamed") == ""  # dl records no renames: a drop and an add
    dl.ok("sql", "-q", "drop table t")
    assert "deleted table" in dl.ok("diff", "--filter=dropped")
    assert dl.ok("diff", "--filter=added") == ""
    assert dl.fails("diff", "--filter=invalid") == (
        "invalid filter: invalid. Valid filters are: added, modified, renamed, dropped, removed")


def test_changed_primary_key_skips_the_data_diff_with_dolts_warning(tmp_path: Path) -> None:
    from cli_helpers import run_dl
    work, home = tmp_path / "pk", tmp_path / "home"
    work.mkdir()

    def dl(*args: str) -> "subprocess.CompletedProcess[str]":
        return run_dl(*args, cwd=work, home=home)
    dl("init")
    dl("branch", "other")
    dl("sql", "-q", "create table a (id int primary key, pv1 int); insert into a values (1, 2)")
    dl("commit", "-Am", "hi")
    dl("checkout", "other")
    dl("sql", "-q", "create table a (id int, cv1 int, primary key (id, cv1)); insert into a values (1, 2)")
    dl("commit", "-Am", "hello")
    warning = "Primary key sets differ between revisions for table 'a', skipping data diff\n"
    shown = dl("diff", "-r", "json", "main", "other")
    assert (shown.returncode, shown.stderr) == (0, warning)
    doc = json.loads(shown.stdout)["tables"][0]
    assert doc["data_diff"] == [] and doc["schema_diff"][-2:] == [
        "ALTER TABLE `a` DROP PRIMARY KEY;", "ALTER TABLE `a` ADD PRIMARY KEY (id,cv1);"]
    tabular = dl("diff", "main", "other")
    assert tabular.stderr == warning and "| + |" not in tabular.stdout
    script = dl("diff", "-r", "sql", "main", "other")  # as Dolt: the schema statements, then an error
    assert script.returncode == 1 and "INSERT" not in script.stdout
    assert script.stdout.splitlines()[-2:] == ["ALTER TABLE `a` DROP PRIMARY KEY;", "ALTER TABLE `a` ADD PRIMARY KEY (id,cv1);"]
    assert script.stderr == warning + "error: encountered errors during diff\n"


def test_log_reads_a_repeated_name_as_a_table(repo: Path, dl: Dl) -> None:
    """Dolt's `log REV NAME`: revisions until a name is no revision or repeats one, then tables
    of those revisions (`log main main` is table main's history on main)."""
    dl.ok("commit", "--allow-empty", "-m", "c1 MAIN")
    dl.ok("checkout", "-b", "myname")
    dl.ok("sql", "-q", "create table myname (pk int primary key)")
    dl.ok("commit", "-Am", "c1 BRANCH1")
    dl.ok("checkout", "main")
    dl.ok("sql", "-q", "create table main (pk int primary key)")
    dl.ok("commit", "-Am", "c3 MAIN")
    dl.ok("branch", "newBranch")
    assert "MAIN" not in dl.ok("log", "myname", "myname") and "BRANCH1" in dl.ok("log", "myname", "myname")
    both = dl.ok("log", "main", "myname")  # two revisions
    assert "BRANCH1" in both and "c1 MAIN" in both
    on_main = dl.ok("log", "main", "main")
    assert "c3 MAIN" in on_main and "c1 MAIN" not in on_main and "BRANCH1" not in on_main
    assert dl.fails("log", "newBranch", "newBranch") == "table newBranch does not exist"


def test_log_all_takes_a_table_of_any_branch(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table test (i int primary key)")
    dl.ok("commit", "-Am", "A table for br1")
    dl.ok("branch", "br1")
    dl.ok("reset", "--hard", "HEAD~1")
    out = dl.ok("log", "--all", "test")
    assert "A table for br1" in out and "Initialize data repository" not in out
    assert dl.fails("log", "test") == "table test does not exist"


def test_system_tables_show_only_with_system_flag(repo: Path, dl: Dl) -> None:
    # Dolt's diff leaves dolt_ignore (a system table) out unless --system; views' table shows
    dl.ok("sql", "-q", "insert into dolt_ignore values ('scratch_%', true)")
    dl.ok("sql", "-q", "create table t (pk int primary key); create view v as select * from t")
    dl.ok("add", ".")
    dl.ok("commit", "-m", "ignore scratch tables")
    assert dl.ok("diff", "HEAD~1", "HEAD", "--name-only") == "dolt_schemas\nt\n"
    assert "dolt_ignore" not in dl.ok("diff", "HEAD~1", "HEAD")
    assert "dolt_ignore" not in dl.ok("diff", "HEAD~1", "HEAD", "--summary")
    assert dl.ok("diff", "HEAD~1", "HEAD", "--name-only", "--system") == "dolt_ignore\ndolt_schemas\nt\n"
    assert "diff --dl a/dolt_ignore b/dolt_ignore" in dl.ok("diff", "HEAD~1", "HEAD", "--system")
    assert "scratch_%" in dl.ok("diff", "HEAD~1", "HEAD", "dolt_ignore")  # named: always shown


def test_sql_diff_writes_binary_as_hex_padded_as_mysql_stores_it(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q", "CREATE TABLE t (PK VARBINARY(100) PRIMARY KEY, c1 BINARY(3)); "
          "INSERT INTO t VALUES (0xead543, 0x1EE4), (0x0e, NULL)")
    dl.ok("commit", "-Am", "creating table t")
    out = dl.ok("diff", "-r=sql", "HEAD~", "HEAD")
    assert "INSERT INTO `t` (`PK`,`c1`) VALUES (0x0e,NULL);\n" in out
    assert "INSERT INTO `t` (`PK`,`c1`) VALUES (0xead543,0x1ee400);\n" in out


@pytest.mark.parametrize(("alter", "rows_written"), [
    ("modify column v varchar(20)", True),  # wider: the same bytes, the same values
    ("modify column v char(10)", True),
    ("modify column v varchar(5)", False),  # narrower, or stored out of band: Dolt cannot say
    ("modify column v text", False),
    ("rename column v to w", True),
])
def test_sql_diff_writes_rows_only_where_the_type_change_keeps_values(repo: Path, dl: Dl, alter: str,
                                                                      rows_written: bool) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q", "create table t (pk int primary key, v varchar(10)); "
          "insert into t values (1, '1')")
    dl.ok("commit", "-Am", "cm1")
    dl.ok("sql", "--dialect", "mysql", "-q", f"update t set v = '2'; alter table t {alter}")
    dl.ok("commit", "-Am", "cm2")
    if rows_written:
        assert "SET `" in dl.ok("diff", "-r", "sql", "HEAD~1")
    else:
        result = dl("diff", "-r", "sql", "HEAD~1")
        assert result.code == 1 and "SET `" not in result.out
        assert result.err.splitlines()[0] == "Incompatible schema change, skipping data diff for table 't'"


def test_same_values_is_dolts_type_compatibility() -> None:
    from dl.sql.mysql_diff import same_values
    assert same_values("varchar(10)", "varchar(10)") and same_values("varchar(10)", "varchar(11)")
    assert not same_values("varchar(10)", "varchar(9)") and not same_values("varchar(10)", "text")
    assert same_values("text", "longtext") and not same_values("longtext", "text")
    assert same_values("varbinary(3)", "varbinary(4)") and not same_values("varbinary(3)", "binary(4)")
    assert not same_values("varchar(3)", "varbinary(12)")
    assert same_values("enum('a','b')", "enum('a','b','c')") and not same_values("enum('a','b')", "enum('b','a')")
    assert not same_values("int", "bigint")


def test_dolt_tests_is_a_versioned_table_made_on_first_write(repo: Path, dl: Dl) -> None:
    assert dl.query("select * from dolt_tests") == ("test_name,test_group,test_query,assertion_type,"
                                                    "assertion_comparator,assertion_value\n")
    dl.ok("sql", "--dialect", "mysql", "-q",
          "INSERT INTO dolt_tests VALUES ('test1', 'description', 'SELECT 1', 'expected_rows', '==', '1')")
    assert "new table:        dolt_tests" in dl.ok("status")
    assert "diff --dl a/dolt_tests b/dolt_tests" in dl.ok("diff")  # shown without --system, as Dolt's
    dl.ok("add", ".")
    dl.ok("commit", "-m", "Added test to dolt_tests")
    dl.ok("sql", "-q", "UPDATE dolt_tests SET test_group = 'updated description' WHERE test_name = 'test1'")
    assert "modified:         dolt_tests" in dl.ok("status")
    assert "| > | test1     | updated description |" in dl.ok("diff")
    assert "NOT NULL" in dl.fails("sql", "-q", "insert into dolt_tests (test_name) values ('t2')")


def test_rows_pair_up_across_a_renamed_primary_key(repo: Path, dl: Dl) -> None:
    # Dolt's columns keep their identity across a rename, so rows still pair up by key value
    dl.ok("sql", "--dialect", "mysql", "-q", "CREATE TABLE t1 (pk int PRIMARY KEY, col1 int); "
          "INSERT INTO t1 VALUES (1, 1), (2, 2)")
    dl.ok("commit", "-Am", "initial")
    dl.ok("sql", "--dialect", "mysql", "-q", "ALTER TABLE t1 RENAME COLUMN pk to pk2; "
          "UPDATE t1 set col1 = 100 where pk2 = 1")
    dl.ok("commit", "-Am", "rename primary key")
    result = dl("diff", "HEAD~1", "HEAD")
    assert result.code == 0 and "Primary key sets differ" not in result.err
    assert ("|   | pk   | col1 | pk2  |\n+---+------+------+------+\n"
            "| < | 1    | 1    | NULL |\n| > | NULL | 100  | 1    |\n+---+") in result.out  # row 2: unchanged
    assert "1 Row Modified" in dl.ok("diff", "HEAD~1", "HEAD", "--stat")
    dl.ok("sql", "--dialect", "mysql", "-q", "ALTER TABLE t1 DROP PRIMARY KEY, ADD PRIMARY KEY (col1)")
    assert "Primary key sets differ between revisions for table 't1'" in dl("diff").err  # a new key


def test_renamed_key_needs_the_same_key_but_for_names() -> None:
    import pyarrow as pa
    from dl.core.tables.schema import Column, TableSchema
    from dl.core.versioning.diff import renamed_key

    def schema(*names: str, key: tuple[str, ...], kind: pa.DataType = pa.int32()) -> TableSchema:
        return TableSchema(tuple(Column(n, kind if n in key else pa.int32()) for n in names), key)
    assert renamed_key(schema("a", "b", key=("a",)), schema("c", "b", key=("c",))) == {"a": "c"}
    assert renamed_key(schema("a", "b", key=("a",)), schema("a", "b", key=("a",))) == {}
    assert renamed_key(schema("a", "b", key=("a",)), schema("a", "b", key=("b",))) == {}  # another column
    assert renamed_key(schema("a", "b", key=("a",)), schema("c", "b", key=("c",), kind=pa.int64())) == {}
