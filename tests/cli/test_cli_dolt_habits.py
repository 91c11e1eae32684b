"""Dolt users' habits that carry over to dl (issue 11): the global `--branch NAME`, command
names in any case, and the flags and messages Dolt's own CLI tests expect."""
from __future__ import annotations

from pathlib import Path

import pytest
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


def _ignore_setup(dl: Dl) -> None:
    dl.ok("sql", "--dialect", "mysql", "-q",
          "INSERT INTO dolt_ignore VALUES ('ignoreme', true), ('*_ignore', true), ('commit_*', false)")
    dl.ok("sql", "-q", "create table ignoreme (pk int); create table nomatch (pk int)")


def test_dolt_ignore_is_a_table_sql_creates_on_first_write(repo: Path, dl: Dl) -> None:
    assert dl.ok("sql", "-r", "csv", "-q", "select * from dolt_ignore") == "pattern,ignored\n"
    _ignore_setup(dl)
    assert dl.ok("sql", "-r", "csv", "-q", "select * from dolt_ignore order by pattern") == \
        "pattern,ignored\n*_ignore,true\ncommit_*,false\nignoreme,true\n"
    dl.ok("sql", "-q", "delete from dolt_ignore where pattern = 'commit_*'")
    assert "commit_*" not in dl.ok("sql", "-r", "csv", "-q", "select * from dolt_ignore")


def test_status_hides_ignored_tables_unless_asked(repo: Path, dl: Dl) -> None:
    _ignore_setup(dl)
    out = dl.ok("status")
    assert "nomatch" in out and "ignoreme" not in out and "Ignored tables" not in out
    out = dl.ok("status", "--ignored")
    assert "Ignored tables:\n  (use \"dl add -f <table>\" to include in what will be committed)\n" \
           "\tnew table:        dolt_ignore\n\tnew table:        ignoreme\n" in out


def test_dolt_status_leaves_out_ignored_new_tables_as_status_does(repo: Path, dl: Dl) -> None:
    _ignore_setup(dl)
    out = dl.ok("sql", "-r", "csv", "-q", "select table_name, staged from dolt_status order by table_name")
    assert "nomatch,0" in out and "ignoreme" not in out
    dl.ok("add", "-f", "ignoreme")
    assert "ignoreme,1" in dl.ok("sql", "-r", "csv", "-q", "select table_name, staged from dolt_status")


def test_add_all_and_commit_all_skip_ignored_tables_force_stages_them(repo: Path, dl: Dl) -> None:
    _ignore_setup(dl)
    dl.ok("add", "-A")
    out = dl.ok("status")
    assert "\tnew table:        nomatch" in out.split("Untracked")[0] and "ignoreme" not in out
    dl.ok("add", "--all", "--force")
    assert "ignoreme" in dl.ok("status").split("Untracked")[0]
    dl.ok("reset")
    dl.ok("commit", "-Am", "all but ignored")
    assert "ignoreme" not in dl.ok("sql", "-r", "csv", "-q", "select to_table_name from dolt_diff_summary('HEAD~1', 'HEAD')")
    dl.ok("add", "-f", "ignoreme")
    assert "ignoreme" in dl.ok("status").split("Untracked")[0]


def test_add_fails_naming_conflicting_ignore_patterns(repo: Path, dl: Dl) -> None:
    _ignore_setup(dl)
    dl.ok("sql", "-q", "create table commit_ignore (pk int)")
    result = dl("add", "-A")
    assert result.code == 1
    assert result.err == ("error: the table commit_ignore matches conflicting patterns in dolt_ignore:\n"
                          "ignored:     *_ignore\nnot ignored: commit_*\n")
    assert "Tables with conflicting dolt_ignore patterns:" in dl.ok("status")
    assert "the table commit_ignore matches conflicting" in dl.fails("sql", "-q", "call dolt_add('-A')")
    dl.ok("sql", "-q", "call dolt_add('-A', '-f')")
    assert "commit_ignore" in dl.ok("status").split("Untracked")[0]


def test_add_needs_tables_or_all(repo: Path, dl: Dl) -> None:
    assert "give the tables to stage" in dl.fails("add", code=2)


def _one_table(dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (pk int primary key)")


def test_commit_prints_the_new_commit_as_log_does(repo: Path, dl: Dl) -> None:
    _one_table(dl)
    out = dl.ok("commit", "-Am", "add t", "--author", "John Doe <john@doe.com>")
    assert out.startswith("commit ") and out.splitlines()[0].endswith(" (HEAD -> main)")
    assert "Author: John Doe <john@doe.com>\n" in out and out.endswith("\n    add t\n")
    assert out == dl.ok("log", "-n", "1")


def test_log_colours_its_commit_lines_into_a_pipe_as_dolt_does(repo: Path, dl: Dl,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Dolt's scripts cut the hash out of a piped log by column, past the colour code
    (`dolt log -n 1 | grep -m 1 commit | cut -c 13-44`): the cut is a prefix of HEAD's hash.
    `commit` prints its new commit without colour (as Dolt), and NO_COLOR turns it off."""
    _one_table(dl)
    plain = dl.ok("commit", "-Am", "add t")
    monkeypatch.delenv("NO_COLOR")
    coloured = dl.ok("log", "-n", "1")
    first = coloured.splitlines()[0]
    head = plain.splitlines()[0].split()[1]
    assert first == f"\x1b[33mcommit {head} \x1b[0m(HEAD -> main)"
    assert first.split(" ")[1] == head  # `grep commit | cut -d" " -f2`, as Dolt's scripts do
    assert head.startswith(first[12:44]) and len(first[12:44]) == 32
    assert dl.ok("log", "-n", "1", "--oneline").startswith("\x1b[33m" + head)
    assert dl.ok("show", "HEAD").startswith("\x1b[33mcommit " + head)
    assert "\x1b" not in dl.ok("status")
    monkeypatch.setenv("NO_COLOR", "1")
    assert dl.ok("log", "-n", "1") == plain


def test_commit_skip_empty_and_its_exclusion_with_allow_empty(repo: Path, dl: Dl) -> None:
    _one_table(dl)
    dl.ok("add", "t")
    head = dl.ok("log", "-n", "1")
    assert dl.fails("commit", "--allow-empty", "--skip-empty", "-m", "x") == \
        "cannot use both --allow-empty and --skip-empty"
    assert dl.ok("log", "-n", "1") == head
    dl.ok("commit", "--skip-empty", "-m", "first")
    head = dl.ok("log", "-n", "1")
    assert dl.ok("commit", "--skip-empty", "-m", "second") == "Skipping empty commit\n"
    assert dl.ok("log", "-n", "1") == head


def test_commit_single_dash_long_flag_and_force(repo: Path, dl: Dl) -> None:
    _one_table(dl)
    assert "    all\n" in dl.ok("commit", "-ALL", "-m", "all")  # Dolt reads -ALL as --ALL
    dl.ok("sql", "-q", "insert into t values (1)")
    assert "    forced\n" in dl.ok("commit", "-A", "-f", "-m", "forced")


def test_author_date_from_the_environment(repo: Path, dl: Dl, monkeypatch) -> None:
    import time
    monkeypatch.setenv("TZ", "PST+8")
    time.tzset()
    try:
        _one_table(dl)
        monkeypatch.setenv("DOLT_AUTHOR_DATE", "2023-09-26T12:34:56")
        assert "Date:   Tue Sep 26 12:34:56 2023 -0800" in dl.ok("commit", "-Am", "t")
        assert "Date:   Tue Sep 26 01:23:45 2023" in dl.ok(  # --date wins over the environment
            "commit", "--allow-empty", "--date", "2023-09-26T01:23:45", "-m", "e")
        monkeypatch.setenv("DL_AUTHOR_DATE", "2024-01-02T03:04:05")  # dl's own name first
        assert "Date:   Tue Jan 02 03:04:05 2024" in dl.ok("commit", "--allow-empty", "-m", "f")
        assert "bad" in dl.fails("commit", "--allow-empty", "--date", "bad", "-m", "g", code=2)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_branch_list_with_patterns(repo: Path, dl: Dl) -> None:
    dl.ok("branch", "feature-a")
    dl.ok("branch", "feature-b")
    dl.ok("branch", "other")
    assert dl.ok("branch", "--list") == "  feature-a\n  feature-b\n* main\n  other\n"
    assert dl.ok("branch", "--list", "feat*") == "  feature-a\n  feature-b\n"
    assert dl.ok("branch", "-l", "main", "-v").startswith("* main ")


def test_checkout_messages_as_dolt(repo: Path, dl: Dl) -> None:
    assert dl.ok("checkout", "main") == "Already on branch 'main'\n"
    assert dl.ok("checkout", "-b", "b1") == "Switched to branch 'b1'\n"
    assert dl.ok("checkout", "main") == "Switched to branch 'main'\n"
    assert dl.ok("branch", "-d", "b1") == ""


def test_log_decorate(repo: Path, dl: Dl) -> None:
    dl.ok("tag", "v0")
    assert "(HEAD -> main, tag: v0)" in dl.ok("log", "-n", "1")  # short, the default
    assert "(HEAD -> refs/heads/main, tag: refs/tags/v0)" in dl.ok("log", "--decorate=full", "--oneline")
    assert "main" not in dl.ok("log", "--decorate", "no")
    assert "main" not in dl.ok("log", "--decorate=auto")  # no terminal here
    assert dl.fails("log", "--decorate=nope").startswith("invalid --decorate option: nope")


def test_branch_names_may_have_slashes_as_in_git(repo: Path, dl: Dl) -> None:
    assert dl.ok("branch", "tim/test-this-format-11") == ""
    assert dl.ok("checkout", "tim/test-this-format-11") == "Switched to branch 'tim/test-this-format-11'\n"
    assert "* tim/test-this-format-11" in dl.ok("branch")
    for bad in ("a//b", "a/.x", "/a", "a/"):
        assert dl.fails("branch", bad).startswith(f"invalid branch name '{bad}'")


def test_usage_errors_say_the_usage_on_the_same_line(repo: Path, dl: Dl) -> None:
    line = dl.fails("table", "rm", code=2)
    assert line.startswith("Missing argument") and "(usage: dl table rm " in line


def test_schema_show_in_an_empty_repository(repo: Path, dl: Dl) -> None:
    assert dl.ok("schema", "show") == "No tables in working set\n"


def test_dolt_root_path_stands_for_home_without_dl_home(work: Path, dl: Dl, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DL_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOLT_ROOT_PATH", str(tmp_path / "root"))
    dl.ok("config", "--global", "--add", "init.defaultbranch", "isolated")
    assert (tmp_path / "root" / ".dl" / "config_global.json").is_file()
    assert not (tmp_path / "home" / ".dl").exists()
    monkeypatch.setenv("DL_HOME", str(tmp_path / "dlhome"))  # dl's own name wins
    assert dl("config", "--global", "--get", "init.defaultbranch").code == 1


def test_branch_flags_combine_as_in_dolt(repo: Path, dl: Dl) -> None:
    assert dl.fails("branch", "-m", "-c", "main", "main2") == \
        "Must specify exactly one of --move/-m, --copy/-c, --delete/-d, -D, --show-current, or --list."
    dl.ok("branch", "test")
    assert dl.fails("branch", "-a", "-d", "test") == \
        "--all/-a can only be supplied when listing branches, not when deleting branches"
    assert dl.fails("branch", "-a", "new").endswith("not when creating branches")
    assert dl.fails("branch", "-v", "-m", "test", "new") == \
        "--verbose/-v can only be supplied when listing branches, not when moving branches"
    assert "* main" in dl.ok("branch", "-a", "--list", "main")
    assert dl.fails("branch", "-D", "main") == "Cannot delete checked out branch 'main'"
    assert "Cannot delete checked out branch 'main'" in dl.fails("sql", "-q", "call dolt_branch('-D', 'main')")


def test_reset_lists_unstaged_changes_and_checkout_dot_discards_tracked_ones(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table one (pk int primary key); create table two (pk int primary key);"
                       "insert into one values (0); insert into two values (0)")
    dl.ok("commit", "-Am", "one, two")
    dl.ok("sql", "-q", "insert into one values (1); drop table two; create table three (pk int primary key)")
    dl.ok("add", ".")
    assert dl.ok("reset") == "Unstaged changes after reset:\nM\tone\nD\ttwo\n"
    dl.ok("checkout", ".")
    out = dl.ok("status")
    assert "one" not in out and "two" not in out and "new table:        three" in out  # untracked stays
    assert dl.ok("sql", "-r", "csv", "-q", "select sum(pk) as s from one") == "s\n0\n"
    assert dl.fails("reset", "nope") == ("Failed to reset changes. cause: nope is neither a table nor a "
                                         "revision (branch not found)")  # Dolt's first words
    assert dl.fails("reset", "one", "nope") == "table not found: nope"


def test_branch_track_and_set_upstream_to_a_local_branch(repo: Path, dl: Dl) -> None:
    assert dl.ok("branch", "br1", "--track", "main") == "branch 'br1' set up to track 'main'.\n"
    assert dl.ok("branch", "br2", "--track") == "branch 'br2' set up to track 'main'.\n"
    assert dl.ok("--branch", "br1", "status").splitlines()[:3] == [
        "On branch br1", "Your branch is up to date with 'main'.", "nothing to commit, working tree clean"]
    dl.ok("commit", "--allow-empty", "-m", "e")
    assert dl.ok("--branch", "br1", "status").splitlines()[1] == \
        "Your branch is behind 'main' by 1 commit, and can be fast-forwarded."
    assert dl.fails("branch", "--set-upstream-to", "main") == "not setting 'main' as its own upstream"
    assert dl.fails("branch", "br3", "--track", "br3") == "branch not found: 'br3'"
    assert dl.fails("branch", "br1", "--set-upstream-to", "HEAD~1") == "branch not found: 'HEAD~1'"
    assert dl.ok("branch", "br1", "-u", "br2") == "branch 'br1' set up to track 'br2'.\n"


def _messages(out: str) -> list[str]:
    return [line.split(" ", 1)[1].split(") ", 1)[-1] for line in out.splitlines()]


def test_log_ranges_exclusions_and_tables(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (pk int primary key)")
    dl.ok("commit", "-Am", "1M")
    dl.ok("checkout", "-b", "a")
    dl.ok("commit", "--allow-empty", "-m", "1A")
    dl.ok("checkout", "main")
    dl.ok("commit", "--allow-empty", "-m", "2M")
    for args in (["main..a"], ["^main", "a"], ["a", "^main"], ["a", "--not", "main"]):
        assert _messages(dl.ok("log", "--oneline", *args)) == ["1A"], args
    assert _messages(dl.ok("log", "--oneline", "a..main")) == ["2M"]
    base = dl.ok("merge-base", "main", "a").strip()  # Dolt's --not REV excludes REV only
    assert sorted(_messages(dl.ok("log", "--oneline", "main", "a", "--not", base))) == ["1A", "2M"]
    assert sorted(_messages(dl.ok("log", "--oneline", "main...a"))) == ["1A", "2M"]
    # Dolt's --not takes every revision up to the next option: `a main --not a main` is nothing
    assert dl.ok("log", "--oneline", "a", "main", "--not", "a", "main") == ""
    assert _messages(dl.ok("log", "a", "main", "--not", "main", "--oneline")) == ["1A"]
    for args in (["main..a", "main"], ["main", "main...a"], ["main..a", "--not", "main"]):
        assert dl.fails("log", *args) == "revision cannot contain '..' or '...' if multiple revisions exist"
    assert dl.fails("log", "a", "--not", "^main") == "--not revision cannot contain '^'"
    assert "Invalid argument to dolt_log: revision cannot contain '..'" in \
        dl.fails("sql", "-q", "select * from dolt_log('main..a', '--not', 'main')")
    assert _messages(dl.ok("log", "--oneline", "t")) == ["1M"]  # the commits that changed t
    assert dl.fails("log", "nope") == "table nope does not exist"
    dl.ok("sql", "-q", "drop table t")
    dl.ok("commit", "-Am", "drop t")
    assert dl.fails("log", "t") == "table t does not exist"
    assert _messages(dl.ok("log", "--oneline", "--", "t")) == ["drop t", "1M"]  # after --: any table


def test_log_all_merges_min_parents_and_parents(repo: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "create table t (pk int primary key, c int)")
    dl.ok("commit", "-Am", "created")
    dl.ok("checkout", "-b", "b2")
    dl.ok("sql", "-q", "insert into t values (1, 1)")
    dl.ok("commit", "-am", "one")
    dl.ok("checkout", "main")
    dl.ok("sql", "-q", "insert into t values (0, 0)")
    dl.ok("commit", "-am", "zero")
    dl.ok("merge", "b2", "-m", "Merged b2")
    assert _messages(dl.ok("log", "--oneline", "--merges")) == ["Merged b2"]
    assert _messages(dl.ok("log", "--oneline", "--min-parents", "2")) == ["Merged b2"]
    assert "Initialize data repository" not in dl.ok("log", "--oneline", "--min-parents", "1")
    first = dl.ok("log", "--parents", "-n", "1").splitlines()[0].split()
    assert first[0] == "commit" and len(first[1]) == len(first[2]) == len(first[3]) == 40
    dl.ok("branch", "side")
    dl.ok("--branch", "side", "commit", "--allow-empty", "-m", "only on side")
    assert "only on side" not in dl.ok("log") and "only on side" in dl.ok("log", "--all")


def test_use_db_names_the_repository_and_a_branch(tmp_path: Path, dl: Dl, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dolt's global `--use-db DB[/BRANCH]`: DB is the repository's directory name (or its SQL
    database name, `-` as `_`); BRANCH runs the command there as `--branch` does."""
    directory = tmp_path / "my-repo"
    directory.mkdir()
    monkeypatch.chdir(directory)
    dl.ok("init")
    dl.ok("branch", "other")
    assert dl.ok("--use-db=my-repo", "status").startswith("On branch main\n")
    assert dl.ok("--use-db", "my_repo/other", "status").startswith("On branch other\n")
    assert dl.fails("--use-db=elsewhere", "status") == "database not found: elsewhere"


def test_log_graph_of_four_merged_branches_is_dolts_layout(repo: Path, dl: Dl) -> None:
    # the shapes Dolt's own log tests expect of four branches merged into main one by one
    dl.ok("sql", "-q", "create table t (pk int primary key)")
    dl.ok("commit", "-Am", "commit 1 MAIN")
    for name in ("A", "B", "C", "D"):
        dl.ok("checkout", "-b", f"branch{name}", "main")
        dl.ok("commit", "--allow-empty", "-m", f"commit 1 branch{name}")
    dl.ok("checkout", "main")
    dl.ok("sql", "-q", "insert into t values (1)")
    dl.ok("commit", "-Am", "insert into t")
    for name in ("A", "B", "C", "D"):
        dl.ok("merge", f"branch{name}", "-m", f"Merge branch{name} into main")
    graphs = [line.split(" commit ")[0] for line in dl.ok("log", "--graph", "--oneline").splitlines()]
    assert graphs == ["*", "*\\", "*\\|", "*\\\\", "*\\\\\\", "| *\\|", "| |\\*", "| | \\\\", "| | |\\*",
                      "| | | \\", "| | | |\\", "| | | | *", "| | | |/", "| | | /", "| | |/", "| | /",
                      "| |/", "| /", "|/", "*", "*"]
    full = dl.ok("log", "--graph").splitlines()
    assert full[7].startswith("* |   commit ") and full[8].startswith("|\\|   Merge: ")
    assert full[9].startswith("| \\   Author: ") and full[10].startswith("| |\\  Date: ")
    assert full[52].startswith("| | | | * commit ") and full[53].startswith("| | |/ /  Author: ")
    assert full[58].startswith("*-- commit ") and full[64].startswith("* commit ")
