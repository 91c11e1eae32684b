"""`dl table import` reads files as Dolt's import does (issue 11): leading whitespace of an
unquoted field is dropped and a blank one is NULL; column names may start with `-` or hold
`/`; text that is not UTF-8 is "Incorrect string value", which `--continue` cuts at the first
bad byte instead of leaving the row out; `-r` of a table a foreign key references is refused
as its TRUNCATE is."""
from __future__ import annotations

from pathlib import Path

from cli_helpers import Dl

# Dolt's empty-strings-null-values.csv (import-create-tables.bats)
NULLS_CSV = 'pk,headerOne,headerTwo\na,"""""",1\nb,"",2\nc,,3\nd,row four,""\ne,row five,\nf,row six,6\ng, ,\n'


def test_a_blank_unquoted_field_is_null(repo: Path, dl: Dl) -> None:
    (repo / "n.csv").write_text(NULLS_CSV)
    dl.ok("table", "import", "-c", "-pk=pk", "test", "n.csv")
    out = dl.ok("sql", "--dialect", "mysql", "-r", "tabular", "-q", "select * from test order by pk")
    assert out.splitlines()[3:10] == [
        '| a  | ""        | 1         |',
        "| b  |           | 2         |",
        "| c  | NULL      | 3         |",
        "| d  | row four  | NULL      |",
        "| e  | row five  | NULL      |",
        "| f  | row six   | 6         |",
        "| g  | NULL      | NULL      |"]


def test_numbers_after_a_space_are_numbers_and_odd_column_names_import(repo: Path, dl: Dl) -> None:
    (repo / "e.csv").write_text("--Key1,\"\"\"Key2\",'Key3,`Key4,/Key5\n0, 1, 2, 3, 4\n")
    dl.ok("table", "import", "-c", "t", "e.csv")
    assert dl.query("select * from t") == "--Key1,\"\"\"Key2\",'Key3,`Key4,/Key5\n0,1,2,3,4\n"
    assert "`--Key1` bigint NOT NULL" in dl.ok("schema", "show", "t")
    for key in ('"Key2', "/Key5", "--Key1"):
        dl.ok("table", "import", "-c", "-f", "--pk", key, "t", "e.csv")
        assert f"PRIMARY KEY (`{key}`)" in dl.ok("schema", "show", "t")


def test_a_table_name_is_still_no_path_or_flag(repo: Path, dl: Dl) -> None:
    (repo / "e.csv").write_text("a\n1\n")
    assert dl.fails("table", "import", "-c", "--", "-t", "e.csv") == \
        "'-t' is not a valid table name: it starts with '-'"


def test_invalid_utf8_is_an_incorrect_string_value_and_continue_cuts_it(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q",
          "CREATE TABLE item (id VARCHAR(10) NOT NULL, name VARCHAR(255), PRIMARY KEY (id))")
    (repo / "data.csv").write_bytes(b'id,name\nITEM1,"Cable 10m"\nITEM2,"SSD 1TB 2.5\x85 ""NVMe"""\n'
                                    b'ITEM3,ok\n')
    assert dl.fails("table", "import", "-u", "item", "data.csv") == (
        "data.csv, line 3, column name: b'SSD 1TB 2.5\\x85 \"NVMe\"' is not valid UTF-8 (dl reads "
        "UTF-8 text only): Incorrect string value: '\\x85 \"NVM...'")
    assert dl.query("select count(*) as n from item") == "n\n0\n"
    done = dl("table", "import", "-u", "--continue", "item", "data.csv")
    assert done.code == 0 and "skipped" not in done.err
    assert done.out.startswith("Rows Processed: 3, Additions: 3")
    assert dl.query("select * from item order by id") == "id,name\nITEM1,Cable 10m\nITEM2,SSD 1TB 2.5\nITEM3,ok\n"


COLORS = ("CREATE TABLE colors (id INT NOT NULL, color VARCHAR(32) NOT NULL, PRIMARY KEY (id), "
          "INDEX color_index(color)); CREATE TABLE objects (id INT NOT NULL, name VARCHAR(64) NOT NULL, "
          "color VARCHAR(32), PRIMARY KEY(id), FOREIGN KEY (color) REFERENCES colors(color)); "
          "INSERT INTO colors VALUES (1,'red'),(2,'green'); INSERT INTO objects VALUES (1,'truck','red')")


def test_replacing_a_referenced_table_is_refused_as_its_truncate_is(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q", COLORS)
    (repo / "colors.csv").write_text("id,color\n1,red\n")
    before = dl.table_hash("colors")
    assert dl.fails("table", "import", "-r", "colors", "colors.csv") == \
        "cannot truncate table colors as it is referenced in foreign key objects_ibfk_1 on table objects"
    assert dl.table_hash("colors") == before
    (repo / "objects.csv").write_text("id,name,color\n2,ball,green\n")
    assert dl.ok("table", "import", "-r", "objects", "objects.csv").startswith("Rows Processed: 1")


def test_bad_json_is_said_in_dolts_words(repo: Path, dl: Dl) -> None:
    """Dolt's "An error occurred while moving data", then the cause as its JSON decoder says it
    (object or array told apart), with dl's line and character (a document read in parts says
    the same: tests/core/test_stream_import.py)."""
    (repo / "bad.json").write_text('{"rows": [\n {"id": 0,\n  "name": "tim"\n  bad\n }]}\n')
    assert dl.fails("table", "import", "-c", "--pk", "id", "t", "bad.json") == (
        "bad.json, line 4, character 3: An error occurred while moving data; cause: invalid "
        "character after object key:value pair: 'b'")
    (repo / "arr.json").write_text('{"rows": [{"id": 0, "v": [1 2]}]}')
    assert dl.fails("table", "import", "-c", "--pk", "id", "t", "arr.json").endswith(
        "cause: invalid character after array element: '2'")
    (repo / "two.json").write_text('{"rows": [{"id": 0} {"id": -1}]}')
    assert dl.fails("table", "import", "-c", "--pk", "id", "t", "two.json").endswith(
        "An error occurred while moving data; cause: invalid character after array element: '{' "
        "(expected ',' or ']')")
    assert "t" not in dl.tables()


def test_a_delimiter_of_two_characters(repo: Path, dl: Dl) -> None:
    (repo / "ints.csv").write_text("pk||c1||c2\n0||1||2\n1||1||2\n")
    dl.ok("table", "import", "-c", "-pk=pk", '--delim=||', "test", "ints.csv")
    assert dl.query("select * from test") == "pk,c1,c2\n0,1,2\n1,1,2\n"


def test_an_auto_increment_key_the_file_lacks_is_generated(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q", "CREATE TABLE tbl (id int PRIMARY KEY AUTO_INCREMENT, "
          "v1 int, v2 int, INDEX v1 (v1))")
    (repo / "ai.csv").write_text("v1,v2\n4,2\n3,1\n")
    assert "Additions: 2" in dl.ok("table", "import", "-u", "tbl", "ai.csv")
    (repo / "more.csv").write_text("id,v1,v2\n10,5,5\n,6,6\n0,7,7\n")
    assert "Additions: 3" in dl.ok("table", "import", "-u", "tbl", "more.csv")
    assert dl.query("select * from tbl") == "id,v1,v2\n1,4,2\n2,3,1\n10,5,5\n11,6,6\n12,7,7\n"
    assert dl.ok("sql", "-q", "insert into tbl (v1) values (8); select max(id) as m from tbl", "-r", "csv") \
        .endswith("m\n13\n")


def test_binary_values_are_their_raw_bytes_in_csv(repo: Path, dl: Dl) -> None:
    """Dolt writes a binary value into CSV as it is, so a file with bytes that are not UTF-8,
    imported into a BLOB and exported, compares equal to its source (a real process: the
    bytes go through stdout)."""
    import os
    import shutil
    import subprocess
    import sys
    dl.ok("sql", "--dialect", "mysql", "-q", "create table test (pk int primary key, c1 blob, v varbinary(9))")
    (repo / "bad.csv").write_bytes(b"pk,c1,v\n0,\xb5,a\\0\n")
    dl.ok("table", "import", "-u", "test", "bad.csv")
    command = ["dl"] if shutil.which("dl") else [sys.executable, "-m", "dl"]
    done = subprocess.run([*command, "sql", "-r", "csv", "-q", "select * from test"], cwd=repo,
                          env={**os.environ, "NO_COLOR": "1"}, capture_output=True, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (0, b"pk,c1,v\n0,\xb5,a\\0\n")
    assert dl.ok("sql", "-q", "select v from test").splitlines()[3] == "| 0x615c30 |"  # a box shows hex
