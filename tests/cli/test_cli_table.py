"""`dl table import|export|ls|rm|mv|cp`, `dl ls` and `dl schema show` as a user runs them."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from cli_helpers import BAD, FIXTURES, Dl

FORMATS = ("csv", "tsv", "psv", "json", "jsonl", "parquet")
PEOPLE_SCHEMA = ('CREATE TABLE `people` (\n  `id` bigint NOT NULL,\n  `name` longtext,\n  `age` bigint,\n'
                 '  `city` longtext,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;')


def counts(processed: int, added: int, modified: int, unchanged: int, deleted: int = 0) -> str:
    line = (f"Rows Processed: {processed}, Additions: {added}, Modifications: {modified}, "
            f"Had No Effect: {unchanged}")
    line += f", Deletions: {deleted}" if deleted else ""
    return line + "\nImport completed successfully.\n"


# --- import ---------------------------------------------------------------------------------

@pytest.mark.parametrize("ext", FORMATS)
def test_import_every_format_gives_the_same_table(repo: Path, dl: Dl, ext: str) -> None:
    out = dl.ok("table", "import", "-c", "--pk", "id", "people", FIXTURES / f"people.{ext}")
    assert out == counts(20, 20, 0, 0)
    dl.ok("table", "import", "-c", "--pk", "id", "reference", FIXTURES / "people.csv")
    assert dl.table_hash("people") == dl.table_hash("reference")
    assert dl.ok("schema", "show", "people") == f"people @ working\n{PEOPLE_SCHEMA}\n\n"
    rows = dl.query("select name, age, city from people where id in (4, 6, 11) order by id")
    assert rows == ("name,age,city\nZoë Dubois,29,Montréal\n李雷,33,北京\n"
                    "Frances Allen,,Croton-on-Hudson\n")


def test_import_file_type_overrides_the_extension(repo: Path, dl: Dl, tmp_path: Path) -> None:
    odd = tmp_path / "people.dat"
    odd.write_bytes((FIXTURES / "people.psv").read_bytes())
    assert dl.fails("table", "import", "-c", "--pk", "id", "people", odd).startswith(
        f"cannot tell the format of {odd} (extension '.dat')")
    out = dl.ok("table", "import", "-c", "--pk", "id", "people", odd, "--file-type", "psv")
    assert out == counts(20, 20, 0, 0)
    dl.ok("table", "import", "-c", "--pk", "id", "by_delim", odd,
          "--file-type", "csv", "--delim", "|")
    jsonl = tmp_path / "rows.txt"
    jsonl.write_bytes((FIXTURES / "people.jsonl").read_bytes())
    dl.ok("table", "import", "-c", "--pk", "id", "from_jsonl", jsonl, "--file-type", "jsonl")
    assert dl.table_hash("people") == dl.table_hash("by_delim") == dl.table_hash("from_jsonl")
    assert dl.fails("table", "import", "-c", "--pk", "id", "x", odd, "--file-type", "xml") == \
        "unknown file type 'xml': use one of csv, tsv, psv, parquet, json, jsonl"


def test_import_update_replace_append(people: Path, dl: Dl, tmp_path: Path) -> None:
    changes = FIXTURES / "people_changes.parquet"
    assert dl.ok("table", "import", "-u", "people", changes) == counts(6, 3, 3, 0)
    assert dl.ok("table", "import", "-u", "people", changes) == counts(6, 0, 0, 6)
    assert dl.ok("sql", "-q", "select count(*) as n from people", "-r", "csv") == "n\n23\n"
    assert "modified:         people" in dl.ok("status")
    few = tmp_path / "few.csv"
    few.write_text("id,name,age,city\n1,Ada Lovelace,36,London\n2,Alan,42,Wilmslow\n")
    # Dolt's counts for -r: the rows are replaced, each row of the file added, each old row deleted
    assert dl.ok("table", "import", "-r", "people", few) == counts(2, 2, 0, 0, deleted=23)
    assert dl.ok("sql", "-q", "select id, name from people order by id", "-r", "csv") == \
        "id,name\n1,Ada Lovelace\n2,Alan\n"
    more = tmp_path / "more.jsonl"
    more.write_text('{"id": 30, "name": "New", "age": 1, "city": "X"}\n'
                    '{"id": 31, "name": "Newer"}\n')
    assert dl.ok("table", "import", "-a", "people", more) == counts(2, 2, 0, 0)
    assert dl.query("select id, age, city from people where id = 31") == "id,age,city\n31,,\n"
    before = dl.table_hash("people")
    assert dl.fails("table", "import", "-a", "people", more) == (
        "more.jsonl, line 1: primary key 30 already exists in table people "
        "(-a only adds rows; use -u to update them)")
    assert dl.table_hash("people") == before
    dl.ok("table", "import", "-c", "-f", "--pk", "id", "people", FIXTURES / "people.csv")
    assert dl.ok("status") == "On branch main\nnothing to commit, working tree clean\n"


def test_import_mode_and_flag_errors(people: Path, dl: Dl) -> None:
    csv = FIXTURES / "people.csv"
    one = "Must specify exactly one of -c, -u, -a, or -r."  # Dolt's words, exit 1 as Dolt
    assert dl.fails("table", "import", "people", csv) == one
    assert dl.fails("table", "import", "-c", "-u", "people", csv) == one
    assert dl.fails("table", "import", "-c") == \
        "expected 1 argument (for stdin) or 2 arguments (table and file), but received 0 " \
        "(usage: dl table import [OPTIONS] [table] [file])"  # Dolt prints its usage after it
    assert dl.fails("table", "import", "-u", "-s", "x.sql", "people", csv) == \
        "fatal: schema is not supported for update or replace operations"
    assert dl.fails("table", "import", "-c", "people", csv) == \
        "people already exists. Use -f to overwrite. (-u updates its rows, -r replaces them.)"
    assert dl.fails("table", "import", "-u", "nope", csv) == \
        "The following table could not be found: nope; use -c to create it"
    assert dl.fails("table", "import", "-c", "--pk", "ident", "fresh", csv) == \
        "Error determining the output schema. primary key 'ident' not found in import file. Available columns: id, name, age, city"
    assert dl.fails("table", "import", "-c", "--pk", "id,", "fresh", csv, code=2) == \
        "--pk 'id,' names an empty column"
    assert dl.tables() == ["people"]


def test_import_keys_by_the_first_column_without_pk(repo: Path, dl: Dl) -> None:
    """As Dolt: `-c` without --pk keys the new table by the file's first column; -pk is --pk,
    and --pk is ignored by the modes that keep the table's schema."""
    Path("t.csv").write_text("b,a\n2,x\n1,y\n")
    dl.ok("table", "import", "-c", "fresh", "t.csv")
    assert dl.ok("sql", "-q", "select * from fresh", "-r", "csv") == "b,a\n1,y\n2,x\n"
    assert dl.ok("schema", "show", "fresh").count("PRIMARY KEY") == 1
    assert '`b`' in dl.ok("schema", "show", "fresh").split("PRIMARY KEY")[1].splitlines()[0]
    dl.ok("table", "import", "-c", "-pk", "a", "keyed", "t.csv")
    assert '`a`' in dl.ok("schema", "show", "keyed").split("PRIMARY KEY")[1].splitlines()[0]
    dl.ok("table", "import", "-r", "-pk", "a", "keyed", "t.csv")


def test_import_with_a_schema_file(repo: Path, dl: Dl, tmp_path: Path) -> None:
    schema = tmp_path / "people.sql"
    schema.write_text("CREATE TABLE whatever (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                      "age SMALLINT, city VARCHAR DEFAULT 'Nowhere');\n")
    csv = FIXTURES / "people.csv"
    assert dl.ok("table", "import", "-c", "--schema", schema, "people", csv) == counts(20, 20, 0, 0)
    assert dl.ok("schema", "show", "people") == (
        'people @ working\nCREATE TABLE `people` (\n  `id` int NOT NULL,\n  `name` text NOT NULL,\n'
        '  `age` smallint,\n  `city` longtext DEFAULT \'Nowhere\',\n  PRIMARY KEY (`id`)\n'
        ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;\n\n')
    # a header-only file creates an empty table when the schema gives the types
    out = dl.ok("table", "import", "-c", "--schema", schema, "empty", BAD / "header_only.csv")
    assert out == counts(0, 0, 0, 0)
    assert dl.ok("table", "ls", "-v").splitlines()[1].split() == ["empty", "0", "rows"]
    # --pk with --schema overrides the key
    dl.ok("table", "import", "-c", "--schema", schema, "--pk", "name", "by_name", csv)
    assert 'PRIMARY KEY (`name`)' in dl.ok("schema", "show", "by_name")
    bad = tmp_path / "bad.sql"
    bad.write_text("this is not sql at all (")
    reader = f"Error creating reader for csv file {csv}: "  # Dolt's heading, naming the data file
    assert dl.fails("table", "import", "-c", "--schema", bad, "t", csv).startswith(f"{reader}{bad}: ")
    bad.write_text("SELECT 1;")
    assert dl.fails("table", "import", "-c", "--schema", bad, "t", csv) == \
        f"{reader}{bad}: needs a CREATE TABLE statement with columns"
    assert dl.fails("table", "import", "-c", "--schema", tmp_path / "none.sql", "t", csv) == \
        f"{reader}schema file not found: {tmp_path / 'none.sql'}"


def test_leading_zero_keys_stay_text_unless_the_schema_says_integer(repo: Path, dl: Dl,
                                                                    tmp_path: Path) -> None:
    codes = BAD / "leading_zero_key.csv"
    assert dl.ok("table", "import", "-c", "--pk", "code", "codes", codes) == counts(3, 3, 0, 0)
    assert '`code` longtext' in dl.ok("schema", "show", "codes")
    assert dl.query("select code, name from codes order by name") == \
        "code,name\n042,Answer\n007,Bond\n7,Seven\n"
    dl.ok("table", "export", "codes", "codes.csv")
    assert (Path("codes.csv")).read_text() == "code,name\n007,Bond\n042,Answer\n7,Seven\n"
    dl.ok("table", "import", "-c", "--pk", "id", "zips", BAD / "leading_zeros.csv")
    assert dl.query("select zip, code from zips order by id") == \
        "zip,code\n02134,007\n10001,042\n00501,100\n"
    schema = tmp_path / "int.sql"
    schema.write_text("CREATE TABLE c (code INT PRIMARY KEY, name TEXT);")
    # as integers 007 and 7 are the same key: refused, naming the lines
    assert dl.fails("table", "import", "-c", "--schema", schema, "as_int", codes) == \
        "duplicate primary key 7 in as_int (lines 2, 3)"
    ok = tmp_path / "ok.csv"
    ok.write_text("code,name\n007,Bond\n042,Answer\n")
    dl.ok("table", "import", "-c", "--schema", schema, "as_int", ok)
    assert dl.query("select code from as_int order by code") == "code\n7\n42\n"


def test_na_is_text_in_text_columns_and_missing_in_numbers(repo: Path, dl: Dl) -> None:
    dl.ok("table", "import", "-c", "--pk", "id", "na", BAD / "na_values.csv")
    out = dl.ok("sql", "-q", "select id, country, score from na order by id", "-r", "json")
    rows = json.loads(out)["rows"]
    assert [r["country"] for r in rows] == ["NA", "FR", None, "DE", "NA", "US"]
    assert [r["score"] for r in rows] == [None, 1.5, None, None, None, 2.5]


def test_int_overflow_is_never_a_float(repo: Path, dl: Dl) -> None:
    dl.ok("table", "import", "-c", "--pk", "id", "big", BAD / "int_overflow.csv")
    assert '`big` decimal(38,0)' in dl.ok("schema", "show", "big")
    assert dl.query("select big from big order by id") == "big\n12\n99999999999999999999\n-5\n"


# --- export -----------------------------------------------------------------------------------

@pytest.mark.parametrize("ext", FORMATS)
def test_export_each_format(people: Path, dl: Dl, ext: str) -> None:
    done = dl("table", "export", "people", f"out.{ext}")
    assert (done.code, done.out, done.err) == (0, "", "Successfully exported data.\n")  # Dolt's words
    if ext == "parquet":
        exported = pq.read_table("out.parquet")
        assert exported.num_rows == 20 and exported.column_names == ["id", "name", "age", "city"]
        assert exported.column("name")[5].as_py() == "李雷"
    elif ext == "json":  # Dolt's shape: one line, compact rows; the fixture's rows
        text = Path("out.json").read_text()
        assert text.startswith('{"rows": [{"id":1,"name":') and text.count("\n") == 1
        assert json.loads(text) == json.loads((FIXTURES / "people.json").read_text())
    elif ext == "jsonl":
        lines = Path("out.jsonl").read_text().splitlines()
        assert lines[0].startswith('{"id":1,"name":')
        assert [json.loads(x) for x in lines] == \
            [json.loads(x) for x in (FIXTURES / "people.jsonl").read_text().splitlines()]
    else:  # byte for byte what the fixture writer (the standard library) wrote
        assert Path(f"out.{ext}").read_bytes() == (FIXTURES / f"people.{ext}").read_bytes()
    dl.ok("table", "import", "-c", "--pk", "id", "back", f"out.{ext}")
    assert dl.table_hash("back") == dl.table_hash("people")


def test_export_json_is_dolts_text_byte_for_byte(repo: Path, dl: Dl) -> None:
    """export-tables.bats compares the file's text: one line, compact rows, MySQL's datetime."""
    dl.ok("sql", "--dialect", "mysql", "-q",
          "CREATE TABLE test (pk BIGINT PRIMARY KEY, v1 DATE, v2 TIME, v3 YEAR, v4 DATETIME); "
          "INSERT INTO test VALUES (1,'2020-04-08','11:11:11','2020','2020-04-08 11:11:11'), "
          "(2,'2020-04-08','12:12:12.5','2020','2020-04-08 12:12:12.25')")
    dl.ok("table", "export", "test", "test.json")
    assert Path("test.json").read_text() == (
        '{"rows": [{"pk":1,"v1":"2020-04-08","v2":"11:11:11.000000","v3":2020,"v4":"2020-04-08 11:11:11"},'
        '{"pk":2,"v1":"2020-04-08","v2":"12:12:12.500000","v3":2020,"v4":"2020-04-08 12:12:12.250000"}]}\n')
    dl.ok("table", "export", "test", "test.jsonl")
    assert Path("test.jsonl").read_text().splitlines()[0] == \
        '{"pk":1,"v1":"2020-04-08","v2":"11:11:11.000000","v3":2020,"v4":"2020-04-08 11:11:11"}'
    before = dl.table_hash("test")
    dl.ok("table", "import", "-r", "test", "test.json")
    assert dl.table_hash("test") == before


def test_export_as_of_overwrite_and_file_type(people: Path, dl: Dl) -> None:
    dl.ok("table", "import", "-u", "people", FIXTURES / "people_changes.parquet")
    dl.ok("commit", "-am", "changes")
    dl.ok("sql", "-q", "delete from people")
    dl.ok("table", "export", "people", "now.csv")
    assert Path("now.csv").read_text() == "id,name,age,city\n"
    dl.ok("table", "export", "people", "head.csv", "--as-of", "HEAD")
    assert Path("head.csv").read_text().count("\n") == 24
    dl.ok("table", "export", "people", "first.csv", "--as-of", "HEAD~1")
    assert Path("first.csv").read_bytes() == (FIXTURES / "people.csv").read_bytes()
    dl.ok("tag", "v1", "HEAD~1")
    dl.ok("table", "export", "people", "tagged.csv", "--as-of", "v1")
    assert Path("tagged.csv").read_bytes() == Path("first.csv").read_bytes()
    assert dl.fails("table", "export", "people", "first.csv", "--as-of", "HEAD") == \
        "first.csv already exists. Use -f to overwrite."
    assert Path("first.csv").read_bytes() == (FIXTURES / "people.csv").read_bytes()
    dl.ok("table", "export", "people", "first.csv", "--as-of", "HEAD", "-f")
    assert Path("first.csv").read_text().count("\n") == 24
    assert dl.fails("table", "export", "people", "noext", "--as-of", "HEAD").startswith(
        "cannot tell the format of noext")
    dl.ok("table", "export", "people", "noext", "--as-of", "HEAD", "--file-type", "jsonl")
    assert len(Path("noext").read_text().splitlines()) == 23
    assert dl.fails("table", "export", "nope", "x.csv") == "table not found: nope"
    assert dl.fails("table", "export", "people", "x.csv", "--as-of", "nope").startswith(
        "revision not found: nope")
    assert not Path("x.csv").exists()


def test_export_to_standard_output(people: Path, dl: Dl) -> None:
    """As Dolt: no file writes CSV (or PSV) to stdout, and the message goes to stderr."""
    done = dl("table", "export", "people")
    assert done.out == (FIXTURES / "people.csv").read_text()
    assert done.err == "Successfully exported data.\n"
    assert dl("table", "export", "--file-type", "psv", "people").out.startswith("id|name|age|city\n")
    assert dl.fails("table", "export", "--file-type", "parquet", "people") == \
        "Cannot export this format to stdout"
    assert dl.fails("table", "export", "nope") == "table not found: nope"


# --- ls, rm, mv, cp, schema show ----------------------------------------------------------------

def test_table_ls_rm_mv_cp(people: Path, dl: Dl) -> None:
    assert dl.ok("table", "ls") == "Tables in working set:\n\tpeople\n"
    assert dl.ok("ls") == "Tables in working set:\n\tpeople\n"
    assert dl.ok("table", "cp", "people", "backup") == ""
    assert dl.table_hash("backup") == dl.table_hash("people")
    dl.ok("table", "mv", "backup", "archive")
    assert dl.ok("table", "ls", "-v") == (
        "Tables in working set:\n"
        f"\t{'archive':<30} 20 rows\n"
        f"\t{'people':<30} 20 rows\n")
    assert dl.ok("table", "ls", "HEAD") == "Tables in HEAD:\n\tpeople\n"
    assert dl.ok("table", "ls", "HEAD~1") == "No tables in HEAD~1\n"
    assert dl.fails("table", "cp", "people", "archive") == \
        "table already exists: archive (use -f to replace it)"
    dl.ok("sql", "-q", "delete from archive where id > 1")
    dl.ok("table", "cp", "-f", "people", "archive")
    assert dl.table_hash("archive") == dl.table_hash("people")
    dl.ok("table", "rm", "archive")
    assert dl.tables() == ["people"]
    assert dl.fails("table", "rm", "archive") == "table not found: archive"
    assert dl.fails("table", "mv", "nope", "other") == "table not found: nope"
    assert dl.fails("table", "cp", "people", "a/b") == \
        "'a/b' is not a valid table name: it contains a path separator"
    dl.ok("table", "mv", "people", "persons")
    assert dl.tables() == ["persons"]
    status = dl.ok("status")
    assert "deleted:          people" in status and "new table:        persons" in status
    dl.ok("table", "rm", "persons")
    assert dl.ok("table", "ls") == "No tables in working set\n"


def test_schema_show(people: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (k text primary key, n double not null default 1.5, d date)")
    out = dl.ok("schema", "show")
    assert out == (f"people @ working\n{PEOPLE_SCHEMA}\n\n"
                   't @ working\nCREATE TABLE `t` (\n  `k` text NOT NULL,\n'
                   '  `n` double NOT NULL DEFAULT \'1.5\',\n  `d` date,\n  PRIMARY KEY (`k`)\n'
                   ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;\n\n')
    assert dl.ok("schema", "show", "HEAD", "people") == f"people @ HEAD\n{PEOPLE_SCHEMA}\n\n"
    assert dl.ok("schema", "show", "HEAD") == f"people @ HEAD\n{PEOPLE_SCHEMA}\n\n"
    assert dl.ok("schema", "show", "t").startswith('t @ working\nCREATE TABLE `t` (')
    assert dl.fails("schema", "show", "nope") == "table not found: nope"
