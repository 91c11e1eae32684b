"""Table, branch, tag and column names are data, never file paths or unquoted SQL: hostile
names either work (quoted everywhere) or are refused with one clear line, and nothing but the
store ever appears on disk."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from rel_cli import Cli

TABLE_NAMES = ['x"; drop table t; --', "Robert'); DROP TABLE t;--", "a.b", "select", "tab le",
               "日本語", "$(touch pwned)", "%s%n{0}"]
PATHS = ["../evil", "a/b", "..", "/etc/passwd", "a\\b", "ev\x00il", " spaced "]
REF_NAMES = ["q'uote", 'dq"uote', "semi;colon", "pct%s", "$(touch pwned)"[:-1].replace(" ", "_")]


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


@pytest.fixture
def base(cli: Cli, tmp_path: Path) -> Path:
    cli.ok("init")
    rows = tmp_path / "rows.csv"
    rows.write_text("id,v\n1,a\n2,b\n3,c\n")
    cli.ok("table", "import", "-c", "--pk", "id", "t", rows)
    cli.ok("commit", "-Am", "t")
    return rows


def _files(top: Path) -> set[str]:
    return {str(p.relative_to(top)) for p in top.rglob("*")}


def _store_only(repo: Path) -> None:
    assert {p.name for p in (repo / ".dl").iterdir()} <= {"store.db", "store.db-wal", "store.db-shm",
                                                           "config.json"}


def test_hostile_table_names_are_quoted_everywhere(cli: Cli, base: Path, tmp_path: Path) -> None:
    before = _files(tmp_path)
    for name in TABLE_NAMES:
        cli.ok("table", "import", "-c", "--pk", "id", name, base)
        assert cli.ok("sql", "-q", f"select count(*) as n from {ident(name)}", "-r", "csv") == "n\n3\n"
        cli.ok("sql", "-q", f"update {ident(name)} set v = 'z' where id = 1")
        assert "| < | 1  | a |" in cli.ok("diff", name) or "z" in cli.ok("diff", name)
        cli.ok("schema", "show", name)
    cli.ok("commit", "-Am", "hostile names")
    listed = cli.ok("table", "ls")
    for name in TABLE_NAMES:
        assert name in listed
        hist = cli.ok("sql", "-q", f"select count(*) as n from {ident('dolt_history_' + name)}", "-r", "csv")
        assert hist == "n\n3\n"
    assert cli.ok("sql", "-q", "select count(*) as n from t", "-r", "csv") == "n\n3\n"  # nothing dropped
    assert _files(tmp_path) - before <= {"repo/.dl/store.db-wal", "repo/.dl/store.db-shm"}
    _store_only(Path.cwd())


@pytest.mark.parametrize("name", PATHS)
def test_path_like_names_are_refused_for_tables_branches_and_tags(cli: Cli, base: Path,
                                                                   tmp_path: Path, name: str) -> None:
    before = _files(tmp_path)
    refs = [] if name == "a/b" else [["branch", name], ["tag", name], ["checkout", "-b", name]]  # `/` parts a ref name, as in git
    for argv in (["table", "import", "-c", "--pk", "id", name, base], *refs, ["table", "mv", "t", name]):
        error = cli.fails(*argv)
        assert ("invalid" in error or "not a valid table name" in error) and "name" in error, (argv, error)
    assert _files(tmp_path) - before <= {"repo/.dl/store.db-wal", "repo/.dl/store.db-shm"}


def test_hostile_branch_tag_and_column_names_work_as_data(cli: Cli, base: Path, tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text('id,"we""ird","sp ace","semi;col"\n1,a,b,c\n')
    cli.ok("table", "import", "-c", "--pk", "id", "odd", odd)
    got = cli.ok("sql", "-q", 'select "we""ird", "sp ace", "semi;col" from odd', "-r", "csv")
    assert got == '"we""ird",sp ace,semi;col\na,b,c\n'
    cli.ok("commit", "-Am", "odd")
    for name in REF_NAMES:
        cli.ok("branch", name)
        cli.ok("tag", name + "-t")
        assert cli.ok("sql", "-q", f"select count(*) as n from t as of {literal(name)}", "-r", "csv") == "n\n3\n"
        cli.ok("checkout", name)
        cli.ok("sql", "-q", "insert into t values (10, 'x')")
        cli.ok("commit", "-am", f"on {name}")
        cli.ok("checkout", "main")
    branches = json.loads(cli.ok("sql", "-q", "select name from dolt_branches", "-r", "json"))
    assert {r["name"] for r in branches["rows"]} >= set(REF_NAMES)
    checked_out = f"call dolt_checkout({literal(REF_NAMES[0])}); select count(*) as n from t"
    assert cli.ok("sql", "-q", checked_out, "-r", "csv").endswith("n\n4\n")
    # as in Dolt, the checkout switched that session's branch only: HEAD stays on main
    assert cli.ok("sql", "-q", "select count(*) as n from t", "-r", "csv") == "n\n3\n"
    _store_only(Path.cwd())
