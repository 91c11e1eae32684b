"""`dl table import --continue`, `--quiet`/`--ignore-skipped-rows` and `--all-text`, and a bad
row said in Dolt's words (issue 11): ragged records, values a declared type refuses, repeated
keys and broken CHECK constraints are listed and left out with --continue, the rest lands."""
from __future__ import annotations

from pathlib import Path

from cli_helpers import Dl

PERSONS = ("create table persons (ID int primary key, LastName varchar(20), FirstName varchar(20), "
           "Age int CHECK (Age >= 18))")
PERSONS_CSV = 'ID,LastName,FirstName,Age\n1,"jon","doe", 20\n2,"little","doe", 10\n3,"little","doe",4\n'


def test_continue_lists_rows_breaking_a_check_and_imports_the_rest(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q", PERSONS)
    (repo / "p.csv").write_text(PERSONS_CSV)
    done = dl("table", "import", "-u", "--continue", "persons", "p.csv")
    assert done.code == 0
    assert done.err == "The following rows were skipped:\n[2,little,doe,10]\n[3,little,doe,4]\nLines skipped: 2\n"
    assert done.out == ("Rows Processed: 1, Additions: 1, Modifications: 0, Had No Effect: 0\n"
                        "Import completed successfully.\n")
    assert dl.query("select * from persons") == "ID,LastName,FirstName,Age\n1,jon,doe,20\n"


def test_quiet_and_its_alias_hide_the_skipped_rows(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q", PERSONS)
    (repo / "p.csv").write_text(PERSONS_CSV)
    for flag in ("--quiet", "--ignore-skipped-rows"):
        done = dl("table", "import", "-u", "--continue", flag, "persons", "p.csv")
        assert done.code == 0
        assert done.err == "Lines skipped: 2\n"


def test_without_continue_the_first_bad_row_is_the_error_and_nothing_lands(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q", PERSONS)
    (repo / "p.csv").write_text(PERSONS_CSV)
    assert dl.fails("table", "import", "-u", "persons", "p.csv") == (
        "An error occurred while moving data: A bad row was encountered inserting into table "
        "persons (on line 3): ID: 2, LastName: little, FirstName: doe, Age: 10 (Check constraint "
        "'persons_chk_1' is violated. (table persons, row (2, 'little', 'doe', 10))). Errors during "
        "import can be ignored using '--continue'")
    assert dl.query("select count(*) as n from persons") == "n\n0\n"


def test_ragged_records_are_said_as_dolt_says_them_and_skipped(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (pk bigint primary key, v1 bigint, v2 int)")
    (repo / "bad.csv").write_text("pk,v1\n5,7,5\n6,5,5\n7,1\n")
    message = dl.fails("table", "import", "-u", "t", "bad.csv")
    assert message == ("An error occurred while moving data: A bad row was encountered inserting "
                       "into table t (on line 2): CSV reader expected 2 values, but saw 3. row values: "
                       "'{\"pk\": \"5\", \"v1\": \"7\"}' with the following values left over: '[\"5\"]'. "
                       "Errors during import can be ignored using '--continue'")
    done = dl("table", "import", "-u", "--continue", "t", "bad.csv")
    assert done.code == 0
    assert done.err.startswith("The following rows were skipped:\n[5,7,5]\n[6,5,5]\n")
    assert "Rows Processed: 1, Additions: 1" in done.out
    assert dl.query("select pk, v1 from t") == "pk,v1\n7,1\n"


def test_values_are_stored_as_insert_ignore_stores_them(repo: Path, dl: Dl) -> None:
    """Dolt's --continue is MySQL's INSERT IGNORE: a number it cannot read is 0, a string too
    long for its varchar(n) is cut to n (import-update-tables.bats "Subsequent updates with
    --continue correctly work")."""
    dl.ok("sql", "--dialect", "mysql", "-q", "create table t (pk int primary key, val varchar(2), n double)")
    (repo / "a.csv").write_text('pk,val,n\n1,a,1.5\nxx,b,2\n3,toolong,x\n4,"d,e",\n')
    done = dl("table", "import", "-u", "--continue", "t", "a.csv")
    assert (done.code, done.err) == (0, "")
    assert done.out.startswith("Rows Processed: 4, Additions: 4")
    assert dl.query("select * from t order by pk") == 'pk,val,n\n0,b,2.0\n1,a,1.5\n3,to,0.0\n4,"d,",\n'


def test_values_with_no_zero_in_dl_are_skipped_in_file_order(repo: Path, dl: Dl) -> None:
    """MySQL stores 0000-00-00 for a date it cannot read; dl has no such date, so the row is
    left out and listed; a JSON value that does not parse is left out (as Dolt leaves it)."""
    dl.ok("sql", "--dialect", "mysql", "-q", "create table t (pk int primary key, d date, j json)")
    (repo / "a.csv").write_text('pk,d,j\n1,2020-01-02,1\n2,someday,1\n3,2020-01-03,{bad\n4,,\n')
    done = dl("table", "import", "-u", "--continue", "t", "a.csv")
    assert done.code == 0
    assert done.err == "The following rows were skipped:\n[2,someday,1]\n[3,2020-01-03,{bad]\nLines skipped: 2\n"
    assert dl.query("select pk from t order by pk") == "pk\n1\n4\n"


def test_a_string_too_long_is_a_bad_row_in_dolt_words(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q", "create table t (pk int primary key, c char(5))")
    (repo / "c.csv").write_text('pk,c\n1,"123456"\n')
    assert dl.fails("table", "import", "-u", "t", "c.csv") == (
        "An error occurred while moving data: A bad row was encountered inserting into table t "
        "(on line 2): pk: 1, c: 123456 (string '123456' is too large for column 'c'). Errors "
        "during import can be ignored using '--continue'")


def test_create_with_continue_keeps_the_first_row_of_a_repeated_key(repo: Path, dl: Dl) -> None:
    (repo / "r.csv").write_text("pk,c1,c2\n1,1,2\n1,1,7\n2,5,5\n1,1,8\n")
    done = dl("table", "import", "-c", "--continue", "--pk=pk", "test", "r.csv")
    assert done.code == 0
    assert done.err == "The following rows were skipped:\n[1,1,7]\n[1,1,8]\nLines skipped: 2\n"
    assert done.out.startswith("Rows Processed: 2, Additions: 2,")
    assert dl.query("select * from test order by pk") == "pk,c1,c2\n1,1,2\n2,5,5\n"


def test_all_text_makes_text_columns_and_the_key_varchar_200(repo: Path, dl: Dl) -> None:
    (repo / "t.csv").write_text('id, state, data\n1,WA,"{""a"":1}"\n')
    dl.ok("table", "import", "-c", "--all-text", "t", "t.csv")
    described = dl.ok("sql", "--dialect", "mysql", "-r", "csv", "-q", "describe t")
    assert described.splitlines()[1:] == ['id,varchar(200),NO,PRI,,""', 'state,text,YES,"",,""',
                                          'data,text,YES,"",,""']
    assert dl.query("select * from t") == 'id,state,data\n1,WA,"{""a"":1}"\n'


def test_all_text_goes_with_create_only_and_not_with_a_schema(repo: Path, dl: Dl) -> None:
    (repo / "t.csv").write_text("id,v\n1,2\n")
    (repo / "s.sql").write_text("CREATE TABLE t (id int primary key, v int);\n")
    assert dl.fails("table", "import", "-c", "--all-text", "-s", "s.sql", "t", "t.csv") == \
        "parameters all-text and schema are mutually exclusive"
    dl.ok("table", "import", "-c", "t", "t.csv")
    assert dl.fails("table", "import", "-u", "--all-text", "t", "t.csv") == \
        "fatal: --all-text is only supported for create operations"


FK_TABLES = ("CREATE TABLE colors (id INT NOT NULL, color VARCHAR(32) NOT NULL, PRIMARY KEY (id), "
             "INDEX color_index(color)); CREATE TABLE objects (id INT NOT NULL, name VARCHAR(64) NOT NULL, "
             "color VARCHAR(32), PRIMARY KEY(id), FOREIGN KEY (color) REFERENCES colors(color)); "
             "INSERT INTO colors VALUES (1,'red'),(2,'green'),(3,'blue'); "
             "INSERT INTO objects VALUES (1,'truck','red'),(3,'shoe','blue')")


def test_a_child_row_without_its_parent_is_a_bad_row_and_skipped(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q", FK_TABLES)
    (repo / "o.csv").write_text("id,name,color\n4,laptop,blue\n6,bottle,gray\n")
    assert dl.fails("table", "import", "-u", "objects", "o.csv") == (
        "An error occurred while moving data: A bad row was encountered inserting into table objects "
        "(on line 3): id: 6, name: bottle, color: gray (cannot add or update a child row - Foreign key "
        "violation on fk: `objects_ibfk_1`, table: `objects`, referenced table: `colors`, key: "
        "`[gray]`). Errors during import can be ignored using '--continue'")
    done = dl("table", "import", "-u", "--continue", "objects", "o.csv")
    assert (done.code, done.err) == (0, "The following rows were skipped:\n[6,bottle,gray]\nLines skipped: 1\n")
    assert dl.query("select id from objects order by id") == "id\n1\n3\n4\n"


def test_a_parent_row_taken_from_its_children_is_the_bad_row(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q", FK_TABLES)
    (repo / "c.csv").write_text("id,color\n3,dsadasda\n5,yellow\n")
    assert dl.fails("table", "import", "-u", "colors", "c.csv").startswith(
        "An error occurred while moving data: A bad row was encountered inserting into table colors "
        "(on line 2): id: 3, color: dsadasda (cannot delete or update a parent row - Foreign key "
        "violation on fk: `objects_ibfk_1`")
    done = dl("table", "import", "-u", "--continue", "colors", "c.csv")
    assert (done.code, done.err) == (0, "The following rows were skipped:\n[3,dsadasda]\nLines skipped: 1\n")
    assert dl.query("select * from colors where id in (3, 5) order by id") == "id,color\n3,blue\n5,yellow\n"
