"""A merge in progress as Dolt's users see it from the command line: `dolt_merge_status`,
committing over conflicts (refused, or forced), and the merge commit's author and date."""
from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Dl

TABLE = "create table t (id int primary key, a int); insert into t values (1, 10), (2, 20)"
STATUS = "select * from dolt_merge_status"


@pytest.fixture
def diverged(repo: Path, dl: Dl) -> Path:
    """main and feat each changed row 1 of t differently (a conflict), feat also added row 3."""
    dl.ok("sql", "-q", TABLE)
    dl.ok("commit", "-Am", "base")
    dl.ok("checkout", "-b", "feat")
    dl.ok("sql", "-q", "update t set a = 11 where id = 1; insert into t values (3, 30)")
    dl.ok("commit", "-am", "feat")
    dl.ok("checkout", "main")
    dl.ok("sql", "-q", "update t set a = 12 where id = 1")
    dl.ok("commit", "-am", "main")
    return repo


def mysql(dl: Dl, sql: str) -> str:
    return dl.ok("sql", "--dialect", "mysql", "-q", sql)


def test_merge_status_outside_and_during_a_merge(diverged: Path, dl: Dl) -> None:
    idle = ("+------------+--------+---------------+--------+-----------------+\n"
            "| is_merging | source | source_commit | target | unmerged_tables |\n"
            "+------------+--------+---------------+--------+-----------------+\n"
            "| false      | NULL   | NULL          | NULL   | NULL            |\n"
            "+------------+--------+---------------+--------+-----------------+\n")
    assert mysql(dl, STATUS) == idle  # true/false as Dolt prints this column, even in MySQL's dialect
    feat = dl.query("select dolt_hashof('feat') as h").splitlines()[1]
    assert dl("merge", "feat").code == 1
    assert dl.query(STATUS) == f"is_merging,source,source_commit,target,unmerged_tables\ntrue,feat,{feat},refs/heads/main,t\n"
    assert mysql(dl, "select staged from dolt_status limit 1").splitlines()[3] == "| 0      |"  # others stay 1/0
    dl.ok("merge", "--abort")
    assert mysql(dl, STATUS) == idle


def test_commit_over_conflicts_is_refused_unless_forced(diverged: Path, dl: Dl) -> None:
    assert dl("merge", "feat", "-m", "merge feat").code == 1
    dl.ok("add", "t")
    assert dl.fails("commit", "-am", "too early") == (
        "tables [t] have unresolved conflicts from the merge. resolve the conflicts before committing")
    out = dl.ok("commit", "--force", "-am", "forced")
    assert out.splitlines()[1].startswith("Merge: ")  # the merge commit, with both parents
    assert dl.query(STATUS).splitlines()[1].startswith("false,")
    assert dl.ok("status") == "On branch main\nnothing to commit, working tree clean\n"


def test_commit_force_in_sql(diverged: Path, dl: Dl) -> None:
    assert dl("merge", "feat").code == 1
    dl.ok("sql", "-q", "call dolt_commit('-f', '-am', 'forced')")
    assert dl.query("select message from dolt_log limit 1") == "message\nforced\n"


def test_merge_author_date_and_no_edit(diverged: Path, dl: Dl, monkeypatch: pytest.MonkeyPatch) -> None:
    dl.ok("sql", "-q", "update t set a = 11 where id = 1")
    dl.ok("commit", "-am", "agree with feat")
    monkeypatch.setenv("DOLT_AUTHOR_DATE", "2023-09-26T01:23:45")
    dl.ok("merge", "feat", "--no-edit", "--author", "John Doe <john@doe.com>", "-m", "merge feat")
    log = dl.ok("log", "-n", "1")
    assert "Author: John Doe <john@doe.com>\n" in log
    assert "Date:   Tue Sep 26 01:23:45 2023" in log
    assert dl.fails("merge", "main", "--author", "nobody", code=2) == 'author must look like "Name <email>", got \'nobody\''


def test_squash_with_no_commit_is_a_squash(diverged: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "update t set a = 11 where id = 1")
    dl.ok("commit", "-am", "agree with feat")
    out = dl.ok("merge", "--squash", "feat", "--no-commit")
    assert "Squash commit -- not updating HEAD" in out
    assert dl.query("select count(*) as n from dolt_log") == "n\n4\n"
    assert dl.query("select count(*) as n from t") == "n\n3\n"
