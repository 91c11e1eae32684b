"""Bad input is a feature: one clear line on stderr, exit code 1 (2 for usage), no traceback, and
nothing half-written. Each bad file is a fixture in fixtures/bad/ (see fixtures/make_fixtures.py).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import BAD, FIXTURES, Dl

CLEAN = "On branch main\nnothing to commit, working tree clean\n"


def unchanged(dl: Dl, people_hash: str) -> None:
    """The working set is as committed: people as it was, no other table."""
    assert dl.ok("status") == CLEAN
    assert dl.tables() == ["people"]
    assert dl.table_hash("people") == people_hash


HINT = ". Errors during import can be ignored using '--continue'"
RAGGED = ("An error occurred while moving data: A bad row was encountered inserting into table {table} "
          "(on line 5): CSV reader expected 4 values, but saw 3. row values: "
          "'{{\"id\": \"4\", \"name\": \"Zoe\", \"age\": \"29\", \"city\": \"\"}}'" + HINT)
INVALID_UTF8 = ("{path}, line 3, column name: b'Jos\\xe9' is not valid UTF-8 "
                "(dl reads UTF-8 text only): Incorrect string value: '\\xE9'")

# (file under fixtures/bad, expected message; {path} is the file as given)
CREATE_CASES = [
    ("ragged.csv", RAGGED.replace("{table}", "t")),
    ("ragged.tsv", "An error occurred while moving data: A bad row was encountered inserting into table t "
                   "(on line 3): CSV reader expected 4 values, but saw 5. row values: '{{\"id\": \"2\", "
                   "\"name\": \"Alan\", \"age\": \"41\", \"city\": \"Manchester\"}}' with the following "
                   "values left over: '[\"UK\"]'" + HINT),
    ("dup_key.csv", "duplicate primary key 2 in t (lines 3, 5)"),
    ("dup_key.jsonl", "duplicate primary key 1 in t (lines 1, 3)"),
    ("null_pk.csv", "null_pk.csv, line 3: primary key column 'id' is empty or null"),
    ("null_pk.jsonl", "null_pk.jsonl, line 2: primary key column 'id' is empty or null"),
    ("dup_columns.csv", "{path}, line 1: invalid schema: duplicate column name 'name' (columns 2 and 3)"),
    ("invalid_utf8.csv", INVALID_UTF8),
    ("empty.csv", "Error creating reader for {path}: it is an empty file"),
    ("header_only.csv",
     "{path} has a header but no rows: column types cannot be inferred (give a schema)"),
    ("truncated.json",
     "{path}, line 1, character 47: An error occurred while moving data; cause: unexpected end of JSON input"),
    ("missing_pk.csv", "Error determining the output schema. primary key 'id' not found in import file. Available columns: name, age, city"),
]


@pytest.mark.parametrize("name, message", CREATE_CASES, ids=[c[0] for c in CREATE_CASES])
def test_bad_file_on_create(people: Path, dl: Dl, name: str, message: str) -> None:
    before = dl.table_hash("people")
    path = BAD / name
    assert dl.fails("table", "import", "-c", "--pk", "id", "t", path) == message.format(path=path)
    unchanged(dl, before)


UPDATE_CASES = [
    ("ragged.csv", RAGGED.replace("{table}", "people")),
    ("dup_key.csv", "duplicate primary key 2 in people (lines 3, 5)"),
    ("bad_type.csv", "{path}, line 4, column age: 'seven' is not a valid int64"),
    ("bad_type.jsonl",
     "{path}, line 2, column age: 'seven' is a string, but the column's first value is a number"),
    ("null_pk.csv", "null_pk.csv, line 3: primary key column 'id' is empty or null"),
    ("missing_pk.csv", "Field 'id' doesn't have a default value"),
    ("dup_columns.csv", "{path}, line 1: invalid schema: duplicate column name 'name' (columns 2 and 3)"),
    ("invalid_utf8.csv", INVALID_UTF8),
    ("empty.csv", "Error creating reader for {path}: it is an empty file"),
]
# A file column the table lacks is ignored with Dolt's warning (test_cli_dolt_import_habits).


@pytest.mark.parametrize("mode", ["-u", "-r", "-a"])
@pytest.mark.parametrize("name, message", UPDATE_CASES, ids=[c[0] for c in UPDATE_CASES])
def test_bad_file_into_an_existing_table(people: Path, dl: Dl, name: str, message: str,
                                         mode: str) -> None:
    before = dl.table_hash("people")
    path = BAD / name
    assert dl.fails("table", "import", mode, "people", path) == message.format(path=path)
    unchanged(dl, before)


def test_value_that_does_not_fit_its_column(people: Path, dl: Dl, tmp_path: Path) -> None:
    """Column, line and value, whether the type comes from a schema file or the table."""
    before = dl.table_hash("people")
    schema = tmp_path / "narrow.sql"
    schema.write_text("CREATE TABLE x (id INT PRIMARY KEY, big BIGINT);")
    path = BAD / "int_overflow.csv"
    assert dl.fails("table", "import", "-c", "--schema", schema, "t", path) == \
        f"{path}, line 3, column big: '99999999999999999999' is not a valid int64"
    schema.write_text("CREATE TABLE x (id INT PRIMARY KEY, name TEXT, age TINYINT, city TEXT);")
    big = tmp_path / "old.csv"
    big.write_text("id,name,age,city\n1,Ada,36,London\n2,Methuselah,969,Eden\n")
    assert dl.fails("table", "import", "-c", "--schema", schema, "t", big) == \
        f"{big}, line 3, column age: '969' is not a valid int8"
    assert dl.fails("table", "import", "-c", "--schema", schema, "t", BAD / "bad_type.csv") == \
        f"{BAD / 'bad_type.csv'}, line 4, column age: 'seven' is not a valid int8"
    unchanged(dl, before)


def test_header_only_file_is_fine_where_the_types_are_known(people: Path, dl: Dl) -> None:
    before = dl.table_hash("people")
    assert dl.ok("table", "import", "-u", "people", BAD / "header_only.csv").startswith(
        "Rows Processed: 0, Additions: 0, Modifications: 0, Had No Effect: 0\n")
    unchanged(dl, before)


def test_file_that_does_not_exist(people: Path, dl: Dl, tmp_path: Path) -> None:
    before = dl.table_hash("people")
    missing = tmp_path / "missing.csv"
    assert dl.fails("table", "import", "-c", "--pk", "id", "t", missing) == \
        f"file not found: {missing}"
    assert dl.fails("table", "import", "-u", "people", missing) == f"file not found: {missing}"
    assert dl.fails("table", "import", "-u", "people", tmp_path) == \
        f"{tmp_path} is a directory, not a table file"
    unchanged(dl, before)


# --- names ------------------------------------------------------------------------------------

BAD_NAMES = [
    ("a/b", "it contains a path separator"),
    ("a\\b", "it contains a path separator"),
    ("a..b", "it contains '..'"),
    ("..", "it contains '..'"),
    ("a\tb", "it contains control characters"),
    ("a\x1bb", "it contains control characters"),
    ("new\nline", "it contains control characters"),
    ("-x", "it starts with '-'"),
]


@pytest.mark.parametrize("name, reason", BAD_NAMES, ids=[repr(n) for n, _ in BAD_NAMES])
def test_bad_table_names(people: Path, dl: Dl, name: str, reason: str) -> None:
    before = dl.table_hash("people")
    expected = f"{name!r} is not a valid table name: {reason}"
    csv = FIXTURES / "people.csv"
    assert dl.fails("table", "import", "-c", "--pk", "id", "--", name, csv) == expected
    assert dl.fails("table", "cp", "--", "people", name) == expected
    assert dl.fails("table", "mv", "--", "people", name) == expected
    unchanged(dl, before)


BAD_REF_NAMES = [(n, r) for n, r in BAD_NAMES if n != "a/b"] + [  # `/` separates parts, as in git
    ("a//b", "each part between '/' must be non-empty and not start with '.'")]


@pytest.mark.parametrize("name, reason", BAD_REF_NAMES, ids=[repr(n) for n, _ in BAD_REF_NAMES])
def test_bad_branch_and_tag_names(people: Path, dl: Dl, name: str, reason: str) -> None:
    assert dl.fails("branch", "--", name) == f"invalid branch name {name!r}: {reason}"
    assert dl.fails("branch", "-c", "--", "main", name) == f"invalid branch name {name!r}: {reason}"
    assert dl.fails("branch", "-m", "--", "main", name) == f"invalid branch name {name!r}: {reason}"
    assert dl.fails("checkout", "-b", name) == f"invalid branch name {name!r}: {reason}"
    assert dl.fails("tag", "--", name) == f"invalid tag name {name!r}: {reason}"
    assert dl.ok("branch") == "* main\n" and dl.ok("tag") == ""


def test_a_leading_dash_without_double_dash_is_a_usage_error(people: Path, dl: Dl) -> None:
    csv = FIXTURES / "people.csv"
    assert dl.fails("table", "import", "-c", "--pk", "id", "-x", csv, code=2) == \
        "No such option: -x"
    assert dl.fails("branch", "-x", code=2) == "No such option: -x"


# --- revisions, branches, usage -------------------------------------------------------------------

UNKNOWN_REVISION = "revision not found: nope; give a branch, tag, commit hash, HEAD, HEAD~n"


@pytest.mark.parametrize("args, message", [
    (("log", "nope"), "table nope does not exist"),  # neither a revision nor a table: Dolt's message
    (("show", "nope"), UNKNOWN_REVISION),
    (("diff", "nope"), "table nope does not exist in either revision"),
    (("diff", "HEAD", "nope"), "table nope does not exist in either revision"),
    (("diff", "nope..HEAD"), UNKNOWN_REVISION),
    (("reset", "--hard", "nope"), UNKNOWN_REVISION),
    (("reset", "--soft", "nope"), UNKNOWN_REVISION),
    (("table", "export", "people", "out.csv", "--as-of", "nope"), UNKNOWN_REVISION),
    (("table", "ls", "nope"), UNKNOWN_REVISION),
    (("branch", "new", "nope"), UNKNOWN_REVISION),
    (("tag", "v1", "nope"), UNKNOWN_REVISION),
    (("log", "HEAD~5"), "revision not found: HEAD~5; history is not that long"),
    (("log", "0000000"), "revision not found: 0000000"),
    (("checkout", "nope"), "branch or table not found: nope"),
    (("branch", "-d", "nope"), "branch not found: nope"),
    (("branch", "-m", "nope", "other"), "branch not found: nope"),
    (("tag", "-d", "nope"), "tag not found: nope"),
])
def test_unknown_revision_or_branch(people: Path, dl: Dl, args: tuple[str, ...],
                                    message: str) -> None:
    before = dl.ok("log", "--oneline")
    assert dl.fails(*args) == message
    assert dl.ok("log", "--oneline") == before
    assert dl.ok("branch") == "* main\n"
    assert not Path("out.csv").exists()


@pytest.mark.parametrize("args, start", [
    (("bogus",), "No such command 'bogus'."),
    (("commit", "--bogus"), "No such option: --bogus"),
    (("log", "-n", "x"), "Invalid value for '-n'"),
    (("diff", "-r", "yaml"), "unknown result format 'yaml'"),
    (("reset", "--hard", "HEAD", "HEAD~1"), "--hard/--soft take at most one revision"),
])
def test_usage_errors_exit_2(people: Path, dl: Dl, args: tuple[str, ...], start: str) -> None:
    assert dl.fails(*args, code=2).startswith(start)


# --- outside a repository ------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("status",), ("log",), ("add", "."), ("commit", "-m", "x"), ("diff",), ("show",), ("branch",),
    ("checkout", "main"), ("reset", "--hard"), ("tag",), ("table", "ls"), ("ls",),
    ("schema", "show"),
    ("table", "import", "-c", "--pk", "id", "t", str(FIXTURES / "people.csv")),
    ("table", "export", "t", "out.csv"),
])
def test_outside_a_repository(work: Path, dl: Dl, args: tuple[str, ...]) -> None:
    assert dl.fails(*args) == \
        f"repository not found: {work}; run `dl init` to create one, or use --data-dir"
    assert list(work.iterdir()) == []


def test_unclosed_quote_is_refused_and_nothing_is_imported(repo: Path, dl: Dl) -> None:
    (repo / "unclosed.csv").write_text('id,a\n1,"x\n2,y\n3,z\n')
    assert dl.fails("table", "import", "-c", "--pk", "id", "u", "unclosed.csv") == (
        "unclosed.csv, line 2: a quoted field starts here and is never closed "
        "(a missing closing quote would swallow every line after it)")
    assert dl.tables() == []
