"""`dl table import --no-header --columns`, `--columns` alone, and imports from standard input,
with Dolt's messages for the combinations it refuses (import-no-header-csv/psv.bats)."""
from __future__ import annotations

from pathlib import Path

from cli_helpers import Dl, run_dl

ROWS = "1,John,Doe\n2,Jane,Smith\n3,Bob,Johnson\n"


def test_no_header_names_the_columns(repo: Path, dl: Dl) -> None:
    Path("p.csv").write_text(ROWS)
    out = dl.ok("table", "import", "-c", "--no-header", "--columns", "id,first,last", "people", "p.csv")
    assert out.endswith("Import completed successfully.\n")
    assert dl.query("select * from people") == "id,first,last\n" + ROWS


def test_no_header_into_an_existing_table_and_psv(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (id int primary key, first text, last text)")
    Path("p.psv").write_text(ROWS.replace(",", "|"))
    dl.ok("table", "import", "-u", "--no-header", "--columns", "id,first,last", "t", "p.psv")
    assert dl.query("select * from t") == "id,first,last\n" + ROWS


def test_columns_alone_replace_the_header(repo: Path, dl: Dl) -> None:
    Path("p.csv").write_text('"a\nb",c,d\n' + ROWS)  # a header record over two lines
    dl.ok("table", "import", "-c", "--columns", "id,first,last", "people", "p.csv")
    assert dl.query("select * from people") == "id,first,last\n" + ROWS


def test_no_header_without_columns_is_refused(repo: Path, dl: Dl) -> None:
    Path("p.csv").write_text(ROWS)
    assert dl.fails("table", "import", "-c", "--no-header", "people", "p.csv") == (
        "When using --no-header with -c (create table), you must also specify --columns to "
        "define column names")
    dl.ok("sql", "-q", "create table t (id int primary key, first text, last text)")
    assert dl.fails("table", "import", "-u", "--no-header", "t", "p.csv") == (
        "When using --no-header with existing tables, you must also specify --columns to define "
        "the order of columns in your CSV file")
    assert dl.fails("table", "import", "-u", "--columns", "id,,last", "t", "p.csv") == \
        "--columns 'id,,last' names an empty column"
    assert dl.tables() == ["t"]


def test_columns_need_a_text_file(repo: Path, dl: Dl) -> None:
    Path("p.jsonl").write_text('{"a": 1}\n')
    assert dl.fails("table", "import", "-c", "--columns", "b", "t", "p.jsonl") == \
        "--columns and --no-header apply to csv, tsv and psv files, not jsonl"


def test_import_from_standard_input(repo: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    create = run_dl("table", "import", "-c", "--no-header", "--columns", "id,first,last", "t",
                    cwd=repo, home=home, stdin=ROWS)
    assert create.returncode == 1
    assert create.stderr == ("error: fatal: when importing from stdin with --create-table, you "
                             "must provide a schema file with --schema\n")
    run_dl("sql", "-q", "create table t (id int primary key, first text, last text)", cwd=repo, home=home)
    update = run_dl("table", "import", "-u", "--no-header", "--columns", "id,first,last", "t",
                    cwd=repo, home=home, stdin=ROWS)
    assert update.returncode == 0, update.stderr
    assert "Import completed successfully." in update.stdout
    rows = run_dl("sql", "-q", "select * from t", "-r", "csv", cwd=repo, home=home)
    assert rows.stdout == "id,first,last\n" + ROWS
