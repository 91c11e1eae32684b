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
        dialect: str = typer.Option("duckdb", "--dialect", help="duckdb, mysql, sqlite or postgres.")) -> None:
    """Run SQL against the working set (and any revision with AS OF).

    With no -q or -f, reads statements from stdin, or opens an interactive shell on a terminal.

    Example: dl sql -q "select * from people where id = 7" -r csv
    """
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
    with Session(repo, dialect=dialect) as session:
        if text is None and sys.stdin.isatty():
            from dl.shell import default_history, run_shell
            run_shell(session, lambda table: _render_tabular(table, sys.stdout),
                      write_error=lambda text: typer.echo(text, err=True), history=default_history())
            return
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
    from dl.sql.session import ResultKind
    last_rows = None
    stream: IO[str] = open(output, "w", encoding="utf-8") if output and result_format != "parquet" else sys.stdout
    try:
        for result in session.execute(text):
            if result.kind is ResultKind.ROWS:
                last_rows = result.table
                if result_format != "parquet":
                    _render(result.table, result_format, stream)
            elif result_format == "tabular" and result.kind is ResultKind.COUNT:
                noun = "row" if result.rows_affected == 1 else "rows"
                stream.write(f"Query OK, {result.rows_affected} {noun} affected\n")
            stream.flush()
    finally:
        if stream is not sys.stdout:
            stream.close()
        if session.in_transaction:
            session.rollback()
            typer.echo("warning: the script ended inside a transaction; it was rolled back", err=True)
    if result_format == "parquet":
        _write_parquet(last_rows, output)


def _render(table: Any, result_format: str, stream: IO[str]) -> None:
    from dl.sql import formats
    if result_format == "csv":
        stream.write(formats.to_csv(table))
    elif result_format == "json":
        stream.write(formats.to_json(table) + "\n")
    elif result_format == "vertical":
        stream.write(formats.to_vertical(printable_table(table)))
    else:
        _render_tabular(table, stream)


def _render_tabular(table: Any, stream: IO[str]) -> None:
    from dl.sql import formats
    table = printable_table(table)
    if stream is sys.stdout and is_terminal():
        from rich.console import Console
        from rich.table import Table
        view = Table(show_lines=False)
        from rich.text import Text  # Text, not str: rich would read "[link=...]" in data as markup
        for name in table.column_names:
            view.add_column(Text(name), overflow="fold")
        for row in zip(*[c.to_pylist() for c in table.columns]):
            view.add_row(*[Text(formats.cell_text(v)) for v in row])
        console = Console()
        console.print(view)
        console.print(f"{table.num_rows} row{'s' if table.num_rows != 1 else ''}", style="dim")
    else:
        stream.write(formats.to_box(table))


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
