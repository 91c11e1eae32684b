"""`dl branch` and `dl checkout` as a user runs them."""
from __future__ import annotations

import re
from pathlib import Path

from cli_helpers import FIXTURES, Dl


def head_of(dl: Dl, revision: str) -> str:
    return dl.ok("log", "--oneline", "-n", "1", revision)[:40]


def test_branch_list_create_and_all(people: Path, dl: Dl) -> None:
    assert dl.ok("branch", "b1") == ""
    dl.ok("branch", "b0", "HEAD~1")
    assert dl.ok("branch") == "  b0\n  b1\n* main\n"
    assert dl.ok("branch", "-a") == "  b0\n  b1\n* main\n"
    assert dl.ok("branch", "--show-current") == "main\n"
    verbose = dl.ok("branch", "-v").splitlines()
    assert re.fullmatch(r"  b0 [0-9a-f]{8} Initialize data repository", verbose[0])
    assert re.fullmatch(r"\* main [0-9a-f]{8} import people", verbose[2])
    assert head_of(dl, "b1") == head_of(dl, "main")
    assert head_of(dl, "b0") == head_of(dl, "main~1")
    assert dl.fails("branch", "b1") == "fatal: A branch named 'b1' already exists."
    dl.ok("branch", "-f", "b1", "b0")
    assert head_of(dl, "b1") == head_of(dl, "b0")
    assert dl.fails("branch", "b2", "nope").startswith("revision not found: nope")
    assert dl.fails("branch", "a", "b", "c", code=2) == "dl branch NAME [START]"


def test_branch_delete_merged_and_force(people: Path, dl: Dl) -> None:
    dl.ok("branch", "merged")
    main = head_of(dl, "main")
    assert dl.ok("branch", "-d", "merged") == ""  # silent, as Dolt
    dl.ok("checkout", "-b", "work")
    dl.ok("sql", "-q", "delete from people where id = 1")
    dl.ok("commit", "-am", "unmerged work")
    work = head_of(dl, "work")
    dl.ok("checkout", "main")
    assert dl.fails("branch", "-d", "work") == \
        "branch 'work' is not fully merged; if you are sure, run 'dl branch -D work'"
    assert dl.ok("branch") == "* main\n  work\n"
    assert dl.ok("branch", "-D", "work") == ""
    assert dl.ok("branch") == "* main\n"
    assert dl.fails("branch", "-d", "main") == "Cannot delete checked out branch 'main'"
    assert dl.fails("branch", "-d", "nope") == "branch not found: nope"
    assert dl.fails("branch", "-d", code=2) == "give the branches to delete"


def test_branch_move_and_copy(people: Path, dl: Dl) -> None:
    dl.ok("branch", "old")
    dl.ok("branch", "-m", "old", "new")
    assert dl.ok("branch") == "* main\n  new\n"
    dl.ok("branch", "-c", "new", "copy")
    assert dl.ok("branch") == "  copy\n* main\n  new\n"
    assert head_of(dl, "copy") == head_of(dl, "new")
    dl.ok("branch", "-m", "trunk")  # one name: rename the current branch
    assert dl.ok("branch") == "  copy\n  new\n* trunk\n"
    assert dl.ok("status").startswith("On branch trunk\n")
    dl.ok("branch", "-c", "trunk2")
    assert "  trunk2" in dl.ok("branch")
    assert dl.fails("branch", "-m", "new", "copy") == "fatal: A branch named 'copy' already exists."
    assert dl.fails("branch", "-m", "nope", "other") == "branch not found: nope"
    assert dl.fails("branch", "-m", code=2) == "dl branch -m [OLD] NEW"


def test_checkout_branch_and_new_branch(people: Path, dl: Dl) -> None:
    assert dl.ok("checkout", "-b", "fix") == "Switched to branch 'fix'\n"
    assert dl.ok("status").startswith("On branch fix\n")
    dl.ok("sql", "-q", "update people set city = 'Oslo' where id = 3")
    dl.ok("commit", "-am", "Grace moves")
    assert dl.ok("checkout", "main") == "Switched to branch 'main'\n"
    assert "Arlington" in dl.ok("sql", "-q", "select city from people where id = 3", "-r", "csv")
    assert dl.ok("checkout", "main") == "Already on branch 'main'\n"
    dl.ok("checkout", "fix")
    assert "Oslo" in dl.ok("sql", "-q", "select city from people where id = 3", "-r", "csv")
    out = dl.ok("checkout", "-b", "from-start", "main~1")
    assert out == "Switched to branch 'from-start'\n"
    assert dl.tables() == []
    assert head_of(dl, "from-start") == head_of(dl, "main~1")
    assert dl.fails("checkout", "-b", "fix") == "fatal: A branch named 'fix' already exists."
    dl.ok("checkout", "-B", "fix", "main")
    assert head_of(dl, "fix") == head_of(dl, "main")
    assert dl.fails("checkout", "-b", "x", "a", "b", code=2) == "dl checkout -b NEW [START]"
    assert dl.fails("checkout", "-b", "y", "nope").startswith("revision not found: nope")
    assert "y" not in dl.ok("branch").split()


def test_checkout_refuses_a_switch_that_would_lose_changes(people: Path, dl: Dl) -> None:
    dl.ok("checkout", "-b", "other")
    dl.ok("sql", "-q", "update people set age = 1 where id = 1")
    dl.ok("commit", "-am", "other changes people")
    dl.ok("checkout", "main")
    dl.ok("sql", "-q", "update people set age = 5 where id = 5")
    before = dl.table_hash("people")
    refused = dl("checkout", "other")
    assert (refused.code, refused.out) == (1, "")
    assert refused.err == ("error: Your local changes to the following tables would be overwritten by checkout:\n"
                           "\tpeople\n"
                           "Please commit your changes or stash them before you switch branches.\n"
                           "Aborting\n")  # Dolt's (and git's) words, one table a line
    assert dl.ok("branch", "--show-current") == "main\n"
    assert dl.table_hash("people") == before
    # -b to a start where the table differs fails the same way and leaves no branch behind
    assert dl("checkout", "-b", "newer", "other").err.startswith("error: Your local changes to the following")
    assert dl.ok("branch") == "* main\n  other\n"
    # -f switches anyway: the local change is discarded, on both branches
    assert dl.ok("checkout", "-f", "other") == "Switched to branch 'other'\n"
    assert dl.query("select age from people where id = 5") != "age\n5\n"
    dl.ok("checkout", "main")
    assert dl.ok("status") == "On branch main\nnothing to commit, working tree clean\n"


def test_checkout_refuses_when_both_branches_have_other_changes(people: Path, dl: Dl) -> None:
    dl.ok("branch", "other")
    dl.ok("sql", "-q", "call dolt_checkout('other'); update people set age = 1 where id = 1")
    dl.ok("sql", "-q", "update people set age = 5 where id = 5")
    assert dl.fails("checkout", "other") == "checkout would overwrite uncommitted changes on target branch"
    assert dl.ok("branch", "--show-current") == "main\n"
    # the same uncommitted changes on both: nothing is lost, the switch goes ahead
    dl.ok("sql", "-q", "call dolt_checkout('other'); call dolt_reset('--hard'); update people set age = 5 where id = 5")
    assert dl.ok("checkout", "other") == "Switched to branch 'other'\n"
    assert dl.query("select age from people where id = 5") == "age\n5\n"


def test_checkout_tables_from_another_revision(people: Path, dl: Dl) -> None:
    dl.ok("branch", "b1")
    dl.ok("sql", "-q", "update people set age = 5 where id = 5")
    dl.ok("checkout", "b1", "--", "people")  # Dolt's and git's `checkout REV -- TABLE`
    assert dl.ok("status") == "On branch main\nnothing to commit, working tree clean\n"
    assert dl.fails("checkout", "b1", "--", "nope") == "table not found at b1: nope"


def test_checkout_carries_changes_the_switch_does_not_touch(people: Path, dl: Dl) -> None:
    dl.ok("branch", "same")
    dl.ok("table", "import", "-c", "--pk", "id", "extra", FIXTURES / "people.csv")
    dl.ok("sql", "-q", "update people set age = 5 where id = 5")
    dl.ok("add", "people")
    dl.ok("checkout", "same")
    status = dl.ok("status")
    assert status.startswith("On branch same\n")
    assert "\tmodified:         people\n" in status and "\tnew table:        extra\n" in status
    assert "Changes to be committed:" in status
    dl.ok("checkout", "main")  # and back again, as git carries them
    status = dl.ok("status")
    assert status.startswith("On branch main\n")
    assert "\tmodified:         people\n" in status and "\tnew table:        extra\n" in status


def test_checkout_tables_discards_their_working_changes(people: Path, dl: Dl) -> None:
    original = dl.table_hash("people")
    dl.ok("table", "import", "-c", "--pk", "id", "other", FIXTURES / "people.csv")
    dl.ok("commit", "-Am", "other")
    other = dl.table_hash("other")
    dl.ok("sql", "-q", "delete from people where id < 5; delete from other where id > 5")
    assert dl.ok("checkout", "people") == ""
    assert dl.table_hash("people") == original
    assert dl.table_hash("other") != other
    dl.ok("checkout", "people", "other")
    assert dl.table_hash("other") == other
    assert dl.ok("status") == "On branch main\nnothing to commit, working tree clean\n"
    # staged changes are what a table goes back to
    dl.ok("sql", "-q", "delete from people where id = 1")
    dl.ok("add", "people")
    staged = dl.table_hash("people")
    dl.ok("sql", "-q", "delete from people where id = 2")
    dl.ok("checkout", "people")
    assert dl.table_hash("people") == staged
    assert dl.fails("checkout", "nope") == "branch or table not found: nope"
    assert dl.fails("checkout", "HEAD~1", code=2).startswith("HEAD~1 is a commit, not a branch")
    assert dl.fails("checkout", code=2).startswith("give a branch to switch to")


def test_checkout_double_dash_says_where_the_tables_start(repo: Path, dl: Dl) -> None:
    """As git and Dolt: `checkout -- NAME` is the table even when a branch has that name,
    `checkout REF -- TABLE` takes the table from REF, and two refs before `--` are refused."""
    dl.ok("sql", "-q", "create table feature (id int primary key, v int); insert into feature values (1, 100)")
    dl.ok("commit", "-Am", "feature table")
    dl.ok("checkout", "-b", "feature")
    dl.ok("sql", "-q", "insert into feature values (2, 200)")
    dl.ok("commit", "-am", "row 2")
    dl.ok("checkout", "main")
    dl.ok("sql", "-q", "update feature set v = 101 where id = 1")
    assert dl.ok("checkout", "--", "feature") == ""
    assert dl.query("select * from feature") == "id,v\n1,100\n"
    assert dl.ok("branch") == "  feature\n* main\n"  # still on main
    dl.ok("branch", "other")
    assert dl.fails("checkout", "feature", "other", "--", "feature", code=2) == "only one reference expected, 2 given"
    dl.ok("checkout", "feature", "--", "feature")
    assert dl.query("select * from feature") == "id,v\n1,100\n2,200\n"
    assert "\tmodified:         feature\n" in dl.ok("status")
    assert dl.fails("checkout", "--", "nope") == "branch or table not found: nope"


def test_checkout_no_overwrite_ignore_guards_ignored_tables(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table ign_changed (pk int primary key, v int); insert into ign_changed values (1, 1); "
                       "create table ign_same (pk int primary key); insert into dolt_ignore values ('ign_%', true)")
    dl.ok("add", "-A", "--force")
    dl.ok("commit", "-m", "ignored tables")
    dl.ok("checkout", "-b", "other")
    dl.ok("sql", "-q", "insert into ign_changed values (2, 2)")
    dl.ok("add", "-A", "--force")
    dl.ok("commit", "-m", "change one")
    dl.ok("checkout", "main")
    refused = dl("checkout", "--no-overwrite-ignore", "other")
    assert (refused.code, refused.err) == (1, "error: The following ignored tables would be overwritten by checkout:\n"
                                              "\tign_changed\nPlease move or remove them before you switch branches.\n"
                                              "Use --overwrite-ignore to force.\n")  # ign_same is the same on both
    assert dl("checkout", "-f", "--no-overwrite-ignore", "other").code == 1  # --force does not lift it
    assert dl.fails("checkout", "--overwrite-ignore", "--no-overwrite-ignore", "other", code=2) == (
        "--overwrite-ignore and --no-overwrite-ignore are mutually exclusive")
    assert dl.ok("checkout", "-b", "new", "--no-overwrite-ignore") == "Switched to branch 'new'\n"  # same commit
    assert dl.ok("checkout", "--overwrite-ignore", "other") == "Switched to branch 'other'\n"
