"""The interactive SQL shell of `dl sql`: multi-line statements ending in `;`, history,
`exit`/`quit`/Ctrl-D to leave; errors are printed and the shell goes on; Ctrl-C stops the
running statement (DuckDB is interrupted at once) or drops the lines typed so far.

The prompt shows the branch (`main> `, `main*> ` inside a transaction). Line editing and
history come from `readline` when available, kept in `~/.dl/sql_history`; a statement typed on
several lines is kept as one history entry (its lines joined by spaces, as the mysql client
does), so the up arrow recalls it whole.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dl.core.errors import DlError
from dl.terminal_text import printable

RESET = "\x1b[0m"  # a Ctrl-C in the middle of coloured output must not leave the colour on
EXIT_WORDS = {"exit", "quit", "\\q", "exit;", "quit;"}
HISTORY_LINES = 1000


def run_shell(session: Any, render: Callable[[Any], None], *,
              read_line: Callable[[str], str] = input, write: Callable[[str], None] = print,
              write_error: Callable[[str], None] | None = None, history: Path | None = None) -> None:
    """Reads statements until exit or end of input, running each through `session`."""
    from dl.sql.parse import is_complete
    from dl.sql.session import ResultKind
    errors = write_error or (lambda text: write(text))
    _load_history(history)
    write("dl sql shell: end statements with ';', 'exit' or Ctrl-D to leave.")
    lines: list[str] = []
    try:
        while True:
            try:
                line = read_line(_prompt(session) if not lines else "    -> ")
            except EOFError:
                write("")
                break
            except KeyboardInterrupt:
                write("")
                lines = []
                continue
            if not lines and line.strip().lower() in EXIT_WORDS:
                break
            if not lines and not line.strip():
                continue
            lines.append(line)
            text = "\n".join(lines)
            if not is_complete(text, session.dialect):
                continue
            _join_history(lines)
            lines = []
            try:
                for result in session.execute(text):
                    if result.kind is ResultKind.ROWS:
                        render(result.table)
                    elif result.kind is ResultKind.COUNT:
                        noun = "row" if result.rows_affected == 1 else "rows"
                        write(f"Query OK, {result.rows_affected} {noun} affected")
            except DlError as exc:
                errors(f"error: {printable(str(exc).splitlines()[0]) if str(exc) else type(exc).__name__}")
            except KeyboardInterrupt:  # Ctrl-C stopped the statement (sql/interrupt.py): back to the prompt
                errors(RESET + "^C: query interrupted")
    finally:
        _save_history(history)
        if session.in_transaction:
            session.rollback()
            errors("warning: the open transaction was rolled back")


def _prompt(session: Any) -> str:
    try:
        branch = session.branch()
    except DlError:
        branch = "?"
    return f"{branch}{'*' if session.in_transaction else ''}> "


def _join_history(lines: list[str]) -> None:
    """Replaces the history entries of a statement's lines by one entry for the statement."""
    if len(lines) < 2:
        return
    try:
        import readline
    except ImportError:
        return
    typed = [line for line in lines if line.strip()]
    length = readline.get_current_history_length()
    recent = [readline.get_history_item(length - i) for i in range(len(typed) - 1, -1, -1)]
    if recent != typed:
        return  # the lines did not come through readline (scripted input)
    for _ in typed:
        readline.remove_history_item(readline.get_current_history_length() - 1)
    readline.add_history(" ".join(line.strip() for line in typed))


def default_history() -> Path:
    home = os.environ.get("DL_HOME") or str(Path.home() / ".dl")
    return Path(home) / "sql_history"


def _load_history(path: Path | None) -> None:
    if path is None:
        return
    try:
        import readline
        readline.set_history_length(HISTORY_LINES)
        if path.exists():
            readline.read_history_file(str(path))
    except (ImportError, OSError):
        pass


def _save_history(path: Path | None) -> None:
    if path is None:
        return
    try:
        import readline
        path.parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(str(path))
    except (ImportError, OSError):
        pass
