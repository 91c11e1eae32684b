"""dl on a terminal as git and Dolt behave there: long output through a pager (never when
piped, not with --no-pager), a spinner on a silent wait, NO_COLOR taking colour away and
nothing else, Ctrl-C during coloured output leaving no colour behind, and one table style
aligned by display width (CJK takes two columns) whether on a terminal or piped."""
from __future__ import annotations

import io
import os
import re
import select
import signal
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import FIXTURES, ROOT, Dl

pty = pytest.importorskip("pty")  # POSIX only
SGR = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def on_terminal(args: list[str], cwd: Path, home: Path, env: dict[str, str] | None = None,
                interrupt_on: bytes | None = None) -> tuple[int, str]:
    """Runs `dl ARGS` on a pseudo-terminal; its exit code and everything it wrote (raw).
    With `interrupt_on`, types ^C once that text has appeared."""
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        full = dict(os.environ, DL_HOME=str(home), COLUMNS="100", LINES="40", TERM="xterm",
                    PYTHONPATH=str(ROOT))
        full.pop("NO_COLOR", None)
        full.pop("PAGER", None)
        full.update(env or {})
        os.execve(sys.executable, [sys.executable, "-m", "dl", *args], full)
    seen, sent = b"", False
    while True:
        if interrupt_on is not None and not sent and interrupt_on in seen:
            os.write(fd, b"\x03")
            sent = True
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")


@pytest.fixture
def people_repo(people: Path, dl: Dl) -> Path:
    dl.ok("sql", "-q", "update people set age = age + 1 where id < 4")
    return people


def test_log_and_diff_go_through_the_pager_on_a_terminal(people_repo: Path, cli_env: Path) -> None:
    pager = {"DL_PAGER": "cat > paged.txt"}
    for args in (["log"], ["diff"]):
        code, shown = on_terminal(args, people_repo, cli_env, pager)
        paged = (people_repo / "paged.txt").read_text()
        assert code == 0
        assert ("import people" if args == ["log"] else "| < | 1") in paged
        assert "import people" not in shown and "| < |" not in shown  # it went to the pager only
        (people_repo / "paged.txt").unlink()


def test_no_pager_flag_and_an_empty_pager_print_directly(people_repo: Path, cli_env: Path) -> None:
    code, shown = on_terminal(["--no-pager", "log"], people_repo, cli_env, {"DL_PAGER": "cat > paged.txt"})
    assert code == 0 and "import people" in shown and not (people_repo / "paged.txt").exists()
    code, shown = on_terminal(["log"], people_repo, cli_env, {"DL_PAGER": "", "PAGER": "cat > p.txt"})
    assert code == 0 and "import people" in shown and not (people_repo / "p.txt").exists()


def test_a_pager_that_cannot_run_is_named_and_output_still_shown(people_repo: Path, cli_env: Path) -> None:
    code, shown = on_terminal(["log"], people_repo, cli_env, {"DL_PAGER": "no-such-pager-x"})
    assert code == 0 and "import people" in shown
    assert "warning: cannot run pager 'no-such-pager-x'" in shown


def test_pager_from_PAGER_and_colour_reaches_it(people_repo: Path, cli_env: Path) -> None:
    code, _ = on_terminal(["diff"], people_repo, cli_env, {"PAGER": "cat > paged.txt"})
    assert code == 0
    assert "\x1b[31m| < | 1" in (people_repo / "paged.txt").read_text()  # less -R shows it


def test_never_a_pager_when_not_a_terminal(people_repo: Path, dl: Dl, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DL_PAGER", "cat > paged.txt")
    assert "import people" in dl.ok("log")
    assert not (people_repo / "paged.txt").exists()


def test_a_pager_quit_early_ends_the_command_quietly(people_repo: Path, cli_env: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "insert into people select range + 100, 'p' || range, 20, 'x' from range(20000)")
    code, shown = on_terminal(["diff"], people_repo, cli_env, {"DL_PAGER": "head -c 100 > /dev/null"})
    assert code == 0, shown
    assert "error" not in shown.lower() and "Traceback" not in shown


def test_no_color_keeps_the_progress_bar(tmp_path: Path, cli_env: Path, dl: Dl, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    dl.ok("init")
    code, shown = on_terminal(["table", "import", "-c", "--pk", "id", "people", str(FIXTURES / "people.csv")],
                              tmp_path, cli_env, {"NO_COLOR": "1"})
    assert code == 0
    assert "Importing people.csv" in SGR.sub("", shown)  # the bar is still there
    assert not re.search(r"\x1b\[(3\d|9\d)(;\d+)*m", shown)  # but no colour


def test_no_color_takes_colour_off_the_diff_only(people_repo: Path, cli_env: Path) -> None:
    code, shown = on_terminal(["--no-pager", "diff"], people_repo, cli_env, {"NO_COLOR": "1"})
    assert code == 0 and "| < | 1" in shown and "\x1b[31m" not in shown
    code, shown = on_terminal(["--no-pager", "diff"], people_repo, cli_env)
    assert "\x1b[31m| < | 1" in shown


def test_ctrl_c_during_a_coloured_diff_resets_the_colour(people_repo: Path, cli_env: Path, dl: Dl) -> None:
    dl.ok("sql", "-q", "delete from people; insert into people select range, 'p' || range, 20, 'x' "
                       "from range(200000)")
    code, shown = on_terminal(["--no-pager", "diff"], people_repo, cli_env, interrupt_on=b"\x1b[32m")
    assert code == 130, shown[-300:]
    assert "\x1b[32m" in shown  # coloured rows were being written
    last_colour = max(shown.rfind("\x1b[31m"), shown.rfind("\x1b[32m"))
    assert shown.rfind("\x1b[0m") > last_colour  # and the terminal was reset after the last one
    # a write cut short can stop between a colour and its reset: dl resets on the way out
    assert re.search(r"\x1b\[0m(\^C)?(\r\n)?error: interrupted\s*$", shown), shown[-200:]


def test_a_spinner_on_a_silent_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    from dl import progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True
    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    with progress.wait_spinner("comparing", delay=0.05) as stop:
        time.sleep(0.5)
        stop()
    assert "comparing" in err.getvalue()
    quick = Terminal()
    monkeypatch.setattr(sys, "stderr", quick)
    with progress.wait_spinner("comparing", delay=0.5) as stop:
        stop()  # output came first: no spinner
    time.sleep(0.6)
    assert quick.getvalue() == ""


def _column_starts(text: str, marker: str = "|") -> list[list[int]]:
    """Display columns where each `|` of each table line sits."""
    from dl.sql.formats import display_width
    out = []
    for line in text.splitlines():
        if line.startswith("|"):
            out.append([display_width(line[:i]) for i, c in enumerate(line) if c == marker])
    return out


def test_wide_characters_align_when_piped_and_with_no_color(people: Path, dl: Dl) -> None:
    text = dl.ok("sql", "-q", "select id, name, city from people where id in (4, 5, 6) order by id")
    assert "| 6  | 李雷         | 北京     |" in text
    starts = _column_starts(text)
    assert len(starts) == 4 and all(s == starts[0] for s in starts), text


def test_sql_diff_and_blame_draw_one_style(people: Path, dl: Dl, cli_env: Path) -> None:
    dl.ok("sql", "-q", "update people set city = '東京' where id = 6")
    texts = {"sql": dl.ok("sql", "-q", "select * from people where id = 6"),
             "diff": dl.ok("diff"), "blame": dl.ok("blame", "people")}
    code, on_tty = on_terminal(["sql", "-q", "select * from people where id = 6"], people, cli_env)
    assert code == 0
    texts["sql on a terminal"] = SGR.sub("", on_tty).replace("\r\n", "\n")
    for name, text in texts.items():
        rules = [line for line in text.splitlines() if line.startswith("+-")]
        assert rules and all(set(rule) <= {"+", "-"} for rule in rules), (name, text)
        assert not any(c in text for c in "┃━┏│─"), (name, text)
        starts = _column_starts(text)
        assert starts and all(s == starts[0] for s in starts), (name, text)
