"""Control characters in stored data (messages, authors, cells) never reach the terminal raw:
every human-readable output escapes them (`dl.terminal_text`), and config values refuse them."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from cli_helpers import Dl
from dl.core.errors import InputError
from dl.core.repo import Author

import dl.commands.sql as sql_command
from dl.terminal_text import printable, printable_lines, printable_table

ESC = "\x1b"
EVIL_MESSAGE = f"fix{ESC}[2J{ESC}]0;pwned\x07\ncommit 0000000000000000000000000000000000000000\rover\u202eevil"
EVIL_CELL = f"a{ESC}[31mRED\nforged | row\tx"


# --- the helper ------------------------------------------------------------------------------

def test_printable_escapes_controls_and_direction_overrides() -> None:
    assert printable("plain text, 李雷, café") == "plain text, 李雷, café"
    assert printable(f"a{ESC}[31mb\n\r\t\x00\x7f\x9b\u202e\u2066\u2028") == \
        "a\\x1b[31mb\\n\\r\\t\\x00\\x7f\\x9b\\u202e\\u2066\\u2028"
    assert printable("a\tb", keep_tabs=True) == "a\tb"
    assert printable_lines("one\r\ntwo\rx\x0bthree\u2028") == ["one", "two\\rx\\x0bthree\\u2028"]


def test_printable_table_escapes_text_cells_and_names_only() -> None:
    table = pa.table({f"n{ESC}": pa.array([EVIL_CELL, None, "ok"]), "k": [1, 2, 3],
                      "d": pa.array(["x\ny", "x\ny", "z"]).dictionary_encode(),
                      "clean": ["a", "b", "c"], "l": pa.array([[f"{ESC}"], [], None])})
    safe = printable_table(table)
    assert safe.column_names == ["n\\x1b", "k", "d", "clean", "l"]
    assert safe.column(0).to_pylist() == [printable(EVIL_CELL), None, "ok"]
    assert safe.column("d").to_pylist() == ["x\\ny", "x\\ny", "z"]
    for name in ("clean", "k", "l"):  # columns without such characters are not copied
        assert safe.column(name).chunk(0).buffers()[1].address == table.column(name).chunk(0).buffers()[1].address


def test_config_values_and_authors_refuse_control_characters(repo: Path, dl: Dl) -> None:
    for value in ("Eve\ncommit 0000 forged", f"Eve{ESC}[31m", "Eve\u202e"):
        message = dl.fails("config", "--global", "--add", "user.name", value)
        assert message.startswith("the value of user.name may not contain control characters")
    assert dl.ok("config", "--get", "user.name") == "Tess Ter\n"
    assert "may not contain control characters" in dl.fails("commit", "--allow-empty", "-m", "x",
                                                            "--author", f"A{ESC} <a@b>")
    with pytest.raises(InputError, match="author name may not contain control characters"):
        Author("Eve\ncommit forged", "e@x")


def test_a_hand_edited_config_with_a_newline_is_refused_at_commit(repo: Path, dl: Dl, cli_env: Path) -> None:
    (cli_env / "config_global.json").write_text(json.dumps({"user.name": "Eve\ncommit forged",
                                                            "user.email": "e@x"}))
    assert "author name may not contain control characters" in dl.fails("commit", "--allow-empty", "-m", "x")
    assert dl.ok("config", "--list").splitlines()[1] == "user.name = Eve\\ncommit forged"


# --- every renderer ----------------------------------------------------------------------------

@pytest.fixture
def hostile(repo: Path, dl: Dl) -> Path:
    dl.ok("sql", "-q", "create table t (id int primary key, v text); "
                       "insert into t values (1, 'a' || chr(27) || '[31mRED' || chr(10) || 'forged | row' "
                       "|| chr(9) || 'x'), (2, 'ok')")
    dl.ok("commit", "-Am", EVIL_MESSAGE)
    dl.ok("tag", "v1", "-m", f"tag{ESC}[1m")
    return repo


def assert_safe(text: str) -> None:
    assert ESC not in text and "\r" not in text and "\u202e" not in text and "\x07" not in text, repr(text)


def test_log_show_and_commit_escape_messages(hostile: Path, dl: Dl) -> None:
    out = dl.ok("log")
    assert_safe(out)
    assert "    fix\\x1b[2J\\x1b]0;pwned\\x07\n    commit 0000000000000000000000000000000000000000\\rover\\u202eevil\n" in out
    assert sum(line.startswith("commit ") for line in out.splitlines()) == 2  # no forged commit line
    oneline = dl.ok("log", "--oneline")
    assert_safe(oneline)
    assert oneline.splitlines()[0].endswith(" fix\\x1b[2J\\x1b]0;pwned\\x07")
    assert_safe(dl.ok("log", "--graph"))
    assert_safe(dl.ok("show"))
    assert_safe(dl.ok("commit", "--allow-empty", "-m", f"again{ESC}[5m"))
    assert_safe(dl.ok("branch", "-v"))
    assert_safe(dl.ok("tag", "-v"))
    assert_safe(dl.ok("reset", "--hard", "HEAD"))


def test_sql_tabular_and_vertical_escape_cells(hostile: Path, dl: Dl) -> None:
    box = dl.ok("sql", "-q", "select v from t order by id")
    assert_safe(box)
    # a line break continues the cell on the next line, inside its column, as Dolt draws it:
    # every line is framed by the box's borders, and the other controls are escaped
    width = len("forged | row\\tx")
    assert box.splitlines()[3:6] == [f"| {cell:<{width}} |" for cell in ("a\\x1b[31mRED", "forged | row\\tx", "ok")]
    assert len({len(line) for line in box.splitlines()}) == 1
    vertical = dl.ok("sql", "-q", "select v from t where id = 1", "-r", "vertical")
    assert_safe(vertical)
    assert vertical.splitlines()[1] == "v: a\\x1b[31mRED\\nforged | row\\tx"
    named = dl.ok("sql", "-q", f"select 1 as \"x{ESC}[31m\"")
    assert_safe(named)
    assert "x\\x1b[31m" in named
    # machine formats carry the data unchanged
    assert dl.ok("sql", "-q", "select v from t where id = 1", "-r", "csv") == \
        f'v\n"a{ESC}[31mRED\nforged | row\tx"\n'
    assert json.loads(dl.ok("sql", "-q", "select v from t where id = 1", "-r", "json")) == \
        {"rows": [{"v": f"a{ESC}[31mRED\nforged | row\tx"}]}


def test_sql_on_a_terminal_escapes_cells(hostile: Path, dl: Dl, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sql_command, "is_terminal", lambda: True)
    out = dl.ok("sql", "-q", "select v from t order by id")
    assert_safe(out)
    assert "| a\\x1b[31mRED " in out and "| forged | row\\tx |" in out
    markup = dl.ok("sql", "-q", "select '[bold]x[/bold] [link=http://evil]y[/link]' as \"[red]h\"")
    assert "[bold]x[/bold] [link=http://evil]y[/link]" in markup.replace("\n", "").replace(" │ ", "")
    assert "[red]h" in markup  # rich markup in data and names is printed, not obeyed


def test_diff_blame_and_stash_escape(hostile: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "update t set v = 'b' || chr(27) || '[32m' where id = 2")
    diff = dl.ok("diff")
    assert_safe(diff)
    assert "| > | 2  | b\\x1b[32m" in diff
    assert_safe(dl.ok("diff", "-r", "tabular", "--stat"))
    dl.ok("commit", "-am", f"two{ESC}[7m")
    blame = dl.ok("blame", "t")
    assert_safe(blame)
    assert "two\\x1b[7m" in blame
    dl.ok("sql", "-q", "delete from t where id = 2")
    assert_safe(dl.ok("stash", "-m", f"wip{ESC}[8m"))
    listed = dl.ok("stash", "list")
    assert_safe(listed)
    assert "wip\\x1b[8m" in listed
    assert_safe(dl.ok("stash", "pop"))
    assert_safe(dl.ok("status"))


def test_errors_escape_what_the_user_sent(repo: Path, dl: Dl) -> None:
    result = dl("sql", "-q", f"select * from \"x{ESC}[31m\"")
    assert result.code == 1
    assert_safe(result.err)
    assert result.err.startswith("error: table not found: x\\x1b[31m")
