"""Who wrote a change and who committed it, kept apart as Dolt keeps them (issue 11): the
environment ($DOLT_COMMITTER_NAME...), `--author`, the SQL session variables
(@@dolt_committer_name...) and the columns of dolt_log, dolt_commits, dolt_branches and dolt_diff."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_helpers import Dl

from dl.core.hashing import Address
from dl.core.repo import authored_commit, Author
from dl.core.versioning.commit import Commit


def _csv(dl: Dl, sql: str) -> str:
    return dl.ok("sql", "--dialect", "mysql", "-r", "csv", "-q", sql)


def test_committer_from_the_environment_and_author_from_the_flag(repo: Path, dl: Dl,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    dl.ok("commit", "--allow-empty", "-m", "plain")
    assert _csv(dl, "select author, author_email, committer, email from dolt_log where message = 'plain'") == \
        "author,author_email,committer,email\nTess Ter,tess@example.com,Tess Ter,tess@example.com\n"
    monkeypatch.setenv("DOLT_COMMITTER_NAME", "Bats Committer")
    monkeypatch.setenv("DOLT_COMMITTER_EMAIL", "committer@email.fake")
    out = dl.ok("commit", "--allow-empty", "--author", "Bats Author <author@email.fake>", "-m", "two people")
    assert "Author: Bats Author <author@email.fake>" in out  # dl log shows the author, as Dolt's does
    expected = "Bats Committer,committer@email.fake,Bats Author,author@email.fake\n"
    assert _csv(dl, "select committer, email, author, author_email from dolt_commits "
                    "where message = 'two people'").endswith(expected)
    assert _csv(dl, "select committer, email, author, author_email from dolt_log limit 1").endswith(expected)
    assert _csv(dl, "select latest_committer, latest_committer_email, latest_author, latest_author_email "
                    "from dolt_branches where name = 'main'").endswith(expected)


def test_author_name_from_the_environment_keeps_the_configured_email(repo: Path, dl: Dl,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOLT_AUTHOR_NAME", "Date Author")
    monkeypatch.setenv("DOLT_COMMITTER_DATE", "2023-09-26T12:34:56+00:00")
    monkeypatch.setenv("DOLT_AUTHOR_DATE", "2023-09-26T01:23:45+00:00")
    dl.ok("commit", "--allow-empty", "-m", "dated")
    row = _csv(dl, "select author, author_email, committer, date, author_date from dolt_log limit 1").splitlines()[1]
    author, email, committer, date, author_date = row.split(",")
    assert (author, email, committer) == ("Date Author", "tess@example.com", "Tess Ter")
    assert date.startswith("2023-09-26 12:34:56") and author_date.startswith("2023-09-26 01:23:45")
    monkeypatch.setenv("DOLT_COMMITTER_DATE", "not a date")
    assert "DOLT_COMMITTER_DATE" in dl.fails("commit", "--allow-empty", "-m", "bad", code=2)


def test_session_variables_name_author_and_committer(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q", """
        create table t (pk int primary key);
        call dolt_add('t');
        set @@dolt_author_name = 'SQL Author';
        set @@dolt_author_email = 'sql_author@test.com';
        set @@dolt_committer_name = 'SQL Committer';
        set @@dolt_committer_email = 'sql_committer@test.com';
        call dolt_commit('-m', 'session var commit');""")
    expected = "SQL Committer,sql_committer@test.com,SQL Author,sql_author@test.com\n"
    assert _csv(dl, "select committer, email, author, author_email from dolt_log limit 1").endswith(expected)
    assert _csv(dl, "select committer, email, author, author_email from dolt_diff "
                    "where message = 'session var commit'").endswith(expected)
    assert _csv(dl, "select @@dolt_committer_name") == '@@dolt_committer_name\n""\n'  # unset: empty, as in Dolt


def test_dl_sql_takes_the_identity_from_the_environment(repo: Path, dl: Dl, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOLT_COMMITTER_NAME", "Env Committer")
    dl.ok("sql", "-q", "call dolt_commit('--allow-empty', '-m', 'from sql')")
    assert _csv(dl, "select committer, email, author from dolt_log limit 1") == \
        "committer,email,author\nEnv Committer,tess@example.com,Tess Ter\n"


def test_a_commit_by_its_author_encodes_as_before() -> None:
    root = Address.parse("00" * 20)
    me = Author("Ann", "ann@x.org")
    plain = Commit(root, (), "Ann", "ann@x.org", 1.0, "m")
    assert authored_commit(root, (), me, 1.0, "m", 1, me, 1.0).encode() == plain.encode()
    assert b"committer" not in plain.encode()
    two = authored_commit(root, (), me, 1.0, "m", 1, Author("Cy", "cy@x.org"), 5.0)
    back = Commit.decode(two.encode())
    assert back == two and back.committed_by == ("Cy", "cy@x.org") and back.committed_at == 5.0
    assert (plain.committed_by, plain.committed_at) == (("Ann", "ann@x.org"), 1.0)


def _who(dl: Dl, message: str) -> str:
    return _csv(dl, "select committer, email, author, author_email from dolt_log "
                    f"where message = '{message}'").splitlines()[1]


def test_author_flag_also_commits_unless_the_session_names_someone_else(repo: Path, dl: Dl,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Dolt's rule (cherry-pick.bats 29, sql-commit.bats): `--author` alone is the committer
    too; an author or committer the environment names keeps the committer apart."""
    dl.ok("commit", "--allow-empty", "--author", "Ann Flag <ann@x.org>", "-m", "flag")
    assert _who(dl, "flag") == "Ann Flag,ann@x.org,Ann Flag,ann@x.org"
    dl.ok("sql", "-q", "call dolt_commit('--allow-empty', '--author', 'Sam Sql <sam@x.org>', '-m', 'proc')")
    assert _who(dl, "proc") == "Sam Sql,sam@x.org,Sam Sql,sam@x.org"
    monkeypatch.setenv("DOLT_AUTHOR_NAME", "Env Author")
    dl.ok("commit", "--allow-empty", "--author", "Another Author <another@x.org>", "-m", "env author")
    assert _who(dl, "env author") == "Tess Ter,tess@example.com,Another Author,another@x.org"
    dl.ok("sql", "-q", "call dolt_commit('--allow-empty', '--author', 'Sam Sql <sam@x.org>', '-m', 'proc env')")
    assert _who(dl, "proc env") == "Tess Ter,tess@example.com,Sam Sql,sam@x.org"


def _picked(dl: Dl) -> str:
    """A commit on branch b1 by another author at a fixed time; its hash."""
    dl.ok("sql", "-q", "create table test (pk int primary key, v text)")
    dl.ok("commit", "-Am", "init")
    dl.ok("branch", "b1")
    dl.ok("--branch", "b1", "sql", "-q", "insert into test values (1, 'a')")
    dl.ok("--branch", "b1", "commit", "-am", "picked", "--author", "Orig Author <orig@x.org>",
          "--date", "2023-09-26T01:23:45+00:00")
    return dl.ok("--branch", "b1", "log", "-n", "1", "--oneline").split()[0]


def test_cherry_pick_keeps_author_and_time_and_records_the_committer(repo: Path, dl: Dl,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Dolt's cherry-pick.bats 28, 29 and 33: the original author and author's time stay; the
    configured user (or $DOLT_COMMITTER_*) commits, now (or at $DOLT_COMMITTER_DATE)."""
    picked = _picked(dl)
    monkeypatch.setenv("DOLT_COMMITTER_NAME", "Test Committer")
    monkeypatch.setenv("DOLT_COMMITTER_EMAIL", "committer@test.com")
    monkeypatch.setenv("DOLT_COMMITTER_DATE", "2024-01-02T03:04:05+00:00")
    dl.ok("cherry-pick", picked)
    row = _csv(dl, "select committer, email, date, author, author_email, author_date from dolt_log "
                   "limit 1").splitlines()[1].split(",")
    assert row[:2] + row[3:5] == ["Test Committer", "committer@test.com", "Orig Author", "orig@x.org"]
    assert row[2].startswith("2024-01-02 03:04:05") and row[5].startswith("2023-09-26 01:23:45")
    assert "Author: Orig Author <orig@x.org>" in dl.ok("log", "-n", "1")


def test_cherry_pick_through_sql_commits_as_the_session_committer(repo: Path, dl: Dl) -> None:
    picked = _picked(dl)
    dl.ok("sql", "-q", f"call dolt_cherry_pick('{picked}')")
    assert _who(dl, "picked") == "Tess Ter,tess@example.com,Orig Author,orig@x.org"
    assert _csv(dl, "select author_date from dolt_log limit 1").splitlines()[1].startswith("2023-09-26 01:23:45")


def test_commit_times_show_to_the_millisecond_as_dolts_datetime_3(repo: Path, dl: Dl,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """dolt_log, dolt_commits, dolt_branches and dolt_tags dates are DATETIME(3) in Dolt: CSV
    and boxes print three digits (cherry-pick.bats reads `2023-09-26 01:23:45.000`), and they
    equal the diff and blame tables' commit dates in a join."""
    dl.ok("sql", "-q", "create table t (id int primary key); insert into t values (1)")
    monkeypatch.setenv("DOLT_AUTHOR_DATE", "2023-09-26T01:23:45+00:00")
    # `--author` alone is the committer too (Dolt's dolt_commit), the date from the environment
    dl.ok("commit", "-Am", "dated", "--author", "Original Author <original@example.com>")
    dl.ok("tag", "v1")
    assert _csv(dl, "select committer, date, author, author_date from dolt_log where message = 'dated'") == \
        "committer,date,author,author_date\nOriginal Author,2023-09-26 01:23:45.000,Original Author,2023-09-26 01:23:45.000\n"
    assert _csv(dl, "select date from dolt_commits where message = 'dated'") == "date\n2023-09-26 01:23:45.000\n"
    assert _csv(dl, "select latest_commit_date from dolt_branches") == "latest_commit_date\n2023-09-26 01:23:45.000\n"
    box = dl.ok("sql", "--dialect", "mysql", "-q", "select date from dolt_tags")  # the tag's own time
    assert re.fullmatch(r"\| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \|", box.splitlines()[3])
    assert _csv(dl, "select count(*) as n from dolt_log l join dolt_diff_t d on d.to_commit = l.commit_hash "
                    "and d.to_commit_date = l.date join dolt_blame_t b on b.commit_date = l.date") == "n\n1\n"
