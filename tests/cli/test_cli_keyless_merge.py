"""Merging keyless tables from the command line, as Dolt's users know it: a row whose number of
copies both branches changed (even alike) is a conflict; `conflicts resolve --ours/--theirs`
(and `dolt_conflicts_resolve`) settle it to one side's count."""
from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Dl


@pytest.fixture
def keyless(repo: Path, dl: Dl) -> Path:
    """main holds keyless (0,0), (1,1) twice and (2,2), committed; branch other starts there."""
    dl.ok("sql", "--dialect", "mysql", "-q",
          "CREATE TABLE keyless (c0 int, c1 int); INSERT INTO keyless VALUES (0,0),(2,2),(1,1),(1,1)")
    dl.ok("commit", "-Am", "init")
    dl.ok("branch", "other")
    return repo


def on_both(dl: Dl, main_sql: str, other_sql: str) -> None:
    dl.ok("sql", "-q", main_sql)
    dl.ok("commit", "-am", "on main")
    dl.ok("checkout", "other")
    dl.ok("sql", "-q", other_sql)
    dl.ok("commit", "-am", "on other")


def rows(dl: Dl) -> list[str]:
    return dl.query("select * from keyless order by c0, c1").splitlines()[1:]


def test_the_same_rows_inserted_on_both_branches_conflict(keyless: Path, dl: Dl) -> None:
    on_both(dl, "INSERT INTO keyless VALUES (7,7),(8,8)", "INSERT INTO keyless VALUES (8,8),(7,7)")
    result = dl("merge", "main", "-m", "merge")
    assert result.code == 1 and "CONFLICT (content): Merge conflict in keyless" in result.out
    assert rows(dl) == ["0,0", "1,1", "1,1", "2,2", "7,7", "8,8"]  # ours kept
    counts = dl.query("select our_c0, base_cardinality, our_cardinality, their_cardinality "
                      "from dolt_conflicts_keyless order by our_c0")
    assert counts.splitlines()[1:] == ["7,0,1,1", "8,0,1,1"]
    cat = dl.ok("conflicts", "cat", "keyless")
    assert "cardinality" not in cat and "|  +  | theirs | 7  | 7  |" in cat


def test_offset_copies_resolved_to_ours_keep_our_count(keyless: Path, dl: Dl) -> None:
    on_both(dl, "INSERT INTO keyless VALUES (7,7)", "INSERT INTO keyless VALUES (7,7),(7,7),(9,9)")
    assert dl("merge", "main", "-m", "merge").code == 1
    dl.ok("conflicts", "resolve", "--ours", "keyless")
    dl.ok("commit", "-am", "resolved")
    assert rows(dl) == ["0,0", "1,1", "1,1", "2,2", "7,7", "7,7", "9,9"]


def test_a_delete_against_an_insert_resolved_to_theirs_in_sql(keyless: Path, dl: Dl) -> None:
    dl.ok("checkout", "-b", "right")
    dl.ok("sql", "-q", "DELETE FROM keyless WHERE c0 = 2")
    dl.ok("commit", "-am", "deleted twos on right")
    dl.ok("checkout", "other")
    dl.ok("sql", "-q", "INSERT INTO keyless VALUES (2,2)")
    dl.ok("commit", "-am", "inserted twos on other")
    result = dl("merge", "right", "-m", "merge")
    assert result.code == 1 and "CONFLICT" in result.out
    dl.ok("sql", "-q", "call dolt_conflicts_resolve('--theirs', 'keyless')")
    dl.ok("commit", "-am", "resolved")
    assert rows(dl) == ["0,0", "1,1", "1,1"]


def test_a_row_changed_on_one_branch_only_merges_cleanly(keyless: Path, dl: Dl) -> None:
    on_both(dl, "DELETE FROM keyless WHERE c0 = 1 LIMIT 1", "INSERT INTO keyless VALUES (5,5)")
    dl.ok("merge", "main", "-m", "merge")
    assert rows(dl) == ["0,0", "1,1", "2,2", "5,5"]
