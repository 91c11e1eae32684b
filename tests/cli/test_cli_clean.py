"""`dl reset --hard` keeps untracked tables (never added), as Dolt and git do; `dl clean`
(and `dolt_clean()` in SQL) removes them on purpose."""
from __future__ import annotations

from pathlib import Path

from cli_helpers import FIXTURES, Dl

PEOPLE = FIXTURES / "people.csv"


def test_reset_hard_keeps_untracked_tables(people: Path, dl: Dl) -> None:
    dl.ok("table", "import", "-c", "--pk", "id", "scratch", PEOPLE)
    scratch = dl.table_hash("scratch")
    dl.ok("table", "import", "-c", "--pk", "id", "staged_new", PEOPLE)
    dl.ok("add", "staged_new")
    dl.ok("sql", "-q", "delete from people where id = 1")
    dl.ok("reset", "--hard")
    assert dl.tables() == ["people", "scratch"]  # the staged new table is tracked: it goes
    assert dl.table_hash("scratch") == scratch
    assert dl.query("select count(*) as n from people") == "n\n20\n"  # tracked changes are gone
    assert "Untracked tables:" in dl.ok("status")


def test_reset_hard_to_a_revision_keeps_untracked_unless_it_has_the_name(people: Path, dl: Dl) -> None:
    dl.ok("table", "cp", "people", "old")
    dl.ok("commit", "-Am", "old")
    dl.ok("table", "rm", "old")
    dl.ok("commit", "-am", "no old")
    dl.ok("sql", "-q", "create table old (k int primary key); create table mine (k int primary key)")
    dl.ok("reset", "--hard", "HEAD~1")
    assert dl.tables() == ["mine", "old", "people"]
    assert dl.query("select count(*) as n from old") == "n\n20\n"  # the revision's table wins


def test_clean_dry_run_names_and_all(people: Path, dl: Dl) -> None:
    for name in ("a", "b", "c"):
        dl.ok("table", "import", "-c", "--pk", "id", name, PEOPLE)
    assert dl.ok("clean", "--dry-run") == "Would remove table a\nWould remove table b\nWould remove table c\n"
    assert dl.tables() == ["a", "b", "c", "people"]
    assert dl.ok("clean", "b") == "Removing table b\n"
    assert dl.tables() == ["a", "c", "people"]
    assert dl.fails("clean", "people") == "untracked table not found: people; dl clean removes only tables never added"
    assert dl.fails("clean", "nope").startswith("untracked table not found: nope")
    assert dl.ok("clean") == "Removing table a\nRemoving table c\n"
    assert dl.tables() == ["people"]
    assert dl.ok("clean") == ""
    assert "nothing to commit" in dl.ok("status")


def test_dolt_clean_and_dolt_reset_in_sql(people: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table s1 (k int primary key); create table s2 (k int primary key)")
    dl.ok("sql", "-q", "call dolt_reset('--hard')")
    assert dl.tables() == ["people", "s1", "s2"]
    dl.ok("sql", "-q", "call dolt_clean('--dry-run')")
    assert dl.tables() == ["people", "s1", "s2"]
    assert dl.query("call dolt_clean('s1')") == "status\n0\n"
    assert dl.tables() == ["people", "s2"]
    dl.ok("sql", "-q", "call dolt_clean()")
    assert dl.tables() == ["people"]
    assert "untracked table not found: people" in dl.fails("sql", "-q", "call dolt_clean('people')")
