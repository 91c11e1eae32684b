"""Dolt users' habits that carry over to dl (issue 11): the global `--branch NAME`, command
names in any case, and the flags and messages Dolt's own CLI tests expect."""
from __future__ import annotations

from pathlib import Path

from cli_helpers import Dl


def test_global_branch_runs_a_command_on_another_branch_without_checkout(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (pk int primary key)")
    dl.ok("commit", "-Am", "t")
    dl.ok("branch", "other")
    dl.ok("--branch", "other", "sql", "-q", "insert into t values (7)")
    dl.ok("--branch", "other", "commit", "-am", "seven on other")
    assert "On branch other" in dl.ok("--branch", "other", "status")
    assert "seven on other" in dl.ok("--branch", "other", "log", "-n", "1")
    assert "seven on other" not in dl.ok("log", "-n", "1")
    assert dl.ok("branch", "--show-current") == "main\n"  # HEAD did not move
    assert "7" not in dl.ok("sql", "-r", "csv", "-q", "select * from t")
    assert dl.fails("--branch", "nope", "status") == "branch not found: nope"


def test_command_names_match_in_any_case(repo: Path, dl: Dl) -> None:
    assert dl.ok("SQL", "-r", "csv", "-q", "select 1 as x") == "x\n1\n"
    assert "On branch main" in dl.ok("Status")
    assert "No such command" in dl("nosuch").err
