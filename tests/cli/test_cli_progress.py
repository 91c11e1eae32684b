"""Progress bars: on a terminal, `dl table import` and `dl gc` show their phases on stderr;
piped, they print nothing extra (tests/cli/test_cli_process.py checks stderr stays empty)."""
from __future__ import annotations

import os
import re
import select
import shutil
import sys
from pathlib import Path

import pytest
from cli_helpers import FIXTURES, ROOT, run_dl

pty = pytest.importorskip("pty")  # POSIX only
STYLE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def on_terminal(args: list[str], cwd: Path, home: Path) -> str:
    """What `dl ARGS` writes to a pseudo-terminal (stdout and stderr), escapes stripped."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: become `dl` on the terminal
        os.chdir(cwd)
        env = dict(os.environ, DL_HOME=str(home), COLUMNS="100", TERM="xterm", PYTHONPATH=str(ROOT))
        env.pop("NO_COLOR", None)
        dl = shutil.which("dl")
        command = [dl] if dl else [sys.executable, "-m", "dl"]
        os.execve(command[0], [*command, *args], env)
    seen = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    return STYLE.sub("", seen.decode(errors="replace"))


def test_import_and_gc_show_their_phases_on_a_terminal(tmp_path: Path, cli_env: Path) -> None:
    assert run_dl("init", cwd=tmp_path, home=cli_env).returncode == 0
    shown = on_terminal(["table", "import", "-c", "--pk", "id", "people", str(FIXTURES / "people.csv")],
                        tmp_path, cli_env)
    assert "Importing people.csv ━" in shown  # the bar; which phases it shows depends on timing
    assert "Rows Processed: 20, Additions: 20" in shown
    shown = on_terminal(["gc"], tmp_path, cli_env)
    assert "Collecting garbage ━" in shown
    assert re.search(r"deleted \d+ of \d+ chunks", shown)
    piped = run_dl("gc", cwd=tmp_path, home=cli_env)
    assert piped.returncode == 0 and piped.stderr == "" and "Collecting" not in piped.stdout
