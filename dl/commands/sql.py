"""`dl sql`: run SQL from -q, a file or stdin, or open the interactive shell.

Results print as they come: rich tables on a terminal, MySQL-style boxes when piped, or
CSV/JSON/vertical/Parquet with -r. sqlglot, duckdb and pyarrow are imported inside the
command, so other commands do not pay for them at start-up.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

import typer

from dl.context import is_terminal, open_repo
from dl.core.errors import UsageError
from dl.terminal_text import printable_table

FORMATS = ("tabular", "csv", "json", "vertical", "parquet")
DIALECTS = ("duckdb", "mysql", "sqlite", "postgres")


def sql(ctx: typer.Context,
        query: str = typer.Option(None, "-q", "--query", help="Statements to run (separated by ;)."),
        file: Path = typer.Option(None, "-f", "--file", help="Run the statements in this file."),
        result_format: str = typer.Option("tabular", "-r", "--result-format",
                                          help="tabular, csv, json, vertical or parquet."),
        output: Path = typer.Option(None, "-o", "--output", help="Write results to this file."),
        dialect: str = typer.Option("duckdb", "--dialect", help="duckdb, mysql, sqlite or postgres."),
        batch: bool = typer.Option(False, "-b", "--batch",
                                   help="Accepted for Dolt's scripts; has no effect (as in Dolt).")) -> None:
    """Run SQL against the working set (and any revision with AS OF).

    With no -q or -f, reads statements from stdin, or opens an interactive shell on a terminal.

    Example: dl sql -q "select * from people where id = 7" -r csv
    """
    result_format = result_format.removeprefix("=")  # Dolt's parser reads -r=csv as -r csv
    if result_format not in FORMATS:
        raise UsageError(f"unknown result format {result_format!r} (choose from {', '.join(FORMATS)})")
    if dialect not in DIALECTS:
        raise UsageError(f"unknown dialect {dialect!r} (choose from {', '.join(DIALECTS)})")
    if query is not None and file is not None:
        raise UsageError("give -q or -f, not both")
    text = query if query is not None else _read_file(file) if file is not None else None
    repo = open_repo(ctx)
    if output is not None:
        from dl.core.io.write import check_outside
        check_outside(output, repo.dl_dir)
    from dl.sql.session import Session
    from dl.identity_env import identity_variables_from_environment
    with Session(repo, dialect=dialect) as session:
        session.variables.system.update(identity_variables_from_environment())
        if text is None and sys.stdin.isatty():
            from dl.shell import default_history, run_shell
            run_shell(session, render_table,
                      write_error=lambda text: typer.echo(text, err=True), history=default_history())
            return
        if text is None:
            from dl.fast_sql import take_stdin
            text = take_stdin()  # the script the fast path read from stdin and left to the CLI
        if text is None:
            from dl.core.io.streams import read_text_input
            raw = getattr(sys.stdin, "buffer", None)  # None: a text stream put there by a caller
            text = read_text_input(raw, "standard input") if raw is not None else sys.stdin.read()
        _run_script(session, text, result_format, output)


def _read_file(path: Path) -> str:
    """The script of `-f PATH` (a file or a pipe; bounded, text only: `core.io.streams`)."""
    from dl.core.errors import DlError, NotFound
    from dl.core.io.streams import read_text_input
    try:
        return read_text_input(path, str(path))
    except NotFound:
        raise UsageError(f"cannot read {path}: no such file") from None
    except DlError as exc:  # a bad -f argument is a usage error
        raise UsageError(str(exc)) from None


def _run_script(session: Any, text: str, result_format: str, output: Path | None) -> None:
    """Runs `text`, writing each result as its rows stream in (see dl/results.py)."""
    from dl.progress import wait_spinner
    from dl.sql.session import ResultKind
    last_rows = None
    stream: IO[str] = open(output, "w", encoding="utf-8") if output and result_format != "parquet" else sys.stdout
    results = session.execute(text, stream=True)
    try:
        while True:
            # a spinner if a statement stays silent for a second (reading tables, a slow query)
            with wait_spinner("running", enabled=stream is sys.stdout) as quiet:
                result = next(results, None)
                if result is None:
                    break
                if result.kind is ResultKind.ROWS and result_format == "parquet":
                    last_rows = result.stream.read_all() if result.stream is not None else result.table
                    continue
                if result.kind is ResultKind.ROWS:
                    _write_rows(result, result_format, stream, quiet, empty_box=session.dialect != "mysql")
                elif result_format == "tabular" and result.kind is ResultKind.COUNT:
                    quiet()
                    noun = "row" if result.rows_affected == 1 else "rows"
                    stream.write(f"Query OK, {result.rows_affected} {noun} affected\n")
            stream.flush()
    finally:
        results.close()
        if stream is not sys.stdout:
            stream.close()
        if session.in_transaction:
            session.rollback()
            typer.echo("warning: the script ended inside a transaction; it was rolled back", err=True)
    if result_format == "parquet":
        _write_parquet(last_rows, output)


def _write_rows(result: Any, result_format: str, stream: IO[str], quiet: Any, *, empty_box: bool = True) -> None:
    """One result set, streamed (`quiet()` takes the spinner away before the first line); on a
    terminal, the row count after it. Without `empty_box` (the mysql dialect) an empty result
    draws no box, as `mysql -e` and Dolt print nothing for it."""
    from dl.results import write_batches
    rows = result.stream if result.stream is not None else result.table.to_batches()
    schema = result.stream.schema if result.stream is not None else result.table.schema
    on_terminal = stream is sys.stdout and is_terminal()
    count = write_batches(schema, rows, result_format, stream.write, first_output=quiet, empty_box=empty_box)
    if on_terminal and result_format == "tabular":
        stream.write(f"{count} row{'s' if count != 1 else ''} in set\n")


def render_table(table: Any) -> None:
    """A whole result in the shell: the same box as `dl sql -q`, and its row count."""
    from dl.sql import formats
    table = printable_table(table, keep_newlines=True)
    sys.stdout.write(formats.to_box(table))
    sys.stdout.write(f"{table.num_rows} row{'s' if table.num_rows != 1 else ''} in set\n")
    sys.stdout.flush()


def _write_parquet(table: Any, output: Path | None) -> None:
    from dl.sql import formats
    if table is None:
        raise UsageError("-r parquet needs a statement that returns rows")
    if output is not None:
        formats.to_parquet(table, str(output))
        return
    if sys.stdout.isatty():
        raise UsageError("refusing to write Parquet to a terminal; use -o FILE or redirect stdout")
    sys.stdout.flush()
    formats.to_parquet(table, sys.stdout.buffer)
    sys.stdout.buffer.flush()


def register(app: typer.Typer) -> None:
    app.command("sql")(sql)
