"""Dolt's database-qualified SQL (issue 11): `db/branch` and `db/rev` in table names,
`@@<db>_head_ref` and its kin, DATABASE(), dolt_version() and MySQL's `dual`, as Dolt's sql.bats
and sql-commit.bats use them. The repository directory `dolt-repo-1` serves database `dolt_repo_1`."""
from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Dl


@pytest.fixture
def db(tmp_path: Path, dl: Dl, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository in `dolt-repo-1`, with t (1 row) committed on main and a branch `feature-branch`."""
    where = tmp_path / "dolt-repo-1"
    where.mkdir()
    monkeypatch.chdir(where)
    dl.ok("init")
    _sql(dl, "create table t (x int primary key); insert into t values (1)")
    dl.ok("commit", "-Am", "t")
    dl.ok("branch", "feature-branch")
    return where


def _sql(dl: Dl, text: str) -> str:
    return dl.ok("sql", "--dialect", "mysql", "-r", "csv", "-q", text)


def test_branch_qualified_names_read_and_write_that_branchs_working_set(db: Path, dl: Dl) -> None:
    _sql(dl, "insert into `dolt_repo_1/feature-branch`.t values (2), (3)")
    assert _sql(dl, "select x from `dolt_repo_1/feature-branch`.t order by x") == "x\n1\n2\n3\n"
    assert _sql(dl, "select x from t") == "x\n1\n"  # main is untouched, and so is HEAD
    assert _sql(dl, "select active_branch()") == "active_branch()\nmain\n"
    assert _sql(dl, "select count(*) as n from dolt_repo_1.t") == "n\n1\n"  # the database itself


def test_revision_qualified_names_are_read_only(db: Path, dl: Dl) -> None:
    dl.ok("tag", "v1")
    _sql(dl, "insert into t values (2)")
    assert _sql(dl, "select x from `dolt_repo_1/v1`.t") == "x\n1\n"
    for statement in ("delete from `dolt_repo_1/v1`.t", "update `dolt_repo_1/v1`.t set x = 10"):
        assert "read-only" in dl.fails("sql", "--dialect", "mysql", "-q", statement)
    assert "database not found: dolt_repo_1/nope" in dl.fails("sql", "-q", "use `dolt_repo_1/nope`")


def test_head_ref_and_head_variables(db: Path, dl: Dl) -> None:
    out = _sql(dl, "select @@dolt_repo_1_head_ref as ref, @@dolt_repo_1_head = hashof('head') as same, "
                   "@@dolt_repo_1_working = dolt_hashof_db() as w")
    assert out == "ref,same,w\nrefs/heads/main,true,true\n"
    dl.ok("sql", "--dialect", "mysql", "-q", """
        set @@dolt_repo_1_head_ref = 'feature-branch';
        create table u (y int primary key);
        call dolt_commit('-Am', 'u on feature');""")
    assert dl.tables("feature-branch") == ["t", "u"] and dl.tables() == ["t"]
    assert "refs/heads/feature-branch" in _sql(dl, "set @@dolt_repo_1_head_ref = 'refs/heads/feature-branch'; "
                                                   "select @@dolt_repo_1_head_ref")
    err = dl.fails("sql", "-q", "set @@dolt_repo_1_head_ref = 'does-not-exist'")
    assert "database not found: dolt_repo_1/does-not-exist" in err
    assert "read-only" in dl.fails("sql", "-q", "set @@dolt_repo_1_head = 'x'")


def test_head_variable_follows_dolt_commit(db: Path, dl: Dl) -> None:
    _sql(dl, "insert into t values (2)")
    out = _sql(dl, "call dolt_commit('-am', 'two'); select @@dolt_repo_1_head = hashof('head') as same")
    assert out.endswith("same\ntrue\n")


def test_database_function_dolt_version_and_dual(db: Path, dl: Dl) -> None:
    assert _sql(dl, "select database()") == "database()\ndolt_repo_1\n"
    assert _sql(dl, "use `dolt_repo_1/feature-branch`; select database()").endswith("dolt_repo_1/feature-branch\n")
    version = dl.ok("version").splitlines()[0].split(" ")[2]
    assert _sql(dl, "select dolt_version() from dual") == f"dolt_version()\n{version}\n"
    assert _sql(dl, "select 1 + 1 as two from dual") == "two\n2\n"


def test_as_of_a_time_reads_the_last_commit_made_by_then(repo: Path, dl: Dl) -> None:
    _sql(dl, "create table t (x int primary key); insert into t values (1)")
    dl.ok("commit", "-Am", "one", "--date", "2020-03-01T12:00:00Z")
    _sql(dl, "insert into t values (2)")
    dl.ok("commit", "-am", "two", "--date", "2020-03-01T13:00:00Z")
    for time in ("CONVERT('2020-03-01 12:00:00', DATETIME)", "TIMESTAMP('2020-03-01 12:15:00')",
                 "CAST('2020-03-01 12:59:59' AS DATETIME)", "TIMESTAMP '2020-03-01 12:30:00'"):
        assert _sql(dl, f"select count(*) as n from t as of {time}") == "n\n1\n", time
    assert _sql(dl, "select count(*) as n from t as of TIMESTAMP('2020-03-01 13:00:00')") == "n\n2\n"
    assert "commit not found: no commit on main is that old" in dl.fails(
        "sql", "-q", "select * from t as of TIMESTAMP('2019-01-01')")
