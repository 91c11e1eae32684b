"""Dolt's status, dolt_status and SQL surface as Dolt's own CLI tests expect them (issue 11):
renames, the flags' printed forms, the messages of errors a Dolt user meets first."""
from __future__ import annotations

from pathlib import Path

from cli_helpers import Dl


def test_status_shows_a_staged_rename_as_one_line(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table test (pk int primary key)")
    dl.ok("commit", "-Am", "test")
    dl.ok("sql", "--dialect", "mysql", "-q", "alter table test rename to quiz")
    out = dl.ok("status")
    assert "\tdeleted:          test" in out and "\tnew table:        quiz" in out  # unstaged: not a rename
    dl.ok("add", ".")
    out = dl.ok("status")
    assert "\trenamed:          test -> quiz\n" in out
    assert "deleted:" not in out and "new table:" not in out


def test_a_renamed_table_with_new_rows_is_a_deletion_and_a_new_table(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table test (pk int primary key)")
    dl.ok("commit", "-Am", "test")
    dl.ok("sql", "--dialect", "mysql", "-q", "rename table test to quiz; insert into quiz values (1)")
    dl.ok("add", ".")
    out = dl.ok("status")
    assert "renamed:" not in out and "\tdeleted:          test" in out and "\tnew table:        quiz" in out


def test_dolt_status_names_a_rename_old_to_new_staged_or_not(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table test (pk int primary key)")
    dl.ok("add", "test")
    dl.ok("sql", "--dialect", "mysql", "-q", "alter table test rename to test2")
    out = dl.ok("sql", "--dialect", "mysql", "-r", "csv", "-q", "select * from dolt_status")
    assert out == "table_name,staged,status\ntest,1,new table\ntest -> test2,0,renamed\n"
    dl.ok("add", "test2")
    out = dl.ok("sql", "--dialect", "mysql", "-r", "csv", "-q", "select * from dolt_status")
    assert out == "table_name,staged,status\ntest2,1,new table\n"


def test_comparisons_print_true_while_staged_prints_one(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t1 (id int primary key)")
    out = dl.ok("sql", "--dialect", "mysql", "-r", "csv", "-q",
                "select staged, count(*)=1 as one from dolt_status group by staged")
    assert out == "staged,one\n0,true\n"


def test_procedures_print_the_clis_words_for_core_errors(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (pk int primary key)")
    dl.ok("commit", "-Am", "t")
    dl.ok("branch", "b1")
    cli = dl.fails("branch", "b1")
    sql = dl.fails("sql", "--dialect", "mysql", "-q", "call dolt_branch('b1')")
    assert sql.startswith(cli + " (statement 1")  # no procedure-name prefix: the statement names it


def test_an_empty_branch_name_is_refused_in_dolts_words(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (pk int primary key)")
    dl.ok("commit", "-Am", "t")
    for args in (["branch", ""], ["branch", "-m", "", "x"], ["branch", "-c", "main", ""]):
        assert dl.fails(*args) == "cannot branch empty string"
    for call in ("dolt_branch('')", "dolt_branch('-c', '', 'copy')", "dolt_branch('-c', 'main', '')"):
        assert dl.fails("sql", "-q", f"call {call}").startswith("cannot branch empty string (statement 1")


def test_renaming_the_default_branch_updates_init_defaultbranch(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (pk int primary key)")
    dl.ok("commit", "-Am", "t")
    dl.ok("config", "--local", "--add", "init.defaultbranch", "main")
    dl.ok("branch", "other")
    dl.ok("branch", "-m", "other", "other2")
    assert dl.ok("config", "--local", "--get", "init.defaultbranch") == "main\n"
    dl.ok("branch", "-c", "main", "copy")
    assert dl.ok("config", "--local", "--get", "init.defaultbranch") == "main\n"
    dl.ok("sql", "-q", "call dolt_branch('-m', 'main', 'altmain')")
    assert dl.ok("branch", "--show-current") == "altmain\n"
    assert dl.ok("config", "--local", "--get", "init.defaultbranch") == "altmain\n"


def test_describe_lists_a_system_tables_columns(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (pk int primary key)")
    out = dl.ok("sql", "-r", "csv", "-q", "describe dolt_log")
    assert [line.split(",")[0] for line in out.splitlines()] == [
        "Field", "commit_hash", "committer", "email", "date", "message", "commit_order", "author", "author_email",
        "author_date"]
    assert "to_pk,BIGINT" in dl.ok("sql", "-r", "csv", "-q", "describe dolt_diff_t")
    # in the mysql dialect, MySQL's type names, as for a table: commit times are DATETIME(3)
    mysql = dl.ok("sql", "--dialect", "mysql", "-r", "csv", "-q", "describe dolt_log")
    assert "date,datetime(3)" in mysql and "commit_order,bigint" in mysql and "message,longtext" in mysql
    assert "to_commit_date,datetime(6)" in dl.ok("sql", "--dialect", "mysql", "-r", "csv", "-q", "describe dolt_diff_t")
    assert dl.fails("sql", "-q", "describe nope").startswith("table not found: nope")


def test_dolt_diff_has_working_and_staged_rows(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table s (pk int primary key)")
    dl.ok("add", "s")
    dl.ok("sql", "-q", "create table w (pk int primary key); insert into w values (1)")
    out = dl.ok("sql", "--dialect", "mysql", "-r", "csv", "-q",
                "select * from dolt_diff order by commit_hash desc")
    assert out.splitlines()[1:] == ["WORKING,w,,,,,true,true,,,", "STAGED,s,,,,,false,true,,,"]


def test_show_tables_as_of_lists_a_revisions_tables(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table a (pk int primary key)")
    dl.ok("commit", "-Am", "a")
    dl.ok("sql", "-q", "create table b (pk int primary key)")
    dl.ok("commit", "-Am", "b")
    first = dl.ok("sql", "-r", "csv", "-q", "show tables as of 'HEAD~'").splitlines()
    assert first[1:] == ["a"] and first[0].startswith("Tables_in_")
    assert dl.ok("sql", "-r", "csv", "-q", "show tables").splitlines()[1:] == ["a", "b"]
    assert dl.fails("sql", "-q", "show tables as of 'nope'").startswith("revision not found: nope")


def test_dolt_status_hides_ignored_new_tables_dolt_status_ignored_flags_them(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table test (pk int primary key)")
    dl.ok("commit", "-Am", "test")
    dl.ok("sql", "--dialect", "mysql", "-q", "insert into dolt_ignore values ('ignored_*', true)")
    dl.ok("sql", "-q", "create table ignored_table (pk int primary key); insert into test values (1)")
    dl.ok("add", "dolt_ignore")
    status = dl.ok("sql", "--dialect", "mysql", "-r", "csv", "-q", "select * from dolt_status order by table_name")
    assert status == "table_name,staged,status\ndolt_ignore,1,new table\ntest,0,modified\n"
    out = dl.ok("sql", "--dialect", "mysql", "-r", "csv", "-q",
                "select * from dolt_status_ignored order by table_name")
    assert out == ("table_name,staged,status,ignored\ndolt_ignore,1,new table,false\n"
                   "ignored_table,0,new table,true\ntest,0,modified,false\n")


def test_ls_system_lists_the_system_tables(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (pk int primary key)")
    out = dl.ok("ls", "--system")
    assert out.startswith("System tables:\n") and "\tdolt_status_ignored\n" in out and "\tdolt_diff_t\n" in out
    assert "Tables in working set:" not in out
    both = dl.ok("ls", "-a")
    assert both.startswith("Tables in working set:\n\tt\n") and "System tables:\n" in both
    assert dl.fails("ls", "-s", "-a", code=2) == "--system and --all are mutually exclusive"


def test_dolt_diff_table_rows_come_in_key_order(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table test (pk int primary key, c1 int); insert into test values (1, 1), (2, 2)")
    dl.ok("commit", "-Am", "rows")
    dl.ok("sql", "-q", "insert into test values (3, 3); update test set c1 = 5 where pk = 1; "
                       "delete from test where pk = 2; insert into test values (0, 0)")
    out = dl.ok("sql", "-r", "csv", "-q",
                "select to_pk, to_c1, from_pk, from_c1, diff_type from dolt_diff_test where to_commit = 'WORKING'")
    assert out.splitlines()[1:] == ["0,0,,,added", "1,5,1,1,modified", ",,2,2,removed", "3,3,,,added"]


def test_a_mysql_boolean_column_prints_1_and_0(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q", "create table flags (id int primary key, on_ boolean, name_is_not_special bool);"
          "insert into flags values (1, true, false)")
    out = dl.ok("sql", "--dialect", "mysql", "-q", "select * from flags", "-r", "csv")
    assert out == "id,on_,name_is_not_special\n1,1,0\n"


def test_an_empty_result_prints_nothing_in_the_mysql_dialect(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (id int primary key)")
    assert dl.ok("sql", "--dialect", "mysql", "-q", "select * from t") == ""
    assert dl.ok("sql", "--dialect", "mysql", "-q", "select * from t; select 1 as x") == "+---+\n| x |\n+---+\n| 1 |\n+---+\n"
    assert dl.ok("sql", "-q", "select * from t") == "+----+\n| id |\n+----+\n+----+\n"  # DuckDB's way
    assert dl.ok("sql", "--dialect", "mysql", "-q", "select * from t", "-r", "csv") == "id\n"


def test_dolt_branch_says_a_taken_or_missing_name_in_dolts_words(repo: Path, dl: Dl) -> None:
    dl.ok("branch", "existing_branch")
    out = dl.fails("sql", "-q", "call dolt_branch('existing_branch')")
    assert out.startswith("fatal: A branch named 'existing_branch' already exists.")
    out = dl.fails("sql", "-q", "call dolt_branch('-c', 'original', 'copy')")
    assert out.startswith("fatal: A branch named 'original' not found")
    assert "already exists" in dl.fails("sql", "-q", "call dolt_branch('-c', 'main', 'existing_branch')")


def test_dolt_column_diff_lists_changed_columns(repo: Path, dl: Dl) -> None:
    def csv(sql: str) -> list[str]:
        return dl.ok("sql", "--dialect", "mysql", "-r", "csv", "-q", sql).splitlines()[1:]
    dl.ok("sql", "-q", "create table s (pk int primary key, c1 int)")
    dl.ok("add", "s")
    dl.ok("sql", "-q", "create table w (pk int primary key, c1 int)")
    assert csv("select * from dolt_column_diff") == [
        "WORKING,w,pk,,,,,added,,,", "WORKING,w,c1,,,,,added,,,",
        "STAGED,s,pk,,,,,added,,,", "STAGED,s,c1,,,,,added,,,"]
    dl.ok("commit", "-Am", "two tables")
    dl.ok("sql", "-q", "insert into s values (1, 1), (2, 2); alter table w add column c2 int; alter table w drop column c1")
    dl.ok("commit", "-Am", "rows and columns")
    dl.ok("sql", "-q", "update s set c1 = 5 where pk = 1")
    assert csv("select table_name, column_name, diff_type from dolt_column_diff where commit_hash = 'WORKING'") == [
        "s,c1,modified"]  # only the changed cell's column
    assert sorted(csv("select table_name, column_name, diff_type from dolt_column_diff "
                      "where message = 'rows and columns'")) == ["s,c1,modified", "s,pk,modified", "w,c1,deleted",
                                                                 "w,c2,added"]


def test_dolt_preview_merge_conflicts_shows_conflicts_without_merging(repo: Path, dl: Dl) -> None:
    def sql(text: str) -> str:
        return dl.ok("sql", "--dialect", "mysql", "-r", "csv", "-q", text)
    sql("create table users (id int primary key, name varchar(100)); insert into users values (1, 'Alice')")
    dl.ok("commit", "-Am", "users")
    dl.ok("checkout", "-b", "other")
    sql("update users set name = 'Bob' where id = 1")
    dl.ok("commit", "-am", "bob")
    dl.ok("checkout", "main")
    sql("update users set name = 'Charlie' where id = 1")
    dl.ok("commit", "-am", "charlie")
    before = dl.ok("log", "--oneline")
    out = sql("select base_name, our_name, their_name from dolt_preview_merge_conflicts('main', 'other', 'users')")
    assert out == "base_name,our_name,their_name\nAlice,Charlie,Bob\n"
    out = sql("prepare p from 'select count(*) as n from dolt_preview_merge_conflicts(?, ?, ?)'; "
              "set @a = 'other', @b = 'main', @t = 'users'; execute p using @a, @b, @t")
    assert out.endswith("n\n1\n")  # bind variables are fine here, as in Dolt
    assert sql("select count(*) as n from dolt_preview_merge_conflicts('main', 'main', 'users')") == "n\n0\n"
    assert dl.ok("log", "--oneline") == before and "nothing to commit" in dl.ok("status")


def test_dolt_schema_diff_draws_each_create_statement_over_its_lines(repo: Path, dl: Dl) -> None:
    """system-tables.bats 'query dolt_schema_diff': a CREATE TABLE text in a box is drawn a line
    under the other inside its column, as Dolt's tables draw it."""
    dl.ok("sql", "--dialect", "mysql", "-q", "create table test (pk int primary key, c1 int, c2 int)")
    dl.ok("commit", "-Am", "one")
    dl.ok("tag", "one")
    dl.ok("sql", "--dialect", "mysql", "-q", "alter table test drop column c2, add column c3 varchar(10)")
    dl.ok("commit", "-am", "two")
    out = dl.ok("sql", "--dialect", "mysql", "-q", "select * from dolt_schema_diff('one', 'HEAD')")
    width = len(") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;")
    assert f"| test            | test          | {'CREATE TABLE `test` (':<{width}} | {'CREATE TABLE `test` (':<{width}} |" in out
    assert f"|                 |               | {'  `c2` int,':<{width}} | {'  `c3` varchar(10),':<{width}} |" in out
    assert dl.ok("sql", "--dialect", "mysql", "-q", "select * from dolt_schema_diff('HEAD', 'HEAD')") == ""
