"""`dl init`, `status`, `add`, `commit`, `log`, `show`, `reset`, `tag` and `config`, as a user
runs them."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_helpers import FIXTURES, Dl

HEX = re.compile(r"[0-9a-f]{40}")
CLEAN = "On branch main\nnothing to commit, working tree clean\n"


def import_people(dl: Dl, name: str = "people") -> None:
    dl.ok("table", "import", "-c", "--pk", "id", name, FIXTURES / "people.csv")


def oneline(dl: Dl, *args: str) -> list[str]:
    """`dl log --oneline` as (hash, rest) pairs."""
    lines = dl.ok("log", "--oneline", *args).splitlines()
    return [(line[:40], line[41:]) for line in lines]


# --- init ---------------------------------------------------------------------------------

def test_init_makes_main_and_an_initial_commit(work: Path, dl: Dl) -> None:
    out = dl.ok("init")
    assert out == f"Successfully initialized dl data repository in {work / '.dl'} (branch main)\n"
    assert (work / ".dl").is_dir()
    assert dl.ok("status") == CLEAN
    assert dl.ok("branch") == "* main\n"
    [(address, rest)] = oneline(dl)
    assert HEX.fullmatch(address) and rest == "(HEAD -> main) Initialize data repository"


def test_init_twice_is_refused_and_harmless(repo: Path, dl: Dl) -> None:
    import_people(dl)
    dl.ok("commit", "-Am", "people")
    before = dl.ok("log", "--oneline")
    assert dl.fails("init") == f"repository already exists: {repo / '.dl'}"
    assert dl.ok("log", "--oneline") == before
    assert dl.tables() == ["people"]


def test_init_initial_branch(work: Path, dl: Dl) -> None:
    assert dl.ok("init", "-b", "trunk").endswith("(branch trunk)\n")
    assert dl.ok("branch") == "* trunk\n"


def test_commands_find_the_repository_from_a_subdirectory(repo: Path, dl: Dl,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    deep = repo / "sub" / "deeper"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert dl.ok("status") == CLEAN
    import_people(dl)
    dl.ok("commit", "-Am", "from below")
    monkeypatch.chdir(repo)
    assert dl.tables("HEAD") == ["people"]
    assert not (deep / ".dl").exists()


def test_data_dir_option_points_elsewhere(work: Path, dl: Dl) -> None:
    other = work / "elsewhere"
    other.mkdir()
    assert dl.ok("-C", other, "init").endswith(f"{other / '.dl'} (branch main)\n")
    assert not (work / ".dl").exists()
    dl.ok("--data-dir", other, "table", "import", "-c", "--pk", "id", "people",
          FIXTURES / "people.csv")
    assert "new table:        people" in dl.ok("-C", other, "status")
    (other / "nested").mkdir()
    assert "people" in dl.ok("-C", other / "nested", "table", "ls")
    assert dl.fails("status").startswith("repository not found")
    assert dl.fails("-C", work / "missing", "init") == f"directory not found: {work / 'missing'}"


# --- status and add ---------------------------------------------------------------------------

def test_status_new_modified_deleted_staged_unstaged_untracked(people: Path, dl: Dl) -> None:
    import_people(dl, "other")
    dl.ok("commit", "-Am", "other")
    dl.ok("sql", "-q", "update people set age = 37 where id = 1")
    dl.ok("table", "rm", "other")
    import_people(dl, "third")
    assert dl.ok("status") == (
        "On branch main\n\n"
        "Changes not staged for commit:\n"
        '  (use "dl add <table>" to update what will be committed)\n'
        '  (use "dl checkout <table>" to discard changes in working directory)\n'
        "\tdeleted:          other\n"
        "\tmodified:         people\n\n"
        "Untracked tables:\n"
        '  (use "dl add <table>" to include in what will be committed)\n'
        "\tnew table:        third\n")
    dl.ok("add", "people")
    assert dl.ok("status") == (
        "On branch main\n\n"
        "Changes to be committed:\n"
        '  (use "dl reset <table>..." to unstage)\n'
        "\tmodified:         people\n\n"
        "Changes not staged for commit:\n"
        '  (use "dl add <table>" to update what will be committed)\n'
        '  (use "dl checkout <table>" to discard changes in working directory)\n'
        "\tdeleted:          other\n\n"
        "Untracked tables:\n"
        '  (use "dl add <table>" to include in what will be committed)\n'
        "\tnew table:        third\n")
    dl.ok("add", ".")
    assert dl.ok("status") == (
        "On branch main\n\n"
        "Changes to be committed:\n"
        '  (use "dl reset <table>..." to unstage)\n'
        "\trenamed:          other -> third\n"  # the same content under a new name: git calls it a rename
        "\tmodified:         people\n")
    # a table changed again after it was staged is both staged and unstaged
    dl.ok("sql", "-q", "update people set age = 38 where id = 1")
    status = dl.ok("status")
    assert "Changes to be committed:" in status and "Changes not staged for commit:" in status
    assert status.count("modified:         people") == 2


def test_add_several_tables_and_unknown_table(people: Path, dl: Dl) -> None:
    import_people(dl, "a")
    import_people(dl, "b")
    import_people(dl, "c")
    dl.ok("add", "a", "b")
    status = dl.ok("status")
    staged, _, untracked = status.partition("Untracked tables:")
    assert "new table:        a" in staged and "new table:        b" in staged
    assert "new table:        c" in untracked
    assert dl.fails("add", "nope") == "table not found: nope"
    assert dl.fails("add", code=2).startswith("give the tables to stage")


# --- commit --------------------------------------------------------------------------------

def test_commit_message_and_nothing_to_commit(people: Path, dl: Dl) -> None:
    nothing = "nothing to commit (use dl add, or --allow-empty)"
    assert dl.fails("commit", "-m", "again") == nothing
    dl.ok("sql", "-q", "update people set age = 37 where id = 1")
    assert dl.fails("commit", "-m", "unstaged") == nothing
    dl.ok("add", "people")
    out = dl.ok("commit", "-m", "birthday\n\nAda is 37")
    assert re.fullmatch(r"commit [0-9a-f]{40} \(HEAD -> main\)\nAuthor: .*\nDate: .*\n\n"
                        r"    birthday\n    \n    Ada is 37\n", out)  # as Dolt prints it: the log entry
    assert oneline(dl)[0][1] == "(HEAD -> main) birthday"
    assert oneline(dl)[0][0] == out[7:47]
    assert "    birthday\n    \n    Ada is 37\n" in dl.ok("log", "-n", "1")
    assert dl.ok("status") == CLEAN
    assert dl.fails("commit", code=2) == 'give a commit message with -m "..." (or set EDITOR)'


def test_commit_all_stages_changed_tables_not_new_ones(people: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "delete from people where id = 20")
    import_people(dl, "fresh")
    dl.ok("commit", "-a", "-m", "tracked only")
    assert dl.tables("HEAD") == ["people"]
    assert "new table:        fresh" in dl.ok("status")
    dl.ok("commit", "-A", "-m", "everything")
    assert dl.tables("HEAD") == ["fresh", "people"]
    assert dl.ok("status") == CLEAN


def test_commit_allow_empty(people: Path, dl: Dl) -> None:
    dl.ok("commit", "--allow-empty", "-m", "marker")
    log = oneline(dl)
    assert [rest for _, rest in log[:2]] == ["(HEAD -> main) marker", "import people"]
    assert dl.ok("diff", "HEAD~1", "HEAD") == ""


def test_commit_amend_replaces_the_last_commit(people: Path, dl: Dl) -> None:
    before = oneline(dl)
    dl.ok("sql", "-q", "update people set age = 37 where id = 1")
    dl.ok("add", ".")
    dl.ok("commit", "--amend", "-m", "import people, Ada at 37")
    after = oneline(dl)
    assert len(after) == len(before)
    assert after[0][0] != before[0][0] and after[1] == before[1]
    assert after[0][1] == "(HEAD -> main) import people, Ada at 37"
    amended = dl.ok("diff", "HEAD~1", "HEAD", "--where", "to_id = 1")
    assert "| + | 1  | Ada Lovelace | 37  | London |" in amended
    dl.ok("commit", "--amend")  # no -m: keeps the message
    assert oneline(dl)[0][1] == "(HEAD -> main) import people, Ada at 37"
    assert len(oneline(dl)) == len(before)


def test_commit_author_and_date(people: Path, dl: Dl) -> None:
    dl.ok("commit", "--allow-empty", "-m", "by bob", "--author", "Bob Builder <bob@example.com>",
          "--date", "2024-01-02T03:04:05+00:00")
    log = dl.ok("log", "-n", "1")
    assert "\nAuthor: Bob Builder <bob@example.com>\n" in log
    assert re.search(r"\nDate:   \w{3} Jan 0[12] \d\d:04:05 2024 [+-]\d{4}\n", log)
    assert dl.fails("commit", "--allow-empty", "-m", "x", "--author", "Bob", code=2) == \
        "--author must look like \"Name <email>\", got 'Bob'"
    assert dl.fails("commit", "--allow-empty", "-m", "x", "--date", "yesterday", code=2).startswith(
        "--date must be ISO 8601")


def test_commit_without_user_name_says_how_to_set_it(people: Path, dl: Dl, cli_env: Path) -> None:
    (cli_env / "config_global.json").write_text("{}")
    message = dl.fails("commit", "--allow-empty", "-m", "who?")
    assert message == 'Author identity unknown: user.name is not set; run: dl config --global --add user.name "Your Name"'
    dl.ok("config", "--global", "--add", "user.name", "Nia")
    message = dl.fails("commit", "--allow-empty", "-m", "who?")
    assert message == \
        'Author identity unknown: user.email is not set; run: dl config --global --add user.email "you@example.com"'
    dl.ok("config", "--global", "--add", "user.email", "nia@example.com")
    dl.ok("commit", "--allow-empty", "-m", "now")
    assert "Author: Nia <nia@example.com>" in dl.ok("log", "-n", "1")


# --- log and show -----------------------------------------------------------------------------

def test_log_full_format_revision_and_number(people: Path, dl: Dl) -> None:
    dl.ok("commit", "--allow-empty", "-m", "second")
    dl.ok("commit", "--allow-empty", "-m", "third")
    log = dl.ok("log")
    blocks = log.split("\n\n    ")
    assert len(HEX.findall(log)) == 4
    assert re.match(r"commit [0-9a-f]{40} \(HEAD -> main\)\nAuthor: Tess Ter <tess@example.com>\n"
                    r"Date:   \w{3} \w{3} \d\d \d\d:\d\d:\d\d \d{4} [+-]\d{4}$", blocks[0])
    assert log.endswith("    Initialize data repository\n")
    assert [rest for _, rest in oneline(dl, "-n", "2")] == ["(HEAD -> main) third", "second"]
    assert [rest for _, rest in oneline(dl, "HEAD~2")] == \
        ["import people", "Initialize data repository"]
    assert [rest for _, rest in oneline(dl, "main", "-n", "1")] == ["(HEAD -> main) third"]
    address = oneline(dl, "HEAD^")[0][0]
    assert oneline(dl, address[:10])[0] == (address, "second")
    assert dl.ok("log", "-n", "0") == ""
    assert dl.fails("log", "HEAD~9") == "revision not found: HEAD~9; history is not that long"


def make_merge(dl: Dl) -> None:
    """main: one, two; feat from two: feat1; main: three, four; then feat merged into main."""
    dl.ok("sql", "-q", "update people set age = 2 where id = 2")
    dl.ok("commit", "-am", "two", "--date", "2024-01-02")
    dl.ok("checkout", "-b", "feat")
    dl.ok("sql", "-q", "update people set age = 1 where id = 1")
    dl.ok("commit", "-am", "feat1", "--date", "2024-01-03")
    dl.ok("checkout", "main")
    dl.ok("sql", "-q", "update people set age = 3 where id = 3")
    dl.ok("commit", "-am", "three", "--date", "2024-01-04")
    dl.ok("commit", "--allow-empty", "-m", "four", "--date", "2024-01-05")
    assert "\nMerge made: " in dl.ok("merge", "feat", "-m", "merged")


def test_log_graph_shows_a_merge_and_both_parents(people: Path, dl: Dl) -> None:
    make_merge(dl)
    graph = HEX.sub("H", dl.ok("log", "--graph", "--oneline"))
    assert graph == ("* commit H (HEAD -> main) merged\n"  # Dolt's layout: rows by the graph's shape
                     "*\\ commit H four\n"
                     "* | commit H three\n"
                     "| * commit H (feat) feat1\n"
                     "|/\n"
                     "* commit H two\n"
                     "* commit H import people\n"
                     "* commit H Initialize data repository\n")
    full = dl.ok("log", "--graph", "-n", "5")
    merge = re.search(r"\|\\  Merge: ([0-9a-f]{40}) ([0-9a-f]{40})\n", full)  # Dolt's fork beside Merge:
    assert merge, full
    four, feat1 = dl.ok("log", "--oneline", "-n", "1", "main~1")[:40], \
        dl.ok("log", "--oneline", "-n", "1", "feat")[:40]
    assert merge.groups() == (four, feat1)
    assert full.startswith("*   commit ") and "\n|\\  Merge: " in full
    assert "| |     four\n| |\n* | commit " in full  # a row of lanes after each commit's text (Dolt's)
    assert "| * commit " + feat1 + " (feat)\n" in full and "\n|/\n* commit " in full
    plain = dl.ok("log", "-n", "1")
    assert f"\nMerge: {four} {feat1}\n" in plain


def test_show_prints_the_commit_and_its_diff(people: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "update people set city = 'Paris' where id = 1")
    dl.ok("commit", "-am", "Ada moves")
    out = dl.ok("show")
    head, _, diff = out.partition("\n\n    Ada moves\n\n")
    assert re.fullmatch(r"commit [0-9a-f]{40} \(HEAD -> main\)\n"
                        r"Author: Tess Ter <tess@example.com>\nDate:   .*", head)
    assert diff.splitlines()[:3] == ["diff --dl a/people b/people", "--- a/people", "+++ b/people"]
    assert "| < | 1  | Ada Lovelace | 36  | London |" in diff
    assert "| > | 1  | Ada Lovelace | 36  | Paris  |" in diff
    shown = json.loads(dl.ok("show", "-r", "json").splitlines()[-1])
    assert shown["tables"][0]["data_diff"][0]["to_row"]["city"] == "Paris"
    older = dl.ok("show", "HEAD~1")
    assert "    import people\n" in older and "| + | 20 | Guido van Rossum" in older
    first = dl.ok("show", "HEAD~2")
    assert first.endswith("    Initialize data repository\n\n") and "diff --dl" not in first
    assert dl.fails("show", "nope").startswith("revision not found: nope")


# --- reset ------------------------------------------------------------------------------------

def test_reset_tables_unstages(people: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "update people set age = 0 where id = 2")
    import_people(dl, "other")
    dl.ok("add", ".")
    dl.ok("reset", "people")
    status = dl.ok("status")
    staged, _, unstaged = status.partition("Changes not staged for commit:")
    assert "new table:        other" in staged and "modified:         people" in unstaged
    dl.ok("add", ".")
    dl.ok("reset")
    assert "Changes to be committed" not in dl.ok("status")
    summary = dl.ok("diff", "--summary")  # the working changes are kept
    assert "| other      | added     | true        | true          |" in summary
    assert "| people     | modified  | true        | false         |" in summary


def test_reset_soft_moves_the_branch_and_keeps_changes(people: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "update people set age = 0 where id = 2")
    dl.ok("commit", "-am", "zero")
    before = dl.table_hash("people")
    dl.ok("reset", "--soft", "HEAD~1")
    assert oneline(dl)[0][1] == "(HEAD -> main) import people"
    assert "Changes to be committed:\n" in dl.ok("status")
    assert dl.table_hash("people") == before
    dl.ok("commit", "-m", "zero again")
    assert dl.ok("diff", "HEAD~1", "HEAD", "-r", "csv") == \
        "diff_type,id,name,age,city\nmodified_from,2,Alan Turing,41,Manchester\n" \
        "modified_to,2,Alan Turing,0,Manchester\n"


def test_reset_rev_without_flag_unstages_too(people: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "update people set age = 0 where id = 2")
    dl.ok("commit", "-am", "zero")
    dl.ok("reset", "HEAD~1")  # mixed: branch and staged move, working kept
    assert oneline(dl)[0][1] == "(HEAD -> main) import people"
    status = dl.ok("status")
    assert "Changes not staged for commit:" in status and "Changes to be committed" not in status


def test_reset_hard(people: Path, dl: Dl) -> None:
    original = dl.table_hash("people")
    dl.ok("sql", "-q", "update people set age = 0 where id = 2")
    assert re.fullmatch(r"HEAD is now at [0-9a-f]{8} import people\n", dl.ok("reset", "--hard"))
    assert dl.ok("status") == CLEAN and dl.table_hash("people") == original
    dl.ok("sql", "-q", "delete from people where id > 10")
    dl.ok("commit", "-am", "fewer")
    import_people(dl, "scratch")
    dl.ok("reset", "--hard", "HEAD~1")
    assert oneline(dl)[0][1] == "(HEAD -> main) import people"
    assert dl.table_hash("people") == original
    assert dl.tables() == ["people", "scratch"]  # never added: kept, as Dolt and git keep it
    assert dl.fails("reset", "--hard", "nope").startswith("revision not found: nope")
    assert dl.fails("reset", "--hard", "--soft", code=2) == "give --hard or --soft, not both"


# --- tag --------------------------------------------------------------------------------------

def test_tag_create_list_message_delete(people: Path, dl: Dl) -> None:
    first = oneline(dl, "HEAD~1")[0][0]
    assert dl.ok("tag", "v1") == ""
    dl.ok("tag", "v0", "HEAD~1", "-m", "the beginning")
    assert dl.ok("tag") == "v0\nv1\n"
    assert dl.ok("tag", "-v").splitlines()[0] == f"v0\t{first}\tthe beginning"
    assert oneline(dl, "v0") == [(first, "(tag: v0) Initialize data repository")]
    assert "tag: v1" in dl.ok("log", "--oneline", "-n", "1")
    assert dl.fails("tag", "v1") == "tag already exists: v1"
    assert dl.ok("tag", "-d", "v1") == "Deleted tag v1\n"
    assert dl.ok("tag") == "v0\n"
    assert dl.fails("tag", "-d", "v1") == "tag not found: v1"
    assert dl.fails("tag", "v2", "nope").startswith("revision not found: nope")
    assert dl.fails("tag", "bad//name").startswith("invalid tag name 'bad//name'")


# --- config -----------------------------------------------------------------------------------

def test_config_global_and_local(repo: Path, dl: Dl, cli_env: Path) -> None:
    assert dl.ok("config", "--list") == "user.email = tess@example.com\nuser.name = Tess Ter\n"
    assert dl.ok("config", "--local", "--list") == ""
    dl.ok("config", "--local", "--add", "user.name", "Local Lu")
    assert dl.ok("config", "--get", "user.name") == "Local Lu\n"  # local wins
    assert dl.ok("config", "--global", "--get", "user.name") == "Tess Ter\n"
    assert dl.ok("config", "--local", "--list") == "user.name = Local Lu\n"
    assert dl.ok("config", "user.name") == "Local Lu\n"  # git style: KEY reads
    dl.ok("commit", "--allow-empty", "-m", "local author")
    assert "Author: Local Lu <tess@example.com>" in dl.ok("log", "-n", "1")
    dl.ok("config", "--local", "--unset", "user.name")
    assert dl.ok("config", "--get", "user.name") == "Tess Ter\n"
    assert dl.fails("config", "--local", "--unset", "user.name") == "config key not set: user.name"
    assert dl.fails("config", "--get", "core.editor") == "config key not set: core.editor"
    dl.ok("config", "--global", "--add", "user.email", "new@example.com")
    stored = json.loads((cli_env / "config_global.json").read_text())
    assert stored["user.email"] == "new@example.com"
    assert dl.fails("config", "--global", "--local", "--list", code=2) == \
        "give --global or --local, not both"
    assert dl.fails("config", "--get", "--list", code=2) == \
        "give one of --add, --get, --list, --unset"
    assert dl.fails("config", "--add", "nodot", "x", code=2).startswith(
        "config keys look like section.name")


def test_config_outside_a_repository(work: Path, dl: Dl, cli_env: Path) -> None:
    result = dl("config", "--add", "user.name", "Glo Bal")
    assert result.code == 0 and result.err == "note: not in a repository; setting it globally\n"
    assert dl.ok("config", "--global", "--get", "user.name") == "Glo Bal\n"
    assert dl.fails("config", "--local", "--list").startswith("repository not found")
    result = dl("config", "--global", "--add", "color.ui", "auto")
    assert result.code == 0 and result.err.startswith("warning: color.ui is not a key dl uses")


def test_log_graph_with_two_merges_and_three_lanes(people: Path, dl: Dl) -> None:
    def change(branch: str, row: int, message: str, day: int) -> None:
        dl.ok("checkout", branch)
        dl.ok("sql", "-q", f"update people set age = {day} where id = {row}")
        dl.ok("commit", "-am", message, "--date", f"2024-02-{day:02d}")
    dl.ok("branch", "f1")
    dl.ok("branch", "f2")
    change("f1", 1, "f1a", 1)
    change("f1", 11, "f1b", 2)
    change("f2", 2, "f2a", 3)
    change("main", 3, "m1", 4)
    dl.ok("merge", "f1", "-m", "merge f1")
    dl.ok("merge", "f2", "-m", "merge f2")
    dl.ok("checkout", "f2")
    dl.ok("merge", "main")  # fast-forward f2 to main's merge, then f2b on top
    change("f2", 4, "f2b", 5)
    change("main", 5, "m2", 6)
    dl.ok("merge", "f2", "-m", "merge f2 again")
    graph = HEX.sub("H", dl.ok("log", "--graph", "--oneline"))
    assert graph == ("* commit H (HEAD -> main) merge f2 again\n"  # Dolt's layout, edge for edge
                     "*\\ commit H m2\n"
                     "| * commit H (f2) f2b\n"
                     "|/\n"
                     "* commit H merge f2\n"
                     "*\\ commit H merge f1\n"
                     "|\\\\\n"
                     "| *\\ commit H (f1) f1b\n"
                     "* | | commit H m1\n"
                     "| | * commit H f2a\n"
                     "| */ commit H f1a\n"
                     "| /\n"
                     "|/\n"
                     "* commit H import people\n"
                     "* commit H Initialize data repository\n")


def test_commit_without_a_message_opens_the_editor(people: Path, dl: Dl, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """As git and Dolt: $EDITOR writes the message ('#' lines dropped); an editor that cannot
    start is Dolt's 'Failed to open commit editor' (exit 1), an empty message aborts."""
    script = tmp_path / "write-message"
    script.write_text('#!/bin/sh\ngrep -q "On branch main" "$1" && printf "from the editor\\n# dropped\\n" > "$1"\n')
    script.chmod(0o755)
    dl.ok("sql", "-q", "delete from people where id = 20")
    dl.ok("add", "people")
    monkeypatch.setenv("EDITOR", "no-such-editor-here")
    assert dl.fails("commit").startswith("Failed to open commit editor: no-such-editor-here")
    monkeypatch.setenv("EDITOR", "true")  # leaves the template as it was: nothing but comments
    assert dl.fails("commit") == "Aborting commit due to empty commit message."
    monkeypatch.setenv("VISUAL", str(script))
    dl.ok("commit")
    assert dl.query("select message from dolt_log limit 1") == "message\nfrom the editor\n"
