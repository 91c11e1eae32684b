"""`dl sql -q "SELECT ..."` without typer, sqlglot or pyarrow: the fast path at the terminal.

A `dl sql -q` process spends most of its time importing: typer (~35 ms of CPU), sqlglot
(~80), pyarrow and numpy (~110), before DuckDB answers in a few milliseconds. For the plainest
and commonest case, a read-only SELECT over the working set's tables, `answer` is tried before
the CLI is even built: it reads the command line itself (only `dl sql` with `-q`/`--query`,
`-r`/`--result-format` tabular|csv|json|vertical, `--dialect duckdb` and `-b`; no global
options), or one statement from stdin (`dl sql < query.sql`), runs the statement through
`dl.sql.fast_select` (DuckDB over the tables' twins, the general path's lock and settings), and
writes the rows with `dl.sql.row_text`, the same bytes as the general path writes.

Whatever it is not sure of (another option, a statement it does not handle, any error before
output) it leaves to the CLI, which runs as always and gives every answer and message as
always; a statement read from stdin is handed over (`take_stdin`). `DL_SQL_FAST=0` turns the
fast path off.
"""
from __future__ import annotations

import os
import sys
from typing import Any

FORMATS = ("tabular", "csv", "json", "vertical")
MAX_ROWS = 8192  # one batch of the general path (`row_stream.BATCH_ROWS`): larger results take it
_stdin: tuple[str | None, BaseException | None] | None = None  # what `answer` read from stdin


def answer(argv: list[str]) -> bool:
    """Runs `dl ARGV` on the fast path if it can; False when the CLI must run it instead."""
    if os.environ.get("DL_SQL_FAST") == "0" or os.environ.get("DL_FAULT"):
        return False
    wanted = _read_arguments(argv)
    if wanted is None:
        return False
    text, result_format = wanted
    if text is None:
        if sys.stdin is None or sys.stdin.isatty():
            return False
        text = _read_stdin()
        if text is None:
            return False
    from dl.progress import wait_spinner
    try:
        with wait_spinner("running"):  # as the CLI's: if the query stays silent for a second
            result = _query(text)
    except KeyboardInterrupt:  # after the spinner is gone, as `dl.app` reports it
        _interrupted()
    if result is None:
        return False
    _write(result, result_format)
    return True


def take_stdin() -> str | None:
    """The script `answer` read from stdin and left to the CLI (raising what reading it raised);
    None if it read none."""
    global _stdin
    taken, _stdin = _stdin, None
    if taken is None:
        return None
    text, error = taken
    if error is not None:
        raise error
    return text


def _read_arguments(argv: list[str]) -> tuple[str | None, str] | None:
    """(query or None for stdin, result format) of `sql [-q Q] [-r F] [--dialect duckdb] [-b]`."""
    if not argv or argv[0] != "sql":
        return None
    values = {"query": None, "format": "tabular", "dialect": "duckdb"}
    names = {"-q": "query", "--query": "query", "-r": "format", "--result-format": "format",
             "--dialect": "dialect"}
    seen: set[str] = set()
    i = 1
    while i < len(argv):
        token = argv[i]
        option, equals, inline = token.partition("=")
        if token in ("-b", "--batch"):
            i += 1
            continue
        if option not in names or names[option] in seen:
            return None
        if equals and option.startswith("--"):
            value, i = inline, i + 1
        elif equals:  # Dolt's -r=csv: click reads "=csv", which `dl sql` takes as csv
            value, i = "=" + inline, i + 1
        elif i + 1 < len(argv):
            value, i = argv[i + 1], i + 2
        else:
            return None
        seen.add(names[option])
        values[names[option]] = value
    result_format = (values["format"] or "").removeprefix("=")
    if values["dialect"] != "duckdb" or result_format not in FORMATS:
        return None
    return values["query"], result_format


def _read_stdin() -> str | None:
    """The script on stdin, kept for the CLI (`take_stdin`) whatever happens next."""
    global _stdin
    from dl.core.errors import DlError
    from dl.core.io.streams import read_text_input
    raw = getattr(sys.stdin, "buffer", None)
    try:
        text = read_text_input(raw, "standard input") if raw is not None else sys.stdin.read()
    except DlError as exc:
        _stdin = (None, exc)
        return None
    _stdin = (text, None)
    return text


def _query(text: str) -> Any:
    """The fast path's result of `text`, or None (anything going wrong is the CLI's to report)."""
    from pathlib import Path

    from dl.core.repo import Repository, find_repository
    from dl.home import global_config_path
    from dl.sql import fast_select, row_text
    try:  # as `dl.api.open` opens it (the API package itself is not needed here)
        repo = Repository.open(find_repository(Path.cwd()), global_config=global_config_path())
    except Exception:  # noqa: BLE001 - no repository, a bad config...: the CLI says so
        return None
    try:
        return fast_select.run(repo, text, max_rows=MAX_ROWS, supported=row_text.supported)
    except Exception:  # noqa: BLE001 - the general path answers, or reports, in its words
        return None
    finally:
        repo.close()


def _write(result: Any, result_format: str) -> None:
    """Writes the rows as `dl sql` does (and, on a terminal, the row count after a table)."""
    from dl.sql import row_text
    from dl.terminal_text import printable, printable_cell, raw_bytes_stdout
    raw_bytes_stdout()
    out = sys.stdout
    try:
        row_text.write(result.names, result.types, result.rows, result_format, out.write, printable,
                       printable_cell)
        if result_format == "tabular" and out.isatty():
            count = len(result.rows)
            out.write(f"{count} row{'s' if count != 1 else ''} in set\n")
        out.flush()
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(1)
    except KeyboardInterrupt:
        _interrupted()


def _interrupted() -> None:
    from dl.app import _interrupted as interrupted
    interrupted()
