"""`dl table import|export|ls|rm|mv|cp` and `dl schema show`: tables in and out of files.

Commands call the Python API (`dl.api.Repo`): imports are `Repo.write` (through
`core.tables.importer`: strict reading, bulk tree builds, one atomic working-set update), exports
`Repo.table` written by `core.io` (atomic file writes). On a terminal, imports show a progress
bar over their phases.
"""
from __future__ import annotations

from pathlib import Path

import typer

from dl.context import open_api, open_repo
from dl.core.errors import AlreadyExists, NotFound, UsageError
from dl.progress import phase_progress
from dl.terminal_text import printable

table_app = typer.Typer(help="Import, export, list, remove, rename and copy tables.\n\n"
                             "Example: dl table import -c --pk id people people.csv", no_args_is_help=True)
schema_app = typer.Typer(help="Show table schemas as CREATE TABLE statements.\n\n"
                              "Example: dl schema show people", no_args_is_help=True)

PHASES = ("reading", "checking keys", "building", "writing")


@table_app.command("import")
def import_(ctx: typer.Context,
            table: str = typer.Argument(..., help="Table to create or change."),
            file: Path = typer.Argument(..., help="CSV, TSV, PSV, Parquet, JSON or JSON lines file."),
            create: bool = typer.Option(False, "-c", "--create-table", help="Create a new table."),
            update: bool = typer.Option(False, "-u", "--update-table", help="Upsert rows by primary key."),
            replace: bool = typer.Option(False, "-r", "--replace-table", help="Replace the table's rows."),
            append: bool = typer.Option(False, "-a", "--append-table", help="Add rows; fail on existing keys."),
            pk: str = typer.Option(None, "--pk", help="Primary key column(s), comma separated (with -c)."),
            schema: Path = typer.Option(None, "-s", "--schema", help="CREATE TABLE file giving the types (with -c)."),
            file_type: str = typer.Option(None, "--file-type", help="csv, tsv, psv, parquet, json or jsonl."),
            delim: str = typer.Option(None, "--delim", help="Field delimiter of a text file."),
            force: bool = typer.Option(False, "-f", "--force", help="With -c, replace an existing table.")) -> None:
    """Import a file into a table of the working set.

    Example: dl table import -c --pk id people people.csv
    """
    modes = [m for m, on in (("create", create), ("update", update), ("replace", replace),
                             ("append", append)) if on]
    if len(modes) != 1:
        raise UsageError("give exactly one of -c (create), -u (update), -r (replace), -a (append)")
    mode = modes[0]
    if (pk or schema) and mode != "create":
        raise UsageError("--pk and --schema go with -c; other modes use the table's schema")
    keys = [k.strip() for k in pk.split(",")] if pk else None
    if keys is not None and not all(keys):
        raise UsageError(f"--pk {pk!r} names an empty column")
    declared = None
    if schema is not None:
        from dl.sql.schema_file import schema_from_file
        declared = schema_from_file(schema)
    repo = open_api(ctx)
    with phase_progress(f"Importing {file.name}", PHASES) as step:
        result = repo.write(table, file, mode=mode, pk=keys, schema=declared, file_type=file_type,
                            delimiter=delim, force=force, progress=step)
    typer.echo(f"Rows Processed: {result.processed:,}, Additions: {result.added:,}, "
               f"Modifications: {result.modified:,}, Had No Effect: {result.unchanged:,}"
               + (f", Deletions: {result.deleted:,}" if result.deleted else ""))
    typer.echo("Import completed successfully.")


@table_app.command("export")
def export(ctx: typer.Context,
           table: str = typer.Argument(..., help="Table to export."),
           file: Path = typer.Argument(..., help="File to write: .csv, .tsv, .psv, .parquet, .json, .jsonl."),
           as_of: str = typer.Option("WORKING", "--as-of", help="Revision to export (default: working set)."),
           file_type: str = typer.Option(None, "--file-type", help="Format, if not by extension."),
           force: bool = typer.Option(False, "-f", "--force", help="Overwrite an existing file.")) -> None:
    """Export a table (at any revision) to a file.

    Example: dl table export people people.parquet --as-of HEAD~1
    """
    from dl.core.io.write import check_export_target
    from dl.core.tables.importer import export_table
    repo = open_repo(ctx, readonly=True)
    check_export_target(file, repo.dl_dir)  # before reading the table: fail fast
    repo.table(table, as_of)  # a missing table or revision fails before the file is written
    if file.exists() and not force:
        raise AlreadyExists("file", f"{file} (use -f to overwrite)")
    count = export_table(repo, table, file, as_of, file_type=file_type)
    typer.echo(f"Exported {count:,} rows of {table} to {file}")


@table_app.command("ls")
def ls(ctx: typer.Context,
       revision: str = typer.Argument("WORKING", help="Revision whose tables to list."),
       verbose: bool = typer.Option(False, "-v", "--verbose", help="Show row counts.")) -> None:
    """List tables.

    Example: dl table ls HEAD~1
    """
    repo = open_api(ctx, readonly=True)
    names = repo.tables(revision)
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
    """Print CREATE TABLE statements for tables (default: all, in the working set).

    Example: dl schema show HEAD people
    """
    from dl.sql.script import create_table
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


def ls_command(ctx: typer.Context,
               revision: str = typer.Argument("WORKING", help="Revision whose tables to list."),
               verbose: bool = typer.Option(False, "-v", "--verbose", help="Show row counts.")) -> None:
    """List tables (same as dl table ls).

    Example: dl ls
    """
    ls(ctx, revision, verbose)


def register(app: typer.Typer) -> None:
    app.add_typer(table_app, name="table")
    app.add_typer(schema_app, name="schema")
    app.command("ls")(ls_command)

