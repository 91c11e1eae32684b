"""Dolt users' habits with `table import` and `init` (issue 11): option spellings Dolt's parser
reads (`-s=FILE`, `-pk=id`), header names with spaces, and Dolt's messages for a clashing
table, a missing key column, a reserved name and an unknown author."""
from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import Dl

SCHEMA = "CREATE TABLE t (pk int not null, c1 float, primary key(pk));\n"


def test_short_option_with_equals_reads_as_dolt_parser_does(repo: Path, dl: Dl) -> None:
    (repo / "s.sql").write_text(SCHEMA)
    (repo / "d.csv").write_text("pk,c1\n0,1.5\n")
    assert "Import completed successfully." in dl.ok("table", "import", "-c", "-s=s.sql", "t", "d.csv")
    assert dl.ok("table", "import", "-r", "-pk=pk", "t", "d.csv").startswith("Rows Processed: 1")
    assert dl.query("select c1 from t") == "c1\n1.5\n"


def test_header_names_lose_their_surrounding_spaces(repo: Path, dl: Dl) -> None:
    (repo / "caps.csv").write_text("lower, UPPER, Mixed\na, b, c\n")
    dl.ok("table", "import", "-c", "--pk=UPPER", "t", "caps.csv")
    assert dl.query("select UPPER from t") == "UPPER\nb\n"  # values too: see test_csv_spaces


def test_names_differing_only_in_case_clash(repo: Path, dl: Dl) -> None:
    (repo / "dup.csv").write_text("pk,abc,Abc\n1,2,3\n")
    assert dl.fails("table", "import", "-c", "--pk=pk", "t", "dup.csv") == \
        "dup.csv, line 1: invalid schema: duplicate column name 'Abc' (columns 2 and 3)"
    assert dl.tables() == []


def test_dolt_messages_for_clash_missing_key_and_reserved_name(repo: Path, dl: Dl) -> None:
    (repo / "d.csv").write_text("pk,c1\n0,1\n")
    dl.ok("table", "import", "-c", "t", "d.csv")
    assert dl.fails("table", "import", "-c", "t", "d.csv") == \
        "t already exists. Use -f to overwrite. (-u updates its rows, -r replaces them.)"
    assert dl.fails("table", "import", "-c", "-pk=pk,nope", "u", "d.csv") == (
        "Error determining the output schema. primary key 'nope' not found in import file. "
        "Available columns: pk, c1")
    assert dl.fails("table", "import", "-c", "dolt_docs", "d.csv") == \
        "'dolt_docs' is not a valid table name: names starting with dolt_ are reserved for system tables"
    assert dl.tables() == ["t"]


def test_init_without_an_author_says_author_identity_unknown(work: Path, dl: Dl, cli_env: Path) -> None:
    (cli_env / "config_global.json").write_text(json.dumps({}))
    assert dl.fails("init").startswith("Author identity unknown: user.name is not set")


def test_schema_export_writes_mysql_create_statements(repo: Path, dl: Dl) -> None:
    (repo / "s.sql").write_text(SCHEMA)
    (repo / "d.csv").write_text("pk,c1\n0,1.5\n")
    dl.ok("table", "import", "-c", "-s", "s.sql", "t", "d.csv")
    shown = dl.ok("schema", "export", "t")
    assert shown.splitlines()[0] == "CREATE TABLE `t` ("
    assert "  `pk` " in shown and "PRIMARY KEY (`pk`)" in shown
    dl.ok("schema", "export", "t", "t.sql")
    assert (repo / "t.sql").read_text() == shown
    assert dl.ok("schema", "export") == shown  # every table
    assert dl.fails("schema", "export", "nope") == "table not found: nope"


def test_name_map_renames_the_file_columns_it_names(repo: Path, dl: Dl) -> None:
    (repo / "d.csv").write_text("one,two,three\n0,1,2\n")
    (repo / "map.json").write_text(json.dumps({"one": "pk", "two": "c1", "ten": "c10"}))
    dl.ok("table", "import", "-c", "-pk=pk", "-m=map.json", "t", "d.csv")
    assert dl.query("select * from t") == "pk,c1,three\n0,1,2\n"
    (repo / "bad.json").write_text("[1]")
    assert dl.fails("table", "import", "-c", "-m", "bad.json", "u", "d.csv") == \
        "bad.json: a name map is a JSON object of column names to names"
    assert dl.tables() == ["t"]


def test_utf16_files_with_a_byte_order_mark_import(repo: Path, dl: Dl) -> None:
    (repo / "le.csv").write_bytes(b"\xff\xfe" + "pk,name\n1,zoë\n".encode("utf-16-le"))
    (repo / "be.csv").write_bytes(b"\xfe\xff" + "pk,name\n2,ana\n".encode("utf-16-be"))
    dl.ok("table", "import", "-c", "t", "le.csv")
    dl.ok("table", "import", "-u", "t", "be.csv")
    assert dl.query("select * from t order by pk") == "pk,name\n1,zoë\n2,ana\n"


def test_spaces_around_a_number_are_no_part_of_it(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table p (id int primary key, age int, born date)")
    (repo / "p.csv").write_text('id,age,born\n1, 20 , 2001-02-03\n')
    dl.ok("table", "import", "-u", "p", "p.csv")
    assert dl.query("select * from p") == "id,age,born\n1,20,2001-02-03\n"
    (repo / "bad.csv").write_text('id,age,born\n2, 2 0,\n')
    assert dl.fails("table", "import", "-u", "p", "bad.csv") == \
        "bad.csv, line 2, column age: '2 0' is not a valid int64"


def test_a_row_breaking_a_check_is_named_column_by_column(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q",
          "create table persons (ID int primary key, Name varchar(20), Age int CHECK (Age>=18))")
    (repo / "p.csv").write_text("ID,Name,Age\n1,jon,20\n2,kid,10\n")
    assert dl.fails("table", "import", "-u", "persons", "p.csv") == (
        "An error occurred while moving data: A bad row was encountered inserting into table persons "
        "(on line 3): ID: 2, Name: kid, Age: 10 (Check constraint 'persons_chk_1' is violated. "
        "(table persons, row (2, 'kid', 10))). Errors during import can be ignored using '--continue'")
    assert dl.query("select count(*) as n from persons") == "n\n0\n"


def test_update_with_fewer_columns_keeps_the_others_and_warns(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (pk int primary key, a int, b int default 42, c int)")
    dl.ok("sql", "-q", "insert into t values (0, 1, 2, 3)")
    (repo / "u.csv").write_text("pk,a,zz\n0,7,x\n1,8,y\n")
    out = dl.ok("table", "import", "-u", "t", "u.csv")
    assert out == ("Warning: The import file's schema does not match the table's schema.\n"
                   "If unintentional, check for any typos in the import file's header.\n"
                   "Missing columns in t:\n\tb\n\tc\n"
                   "Extra columns in import file:\n\tzz\n"
                   "Rows Processed: 2, Additions: 1, Modifications: 1, Had No Effect: 0\n"
                   "Import completed successfully.\n")
    assert dl.query("select * from t order by pk") == "pk,a,b,c\n0,7,2,3\n1,8,42,\n"
    (repo / "same.csv").write_text("c,pk,b,a\n3,0,2,7\n")
    assert dl.ok("table", "import", "-u", "t", "same.csv").startswith("Rows Processed: 1")  # no warning


def test_a_file_lacking_a_key_or_required_column_is_refused_in_mysql_words(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (pk int primary key, a int, b int not null, c int not null default 3)")
    (repo / "no_b.csv").write_text("pk,a\n0,1\n")
    (repo / "no_key.csv").write_text("a,b\n0,1\n")
    (repo / "no_c.csv").write_text("pk,a,b\n0,1,2\n")
    assert dl.fails("table", "import", "-u", "t", "no_b.csv") == "Field 'b' doesn't have a default value"
    assert dl.fails("table", "import", "-r", "t", "no_key.csv") == "Field 'pk' doesn't have a default value"
    assert "Missing columns in t:\n\tc\n" in dl.ok("table", "import", "-u", "t", "no_c.csv")
    assert dl.query("select * from t") == "pk,a,b,c\n0,1,2,3\n"


def test_csv_export_quotes_as_dolt_does_and_reads_back(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (pk text primary key, a text, b text)")
    dl.ok("sql", "-q", "insert into t values ('x', 'a new \n line', NULL), ('y', '', '[\"hi\"]')")
    dl.ok("table", "export", "t", "t.csv")
    assert (repo / "t.csv").read_text() == 'pk,a,b\nx,"a new \n line",\ny,"","[""hi""]"\n'
    dl.ok("table", "import", "-c", "u", "t.csv")
    assert dl.query("select pk, b from u order by pk") == 'pk,b\nx,\ny,"[""hi""]"\n'


def test_create_with_a_schema_file_takes_the_columns_it_declares(repo: Path, dl: Dl) -> None:
    (repo / "s.sql").write_text("CREATE TABLE s (pk INT NOT NULL, c1 INT DEFAULT 42, c3 INT, PRIMARY KEY (pk));")
    (repo / "d.csv").write_text("pk,c3,c9\n0,3,9\n")
    out = dl.ok("table", "import", "-c", "-s", "s.sql", "s", "d.csv")
    assert "Missing columns in s:\n\tc1\nExtra columns in import file:\n\tc9\n" in out
    assert dl.query("select * from s") == "pk,c1,c3\n0,42,3\n"


def test_several_missing_key_columns_are_listed_as_dolt_lists_them(repo: Path, dl: Dl) -> None:
    (repo / "d.csv").write_text("id,name\n1,a\n")
    assert dl.fails("table", "import", "-c", "--pk", "nope1,nope2", "t", "d.csv") == (
        "Error determining the output schema. primary keys [nope1 nope2] not found in "
        "import file. Available columns: id, name")


def test_replace_counts_every_row_as_added_and_the_old_rows_as_deleted(repo: Path, dl: Dl) -> None:
    (repo / "d.csv").write_text("pk,c1\n0,1\n1,2\n2,3\n")
    dl.ok("table", "import", "-c", "t", "d.csv")
    (repo / "e.csv").write_text("pk,c1\n0,1\n5,6\n")
    assert dl.ok("table", "import", "-r", "t", "e.csv").splitlines()[0] == \
        "Rows Processed: 2, Additions: 2, Modifications: 0, Had No Effect: 0, Deletions: 3"


def test_a_json_file_with_a_column_the_table_lacks_is_refused_in_dolt_words(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table e (id int primary key, name text)")
    (repo / "e.json").write_text('{"rows": [{"id": 1, "name": "a", "position": "ceo"}]}')
    assert dl.fails("table", "import", "-u", "e", "e.json") == (
        "e.json: An error occurred while moving data; cause: column position not found in schema "
        "(the table's columns: id, name)")


def test_a_quoted_empty_field_is_an_empty_string_and_an_empty_field_null(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q",
          "create table t (pk varchar(5) primary key, s varchar(10), e enum('', 'a'), n int)")
    (repo / "d.csv").write_text('pk,s,e,n\na,"","",1\nb,,,""\nc,x,a,\n')
    dl.ok("table", "import", "-u", "t", "d.csv")
    assert dl.query("select * from t order by pk") == 'pk,s,e,n\na,"","",1\nb,,,\nc,x,a,\n'
    assert dl.query("select count(*) as n from t where s = ''") == "n\n1\n"


def test_empty_strings_survive_export_and_import(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q",
          "create table p (name varchar(20) primary key, location varchar(20) not null); "
          "insert into p values ('gary', ''), ('ann', 'la')")
    dl.ok("commit", "-Am", "p")
    dl.ok("table", "export", "p", "p.csv")
    (repo / "q.csv").write_text(dl.ok("sql", "-r", "csv", "-q", "select * from p"))
    for name in ("p.csv", "q.csv"):
        assert dl.ok("table", "import", "-u", "p", name).startswith(
            "Rows Processed: 2, Additions: 0, Modifications: 0, Had No Effect: 2")
