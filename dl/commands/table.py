"""`dl table import|export|ls|rm|mv|cp`, `dl schema show` and `dl index cat`: tables in and out
of files.

Commands call the Python API (`dl.api.Repo`): imports are `Repo.write` (through
`core.tables.importer`: strict reading, bulk tree builds, one atomic working-set update), exports
`Repo.table` written by `core.io` (atomic file writes). On a terminal, imports show a progress
bar over their phases.
"""
from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from dl.context import open_api, open_repo
from dl.core.errors import AlreadyExists, BadInput, NotFound, UsageError
from dl.progress import phase_progress
from dl.terminal_text import printable

if TYPE_CHECKING:
    from dl.core.repo import Repository

table_app = typer.Typer(help="Import, export, list, remove, rename and copy tables.\n\n"
                             "Example: dl table import -c --pk id people people.csv", no_args_is_help=True)
index_app = typer.Typer(help="Look inside a table's secondary indexes.\n\n"
                             "Example: dl index cat people by_email -r csv", no_args_is_help=True)
schema_app = typer.Typer(help="Show or export table schemas as CREATE TABLE statements.\n\n"
                              "Example: dl schema show people", no_args_is_help=True)

PHASES = ("reading", "checking keys", "building", "writing")


@table_app.command("import")
def import_(ctx: typer.Context,
            table: str = typer.Argument(None, help="Table to create or change."),
            file: Path = typer.Argument(None, help="CSV, TSV, PSV, Parquet, JSON or JSON lines file "
                                                   "(default: CSV on standard input)."),
            create: bool = typer.Option(False, "-c", "--create-table", help="Create a new table."),
            update: bool = typer.Option(False, "-u", "--update-table", help="Upsert rows by primary key."),
            replace: bool = typer.Option(False, "-r", "--replace-table", help="Replace the table's rows."),
            append: bool = typer.Option(False, "-a", "--append-table", help="Add rows; fail on existing keys."),
            pk: str = typer.Option(None, "--pk", "-pk", help="Primary key column(s), comma separated "
                                                             "(with -c; default: the first column)."),
            schema: Path = typer.Option(None, "-s", "--schema", help="CREATE TABLE file giving the types (with -c)."),
            file_type: str = typer.Option(None, "--file-type", help="csv, tsv, psv, parquet, json or jsonl."),
            delim: str = typer.Option(None, "--delim", help="Field delimiter of a text file."),
            no_header: bool = typer.Option(False, "--no-header",
                                           help="The file's first line is data (name the columns with --columns)."),
            columns: str = typer.Option(None, "--columns",
                                        help="Column names, comma separated: for a file without a header, "
                                             "or in place of the file's header."),
            name_map: Path = typer.Option(None, "-m", "--map",
                                          help="JSON file mapping the file's column names to the table's."),
            force: bool = typer.Option(False, "-f", "--force", help="With -c, replace an existing table."),
            all_text: bool = typer.Option(False, "--all-text",
                                          help="With -c, make every column text (the key varchar(200))."),
            keep_going: bool = typer.Option(False, "--continue",
                                            help="Leave out the rows the table cannot take, list them, "
                                                 "and import the rest."),
            quiet: bool = typer.Option(False, "--quiet", "--ignore-skipped-rows",
                                       help="With --continue, do not list the rows left out."),
            disable_fk_checks: bool = typer.Option(False, "--disable-fk-checks",
                                                   help="Do not check foreign keys (as SET "
                                                        "FOREIGN_KEY_CHECKS=0); `dl constraints "
                                                        "verify` finds what they break.")) -> None:
    """Import a file into a table of the working set.

    Example: dl table import -c --pk id people people.csv
    """
    if table is None:  # Dolt's words, and the usage as a missing argument shows it
        usage = ctx.get_usage().strip().removeprefix("Usage:").strip()
        raise BadInput(f"expected 1 argument (for stdin) or 2 arguments (table and file), but received 0 "
                       f"(usage: {usage})")
    mode = _import_mode(table, file, create, update, replace, append, pk, schema, no_header, columns,
                        all_text)
    keys = [k.strip() for k in pk.split(",")] if pk and mode == "create" else None
    if keys is not None and not all(keys):
        raise UsageError(f"--pk {pk!r} names an empty column")
    declared = _declared_schema(schema, file, file_type) if schema is not None else None
    from dl.core.io.relabel import as_utf8, one_char_delimiter
    repo = open_api(ctx)
    source, kind = (file, file_type) if file is not None else (Path("/dev/stdin"), file_type or "csv")
    with as_utf8(source) as readable, one_char_delimiter(readable, delim) as (delimited, delim), \
            _with_columns(delimited, kind, delim, columns, no_header, name_map) as path, \
            phase_progress(f"Importing {source.name}", PHASES) as step:
        result = repo.write(table, path, mode=mode, pk=keys, schema=declared, file_type=kind,
                            delimiter=delim, force=force, progress=step, all_text=all_text,
                            skip_bad_rows=keep_going, foreign_key_checks=not disable_fk_checks)
    _schema_warning(table, result.missing, result.extra)
    if result.skipped and not quiet:
        typer.echo("The following rows were skipped:", err=True)
        for row in result.skipped:
            typer.echo(printable(_row_text(row)), err=True)
    typer.echo(f"Rows Processed: {result.processed:,}, Additions: {result.added:,}, "
               f"Modifications: {result.modified:,}, Had No Effect: {result.unchanged:,}"
               + (f", Deletions: {result.deleted:,}" if result.deleted else ""))
    if result.skipped:
        typer.echo(f"Lines skipped: {len(result.skipped)}", err=True)
    typer.echo("Import completed successfully.")


def _row_text(row: tuple[object, ...]) -> str:
    """A skipped row as Dolt lists it: `[1,ada,NULL]`."""
    return "[" + ",".join("NULL" if value is None else str(value) for value in row) + "]"


def _declared_schema(schema: Path, file: Path | None, file_type: str | None):  # type: ignore[no-untyped-def]
    """The -s file's table schema; its errors said as Dolt says them, naming the data file."""
    from dl.sql.schema_file import schema_from_file
    try:
        return schema_from_file(schema)
    except NotFound:
        raise
    except BadInput as exc:
        kind = (file_type or (file.suffix.lstrip(".") if file is not None else "csv") or "csv").lower()
        source = file if file is not None else "stdin"
        raise BadInput(f"Error creating reader for {kind} file {source}: {exc}") from None


def _schema_warning(table: str, missing: tuple[str, ...], extra: tuple[str, ...]) -> None:
    """Dolt's warning when the file's columns and the table's differ (often a typo in a header):
    table columns the file lacks, and file columns that were ignored."""
    if not missing and not extra:
        return
    typer.echo("Warning: The import file's schema does not match the table's schema.\n"
               "If unintentional, check for any typos in the import file's header.")
    if missing:
        typer.echo(f"Missing columns in {printable(table)}:\n" + "".join(f"\t{printable(c)}\n" for c in missing),
                   nl=False)
    if extra:
        typer.echo("Extra columns in import file:\n" + "".join(f"\t{printable(c)}\n" for c in extra), nl=False)


def _import_mode(table: str, file: Path | None, create: bool, update: bool, replace: bool,
                 append: bool, pk: str | None, schema: Path | None, no_header: bool,
                 columns: str | None, all_text: bool = False) -> str:
    """The import's mode, after Dolt's checks of the arguments, in Dolt's order and words (dl
    also lets --pk override a --schema file's key, which Dolt refuses)."""
    modes = [m for m, on in (("create", create), ("update", update), ("replace", replace),
                             ("append", append)) if on]
    if len(modes) != 1:
        raise BadInput("Must specify exactly one of -c, -u, -a, or -r.")
    if schema is not None and modes[0] != "create":
        raise BadInput("fatal: schema is not supported for update or replace operations")
    if modes[0] == "create" and file is None and schema is None:
        raise BadInput("fatal: when importing from stdin with --create-table, you must provide "
                       "a schema file with --schema")
    if all_text and modes[0] != "create":
        raise BadInput("fatal: --all-text is only supported for create operations")
    if all_text and schema is not None:
        raise BadInput("parameters all-text and schema are mutually exclusive")
    if no_header and columns is None:
        if modes[0] == "create":
            raise BadInput("When using --no-header with -c (create table), you must also specify "
                           "--columns to define column names")
        raise BadInput("When using --no-header with existing tables, you must also specify --columns "
                       "to define the order of columns in your CSV file")
    return modes[0]


def _with_columns(path: Path, file_type: str | None, delim: str | None, columns: str | None,
                  no_header: bool, name_map: Path | None = None) -> AbstractContextManager[Path]:
    """The file to import: `path`, or a copy headed by --columns or by its own header renamed
    by a name map (see core.io.relabel)."""
    from dl.core.io.formats import TEXT_DELIMITERS, detect_format, text_delimiter
    from dl.core.io.relabel import mapped_names, parse_columns, relabeled
    if columns is None and not no_header and name_map is None:
        return nullcontext(path)
    kind = detect_format(path, file_type)
    delimiter = text_delimiter(kind, delim) if kind in TEXT_DELIMITERS else ","
    if name_map is not None:
        if columns is not None or no_header:
            raise UsageError("-m (a name map) renames the file's own header: not with --columns or --no-header")
        if kind not in TEXT_DELIMITERS:
            raise BadInput(f"-m (a name map) applies to csv, tsv and psv files, not {kind}")
        return relabeled(path, kind, delimiter, mapped_names(path, delimiter, name_map), has_header=True)
    names = parse_columns(columns) if columns is not None else None
    return relabeled(path, kind, delimiter, names, has_header=not no_header)


@table_app.command("export")
def export(ctx: typer.Context,
           table: str = typer.Argument(..., help="Table to export."),
           file: Path = typer.Argument(None, help="File to write: .csv, .tsv, .psv, .parquet, .json, .jsonl, "
                                                  ".sql (default: CSV on standard output)."),
           as_of: str = typer.Option("WORKING", "--as-of", help="Revision to export (default: working set)."),
           file_type: str = typer.Option(None, "--file-type", help="Format, if not by extension."),
           force: bool = typer.Option(False, "-f", "--force", help="Overwrite an existing file.")) -> None:
    """Export a table (at any revision) to a file, or as CSV to standard output. Says
    "Successfully exported data." on stderr, as Dolt does.

    Example: dl table export people people.parquet --as-of HEAD~1
    """
    from dl.core.io.write import check_export_target
    from dl.core.tables.importer import export_table
    repo = open_repo(ctx, readonly=True)
    as_sql = (file_type or (file.suffix.lstrip(".") if file is not None else "")).lower() == "sql"
    if file is None:
        _export_to_stdout(repo, table, as_of, file_type)
        typer.echo("Successfully exported data.", err=True)
        return
    check_export_target(file, repo.dl_dir)  # before reading the table: fail fast
    repo.table(table, as_of)  # a missing table or revision fails before the file is written
    if file.exists() and not force:
        raise AlreadyExists("file", str(file), f"{file} already exists. Use -f to overwrite.")
    if as_sql:
        from dl.sql.table_dump import write_dump
        write_dump(repo, table, file, as_of)
    else:
        export_table(repo, table, file, as_of, file_type=file_type)
    typer.echo("Successfully exported data.", err=True)


def _export_to_stdout(repo: Repository, table: str, as_of: str, file_type: str | None) -> None:
    """Dolt's `table export TABLE` without a file: CSV (or PSV) on standard output, written to a
    temporary file first so that an error leaves no half table on the output."""
    import shutil
    import sys
    import tempfile

    from dl.core.io.formats import detect_format
    from dl.core.tables.importer import export_table
    if (file_type or "").lower() == "sql":
        from dl.sql.table_dump import dump_lines
        for piece in dump_lines(repo, table, as_of):
            sys.stdout.write(piece)
        sys.stdout.flush()
        return
    kind = detect_format("stdout", file_type or "csv")
    if kind not in ("csv", "psv"):
        raise BadInput("Cannot export this format to stdout")
    repo.table(table, as_of)
    with tempfile.TemporaryDirectory(prefix="dl-export-") as folder:
        path = Path(folder) / f"{table}.{kind}"
        export_table(repo, table, path, as_of, file_type=kind)
        sys.stdout.flush()
        with open(path, "rb") as written:
            shutil.copyfileobj(written, sys.stdout.buffer)
        sys.stdout.buffer.flush()


@table_app.command("ls")
def ls(ctx: typer.Context,
       revision: str = typer.Argument("WORKING", help="Revision whose tables to list."),
       verbose: bool = typer.Option(False, "-v", "--verbose", help="Show row counts."),
       system: bool = typer.Option(False, "-s", "--system", help="List the system tables SQL reads instead."),
       everything: bool = typer.Option(False, "-a", "--all", help="List user and system tables.")) -> None:
    """List tables.

    Example: dl table ls HEAD~1
    """
    if system and everything:
        raise UsageError("--system and --all are mutually exclusive")
    repo = open_api(ctx, readonly=True)
    names = repo.tables(revision)
    if system or everything:
        from dl.sql.system_tables import system_table_names
        if everything:
            _list_tables(repo, names, revision, verbose)
        typer.echo("System tables:")
        for name in system_table_names(names):
            typer.echo(f"\t{printable(name)}")
        return
    _list_tables(repo, names, revision, verbose)


def _list_tables(repo, names: list[str], revision: str, verbose: bool) -> None:  # type: ignore[no-untyped-def]
    where = "working set" if revision == "WORKING" else revision
    if not names:
        typer.echo(f"No tables in {where}")
        return
    typer.echo(f"Tables in {where}:")
    for name in names:
        if verbose:
            count = repo.core.table(name, revision).count()
            typer.echo(f"\t{printable(name):<30} {count:,} row{'s' if count != 1 else ''}")
        else:
            typer.echo(f"\t{printable(name)}")


@table_app.command("rm")
def rm(ctx: typer.Context, tables: list[str] = typer.Argument(..., help="Tables to remove.")) -> None:
    """Remove tables from the working set (commit to record it).

    Example: dl table rm scratch
    """
    open_api(ctx).drop(*tables)


@table_app.command("mv")
def mv(ctx: typer.Context, old: str = typer.Argument(..., help="Table to rename."),
       new: str = typer.Argument(..., help="Its new name."),
       force: bool = typer.Option(False, "-f", "--force", help="Replace NEW if it exists.")) -> None:
    """Rename a table.

    Example: dl table mv people persons
    """
    _copy(ctx, old, new, force, keep_old=False)


@table_app.command("cp")
def cp(ctx: typer.Context, old: str = typer.Argument(..., help="Table to copy."),
       new: str = typer.Argument(..., help="Name of the copy."),
       force: bool = typer.Option(False, "-f", "--force", help="Replace NEW if it exists.")) -> None:
    """Copy a table (cheap: the copy shares every chunk).

    Example: dl table cp people people_backup
    """
    _copy(ctx, old, new, force, keep_old=True)


def _copy(ctx: typer.Context, old: str, new: str, force: bool, keep_old: bool) -> None:
    from dl.core.names import check_table_name
    check_table_name(new)
    repo = open_api(ctx)
    if keep_old:
        repo.copy(old, new, force=force)
    else:
        repo.rename(old, new, force=force)


@schema_app.command("show")
def schema_show(ctx: typer.Context,
                args: list[str] = typer.Argument(None, help="[REV] [TABLE...]"),
                ) -> None:
    """Print CREATE TABLE statements for tables, in MySQL's form (default: all, in the working set).

    Example: dl schema show HEAD people
    """
    from dl.sql.mysql_schema import create_table
    repo = open_repo(ctx, readonly=True)
    args = list(args or [])
    revision = "WORKING"
    if args:
        try:
            repo.resolve_root_address(args[0])
            if args[0] not in repo.resolve_root("WORKING").tables:
                revision = args.pop(0)
        except NotFound:
            pass
    root = repo.resolve_root(revision)
    names = args or repo.tables_in(root)
    if not names:
        typer.echo("No tables in working set" if revision == "WORKING" else f"No tables in {revision}")
    for name in names:
        table = repo.table_in(root, name)
        typer.echo(f"{name} @ {revision.lower() if revision == 'WORKING' else revision}")
        typer.echo(create_table(name, table.schema))
        typer.echo("")


@schema_app.command("export")
def schema_export(ctx: typer.Context,
                  table: str = typer.Argument(None, help="Table to export (default: every table)."),
                  file: Path = typer.Argument(None, help="File to write (default: standard output).")) -> None:
    """Write the working set's CREATE TABLE statements in MySQL's form (backquoted names, MySQL
    types, constraints, the ENGINE clause), as Dolt's `schema export` does, to standard output
    or a file.

    Example: dl schema export people people.sql
    """
    from dl.core.io.write import write_text_file
    from dl.sql.mysql_schema import create_table
    repo = open_repo(ctx, readonly=True)
    root = repo.resolve_root("WORKING")
    names = [table] if table is not None else repo.tables_in(root)
    text = "".join(create_table(name, repo.table_in(root, name).schema) + "\n\n"
                   for name in names)
    if file is None:
        typer.echo(text, nl=False)
    else:
        write_text_file(file, text, repo.dl_dir)


def ls_command(ctx: typer.Context,
               revision: str = typer.Argument("WORKING", help="Revision whose tables to list."),
               verbose: bool = typer.Option(False, "-v", "--verbose", help="Show row counts."),
               system: bool = typer.Option(False, "-s", "--system", help="List the system tables SQL reads instead."),
               everything: bool = typer.Option(False, "-a", "--all", help="List user and system tables.")) -> None:
    """List tables (same as dl table ls).

    Example: dl ls
    """
    ls(ctx, revision, verbose, system, everything)


@index_app.command("cat")
def index_cat(ctx: typer.Context, table: str = typer.Argument(..., help="The table the index belongs to."),
              index: str = typer.Argument(..., help="The index."),
              result_format: str = typer.Option("tabular", "-r", "--result-format", help="tabular, csv or json.")) -> None:
    """Show an index's entries in index order: its columns, then the primary key's.

    Example: dl index cat people by_email -r csv
    """
    from dl.results import write_batches
    if result_format.removeprefix("=") not in ("tabular", "csv", "json"):
        raise UsageError("Invalid argument for --result-format. Valid values are tabular, csv, json")
    entries = open_api(ctx, readonly=True).index_entries(table, index)
    write_batches(entries.schema, entries.to_batches(), result_format.removeprefix("="),
                  lambda text: typer.echo(text, nl=False), empty_box=False)


def register(app: typer.Typer) -> None:
    app.add_typer(index_app, name="index")
    app.add_typer(table_app, name="table")
    app.add_typer(schema_app, name="schema")
    app.command("ls")(ls_command)

