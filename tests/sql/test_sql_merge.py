"""Merging through SQL as Dolt users do: CALL dolt_merge (and its flags), dolt_conflicts and
dolt_conflicts_<t> with Dolt's columns, resolving by updating the table and deleting conflict
rows, dolt_conflicts_resolve, dolt_cherry_pick, dolt_revert, dolt_blame_<t>."""
from __future__ import annotations

import re

import pytest
from dl.sql.errors import SqlError
from dl.sql.session import Session

from tests.sql.conftest import rows, value


@pytest.fixture
def s(session: Session) -> Session:
    """A session that keeps the conflicts its procedures leave (see test_autocommit_rolls_back_conflicts)."""
    session.run("set @@dolt_allow_commit_conflicts = 1")
    session.run("create table t (id int primary key, a int, b text); "
                "insert into t values (1, 10, 'x'), (2, 20, 'y'), (3, 30, 'z'); "
                "call dolt_commit('-Am', 'base')")
    return session


def diverge(s: Session, theirs: str, ours: str) -> tuple[str, str]:
    s.run(f"call dolt_checkout('-b', 'feat'); {theirs}; call dolt_commit('-am', 'feat')")
    feat = value(s, "select dolt_hashof('HEAD')")
    s.run(f"call dolt_checkout('main'); {ours}; call dolt_commit('-am', 'main')")
    return value(s, "select dolt_hashof('HEAD')"), feat


def merge_row(s: Session, args: str) -> tuple:
    return rows(s, f"call dolt_merge({args})")[0]


def parents(s: Session) -> list[str]:
    return [r[0] for r in rows(s, "select parent_hash from dolt_commit_ancestors "
                                  "where commit_hash = dolt_hashof('HEAD') order by parent_index")]


def test_fast_forward(s: Session) -> None:
    s.run("call dolt_checkout('-b', 'feat'); insert into t values (4, 40, 'w'); call dolt_commit('-am', 'f')")
    feat = value(s, "select dolt_hashof('HEAD')")
    s.run("call dolt_checkout('main')")
    assert merge_row(s, "'feat'") == (feat, 1, 0, "fast-forward")
    assert value(s, "select dolt_hashof('HEAD')") == feat
    assert merge_row(s, "'feat'") == (None, 0, 0, "Everything up-to-date")


def test_three_way_with_message_and_no_ff(s: Session) -> None:
    main, feat = diverge(s, "insert into t values (4, 40, 'w')", "update t set a = 11 where id = 1")
    hash_, ff, conflicts, message = merge_row(s, "'feat', '-m', 'both'")
    assert (ff, conflicts, message) == (0, 0, "merge successful")
    assert hash_ == value(s, "select dolt_hashof('HEAD')") and parents(s) == [main, feat]
    assert value(s, "select message from dolt_log limit 1") == "both"
    assert rows(s, "select id, a from t order by id") == [(1, 11), (2, 20), (3, 30), (4, 40)]
    s.run("call dolt_checkout('-b', 'g'); insert into t values (5, 5, 'v'); call dolt_commit('-am', 'g'); "
          "call dolt_checkout('main')")
    assert merge_row(s, "'--no-ff', 'g'")[1:3] == (0, 0) and len(parents(s)) == 2


def test_squash(s: Session) -> None:
    main, _ = diverge(s, "insert into t values (4, 40, 'w')", "insert into t values (5, 50, 'v')")
    assert merge_row(s, "'--squash', 'feat'") == (None, 0, 0, "squashed")
    assert value(s, "select dolt_hashof('HEAD')") == main
    assert rows(s, "select * from dolt_status") == [("t", True, "modified")]
    with pytest.raises(SqlError, match="cannot be used together"):
        s.run("call dolt_merge('--squash', '--no-ff', 'feat')")


def test_cell_merge_and_dolt_conflicts_columns(s: Session) -> None:
    _, feat = diverge(s, "update t set a = 11 where id = 1; update t set b = 'theirs' where id = 2",
                      "update t set b = 'xx' where id = 1; update t set b = 'ours' where id = 2")
    assert merge_row(s, "'feat'") == ("", 0, 1, "conflicts found")
    assert rows(s, "select a, b from t where id = 1") == [(11, "xx")]
    assert rows(s, "select * from dolt_conflicts") == [("t", 1)]
    table = s.query("select * from dolt_conflicts_t")
    assert table.column_names == ["from_root_ish", "base_id", "base_a", "base_b", "our_id", "our_a", "our_b",
                                  "our_diff_type", "their_id", "their_a", "their_b", "their_diff_type",
                                  "dolt_conflict_id"]
    assert rows(s, "select from_root_ish, base_b, our_b, their_b, our_diff_type, their_diff_type "
                   "from dolt_conflicts_t") == [(feat, "y", "ours", "theirs", "modified", "modified")]
    with pytest.raises(SqlError, match=r"tables \[t\] have unresolved conflicts from the merge"):
        s.run("call dolt_commit('-am', 'blocked')")


def test_resolve_by_updating_the_table_and_deleting_conflict_rows(s: Session) -> None:
    main, feat = diverge(s, "update t set b = 't1' where id = 1; insert into t values (4, 1, 'theirs'); "
                            "delete from t where id = 3",
                         "update t set b = 'o1' where id = 1; insert into t values (4, 2, 'ours'); "
                         "update t set a = 33 where id = 3")
    assert merge_row(s, "'feat'")[2] == 3
    kinds = rows(s, "select coalesce(our_id, base_id), our_diff_type, their_diff_type from dolt_conflicts_t order by 1")
    assert kinds == [(1, "modified", "modified"), (3, "modified", "removed"), (4, "added", "added")]
    s.run("update t set b = 'both' where id = 1")
    assert s.run("delete from dolt_conflicts_t where our_id = 1")[0].rows_affected == 1
    assert rows(s, "select * from dolt_conflicts") == [("t", 2)]
    with pytest.raises(SqlError, match="unresolved conflicts"):
        s.run("call dolt_commit('-am', 'still blocked')")
    cid = value(s, "select dolt_conflict_id from dolt_conflicts_t where base_id = 3")
    s.run("delete from t where id = 3")
    assert s.run(f"delete from dolt_conflicts_t c where c.dolt_conflict_id = '{cid}'")[0].rows_affected == 1
    assert s.run("delete from dolt_conflicts_t")[0].rows_affected == 1
    assert rows(s, "select * from dolt_conflicts") == [] and value(s, "select count(*) from dolt_conflicts_t") == 0
    assert s.run("delete from dolt_conflicts_t")[0].rows_affected == 0
    s.run("call dolt_commit('-am', 'merged')")
    assert parents(s) == [main, feat]
    assert rows(s, "select * from t order by id") == [(1, 10, "both"), (2, 20, "y"), (4, 2, "ours")]


def test_delete_of_conflict_rows_inside_a_transaction(s: Session) -> None:
    diverge(s, "update t set b = 'a' where id = 1", "update t set b = 'b' where id = 1")
    s.run("call dolt_merge('feat')")
    s.run("begin; update t set b = 'c' where id = 1; delete from dolt_conflicts_t; commit")
    assert rows(s, "select * from dolt_conflicts") == [] and value(s, "select b from t where id = 1") == "c"


def test_writes_other_than_delete_on_conflict_tables_are_refused(s: Session) -> None:
    diverge(s, "update t set b = 'a' where id = 1", "update t set b = 'b' where id = 1")
    s.run("call dolt_merge('feat')")
    with pytest.raises(SqlError, match="read-only system table"):
        s.run("update dolt_conflicts_t set our_b = 'q'")
    assert value(s, "select count(*) from dolt_conflicts_t") == 1


def test_conflicts_resolve_ours_and_theirs(s: Session) -> None:
    diverge(s, "delete from t where id = 2", "update t set a = 22 where id = 2")
    s.run("call dolt_merge('feat')")
    s.run("call dolt_conflicts_resolve('--ours', 't')")
    assert value(s, "select a from t where id = 2") == 22 and rows(s, "select * from dolt_conflicts") == []
    s.run("call dolt_merge('--abort')")
    s.run("call dolt_merge('feat'); call dolt_conflicts_resolve('--theirs', '.')")
    assert value(s, "select count(*) from t where id = 2") == 0
    s.run("call dolt_commit('-am', 'took the delete')")
    assert len(parents(s)) == 2


def test_abort(s: Session) -> None:
    diverge(s, "update t set b = 'a' where id = 1", "update t set b = 'b' where id = 1")
    root = value(s, "select dolt_hashof_db()")
    s.run("call dolt_merge('feat')")
    assert rows(s, "call dolt_merge('--abort')") == [(None, 0, 0, "merge aborted")]
    assert value(s, "select dolt_hashof_db()") == root and rows(s, "select * from dolt_status") == []


def test_schema_conflict_recorded_and_dirty_tables_refused(s: Session) -> None:
    diverge(s, "alter table t add column c int", "alter table t add column c text")
    root = value(s, "select dolt_hashof_db()")
    assert rows(s, "call dolt_merge('feat')") == [("", 0, 1, "conflicts found")]
    assert rows(s, "select * from dolt_status") == [("t", 0, "schema conflict")]
    assert rows(s, "select * from dolt_conflicts") == [("t", 0)]
    assert rows(s, "select unmerged_tables from dolt_merge_status") == [("t",)]
    [(table, base, ours, theirs, description)] = rows(s, "select * from dolt_schema_conflicts")
    assert (table, description) == ("t", "different column definitions for our column c and their column c")
    column_c = {name: next(line for line in text.splitlines() if "`c`" in line) for name, text in
                (("ours", ours), ("theirs", theirs))}
    assert "text" in column_c["ours"] and "int" in column_c["theirs"]  # MySQL's type names
    assert "`c`" not in base and base.startswith("CREATE TABLE `t` (\n")
    with pytest.raises(SqlError, match="Unable to automatically resolve schema conflicts"):
        s.run("call dolt_conflicts_resolve('--ours', '.')")
    with pytest.raises(SqlError, match="the table\\(s\\) t have schema conflicts"):
        s.run("call dolt_commit('-am', 'merged')")
    s.run("call dolt_merge('--abort')")
    assert value(s, "select dolt_hashof_db()") == root and rows(s, "select * from dolt_status") == []
    s.run("call dolt_checkout('-b', 'g'); insert into t (id) values (7); call dolt_commit('-am', 'g'); "
          "call dolt_checkout('main'); update t set a = 0 where id = 1")
    with pytest.raises(SqlError, match="local changes would be stomped by merge: t"):
        s.run("call dolt_merge('g')")
    assert value(s, "select a from t where id = 1") == 0


def test_cherry_pick_and_revert(s: Session) -> None:
    s.run("call dolt_checkout('-b', 'other'); insert into t values (4, 4, 'w'); call dolt_commit('-am', 'add 4'); "
          "update t set a = 100 where id = 1; call dolt_commit('-am', 'set 100', '--author', 'Bo <bo@example.com>')")
    picked = value(s, "select dolt_hashof('HEAD')")
    s.run("call dolt_checkout('main')")
    made, conflicts = rows(s, f"call dolt_cherry_pick('{picked}')")[0]
    assert conflicts == 0 and made == value(s, "select dolt_hashof('HEAD')")
    assert rows(s, "select author, author_email, committer, message from dolt_log limit 1") == \
        [("Bo", "bo@example.com", "Tester", "set 100")]  # Bo wrote it, the session's user picked it
    assert rows(s, "select id, a from t order by id") == [(1, 100), (2, 20), (3, 30)]
    s.run("call dolt_revert('HEAD')")
    assert value(s, "select a from t where id = 1") == 10
    assert value(s, "select message from dolt_log limit 1") == 'Revert "set 100"'


def test_cherry_pick_conflict_and_abort(s: Session) -> None:
    s.run("call dolt_checkout('-b', 'other'); update t set b = 'theirs' where id = 1; call dolt_commit('-am', 'th')")
    picked = value(s, "select dolt_hashof('HEAD')")
    s.run("call dolt_checkout('main'); update t set b = 'ours' where id = 1; call dolt_commit('-am', 'ou')")
    assert rows(s, f"call dolt_cherry_pick('{picked}')") == [(None, 1)]
    assert rows(s, "select from_root_ish, our_b, their_b from dolt_conflicts_t") == [(picked, "ours", "theirs")]
    s.run("call dolt_cherry_pick('--abort')")
    assert rows(s, "select * from dolt_conflicts") == [] and value(s, "select b from t where id = 1") == "ours"
    s.run(f"call dolt_cherry_pick('{picked}'); update t set b = 'both' where id = 1; delete from dolt_conflicts_t")
    made = rows(s, "call dolt_cherry_pick('--continue')")[0][0]
    assert rows(s, "select commit_hash, message from dolt_log limit 1") == [(made, "th")]
    assert value(s, "select b from t as of 'HEAD' where id = 1") == "both"


def test_dolt_blame(s: Session) -> None:
    s.run("update t set a = 21 where id = 2; call dolt_commit('-am', 'second', '--author', 'Bo <bo@example.com>')")
    s.run("insert into t values (4, 4, 'w'); call dolt_commit('-am', 'third')")
    s.run("update t set a = 0 where id = 1")  # uncommitted: blame reads HEAD
    table = s.query("select * from dolt_blame_t order by id")
    assert table.column_names == ["id", "commit", "commit_date", "committer", "email", "message"]
    assert rows(s, "select id, message, committer from dolt_blame_t order by id") == \
        [(1, "base", "Tester"), (2, "second", "Bo"), (3, "base", "Tester"), (4, "third", "Tester")]
    # who wrote each row's last change (git blame's author), though Tester committed Bo's "second"
    assert value(s, "select count(*) from dolt_blame_t b join dolt_log l on b.commit = l.commit_hash "
                    "and b.commit_date = l.date") == 4
    with pytest.raises(SqlError, match="table not found: nope"):
        s.run("select * from dolt_blame_nope")


@pytest.mark.parametrize("args, words", [
    ("'t'", "--ours or --theirs must be supplied"),
    ("'--ours', '--theirs', 't'", "specify only one from [ --ours, --theirs ]"),
    ("'--ours'", "specify at least one table to resolve conflicts"),
])
def test_conflicts_resolve_procedure_speaks_as_the_cli(s: Session, args: str, words: str) -> None:
    """dolt_conflicts_resolve refuses bad arguments with the words of `dl conflicts resolve`."""
    with pytest.raises(SqlError, match=re.escape(words)):
        s.run(f"call dolt_conflicts_resolve({args})")


def test_revert_row_continue_and_abort(s: Session) -> None:
    s.run("insert into t values (4, 4, 'w'); call dolt_commit('-am', 'add 4'); "
          "update t set a = 5 where id = 4; call dolt_commit('-am', 'set 5')")
    before = value(s, "select dolt_hashof('HEAD')")
    made, data, schema, violations = rows(s, "call dolt_revert('HEAD~1')")[0]  # Dolt's four columns
    assert (made, data, schema, violations) == (None, 1, 0, 0)
    s.run("call dolt_revert('--abort')")
    assert value(s, "select dolt_hashof('HEAD')") == before and value(s, "select count(*) from dolt_conflicts") == 0
    with pytest.raises(SqlError, match="There is no revert in progress"):
        s.run("call dolt_revert('--continue')")
    assert rows(s, "call dolt_revert('HEAD~1')")[0][1] == 1
    s.run("call dolt_conflicts_resolve('--ours', 't'); call dolt_add('t')")
    made = rows(s, "call dolt_revert('--continue', '--author', 'Bo <bo@example.com>')")[0][0]
    assert made == value(s, "select dolt_hashof('HEAD')")
    assert rows(s, "select committer, message from dolt_log limit 1") == [("Bo", 'Revert "add 4"')]


def test_autocommit_rolls_back_conflicts_unless_allowed(session: Session) -> None:
    """As Dolt: with autocommit on, a procedure that leaves conflicts fails and changes nothing;
    with autocommit off, or @@dolt_allow_commit_conflicts, they stay to be resolved."""
    session.run("create table t (id int primary key, a int, b text); insert into t values (1, 10, 'x'); "
                "call dolt_commit('-Am', 'base')")
    diverge(session, "update t set b = 'theirs'", "update t set b = 'ours'")
    root = value(session, "select dolt_hashof_db()")
    for call in ("call dolt_merge('feat')", "call dolt_cherry_pick('feat')", "select dolt_merge('feat')"):
        with pytest.raises(SqlError, match="^Merge conflict detected, @autocommit transaction rolled back. "
                                           "@autocommit must be disabled so that merge conflicts can be resolved"):
            session.run(call)
        assert value(session, "select dolt_hashof_db()") == root and rows(session, "select * from dolt_status") == []
    session.run("set @@dolt_force_transaction_commit = 1")
    assert merge_row(session, "'feat'")[2] == 1
    assert rows(session, "select * from dolt_conflicts") == [("t", 1)]
