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
    assert dl.query("select UPPER from t") == "UPPER\n b\n"


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
