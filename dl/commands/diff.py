"""`dl diff` and `dl show`: what changed between two roots, row by row.

Which two roots, as in Dolt and git:
    dl diff                 working set vs staged
    dl diff --cached [REV]  staged vs REV (default HEAD)
    dl diff REV             working set vs REV
    dl diff A B, A..B       A vs B;  A...B  merge base of A and B vs B
Further arguments name tables. The diff itself is the tree diff (`core.versioning.diff`), so its cost
follows the size of the change, not of the tables.
"""
from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass
from typing import Any

import typer

from dl.context import commit_line_colour, open_repo, use_colour
from dl.core.errors import BadInput, NotFound, UsageError

FORMATS = ("tabular", "json", "sql", "csv")


@dataclass(frozen=True)
class Sides:
    """The two roots to compare, as revision texts the repository resolves."""

    old: str
    new: str
    tables: list[str] | None  # None: every table


def diff(ctx: typer.Context,
         args: list[str] = typer.Argument(None, help="[REV [REV] | A..B] [TABLE...]"),
         cached: bool = typer.Option(False, "--cached", "--staged", help="Staged changes (vs HEAD or REV)."),
         stat: bool = typer.Option(False, "--stat", help="Counts of rows and cells changed per table."),
         summary: bool = typer.Option(False, "--summary", help="One line per changed table."),
         name_only: bool = typer.Option(False, "--name-only", help="Only the names of changed tables."),
         schema: bool = typer.Option(False, "--schema", "-s", help="Schema changes only (CREATE TABLE "
                                     "lines, with columns and indexes, marked - and +)."),
         data: bool = typer.Option(False, "--data", "-d", help="Row changes only (with --schema: both)."),
         merge_base: bool = typer.Option(False, "--merge-base", help="Compare from the merge base of "
                                         "the revision and HEAD (or of the two revisions), as A...B."),
         reverse: bool = typer.Option(False, "--reverse", "-R", help="Swap the two sides."),
         skinny: bool = typer.Option(False, "--skinny", "-sk", help="Only key columns and columns "
                                     "with changed values."),
         filter_: str = typer.Option(None, "--filter", help="Only one kind of change: added, modified, "
                                     "renamed or dropped (or removed)."),
         where: str = typer.Option(None, "--where", help="Only rows matching this condition "
                                   "(columns as from_<col>, to_<col>, diff_type)."),
         limit: int = typer.Option(None, "--limit", min=0, help="At most N rows per table."),
         system: bool = typer.Option(False, "--system", help="Also the system tables (dolt_ignore...); "
                                     "dolt_schemas, dolt_procedures and dolt_tests always show."),
         result_format: str = typer.Option("tabular", "-r", "--result-format",
                                           help="tabular, json, sql or csv.")) -> None:
    """Show changes between the working set, the staged tables and commits.

    Example: dl diff HEAD~1 HEAD people --where "to_age > 30" -r json
    """
    result_format = result_format.removeprefix("=")  # Dolt's parser reads -r=csv as -r csv
    if result_format not in FORMATS:
        raise UsageError(f"unknown result format {result_format!r} (choose from {', '.join(FORMATS)})")
    if name_only and (schema or data or stat or summary):
        raise UsageError("invalid Arguments: --name-only cannot be combined with --schema, --data, "
                         "--stat or --summary")
    kind = _diff_kind(filter_)
    repo = open_repo(ctx, readonly=True)
    sides = parse_sides(repo, list(args or []), cached, merge_base=merge_base)
    if reverse:
        sides = Sides(sides.new, sides.old, sides.tables)
    if not system:
        sides = _without_system_tables(repo, sides)
    from dl.pager import paged
    with paged(ctx):
        if name_only:
            print_names(repo, sides)
        elif schema and not data and result_format == "tabular":
            print_schema_diff(repo, sides)
        else:
            print_diff(repo, sides, stat=stat, summary=summary, where=where, limit=limit,
                       result_format=result_format, parts=Parts(schema=schema or not data,
                                                                data=data or not schema),
                       skinny=skinny, kind=kind)


ALWAYS_SHOWN = ("dolt_schemas", "dolt_procedures", "dolt_tests")  # system tables diff shows without --system


def _without_system_tables(repo, sides: Sides) -> Sides:  # type: ignore[no-untyped-def]
    """`sides` without the system tables (`dolt_ignore`...) when no table is named, as Dolt's
    diff leaves them out unless `--system`; the tables that hold views, procedures and tests
    are the user's work and always show."""
    if sides.tables is not None:
        return sides
    names: set[str] = set()
    for revision in (sides.old, sides.new):
        names |= set(repo.resolve_root(revision).tables)
    hidden = {n for n in names if n.lower().startswith("dolt_") and n.lower() not in ALWAYS_SHOWN}
    return Sides(sides.old, sides.new, sorted(names - hidden)) if hidden else sides


def _diff_kind(text: str | None):  # type: ignore[no-untyped-def]
    """`--filter`'s value as a `DiffKind` (None: every change)."""
    from dl.core.versioning.diff import DiffKind
    if text is None:
        return None
    try:
        return DiffKind.parse(text.removeprefix("=").lower())
    except ValueError:
        # a bad value (exit 1, as Dolt), not a misuse of the command line
        raise BadInput(f"invalid filter: {text}. Valid filters are: added, modified, renamed, "
                       "dropped, removed") from None


@dataclass(frozen=True)
class Parts:
    """Which parts of each table's diff to show: Dolt's --schema and --data (both by default)."""

    schema: bool = True
    data: bool = True


def print_names(repo, sides: Sides) -> None:  # type: ignore[no-untyped-def]
    """`dl diff --name-only`: each changed table's name, one a line."""
    from dl.core.versioning.diff import table_pairs
    old, new = repo.resolve_root(sides.old), repo.resolve_root(sides.new)
    for name, _, _ in table_pairs(repo.store, old, new, sides.tables):
        typer.echo(name)


def print_schema_diff(repo, sides: Sides) -> None:  # type: ignore[no-untyped-def]
    """`dl diff --schema`: each table whose schema changed: Dolt's header, then its CREATE
    TABLE statements diffed line by line."""
    from dl import render
    from dl.core.versioning.diff import table_pairs
    from dl.sql.mysql_schema import schema_diff_lines
    old, new = repo.resolve_root(sides.old), repo.resolve_root(sides.new)
    for name, before, after in table_pairs(repo.store, old, new, sides.tables):
        lines = schema_diff_lines(name, before.schema if before else None, after.schema if after else None)
        if lines:
            change = "added" if before is None else "deleted" if after is None else "modified"
            typer.echo("\n".join(render.table_diff_header(name, change) + lines))


def parse_sides(repo, args: list[str], cached: bool, *, merge_base: bool = False) -> Sides:
    """Splits diff arguments into the two revisions and the tables. `merge_base`: the first
    revision is replaced by its merge base with the second (or with HEAD), as Dolt's
    `--merge-base A [B]` means `A...B`."""
    revisions: list[str] = []
    rest = list(args)
    if merge_base:
        while rest and len(revisions) < 2 and _is_revision(repo, rest[0]):
            revisions.append(rest.pop(0))
        if not revisions and rest:
            raise NotFound("revision", rest[0])
        if not revisions:
            raise UsageError("--merge-base needs a revision")
        rest.insert(0, "...".join(revisions) if len(revisions) == 2 else revisions[0] + "...HEAD")
    if rest and ".." in rest[0]:
        text = rest.pop(0)
        three = "..." in text
        a, b = text.split("...", 1) if three else text.split("..", 1)
        a, b = a or "HEAD", b or "HEAD"
        if three:
            base = repo.merge_base(a, b)
            if base is None:
                raise NotFound("merge base", f"{a} and {b}")
            a = base.hex
        for rev in (a, b):
            repo.resolve_root_address(rev)
        return Sides(a, b, _tables(repo, rest, [a, b]))
    while rest and len(revisions) < 2 and _is_revision(repo, rest[0]):
        revisions.append(rest.pop(0))
    if cached:
        if len(revisions) > 1:
            raise UsageError("--cached takes at most one revision")
        old = revisions[0] if revisions else "HEAD"
        return Sides(old, "STAGED", _tables(repo, rest, [old, "STAGED"]))
    if not revisions:
        return Sides("STAGED", "WORKING", _tables(repo, rest, ["STAGED", "WORKING"]))
    if len(revisions) == 1:
        return Sides(revisions[0], "WORKING", _tables(repo, rest, [revisions[0], "WORKING"]))
    return Sides(revisions[0], revisions[1], _tables(repo, rest, revisions))


def _is_revision(repo, text: str) -> bool:
    from dl.core.versioning.shallow import BeyondShallow
    try:
        repo.resolve_root_address(text)
        return True
    except BeyondShallow:
        raise  # a revision, beyond a shallow clone's history: say so, not "no such table"
    except NotFound:
        return False


def _tables(repo, names: list[str], revisions: list[str]) -> list[str] | None:
    """The named tables (None: none named, every table); a name in neither side is an unknown
    revision or table."""
    if not names:
        return None
    known: set[str] = set()
    for rev in revisions:
        known |= set(repo.resolve_root(rev).tables)
    for name in names:
        if name not in known:
            raise NotFound("table", name, message=f"table {name} does not exist in either revision")
    return names


def print_diff(repo, sides: Sides, *, stat: bool = False, summary: bool = False,
               where: str | None = None, limit: int | None = None,
               result_format: str = "tabular", parts: Parts = Parts(), skinny: bool = False,
               kind=None) -> None:  # type: ignore[no-untyped-def]
    """Writes the diff as it is computed, each table's changes a window of leaves at a time
    (with `--where` applied per window and `--limit` stopping the reading), so a change larger
    than memory prints in bounded memory; a CSV of several tables too, under one header of the
    union of their columns (known from the schemas). `--summary` reads tree roots, and rows only
    where a schema changed; with --where/--limit it reads each table's diff whole. Only
    `--skinny` (its columns depend on every row) and `--filter` (a table shows only if some
    change is of the kind) read one table's diff whole before printing it."""
    from dl import render
    from dl.core.versioning.diff import DIFF_WINDOW, STEP_WINDOW, diff_table_pieces, table_pairs
    old, new = repo.resolve_root(sides.old), repo.resolve_root(sides.new)
    pairs = table_pairs(repo.store, old, new, sides.tables)
    if where is not None and not pairs:  # nothing to filter: the condition is still checked, as Dolt's
        _check_where(repo, (old, new), sides.tables, where)
    if summary and where is None and limit is None:  # from tree roots: no table read whole
        from dl.core.versioning.diff import summary as summary_of
        typer.echo(render.summary_text(summary_of(repo.store, old, new, sides.tables)), nl=False)
        return
    if summary:
        _print_whole(repo, sides, old, new, where, limit, summary, result_format)
        return
    window = STEP_WINDOW if result_format == "tabular" and not stat else DIFF_WINDOW
    tables = (_narrowed(diff_table_pieces(name, before, after, window=window), where, limit)
              for name, before, after in pairs)
    if result_format in ("tabular", "json") and not stat:
        tables = (_rows_if_keys_match(pieces) for pieces in tables)
    if kind is not None:
        tables = (kept for kept in (_of_kind(list(pieces), kind) for pieces in tables) if kept)
    if skinny:
        tables = (_skinny(list(pieces)) for pieces in tables)
    if stat and result_format == "json":
        stats = [_summed_stat(pieces) for pieces in tables]
        if stats:
            typer.echo(render.json_stat(stats))
    elif stat:
        for pieces in tables:
            typer.echo(render.stat_text(*_summed_stat(pieces)), nl=False)
    elif result_format == "tabular":
        from dl.progress import wait_spinner
        with wait_spinner("comparing") as stop:
            render.write_tabular_diff(tables, _writer(stop), colour=use_colour(),
                                      schema=parts.schema, data=parts.data)
    elif result_format == "json":
        for text in render.json_diff_pieces(tables, schema=parts.schema, data=parts.data):
            typer.echo(text, nl=False)
    elif result_format == "csv" and len(pairs) != 1:  # one header: the union of the columns
        from dl.core.versioning.diff import diff_tables
        headers = [diff_tables(name, before, after, rows=False) for name, before, after in pairs]
        for text in render.csv_diff_tables_pieces(headers, tables):
            typer.echo(text, nl=False)
    elif result_format == "sql":
        _sql_diff(tables, parts)
    else:
        _stream_diff(tables, result_format)


def _check_where(repo, roots, names: list[str] | None, where: str) -> None:  # type: ignore[no-untyped-def]
    """Fails unless `where` runs over the diff columns of the tables of either root (the named
    ones, if any): a bad condition is an error even when no row changed."""
    from dl.sql.diff_filter import check_condition
    columns: dict[str, Any] = {}
    for root in roots:
        for name in root.tables:
            if names is None or name in names:
                for field in repo.table_in(root, name).schema.arrow:
                    columns.setdefault(field.name, field.type)
    check_condition(where, list(columns.items()))


def _rows_if_keys_match(pieces: Any) -> Any:
    """A table's diff pieces; if its primary key changed, only the first, without rows, and
    Dolt's warning on stderr: rows keyed differently do not pair up into a row diff."""
    pieces = iter(pieces)
    first = next(pieces)
    from dl.core.versioning.diff import keys_pair_up
    if keys_pair_up(first.from_schema, first.to_schema):
        return itertools.chain([first], pieces)
    typer.echo(f"Primary key sets differ between revisions for table '{first.name}', skipping data diff",
               err=True)
    from dataclasses import replace

    from dl.core.prolly.diff import TreeDiff
    rows = first.rows
    empty = TreeDiff(*(t.slice(0, 0) for t in (rows.added, rows.removed, rows.modified_from, rows.modified_to)))
    return iter([replace(first, rows=empty)])


def _of_kind(pieces: list[Any], kind: Any) -> list[Any]:
    """A table's diff pieces cut to the changes of `--filter`'s kind (none: the table goes)."""
    from dl.core.versioning.diff import filter_kind
    kept = [piece for piece in (filter_kind(p, kind) for p in pieces) if piece is not None]
    return kept


def _skinny(pieces: list[Any]) -> list[Any]:
    """A table's diff pieces narrowed to the columns `--skinny` keeps."""
    from dl.core.versioning.diff import skinny_columns
    columns = skinny_columns(pieces)
    return [piece.skinny(columns) for piece in pieces]


def _narrowed(pieces, where: str | None, limit: int | None):  # type: ignore[no-untyped-def]
    """A table's diff pieces with `--where` and `--limit` applied (DuckDB only if asked)."""
    if where is None and limit is None:
        return pieces
    from dl.sql.diff_filter import narrowed
    return narrowed(pieces, where, limit)


def _print_whole(repo, sides: Sides, old, new, where: str | None, limit: int | None,  # type: ignore[no-untyped-def]
                 summary: bool, result_format: str) -> None:
    """`--summary` with --where/--limit: every table's diff read, then rendered."""
    from dl import render
    from dl.core.versioning.diff import diff_roots
    diffs = diff_roots(repo.store, old, new, sides.tables)
    if where or limit is not None:
        from dl.sql.diff_filter import narrowed
        diffs = [next(narrowed([d], where, limit)) for d in diffs]
    if summary:
        typer.echo(render.summary_text([(d, len(d.rows) > 0) for d in diffs]), nl=False)
    else:
        typer.echo(render.csv_diff(diffs), nl=False)


def _writer(before_first: Any) -> Any:
    """`sys.stdout.write` (looked up at each call: the pager may own it), calling
    `before_first()` once first (to take a spinner away)."""
    started = [False]

    def write(text: str) -> None:
        if not started[0]:
            started[0] = True
            before_first()
        sys.stdout.write(text)
    return write


def _summed_stat(pieces):  # type: ignore[no-untyped-def]
    """One table's first diff piece and its `--stat` counts, summed over the diff's pieces
    (bounded memory)."""
    from dataclasses import astuple

    from dl.core.versioning.diff import DiffStat
    first, totals = None, [0, 0, 0, 0]
    for piece in pieces:
        first = first or piece
        counts = astuple(piece.stat())
        totals = [t + c for t, c in zip(totals, counts[:4])]
    assert first is not None  # diff_table_pieces yields at least one piece
    rows = first.stat()
    return first, DiffStat(*totals, rows.old_rows, rows.new_rows)


def _stream_diff(tables, result_format: str) -> None:  # type: ignore[no-untyped-def]
    """A CSV diff written as it is computed, a window of leaves at a time (the same text as
    the whole diff)."""
    from dl import render
    for text in render.csv_diff_pieces(next(tables, iter(()))):
        typer.echo(text, nl=False)


def _sql_diff(tables, parts: Parts) -> None:  # type: ignore[no-untyped-def]
    """`-r sql`: MySQL statements written as they are computed. A table whose rows cannot be
    written as statements (its key or a column's type changed) has its reason on stderr, and
    the command fails at the end, as Dolt's does."""
    from dl import render
    skipped: list[str] = []

    def note(message: str) -> None:
        skipped.append(message)
        typer.echo(message, err=True)
    for text in render.sql_diff_pieces(tables, schema=parts.schema, data=parts.data, skipped=note):
        typer.echo(text, nl=False)
    if skipped:
        raise BadInput("encountered errors during diff")


def show(ctx: typer.Context,
         revision: str = typer.Argument("HEAD", help="The commit to show."),
         result_format: str = typer.Option("tabular", "-r", "--result-format",
                                           help="Diff format: tabular, json, sql or csv.")) -> None:
    """Show a commit: its message and author, and the diff from its first parent.

    Example: dl show HEAD~1
    """
    from dl import render
    repo = open_repo(ctx, readonly=True)
    address = repo.resolve_commit(revision)
    commit = repo.load_commit(address)
    colour = commit_line_colour()
    tags = {name: tag.commit for name, tag in repo.tags().items()}
    decoration = render.decorations(address, repo.current_branch(), repo.branches(), tags)
    from dl.pager import paged
    with paged(ctx):
        typer.echo(render.commit_text(address, commit, decoration, colour), color=colour or None)
        if commit.parents:
            print_diff(repo, Sides(commit.parents[0].hex, address.hex, None), result_format=result_format)


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
    app.command("show")(show)
