"""Dolt procedures and functions from SQL: CALL and SELECT forms, flags, errors."""
from __future__ import annotations

import pytest
from dl.sql.errors import SqlError
from dl.sql.procedures import FlagSpec, parse_flags
from dl.sql.session import Session

from tests.sql.conftest import rows, value


@pytest.fixture
def base(session: Session) -> Session:
    session.run("create table t (id int primary key, v int); insert into t values (1, 1)")
    session.run("call dolt_commit('-Am', 'base')")
    return session


def test_flag_parser() -> None:
    spec = FlagSpec({"--message": True, "--all": False}, {"-m": "--message", "-a": "--all"})
    assert parse_flags("p", ["-am", "msg"], spec).flags == {"--all": True, "--message": "msg"}
    assert parse_flags("p", ["-mhello"], spec).flags == {"--message": "hello"}
    assert parse_flags("p", ["--message=x", "pos"], spec).args == ["pos"]
    for bad, match in ((["-x"], "unknown option -x"), (["--nope"], "unknown option --nope"),
                       (["-m"], "no value for option `message'"), (["--all=1"], "takes no value")):
        with pytest.raises(SqlError, match=match):
            parse_flags("p", bad, spec)


def test_commit_flags(base: Session) -> None:
    base.run("update t set v = 2")
    with pytest.raises(SqlError, match="nothing to commit"):
        base.run("call dolt_commit('-m', 'nothing staged')")
    h = value(base, "select dolt_commit('-a', '-m', 'two', '--author', 'Ann <ann@x.org>')")
    assert rows(base, "select commit_hash, author, author_email, message from dolt_log limit 1") == [(h, "Ann", "ann@x.org", "two")]
    # --author alone also names the committer, as Dolt's dolt_commit (whose older versions took
    # the author for the committer), unless the session names a committer of its own
    assert rows(base, "select committer, email from dolt_log limit 1") == [("Ann", "ann@x.org")]
    base.run("call dolt_commit('--allow-empty', '-m', 'empty')")
    assert value(base, "select message from dolt_log limit 1") == "empty"
    base.run("call dolt_commit('--amend', '-m', 'empty, amended')")
    assert rows(base, "select message from dolt_log limit 2") == [("empty, amended",), ("two",)]
    with pytest.raises(SqlError, match="unknown option --bogus"):
        base.run("call dolt_commit('--bogus', '-m', 'x')")
    with pytest.raises(SqlError, match="message is required"):
        base.run("call dolt_commit('-a')")
    with pytest.raises(SqlError, match="Name <email>"):
        base.run("call dolt_commit('--allow-empty', '-m', 'x', '--author', 'nobody')")
    assert base.query("call dolt_commit('--skip-empty', '-m', 'nothing')").to_pylist() == [{"hash": None}]
    with pytest.raises(SqlError, match="cannot use both --allow-empty and --skip-empty"):
        base.run("call dolt_commit('--skip-empty', '--allow-empty', '-m', 'x')")
    with pytest.raises(SqlError, match="no value for option `message'"):
        base.run("call dolt_commit('--allow-empty', '-fam')")
    base.run("update t set v = 5")
    base.run("call dolt_commit('-fam', 'forced, as with the CLI -f')")
    assert value(base, "select message from dolt_log limit 1") == "forced, as with the CLI -f"


def test_commit_a_skips_new_tables_but_A_takes_them(base: Session) -> None:
    base.run("create table n (id int); update t set v = 5")
    base.run("call dolt_commit('-am', 'only t')")
    assert rows(base, "select * from dolt_status") == [("n", False, "new table")]
    base.run("call dolt_commit('-Am', 'n too')")
    assert rows(base, "select * from dolt_status") == []


def test_add_and_reset(base: Session) -> None:
    base.run("update t set v = 3")
    assert base.query("call dolt_add('t')").to_pylist() == [{"status": 0}]
    assert rows(base, "select staged from dolt_status") == [(1,)]
    base.run("call dolt_reset('t')")
    assert rows(base, "select staged from dolt_status") == [(0,)]
    base.run("call dolt_add('.')")
    base.run("call dolt_reset()")
    assert rows(base, "select staged from dolt_status") == [(0,)]
    base.run("call dolt_reset('--hard')")
    assert value(base, "select v from t") == 1
    with pytest.raises(SqlError, match="dolt_add"):
        base.run("call dolt_add()")


def test_reset_soft_and_hard_to_revision(base: Session) -> None:
    base.run("update t set v = 9; call dolt_commit('-am', 'nine')")
    base.run("call dolt_reset('--soft', 'HEAD~1')")
    assert value(base, "select message from dolt_log limit 1") == "base"
    assert value(base, "select v from t") == 9
    base.run("call dolt_reset('--hard', 'HEAD')")
    assert value(base, "select v from t") == 1
    with pytest.raises(SqlError, match="exclude"):
        base.run("call dolt_reset('--hard', '--soft')")


def test_checkout_and_branch(base: Session) -> None:
    result = base.query("call dolt_checkout('-b', 'feature')")
    assert result.to_pylist() == [{"status": 0, "message": "Switched to branch 'feature'"}]
    assert value(base, "select active_branch()") == "feature"
    base.run("insert into t values (2, 2); call dolt_commit('-am', 'on feature')")
    base.run("call dolt_checkout('main')")
    assert value(base, "select count(*) from t") == 1
    base.run("call dolt_branch('copy', 'feature'); call dolt_branch('-m', 'copy', 'renamed')")
    assert rows(base, "select name from dolt_branches order by name") == [("feature",), ("main",), ("renamed",)]
    with pytest.raises(SqlError, match="not fully merged"):
        base.run("call dolt_branch('-d', 'renamed')")
    base.run("call dolt_branch('-D', 'renamed')")
    with pytest.raises(SqlError, match="no branch or table named 'nope'"):
        base.run("call dolt_checkout('nope')")
    base.run("update t set v = 100; call dolt_checkout('t')")
    assert value(base, "select v from t") == 1


def test_tags(base: Session) -> None:
    base.run("call dolt_tag('v1')")
    assert value(base, "select count(*) from dolt_tags") == 1
    with pytest.raises(SqlError, match="already exists"):
        base.run("call dolt_tag('v1')")
    base.run("call dolt_tag('-d', 'v1')")
    assert value(base, "select count(*) from dolt_tags") == 0
    base.run("call dolt_tag('v2', 'head', '-m', 'second', '--author', 'Tag Ger <tg@x.org>')")
    assert rows(base, "select tag_name, tagger, email, message from dolt_tags") == [("v2", "Tag Ger", "tg@x.org", "second")]
    base.run("call dolt_tag('-m', 'third', 'v3')")
    assert value(base, "select tagger from dolt_tags where tag_name = 'v3'") == "Tester"  # the session's author


def test_merge_fast_forward(base: Session) -> None:
    base.run("call dolt_checkout('-b', 'f'); insert into t values (5, 5); call dolt_commit('-am', 'f')")
    base.run("call dolt_checkout('main')")
    merged = base.query("call dolt_merge('f')").to_pylist()[0]
    assert merged["fast_forward"] == 1 and merged["conflicts"] == 0
    assert value(base, "select count(*) from t") == 2


def test_functions(base: Session) -> None:
    head = value(base, "select dolt_hashof('HEAD')")
    assert head == base.repo.resolve_commit("HEAD").hex
    assert value(base, "select hashof('main')") == head
    h1 = value(base, "select dolt_hashof_table('t')")
    base.run("create table u as select * from t")
    base.run("create table w (id int primary key, v int); insert into w select * from t")
    assert value(base, "select dolt_hashof_table('w')") == h1  # same schema and rows, same hash
    base.run("update w set v = 7")
    assert value(base, "select dolt_hashof_table('w')") != h1
    assert len(value(base, "select dolt_hashof_db()")) == 40
    assert value(base, "select count(*) from dolt_log where commit_hash = dolt_hashof('HEAD')") == 1
    with pytest.raises(SqlError, match="table not found"):
        base.run("select dolt_hashof_table('nosuch')")
    with pytest.raises(SqlError, match="takes 1 argument"):
        base.run("select dolt_hashof()")
    with pytest.raises(SqlError, match="must be literals"):
        base.run("select dolt_hashof(v) from t")


def test_functions_in_writes(base: Session) -> None:
    base.run("create table log (id int primary key, branch text, head text)")
    base.run("insert into log values (1, active_branch(), dolt_hashof('HEAD'))")
    base.run("update log set branch = upper(active_branch()) where id = 1")
    base.run("insert into log select 2, active_branch(), dolt_hashof_table('t')")
    assert rows(base, "select id, branch, head = dolt_hashof('HEAD') from log order by id") == \
        [(1, "MAIN", True), (2, "main", False)]


def test_hashof_db_of_revisions(base: Session) -> None:
    assert value(base, "select dolt_hashof_db()") == value(base, "select dolt_hashof_db('HEAD')")
    base.run("update t set v = 8")
    working, head = value(base, "select dolt_hashof_db()"), value(base, "select dolt_hashof_db('HEAD')")
    assert working != head and value(base, "select dolt_hashof_db('main')") == head
    assert value(base, "select dolt_hashof_db('STAGED')") == head
    assert value(base, "select dolt_hashof_db('WORKING')") == working


def test_unknown_procedure(base: Session) -> None:
    with pytest.raises(SqlError, match="unknown procedure dolt_teleport"):
        base.run("call dolt_teleport('origin')")
    with pytest.raises(SqlError, match="CALL takes one procedure"):
        base.run("call 1 + 1")
