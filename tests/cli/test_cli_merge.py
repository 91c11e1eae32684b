"""`dl merge`, `merge-base`, `conflicts`, `cherry-pick`, `revert`, `blame` and `stash` as a user
runs them: exact output and exit codes for each case of issue 6."""
from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Dl

TABLE = "create table t (id int primary key, a int, b text); insert into t values (1, 10, 'x'), (2, 20, 'y'), (3, 30, 'z')"


@pytest.fixture
def base(repo: Path, dl: Dl) -> Path:
    dl.ok("sql", "-q", TABLE)
    dl.ok("commit", "-Am", "base")
    return repo


def head(dl: Dl, rev: str = "HEAD") -> str:
    return dl.query(f"select dolt_hashof('{rev}') as h").splitlines()[1]


def commit_on(dl: Dl, branch: str, sql: str, message: str, *, new: bool = True) -> str:
    dl.ok("checkout", *(["-b", branch] if new else [branch]))
    dl.ok("sql", "-q", sql)
    dl.ok("commit", "-am", message)
    return head(dl)


def diverge(dl: Dl, theirs: str, ours: str) -> tuple[str, str]:
    """`theirs` committed on a new branch feat, `ours` on main; returns (main, feat) heads."""
    feat = commit_on(dl, "feat", theirs, "feat")
    main = commit_on(dl, "main", ours, "main", new=False)
    return main, feat


def table_rows(dl: Dl, sql: str = "select * from t order by id") -> list[str]:
    return dl.query(sql).splitlines()[1:]


def test_fast_forward_then_up_to_date(base: Path, dl: Dl) -> None:
    main = head(dl)
    feat = commit_on(dl, "feat", "insert into t values (4, 40, 'w')", "add 4")
    dl.ok("checkout", "main")
    assert dl.ok("merge", "feat") == (  # Dolt's order and summary
        f"Fast-forward\nUpdating {main[:8]}..{feat[:8]}\n"
        "t | 1 +\n1 tables changed, 1 rows added(+), 0 rows modified(*), 0 rows deleted(-)\n")
    assert head(dl) == feat
    assert dl.ok("merge", "feat") == "Everything up-to-date\n"


def test_three_way_merge_with_message_makes_a_merge_commit(base: Path, dl: Dl) -> None:
    main, feat = diverge(dl, "insert into t values (4, 40, 'w')", "delete from t where id = 3")
    out = dl.ok("merge", "feat", "-m", "combine the two")
    merged = head(dl)
    assert out == (f"Updating {main[:8]}..{feat[:8]}\nMerge made: {merged}\n"
                   "t | 1 +\n1 tables changed, 1 rows added(+), 0 rows modified(*), 0 rows deleted(-)\n")
    assert table_rows(dl) == ["1,10,x", "2,20,y", "4,40,w"]
    log = dl.ok("log", "-n", "1")
    assert f"Merge: {main} {feat}\n" in log and "    combine the two\n" in log
    assert dl.ok("status") == "On branch main\nnothing to commit, working tree clean\n"


def test_no_ff_makes_a_merge_commit_where_a_fast_forward_would_do(base: Path, dl: Dl) -> None:
    commit_on(dl, "feat", "insert into t values (4, 40, 'w')", "add 4")
    dl.ok("checkout", "main")
    out = dl.ok("merge", "--no-ff", "feat")
    assert out.splitlines()[1:] == [f"Merge made: {head(dl)}", "t | 1 +",
                                    "1 tables changed, 1 rows added(+), 0 rows modified(*), 0 rows deleted(-)"]
    assert dl.query("select count(*) as n from dolt_commit_ancestors where commit_hash = dolt_hashof('HEAD')") \
        == "n\n2\n"


def test_cell_level_merge_and_conflict_resolved_theirs(base: Path, dl: Dl) -> None:
    main, feat = diverge(dl, "update t set a = 11 where id = 1; update t set b = 'theirs' where id = 2",
                         "update t set b = 'xx' where id = 1; update t set b = 'ours' where id = 2")
    result = dl("merge", "feat")
    assert result.code == 1 and result.err == ""
    assert result.out == (f"Updating {main[:8]}..{feat[:8]}\nAuto-merging t\n"
                          "CONFLICT (content): Merge conflict in t (1 row)\n"
                          "Automatic merge failed; 1 table(s) are unmerged. "
                          "Use 'dl conflicts' to investigate and resolve conflicts.\n")
    assert table_rows(dl, "select a, b from t where id = 1") == ["11,xx"]
    assert dl.ok("status") == (
        "On branch main\nYou have unmerged tables.\n"
        '  (fix conflicts and run "dl commit")\n'
        '  (use "dl merge --abort" to abort the merge)\n\n'
        "Unmerged paths:\n"
        '  (use "dl conflicts resolve --ours|--theirs <table>..." to mark resolution)\n'
        "\tboth modified:    t\n\n\n"
        "Changes not staged for commit:\n"
        '  (use "dl add <table>" to update what will be committed)\n'
        '  (use "dl checkout <table>" to discard changes in working directory)\n'
        "\tmodified:         t\n")
    assert dl.ok("conflicts", "cat", "t") == (  # Dolt's drawing: * modified, + added, - removed
        "+-----+--------+----+----+--------+\n"
        "|     |        | id | a  | b      |\n"
        "+-----+--------+----+----+--------+\n"
        "|     | base   | 2  | 20 | y      |\n"
        "|  *  | ours   | 2  | 20 | ours   |\n"
        "|  *  | theirs | 2  | 20 | theirs |\n"
        "+-----+--------+----+----+--------+\n")
    assert dl.ok("conflicts", "cat", ".") == dl.ok("conflicts", "cat", "t")
    assert dl.fails("commit", "-am", "too early") == ("tables [t] have unresolved conflicts from the merge. "
                                                      "resolve the conflicts before committing")
    assert dl.ok("conflicts", "resolve", "--theirs", "t") == "Resolved conflicts in t with theirs.\n"
    assert dl.ok("conflicts", "cat") == ""  # as Dolt: nothing to show
    assert table_rows(dl) == ["1,11,xx", "2,20,theirs", "3,30,z"]
    dl.ok("commit", "-am", "merged")
    assert f"Merge: {main} {feat}\n" in dl.ok("log", "-n", "1")


def test_delete_against_update_resolved_ours(base: Path, dl: Dl) -> None:
    diverge(dl, "delete from t where id = 3", "update t set a = 33 where id = 3")
    assert dl("merge", "feat").code == 1
    assert dl.ok("conflicts", "cat", "t") == (  # a removed side shows the base row
        "+-----+--------+----+----+---+\n"
        "|     |        | id | a  | b |\n"
        "+-----+--------+----+----+---+\n"
        "|     | base   | 3  | 30 | z |\n"
        "|  *  | ours   | 3  | 33 | z |\n"
        "|  -  | theirs | 3  | 30 | z |\n"
        "+-----+--------+----+----+---+\n")
    assert dl.ok("conflicts", "resolve", "--ours", "t") == "Resolved conflicts in t with ours.\n"
    dl.ok("commit", "-am", "kept ours")
    assert table_rows(dl) == ["1,10,x", "2,20,y", "3,33,z"]


def test_insert_of_the_same_key_resolved_in_sql(base: Path, dl: Dl) -> None:
    diverge(dl, "insert into t values (4, 1, 'theirs')", "insert into t values (4, 2, 'ours')")
    assert dl("merge", "feat").code == 1
    assert dl.query("select our_diff_type, their_diff_type, our_a, their_a from dolt_conflicts_t") == \
        "our_diff_type,their_diff_type,our_a,their_a\nadded,added,2,1\n"
    assert dl.ok("conflicts", "cat", ".").splitlines()[3:5] == [  # no base line for an added row
        "|  +  | ours   | 4  | 2 | ours   |", "|  +  | theirs | 4  | 1 | theirs |"]
    out = dl.ok("sql", "-q", "update t set a = 3, b = 'both' where id = 4; delete from dolt_conflicts_t where our_id = 4")
    assert out == "Query OK, 1 row affected\nQuery OK, 1 row affected\n"
    assert dl.query("select * from dolt_conflicts") == "table,num_conflicts\n"
    assert "All conflicts and constraint violations fixed but you are still merging." in dl.ok("status")
    dl.ok("commit", "-am", "merged by hand")
    assert table_rows(dl, "select * from t where id = 4") == ["4,3,both"]


def test_abort_restores_the_state_before_the_merge(base: Path, dl: Dl) -> None:
    diverge(dl, "update t set a = 1 where id = 1", "update t set a = 2 where id = 1")
    dl.ok("sql", "-q", "create table u (k int primary key)")
    before = dl.ok("status")
    assert dl("merge", "feat").code == 1
    assert dl.fails("merge", "feat") == \
        "a merge is already in progress; resolve and commit it, or dl merge --abort"
    assert dl.ok("merge", "--abort") == "Merge aborted.\n"
    assert dl.ok("status") == before and table_rows(dl, "select a from t where id = 1") == ["2"]
    assert dl.fails("merge", "--abort") == "no merge in progress"


def test_squash_stages_the_merge_without_committing(base: Path, dl: Dl) -> None:
    main, _ = diverge(dl, "insert into t values (4, 40, 'w')", "insert into t values (5, 50, 'v')")
    assert dl.ok("merge", "--squash", "feat").splitlines()[1:] == [
        "Squash commit -- not updating HEAD", "t | 1 +",
        "1 tables changed, 1 rows added(+), 0 rows modified(*), 0 rows deleted(-)"]
    assert head(dl) == main
    assert dl.ok("status") == ("On branch main\n\nChanges to be committed:\n"
                               '  (use "dl reset <table>..." to unstage)\n\tmodified:         t\n')
    dl.ok("commit", "-m", "squashed")
    assert "Merge:" not in dl.ok("log", "-n", "1")
    assert table_rows(dl, "select id from t order by id") == ["1", "2", "3", "4", "5"]
    assert dl.fails("merge", "--squash", "--no-ff", "feat") == "--squash and --no-ff cannot be used together"


def test_schema_merge_column_added_on_one_side_and_on_both(base: Path, dl: Dl) -> None:
    diverge(dl, "alter table t add column c int; update t set c = 1 where id = 1; alter table t add column d int",
            "insert into t values (4, 40, 'w'); alter table t add column d int")
    dl.ok("merge", "feat")
    assert dl.query("select * from t order by id") == "id,a,b,d,c\n1,10,x,,1\n2,20,y,,\n3,30,z,,\n4,40,w,,\n"


def test_schema_conflicts_are_recorded_as_dolt_records_them(base: Path, dl: Dl) -> None:
    diverge(dl, "alter table t add column c int", "alter table t add column c text")
    result = dl("merge", "feat")
    assert result.code == 1
    assert result.out.splitlines()[1:] == [
        "Auto-merging t", "CONFLICT (schema): Merge conflict in t",
        "Automatic merge failed; 1 table(s) are unmerged. Use 'dl conflicts' to investigate and resolve conflicts."]
    status = dl.ok("status")
    assert "Unmerged paths:" in status and "\tschema conflict:  t\n" in status
    cat = dl.ok("conflicts", "cat", ".").splitlines()
    assert [cell.strip() for cell in cat[1].split("|")[1:-1]] == ["our_schema", "their_schema", "base_schema",
                                                                   "description"]
    assert cat[3].split("|")[4] == " different column definitions for our column c and their column c "
    assert cat[4].split("|")[4].strip() == ""  # a cell's further lines beside the CREATE TABLE lines
    assert [line.split("|")[1][1:].rstrip() for line in cat[3:-1]] == dl.query(
        "select our_schema from dolt_schema_conflicts").split('"')[1].splitlines()
    assert dl.fails("commit", "-am", "x") == "the table(s) t have schema conflicts"
    assert dl.fails("conflicts", "resolve", "--theirs", ".").startswith(
        "Unable to automatically resolve schema conflicts since data changes may not have been fully merged yet.")
    dl.ok("merge", "--abort")
    assert dl.ok("status") == "On branch main\nnothing to commit, working tree clean\n"


def test_deleted_against_modified_table_is_a_schema_conflict(base: Path, dl: Dl) -> None:
    diverge(dl, "insert into t values (4, 40, 'w')", "drop table t")
    assert "CONFLICT (schema): Merge conflict in t\n" in dl("merge", "feat").out
    cat = dl.ok("conflicts", "cat").splitlines()
    assert [cell.strip() for cell in cat[3].split("|")[1:-1]] == [
        "<deleted>", "CREATE TABLE `t` (", "CREATE TABLE `t` (", "cannot merge a table deletion with data modification"]
    assert dl.tables() == []  # kept as ours has it: deleted


def test_different_primary_keys_stop_the_merge_and_change_nothing(base: Path, dl: Dl) -> None:
    clean = "On branch main\nnothing to commit, working tree clean\n"
    commit_on(dl, "rekey", "drop table t; create table t (id int, a int, b text, primary key (id, a)); "
                           "insert into t values (1, 10, 'x')", "new key")
    commit_on(dl, "main", "insert into t (id, a, b) values (9, 9, 'n')", "row 9", new=False)
    assert dl.fails("merge", "rekey") == "cannot merge because table t has different primary keys"
    assert dl.ok("status") == clean


def test_merge_refused_over_uncommitted_changes_in_touched_tables(base: Path, dl: Dl) -> None:
    diverge(dl, "insert into t values (4, 40, 'w')", "insert into t values (5, 50, 'v')")
    dl.ok("sql", "-q", "update t set a = 0 where id = 1")
    assert dl.fails("merge", "feat") == (  # Dolt's words, on one line
        "local changes would be stomped by merge: t. Please commit your changes before you merge. "
        "(Or discard them: dl reset --hard.)")
    assert table_rows(dl, "select a from t where id = 1") == ["0"]


def test_merge_base_of_a_criss_cross_history(base: Path, dl: Dl) -> None:
    dl.ok("branch", "b")
    a1 = commit_on(dl, "a", "update t set a = 1 where id = 1", "A1")
    b1 = commit_on(dl, "b", "update t set a = 2 where id = 2", "B1", new=False)
    dl.ok("merge", a1, "-m", "M2")
    commit_on(dl, "b", "update t set a = 6 where id = 2", "B2", new=False)
    dl.ok("checkout", "a")
    dl.ok("merge", b1, "-m", "M1")
    commit_on(dl, "a", "update t set a = 7 where id = 1", "A2", new=False)
    base_ab = dl.ok("merge-base", "a", "b").strip()
    assert base_ab in (a1, b1) and dl.ok("merge-base", "b", "a").strip() == base_ab
    dl.ok("checkout", "b")
    assert dl.ok("merge", "a").splitlines()[1].startswith("Merge made: ")
    assert table_rows(dl, "select id, a from t order by id") == ["1,7", "2,6", "3,30"]
    assert dl.fails("merge-base", "a", "nope").startswith("revision not found: nope")


def test_cherry_pick_clean_keeps_message_and_author(base: Path, dl: Dl) -> None:
    dl.ok("checkout", "-b", "other")
    dl.ok("sql", "-q", "insert into t values (4, 4, 'four')")
    dl.ok("commit", "-am", "add 4")
    dl.ok("sql", "-q", "update t set a = 100 where id = 1")
    dl.ok("commit", "-am", "set 100", "--author", "Bo Other <bo@example.com>")
    picked = head(dl)
    dl.ok("checkout", "main")
    out = dl.ok("cherry-pick", picked[:8])
    assert out == f"Cherry-picked as {head(dl)}\n"
    assert table_rows(dl) == ["1,100,x", "2,20,y", "3,30,z"]
    log = dl.ok("log", "-n", "1")
    assert "Author: Bo Other <bo@example.com>\n" in log and "    set 100\n" in log
    assert dl.fails("cherry-pick", picked) == "nothing to cherry-pick: the change is already on main"


def test_cherry_pick_conflict_abort_and_resolve(base: Path, dl: Dl) -> None:
    dl.ok("checkout", "-b", "other")
    dl.ok("sql", "-q", "update t set b = 'theirs' where id = 1")
    dl.ok("commit", "-am", "theirs", "--author", "Bo Other <bo@example.com>")
    picked = head(dl)
    commit_on(dl, "main", "update t set b = 'ours' where id = 1", "ours", new=False)
    stopped = ("Unable to apply commit cleanly due to conflicts or constraint violations. Please resolve the "
               "conflicts and/or constraint violations, then use `dl add` to add the tables to the staged set, and "
               "`dl cherry-pick --continue` to complete the cherry-pick. To undo all changes from this cherry-pick "
               "operation, use `dl cherry-pick --abort`.")  # Dolt's words, dl's name
    assert dl.fails("cherry-pick", picked) == stopped
    assert "both modified:    t" in dl.ok("status")
    assert dl.fails("cherry-pick", "--continue") == stopped  # not before the conflicts are resolved
    assert dl.ok("cherry-pick", "--abort") == "Cherry-pick aborted.\n"
    assert dl.ok("status") == "On branch main\nnothing to commit, working tree clean\n"
    assert dl("cherry-pick", picked).code == 1
    dl.ok("conflicts", "resolve", "--theirs", "t")
    assert dl.fails("cherry-pick", "--abort", "--continue") == "--continue and --abort are mutually exclusive"
    assert dl.ok("cherry-pick", "--continue") == f"Cherry-picked as {head(dl)}\n"
    log = dl.ok("log", "-n", "1")
    assert "Author: Bo Other <bo@example.com>\n" in log and "    theirs\n" in log and "Merge:" not in log
    assert table_rows(dl, "select b from t where id = 1") == ["theirs"]
    assert dl.fails("cherry-pick", "--continue") == "There is no cherry-pick merge to continue"
    assert dl.fails("cherry-pick", "--abort") == "There is no cherry-pick merge to abort"


def test_json_cells_merge_key_by_key_unless_dont_merge_json(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q", "create table t (pk int primary key, j json); "
          "insert into t values (1, '{}'), (2, '{\"x\": 1}')")
    dl.ok("commit", "-Am", "base")
    commit_on(dl, "feat", "update t set j = '{\"a\": 1}' where pk = 1; update t set j = '{\"x\": 2}' where pk = 2",
              "feat")
    commit_on(dl, "main", "update t set j = '{\"b\": 1}' where pk = 1", "main", new=False)
    result = dl("merge", "--dont-merge-json", "feat")
    assert result.code == 1 and "CONFLICT (content): Merge conflict in t (1 row)" in result.out
    dl.ok("merge", "--abort")
    dl.ok("merge", "feat", "-m", "merged")
    assert dl.query("select pk, j from t order by pk") == 'pk,j\n1,"{""b"": 1, ""a"": 1}"\n2,"{""x"": 2}"\n'
    dl.ok("reset", "--hard", "HEAD~1")  # main as it was, then the same change by cherry-pick
    assert dl("cherry-pick", "--dont-merge-json", "feat").code == 1
    dl.ok("cherry-pick", "--abort")
    dl.ok("cherry-pick", "feat")
    assert dl.query("select j from t where pk = 1") == 'j\n"{""b"": 1, ""a"": 1}"\n'


def test_commit_after_resolving_a_cherry_pick_with_nothing_staged(base: Path, dl: Dl) -> None:
    """As Dolt: while a merge or cherry-pick is in progress, `commit` may record nothing new."""
    dl.ok("checkout", "-b", "other")
    dl.ok("sql", "-q", "update t set b = 'theirs' where id = 1")
    dl.ok("commit", "-am", "theirs")
    commit_on(dl, "main", "update t set b = 'ours' where id = 1", "ours", new=False)
    assert dl("cherry-pick", "other").code == 1
    dl.ok("conflicts", "resolve", "--theirs", ".")
    dl.ok("commit", "-m", "after the cherry-pick")
    assert dl.query("select message from dolt_log limit 1") == "message\nafter the cherry-pick\n"
    assert dl.fails("commit", "-m", "again") == "nothing to commit (use dl add, or --allow-empty)"


def test_cherry_pick_stops_on_schema_conflicts_with_dolts_words(base: Path, dl: Dl) -> None:
    dl.ok("checkout", "-b", "other")
    dl.ok("sql", "-q", "create table n (id int primary key, v int); insert into n values (1, 1)")
    dl.ok("commit", "-Am", "n")
    dl.ok("sql", "-q", "insert into n values (2, 2)")
    dl.ok("commit", "-am", "n 2")
    dl.ok("sql", "-q", "update t set b = '1'; alter table t alter column b type int")
    dl.ok("commit", "-am", "b as int")
    commit_on(dl, "main", "insert into t values (9, 9, 'n')", "row 9 on main", new=False)
    assert dl.fails("cherry-pick", "other~1") == (
        "merge aborted: schema conflict found for table n; please resolve schema conflicts before merging: "
        "table was modified in one branch and deleted in the other")
    assert dl.fails("cherry-pick", "other").startswith(  # base rows that do not fit the picked column type
        "merge aborted: schema conflict found for table t; please resolve schema conflicts before merging: "
        "column 'b': cannot store")
    assert dl.ok("status") == "On branch main\nnothing to commit, working tree clean\n"


def test_cherry_pick_needs_a_clean_working_set_and_allow_empty(base: Path, dl: Dl) -> None:
    dl.ok("checkout", "-b", "feat")
    dl.ok("commit", "--allow-empty", "-m", "nothing")
    dl.ok("checkout", "main")
    assert dl.fails("cherry-pick", "feat") == (
        "The previous cherry-pick commit is empty. Use --allow-empty to cherry-pick empty commits.")
    assert dl.ok("cherry-pick", "--allow-empty", "feat").startswith("Cherry-picked as ")
    assert dl.query("select message from dolt_log limit 1") == "message\nnothing\n"
    dl.ok("sql", "-q", "update t set a = 5 where id = 1")
    assert dl.fails("cherry-pick", "feat").startswith("your local changes would be overwritten by cherry-pick")
    dl.ok("add", "t")
    assert dl.fails("cherry-pick", "feat") == "Please commit your staged changes before using cherry-pick."


def test_revert_clean_and_conflicting(base: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "update t set a = 100 where id = 1")
    dl.ok("commit", "-am", "set 100")
    out = dl.ok("revert", "HEAD")
    assert out == dl.ok("log", "-n", "1")  # the revert commit, as Dolt prints it
    assert "    Revert \"set 100\"\n" in out
    assert table_rows(dl, "select a from t where id = 1") == ["10"]
    dl.ok("sql", "-q", "update t set a = 200 where id = 1")
    dl.ok("commit", "-am", "set 200")
    result = dl("revert", "HEAD~2")
    assert result.code == 1 and result.out == (  # Dolt's report, dl's hints
        "Automatic revert failed; fix conflicts and then commit the result.\n"
        "  1 table(s) have data conflicts\n"
        'hint: After resolving conflicts, mark them with "dl add <table>"\n'
        'hint: and run "dl revert --continue". To abort, run "dl revert --abort".\n')
    assert dl.query("select base_a, our_a, their_a from dolt_conflicts_t") == "base_a,our_a,their_a\n100,200,10\n"
    assert dl.ok("revert", "--abort") == "Revert aborted.\n"
    assert dl.fails("revert", "HEAD~4") == "cannot revert commit with no parents (HEAD~4)"
    assert dl.fails("revert", "HEAD~10") == "invalid ancestor spec: HEAD~10; history is not that long"
    assert dl.fails("revert", "abcdef12") == "target commit not found: abcdef12"
    assert dl.fails("cherry-pick", "abcdef12") == "target commit not found: abcdef12"


def test_revert_series_one_commit_each_stops_at_a_conflict(base: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "insert into t values (4, 4, 'w')")
    dl.ok("commit", "-am", "insert 4")
    dl.ok("sql", "-q", "update t set a = 5 where id = 4")
    dl.ok("commit", "-am", "update 4")
    dl.ok("sql", "-q", "update t set a = 6 where id = 4")
    dl.ok("commit", "-am", "update 4 again")
    series_head = head(dl)
    assert dl("revert", "HEAD", "HEAD~2").code == 1  # HEAD reverts cleanly, then HEAD~2 conflicts
    assert dl.query("select message from dolt_log limit 1") == 'message\n"Revert ""update 4 again"""\n'
    assert dl.ok("revert", "--abort") == "Revert aborted.\n"
    assert head(dl) == series_head  # back to where the series started
    assert dl.ok("status") == "On branch main\nnothing to commit, working tree clean\n"
    assert dl.fails("revert", "--abort") == "There is no revert in progress"
    assert dl.fails("revert", "--continue") == "There is no revert in progress"
    assert dl.fails("revert", "--continue", "--abort") == "--continue and --abort are mutually exclusive"
    assert dl("revert", "HEAD", "HEAD~2").code == 1
    dl.ok("conflicts", "resolve", "--ours", "t")
    dl.ok("add", "t")
    assert 'Revert "insert 4"' in dl.ok("revert", "--continue")
    assert dl.query("select message from dolt_log limit 2") == (
        'message\n"Revert ""insert 4"""\n"Revert ""update 4 again"""\n')


def test_revert_with_an_author(base: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "update t set a = 100 where id = 1")
    dl.ok("commit", "-am", "set 100")
    dl.ok("revert", "HEAD", "--author", "john <johndoe@gmail.com>")
    assert "Author: john <johndoe@gmail.com>\n" in dl.ok("log", "-n", "1")


def test_result_format_after_an_equals_sign(base: Path, dl: Dl) -> None:
    """Dolt's parser reads `-r=csv` as `-r csv`: so do `dl sql` and `dl diff`."""
    assert dl.ok("sql", "-q", "select id from t where id = 1", "-r=csv") == "id\n1\n"
    dl.ok("sql", "-q", "update t set a = 5 where id = 1")
    assert dl.ok("diff", "-r=csv") == "diff_type,id,a,b\nmodified_from,1,10,x\nmodified_to,1,5,x\n"


def test_blame_after_several_commits(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (id int primary key, v text); insert into t values (1, 'a'), (2, 'b')")
    dl.ok("commit", "-Am", "first", "--author", "Ann <ann@example.com>", "--date", "2024-01-02T03:04:05")
    dl.ok("sql", "-q", "update t set v = 'B' where id = 2; insert into t values (3, 'c')")
    dl.ok("commit", "-am", "second", "--author", "Ben <ben@example.com>", "--date", "2024-02-03T04:05:06")
    dl.ok("sql", "-q", "update t set v = 'C' where id = 3")
    dl.ok("commit", "-am", "third\n\nmore text", "--date", "2024-03-04T05:06:07")
    first, second, third = head(dl, "HEAD~2"), head(dl, "HEAD~1"), head(dl)
    rule = "+----+" + "-" * 42 + "+---------------------+-----------+------------------+---------+"
    expected = "\n".join([
        rule,
        "| id | commit                                   | commit_date         | committer | email            | message |",
        rule,
        f"| 1  | {first} | 2024-01-02 03:04:05 | Ann       | ann@example.com  | first   |",
        f"| 2  | {second} | 2024-02-03 04:05:06 | Ben       | ben@example.com  | second  |",
        f"| 3  | {third} | 2024-03-04 05:06:07 | Tess Ter  | tess@example.com | third   |",
        rule]) + "\n"
    assert dl.ok("blame", "t") == expected
    assert f"| 2  | {first} |" in dl.ok("blame", "HEAD~2", "t")
    assert dl.query("select id, message from dolt_blame_t order by id") == \
        'id,message\n1,first\n2,second\n3,"third\n\nmore text"\n'
    assert dl.fails("blame", "nope") == "table not found: nope"


def test_stash_round_trip(base: Path, dl: Dl) -> None:
    main = head(dl)
    dl.ok("sql", "-q", "update t set a = 0 where id = 1")
    assert dl.ok("stash") == f"Saved working directory and index state WIP on refs/heads/main: {main[:8]} base\n"
    assert dl.ok("status") == "On branch main\nnothing to commit, working tree clean\n"
    dl.ok("sql", "-q", "insert into t values (4, 4, 'w')")
    assert dl.ok("stash", "-m", "row four") == "Saved working directory and index state row four\n"
    assert dl.ok("stash", "list") == f"stash@{{0}}: row four\nstash@{{1}}: WIP on refs/heads/main: {main[:8]} base\n"
    assert dl.ok("stash", "pop") == ("On branch main\n\nChanges not staged for commit:\n"  # the status, as Dolt
                                     '  (use "dl add <table>" to update what will be committed)\n'
                                     '  (use "dl checkout <table>" to discard changes in working directory)\n'
                                     "\tmodified:         t\nDropped refs/stash@{0} (row four)\n")
    assert table_rows(dl, "select count(*) from t") == ["4"]
    assert dl.ok("stash", "list") == f"stash@{{0}}: WIP on refs/heads/main: {main[:8]} base\n"
    dl.ok("commit", "-am", "row 4")
    assert dl.ok("stash", "pop", "stash@{0}").endswith(f"Dropped refs/stash@{{0}} (WIP on refs/heads/main: {main[:8]} base)\n")
    assert table_rows(dl, "select id, a from t where id in (1, 4) order by id") == ["1,0", "4,4"]
    dl.ok("stash")
    dl.ok("sql", "-q", "delete from t where id = 4")
    dl.ok("stash")
    assert len(dl.ok("stash", "list").splitlines()) == 2
    dl.ok("stash", "apply", "stash@{1}")  # applied and kept
    assert len(dl.ok("stash", "list").splitlines()) == 2
    dl.ok("reset", "--hard")
    assert dl.ok("stash", "drop", "1").startswith("Dropped refs/stash@{1} (WIP on refs/heads/main: ")
    assert dl.ok("stash", "clear") == ""  # silent, as Dolt
    assert dl.ok("stash", "list") == ""
    assert dl.fails("stash", "pop") == "stash not found: stash@{0}; no stash entries found"
    assert dl.ok("stash") == "No local changes to save\n"  # not a failure
    assert dl.fails("stash", "pop", "stash@{x}", code=2).startswith("not a stash")


def test_stash_leaves_untracked_tables_unless_include_untracked(base: Path, dl: Dl) -> None:
    """As Dolt: a new table not staged stays in the working set (alone it is nothing to stash);
    -u stashes it too; a pop stages again only the new tables that were staged."""
    dl.ok("sql", "-q", "create table loose (id int)")
    assert dl.ok("stash") == "No local changes to save\n"
    assert "loose" in dl.tables()
    dl.ok("sql", "-q", "create table kept (id int primary key)")
    dl.ok("add", "kept")
    dl.ok("stash")
    assert dl.tables() == ["loose", "t"]  # the untracked table stayed
    dl.ok("stash", "pop")
    dl.ok("stash", "--include-untracked")
    assert dl.tables() == ["t"] and dl.ok("status") == "On branch main\nnothing to commit, working tree clean\n"
    popped = dl.ok("stash", "pop").splitlines()
    assert [line for line in popped if line][1:6] == [
        "Changes to be committed:", '  (use "dl reset <table>..." to unstage)', "\tnew table:        kept",
        "Untracked tables:", '  (use "dl add <table>" to include in what will be committed)']
    assert "\tnew table:        loose" in popped


def test_stash_all_takes_the_tables_dolt_ignore_ignores(base: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "insert into dolt_ignore values ('scratch_%', true)")
    dl.ok("commit", "-Am", "ignore scratch tables")
    dl.ok("sql", "-q", "create table scratch_1 (id int); create table loose (id int)")
    dl.ok("stash", "-u")
    assert dl.tables() == ["dolt_ignore", "scratch_1", "t"]  # -u leaves the ignored table
    dl.ok("stash", "pop")
    dl.ok("stash", "-a")
    assert dl.tables() == ["dolt_ignore", "t"]
    dl.ok("stash", "pop")
    assert dl.tables() == ["dolt_ignore", "loose", "scratch_1", "t"]


def test_conflicts_resolve_arguments_and_dot(base: Path, dl: Dl) -> None:
    """Dolt's argument errors (exit 1), and `.` resolving every conflicted table."""
    assert dl.fails("conflicts", "resolve") == "--ours or --theirs must be supplied"
    assert dl.fails("conflicts", "resolve", "--theirs") == "specify at least one table to resolve conflicts"
    assert dl.fails("conflicts", "resolve", "--ours", "--theirs", "t") == \
        "specify only one from [ --ours, --theirs ]"
    assert dl.ok("conflicts", "resolve", "--ours", ".") == ""  # nothing conflicted: nothing to do
    diverge(dl, "update t set b = 'theirs' where id = 2", "update t set b = 'ours' where id = 2")
    assert dl("merge", "feat").code == 1
    assert dl.ok("conflicts", "resolve", "--theirs", ".") == "Resolved conflicts in t with theirs.\n"
    assert dl.ok("conflicts", "cat", ".") == ""
    assert table_rows(dl)[1] == "2,20,theirs"


def test_merge_no_commit_stages_and_the_next_commit_has_both_parents(base: Path, dl: Dl) -> None:
    main, feat = diverge(dl, "update t set a = 11 where id = 1", "update t set b = 'w' where id = 3")
    out = dl.ok("merge", "feat", "--no-commit")
    assert out == (f"Updating {main[:8]}..{feat[:8]}\n"
                   "Automatic merge went well; stopped before committing as requested\n"
                   "t | 1 *\n1 tables changed, 0 rows added(+), 1 rows modified(*), 0 rows deleted(-)\n")
    assert head(dl) == main
    status = dl.ok("status")
    assert "All conflicts and constraint violations fixed" in status and "Changes to be committed:" in status
    dl.ok("commit", "-m", "merged by hand")
    assert f"Merge: {main} {feat}\n" in dl.ok("log", "-n", "1")
    assert table_rows(dl) == ["1,11,x", "2,20,y", "3,30,w"]
    assert dl.fails("merge", "--commit", "--no-commit", "feat") == \
        "Flags '--commit' and '--no-commit' cannot be used together"


def test_merge_summary_names_added_and_deleted_tables(base: Path, dl: Dl) -> None:
    dl.ok("checkout", "-b", "feat")
    dl.ok("sql", "-q", "create table u (k int primary key); drop table t")
    dl.ok("commit", "-Am", "swap tables")
    dl.ok("checkout", "main")
    assert dl.ok("merge", "feat").splitlines()[2:] == ["u added", "t deleted"]


def test_merge_of_an_unknown_branch(base: Path, dl: Dl) -> None:
    assert dl.fails("merge", "batmans-parents") == "branch not found: batmans-parents"


def test_a_renamed_column_merges_with_value_changes_on_the_other_side(base: Path, dl: Dl) -> None:
    """One side renames a column (RENAME COLUMN, or MySQL's CHANGE COLUMN), the other changes
    values in it: the merge follows the rename (dl reads it as Dolt's column tags would show
    it), so the changed values land under the new name instead of every row conflicting."""
    commit_on(dl, "renamer", "alter table t rename column b to label", "rename b")
    dl.ok("checkout", "main")
    commit_on(dl, "changer", "update t set b = 'changed' where id = 2", "change b")
    out = dl.ok("merge", "renamer", "-m", "merge rename")
    assert "CONFLICT" not in out
    assert dl.query("select * from t order by id") == "id,a,label\n1,10,x\n2,20,changed\n3,30,z\n"
    dl.ok("checkout", "main")
    dl.ok("sql", "--dialect", "mysql", "-q", "alter table t change column a amount int")
    assert dl.query("select * from t order by id").startswith("id,amount,b\n1,10,x\n")
    dl.ok("commit", "-am", "change a")
    dl.ok("checkout", "changer")
    dl.ok("cherry-pick", "main")
    assert dl.query("select * from t order by id") == "id,amount,label\n1,10,x\n2,20,changed\n3,30,z\n"


def test_a_column_renamed_and_retyped_merges_with_value_changes(base: Path, dl: Dl) -> None:
    """MySQL's CHANGE COLUMN renames and retypes at once (cherry-pick.bats 23): the merge pairs
    the one column gone with the one new in its place, and takes the new definition."""
    commit_on(dl, "changer", "update t set b = 'changed' where id = 2", "change b")
    dl.ok("checkout", "main")
    dl.ok("sql", "--dialect", "mysql", "-q", "alter table t change column b label varchar(100)")
    dl.ok("commit", "-am", "rename and retype b")
    dl.ok("checkout", "changer")
    dl.ok("cherry-pick", "main")
    assert dl.query("select * from t order by id") == "id,a,label\n1,10,x\n2,20,changed\n3,30,z\n"
    assert "`label` varchar(100)" in dl.ok("schema", "show", "t")
