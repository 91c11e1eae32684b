"""Merge-family commands: merge, merge-base, cherry-pick, revert, conflicts, blame, stash.

merge, merge-base, cherry-pick, revert, conflicts resolve, blame and stash call the Python API
(`dl.api.Repo`); conflicts cat renders from the plumbing (`dl.core`)."""
from __future__ import annotations

from typing import Any

import typer

from dl.context import open_api, open_repo
from dl.core.errors import BadInput, DlError, MergeConflict, UsageError
from dl.terminal_text import printable, printable_table

conflicts_app = typer.Typer(help="Show and resolve merge conflicts.\n\n"
                                 "Example: dl conflicts cat people && dl conflicts resolve --ours people",
                            no_args_is_help=True)
stash_app = typer.Typer(help="Set uncommitted changes aside and bring them back.\n\n"
                             "Example: dl stash && dl checkout other && dl checkout main && dl stash pop",
                        invoke_without_command=True)


def merge(ctx: typer.Context,
          branch: str = typer.Argument(None, help="Branch or commit to merge into the current branch."),
          no_ff: bool = typer.Option(False, "--no-ff", help="Always make a merge commit."),
          squash: bool = typer.Option(False, "--squash", help="Merge into the working set without committing."),
          no_commit: bool = typer.Option(False, "--no-commit",
                                         help="Stage the merge but do not commit it (the next commit has both parents)."),
          commit: bool = typer.Option(False, "--commit", help="Commit the merge (the default)."),
          message: str = typer.Option(None, "-m", "--message", help="Message of the merge commit."),
          author: str = typer.Option(None, "--author", help='Author of the merge commit: "Name <email>".'),
          no_edit: bool = typer.Option(False, "--no-edit",
                                       help="Take the default message (dl never opens an editor: accepted for scripts)."),
          abort: bool = typer.Option(False, "--abort", help="Give up a merge in progress."),
          dont_merge_json: bool = typer.Option(False, "--dont-merge-json",
                                               help="A JSON cell both sides changed conflicts, even where the "
                                                    "two documents could be merged key by key.")) -> None:
    """Merge a branch into the current one (three-way, cell by cell), then summarize the rows
    it changed per table, as Dolt does.

    Example: dl merge feature
    """
    if commit and no_commit:
        raise BadInput("Flags '--commit' and '--no-commit' cannot be used together")
    repo = open_api(ctx)
    if abort:
        repo.merge_abort()
        typer.echo("Merge aborted.")
        return
    if not branch:
        raise typer.BadParameter("give the branch to merge (or --abort)")
    head = repo.branches()[repo.active_branch()]
    from dl.core.versioning.merge_commits import merge_target
    theirs = merge_target(repo.core, branch).hex
    from dl.identity_env import author_date_from_environment
    date, _ = author_date_from_environment()
    result = repo.merge(branch, no_ff=no_ff, squash=squash, message=message, no_commit=no_commit,
                        author=author, date=date, merge_json=not dont_merge_json)
    if result.kind == "up to date":
        typer.echo("Everything up-to-date")
        return
    if result.kind == "fast-forward":
        typer.echo("Fast-forward")
    typer.echo(f"Updating {head[:8]}..{theirs[:8]}")
    if result.kind == "squashed":
        typer.echo("Squash commit -- not updating HEAD")
    elif result.kind == "not committed":
        typer.echo("Automatic merge went well; stopped before committing as requested")
    elif result.kind == "merged":
        typer.echo(f"Merge made: {result.commit or ''}")
    if result.kind != "conflicts":
        _print_row_counts(repo.core, head, "HEAD" if result.commit else "STAGED")
    _report_conflicts(result.conflicts, result.violations, result.schema_conflicts)


def _print_row_counts(core: Any, old: str, new: str) -> None:
    """Dolt's merge summary: `table | n +*-` per modified table, the totals line, then tables
    added and deleted."""
    from dl.core.versioning.diff import TableChange, row_counts
    counts = row_counts(core.store, core.resolve_root(old), core.resolve_root(new))
    modified = [c for c in counts if c.change is TableChange.MODIFIED]
    if modified:
        most = max(c.added + c.modified + c.deleted for c in modified)
        name_width = max(len(printable(c.name)) for c in modified)
        for c in modified:
            total = c.added + c.modified + c.deleted
            bars = "".join(_bar(mark, n, most) for mark, n in (("+", c.added), ("*", c.modified), ("-", c.deleted)))
            typer.echo(f"{printable(c.name):<{name_width}} | {total:<{len(str(most))}} {bars}")
        typer.echo(f"{len(modified)} tables changed, {sum(c.added for c in modified)} rows added(+), "
                   f"{sum(c.modified for c in modified)} rows modified(*), "
                   f"{sum(c.deleted for c in modified)} rows deleted(-)")
    for change in (TableChange.ADDED, TableChange.DELETED):
        for c in counts:
            if c.change is change:
                typer.echo(f"{printable(c.name)} {change.value}")


def _bar(mark: str, count: int, most: int) -> str:
    """Dolt's change bar: up to 30 marks scaled to the largest table, at least one if any."""
    if count == 0:
        return ""
    return mark * max(1, min(count, int(30 * count / most)))


def _report_conflicts(table_counts: Any, violations: Any = None, schema_conflicts: list[str] | None = None) -> None:
    """Dolt's conflict lines (from the API outcome's Arrow `table`, `num_conflicts` rows, or the
    core's table -> count mapping, as `dl pull` has it), schema conflicts first for a table
    with both; exit code 1, as git and Dolt exit after a conflicted merge."""
    if isinstance(table_counts, dict):
        conflicts = dict(table_counts)
    else:
        conflicts = dict(zip(table_counts.column("table").to_pylist(),
                             table_counts.column("num_conflicts").to_pylist()))
    broken = {} if violations is None else dict(zip(violations.column("table").to_pylist(),
                                                      violations.column("num_violations").to_pylist()))
    schema = sorted(schema_conflicts or [])
    for table in sorted(broken):
        typer.echo(f"CONSTRAINT VIOLATION (content): Merge created constraint violation in {table}")
    if broken and not conflicts and not schema:
        typer.echo("Automatic merge failed; Fix constraint violations and then commit the result.")
        raise typer.Exit(1)
    if not conflicts and not schema:
        return
    for table in sorted(set(conflicts) | set(schema)):
        typer.echo(f"Auto-merging {table}")
        if table in schema:
            typer.echo(f"CONFLICT (schema): Merge conflict in {table}")
        if table in conflicts:
            n = conflicts[table]
            typer.echo(f"CONFLICT (content): Merge conflict in {table} ({n} row{'s' if n != 1 else ''})")
    typer.echo(f"Automatic merge failed; {len(set(conflicts) | set(schema))} table(s) are unmerged. "
               "Use 'dl conflicts' to investigate and resolve conflicts.")
    raise typer.Exit(1)


def merge_base(ctx: typer.Context,
               a: str = typer.Argument(..., help="First revision (branch, tag, commit, HEAD~n)."),
               b: str = typer.Argument(..., help="Second revision.")) -> None:
    """Print the best common ancestor of two revisions.

    Example: dl merge-base main feature
    """
    base = open_api(ctx, readonly=True).merge_base(a, b)
    if base is None:
        typer.echo("no common ancestor", err=True)
        raise typer.Exit(1)
    typer.echo(base)


def cherry_pick(ctx: typer.Context, revision: str = typer.Argument(None, help="Commit to apply."),
                allow_empty: bool = typer.Option(False, "--allow-empty",
                                                 help="Apply a commit that changed nothing too (an empty commit)."),
                abort: bool = typer.Option(False, "--abort", help="Give up a cherry-pick that conflicted."),
                resume: bool = typer.Option(False, "--continue",
                                            help="Commit a conflicted cherry-pick once resolved."),
                dont_merge_json: bool = typer.Option(False, "--dont-merge-json",
                                                     help="A JSON cell both sides changed conflicts, even where "
                                                          "the two documents could be merged key by key.")) -> None:
    """Apply the change one commit made to the current branch, and commit it with that
    commit's message and author. On a conflict: resolve, then --continue (or --abort).

    Example: dl cherry-pick a1b2c3d4
    """
    from dl.core.versioning.merge_commits import abort_cherry_pick, continue_cherry_pick
    if abort and resume:
        raise BadInput("--continue and --abort are mutually exclusive")
    repo = open_api(ctx)
    if abort:
        abort_cherry_pick(repo.core)
        typer.echo("Cherry-pick aborted.")
        return
    committer, commit_time = _committer_from_environment(repo)
    if resume:
        made = continue_cherry_pick(repo.core, committer=committer, commit_timestamp=commit_time)
        typer.echo(f"Cherry-picked as {made.hex}")
        return
    if not revision:
        raise UsageError("give the commit to cherry-pick (or --abort)")
    _refuse_uncommitted(repo.status())
    result = repo.cherry_pick(revision, allow_empty=allow_empty, merge_json=not dont_merge_json,
                              committer=(committer.name, committer.email) if committer else None,
                              commit_date=commit_time)
    if result.conflicts.num_rows or (result.violations is not None and result.violations.num_rows):
        from dl.core.versioning.merge_commits import CHERRY_PICK_STOPPED
        raise MergeConflict(CHERRY_PICK_STOPPED)
    typer.echo(f"Cherry-picked as {result.commit}")


def _committer_from_environment(repo: Any) -> tuple[Any, float | None]:
    """The committer and commit time $DOLT_COMMITTER_NAME/_EMAIL/_DATE set (None: the
    configured user, now), for the commits cherry-pick makes under their original author."""
    from dl.api.repo import parse_date
    from dl.identity_env import environment_person, environment_value
    committer = environment_person(repo.core.config, "COMMITTER")
    date, label = environment_value("COMMITTER_DATE")
    return committer, parse_date(date, label) if date else None


def _refuse_uncommitted(status: Any) -> None:
    """Dolt's cherry-pick starts from a clean working set: staged or unstaged changes stop it."""
    if status.staged:
        raise DlError("Please commit your staged changes before using cherry-pick.")
    if status.unstaged:
        raise DlError("your local changes would be overwritten by cherry-pick; commit them "
                      '(dl commit -am "<message>") or reset them (dl reset --hard) to proceed')


def revert(ctx: typer.Context, revisions: list[str] = typer.Argument(None, help="Commits to undo."),
           author: str = typer.Option(None, "--author", help="Author of the revert commits: 'Name <email>'."),
           abort: bool = typer.Option(False, "--abort", help="Give up a revert that stopped on conflicts."),
           resume: bool = typer.Option(False, "--continue",
                                       help="Commit a stopped revert once resolved, and revert the rest.")) -> None:
    """Commit the inverse of each commit named, one revert commit each, in order (as Dolt
    does). A conflict stops the series: resolve, `dl add`, then --continue (or --abort).

    Example: dl revert HEAD
    """
    if abort and resume:
        raise BadInput("--continue and --abort are mutually exclusive")
    repo = open_api(ctx)
    if abort:
        repo.revert_abort()
        typer.echo("Revert aborted.")
        return
    if resume:
        result = repo.revert_continue(author=author)
    elif not revisions:
        raise UsageError("nothing specified to revert")
    else:
        result = repo.revert(*revisions, author=author)
    if result.kind == "conflicts":
        _report_stopped_revert(result)
    from dl.commands.repo import print_commit
    print_commit(repo.core, result.commit)


def _report_stopped_revert(result: Any) -> None:
    """Dolt's report of a revert that stopped: counts of tables with conflicts and violations,
    and what to do next; exit code 1."""
    typer.echo("Automatic revert failed; fix conflicts and then commit the result.")
    if result.conflicts.num_rows:
        typer.echo(f"  {result.conflicts.num_rows} table(s) have data conflicts")
    if result.violations is not None and result.violations.num_rows:
        typer.echo(f"  {result.violations.num_rows} table(s) have constraint violations")
    typer.echo('hint: After resolving conflicts, mark them with "dl add <table>"')
    typer.echo('hint: and run "dl revert --continue". To abort, run "dl revert --abort".')
    raise typer.Exit(1)


@conflicts_app.command("cat")
def conflicts_cat(ctx: typer.Context,
                  tables: list[str] = typer.Argument(None, help="Tables ('.' or none: every conflicted table).")) -> None:
    """Show conflicting rows as Dolt draws them: per conflict a base, ours and theirs line,
    marked * (modified), + (added) or - (removed; the base row is shown). Nothing when there
    are no conflicts, as Dolt.

    Example: dl conflicts cat people    (or: dl conflicts cat .)
    """
    from dl.core.versioning.conflict_rows import conflict_batches
    from dl.core.versioning.merge_commits import conflict_tables
    from dl.sql.formats import BoxWriter
    repo = open_repo(ctx, readonly=True)
    wanted = None if not tables or "." in tables else set(tables)
    _print_schema_conflicts(repo, wanted)
    for name, found in sorted(conflict_tables(repo).items()):
        if wanted is not None and name not in wanted:
            continue
        names = found.schema.names
        columns = [c[len("our_"):] for c in names
                   if c.startswith("our_") and c not in ("our_diff_type", "our_cardinality")]
        box = BoxWriter(["", "", *map(printable, columns)], lambda text: typer.echo(text, nl=False))
        for rows in conflict_batches(found):  # a window of conflicts at a time: drawn as read
            box.rows(conflict_lines(rows, columns))
        box.close()


def _print_schema_conflicts(repo: Any, wanted: set[str] | None) -> None:
    """Dolt's box of schema conflicts, one per table (before the data conflicts): our, their
    and base CREATE TABLE texts and the description, a cell's lines side by side."""
    from dl.sql.formats import BoxWriter
    from dl.sql.system_tables import schema_conflicts_table
    found = schema_conflicts_table(repo)
    columns = ["our_schema", "their_schema", "base_schema", "description"]
    for row in found.to_pylist():
        if wanted is not None and row["table_name"] not in wanted:
            continue
        out: list[str] = []
        box = BoxWriter(columns, out.append)
        box.rows(multiline_row([row[c] for c in columns]))
        box.close()
        typer.echo("".join(out), nl=False)


def multiline_row(cells: list[str]) -> list[list[str]]:
    """One row whose cells hold several lines, as lines of a box: a cell's n-th line in the
    n-th line, blank where a cell has fewer lines (as Dolt's fixed-width table writer draws them)."""
    split = [[printable(line) for line in cell.split("\n")] for cell in cells]
    height = max(len(lines) for lines in split)
    return [[lines[i] if i < len(lines) else "" for lines in split] for i in range(height)]


_MARKS = {"added": " + ", "removed": " - ", "modified": " * "}


def conflict_lines(rows: Any, columns: list[str]) -> list[list[str]]:
    """The lines of `dl conflicts cat` for one table's conflict rows (Dolt's conflict splitter):
    base, ours, theirs; no base line when a side added the row; a removed side shows the base
    row. Called a window of conflicts at a time; a line per cell is text to print anyway, so a
    loop over the rows is fine."""
    from dl.sql.formats import cell_text
    lines: list[list[str]] = []
    for row in rows.to_pylist():
        base = [printable(cell_text(row.get("base_" + c))) for c in columns]
        sides = []
        for label, prefix in (("ours", "our_"), ("theirs", "their_")):
            kind = row[prefix + "diff_type"]
            cells = base if kind == "removed" else [printable(cell_text(row.get(prefix + c))) for c in columns]
            sides.append([_MARKS.get(kind, "   "), label, *cells])
        if "added" not in (row["our_diff_type"], row["their_diff_type"]):
            lines.append(["   ", "base", *base])
        lines.extend(sides)
    return lines


@conflicts_app.command("resolve")
def conflicts_resolve(ctx: typer.Context,
                      tables: list[str] = typer.Argument(None, help="Tables to resolve ('.': every conflicted table)."),
                      ours: bool = typer.Option(False, "--ours", help="Keep our rows."),
                      theirs: bool = typer.Option(False, "--theirs", help="Take their rows.")) -> None:
    """Resolve every conflict of the given tables with our or their rows.

    Example: dl conflicts resolve --theirs people    (or: dl conflicts resolve --ours .)
    """
    if not ours and not theirs:
        raise BadInput("--ours or --theirs must be supplied")
    if ours and theirs:
        raise BadInput("specify only one from [ --ours, --theirs ]")
    if not tables:
        raise BadInput("specify at least one table to resolve conflicts")
    repo = open_api(ctx)
    if "." in tables:
        from dl.core.versioning.merge_commits import conflict_counts
        schema = list((repo.core.working_set()[1].merge or {}).get("schema_conflicts", {}))
        tables = sorted(set(conflict_counts(repo.core)) | set(schema))
        if not tables:
            return
    repo.resolve(*tables, theirs=theirs)
    typer.echo(f"Resolved conflicts in {', '.join(tables)} with {'theirs' if theirs else 'ours'}.")


def blame(ctx: typer.Context,
          names: list[str] = typer.Argument(..., metavar="[REVISION] TABLE",
                                            help="The table, optionally after a revision (default HEAD).")) -> None:
    """For each row, the commit, date, committer, email and message (its first line) that last
    changed it: the columns of SQL's dolt_blame_<table>.

    Example: dl blame people    (or: dl blame v1 people)
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from dl.sql.formats import to_box
    if len(names) > 2:
        raise typer.BadParameter("give a table, optionally after a revision: dl blame [REVISION] TABLE")
    revision, table = (names[0], names[1]) if len(names) == 2 else ("HEAD", names[0])
    rows = open_api(ctx, readonly=True).blame(table, revision)
    date = pc.cast(rows.column("commit_date").cast(pa.timestamp("us")), pa.timestamp("s"), safe=False)
    rows = rows.set_column(rows.schema.get_field_index("commit_date"), "commit_date", date)
    summary = pa.array([m.splitlines()[0] if m else m for m in rows.column("message").to_pylist()], pa.string())
    rows = rows.set_column(rows.schema.get_field_index("message"), "message", summary)
    from dl.pager import paged
    with paged(ctx):
        typer.echo(to_box(printable_table(rows)), nl=False)


@stash_app.callback()
def stash_main(ctx: typer.Context,
               message: str = typer.Option(None, "-m", "--message", help="Describe the stash (default: the branch and HEAD)."),
               untracked: bool = typer.Option(False, "-u", "--include-untracked", help="Stash new tables not staged too."),
               everything: bool = typer.Option(False, "-a", "--all", help="Stash every table, ignored new ones too.")) -> None:
    """Save uncommitted changes and reset the working set to HEAD (new tables not staged stay,
    unless -u or -a)."""
    if ctx.invoked_subcommand is None:
        from dl.core.versioning.stash import NothingToStash
        try:
            saved = open_api(ctx).stash(message, include_untracked=untracked, include_ignored=everything)
        except NothingToStash as nothing:
            typer.echo(str(nothing))
            return
        typer.echo(f"Saved working directory and index state {printable(saved)}")


@stash_app.command("list")
def stash_list(ctx: typer.Context) -> None:
    """List stashes, newest first.

    Example: dl stash list
    """
    for i, saved in enumerate(open_api(ctx, readonly=True).stash_list()):
        typer.echo(f"stash@{{{i}}}: {printable(saved)}")


@stash_app.command("pop")
def stash_pop(ctx: typer.Context,
              which: str = typer.Argument("0", help="Which stash: 0 (or stash@{0}) is the newest.")) -> None:
    """Re-apply a stash (default the newest) and drop it.

    Example: dl stash pop
    """
    index = _stash_index(which)
    repo = open_api(ctx)
    saved = repo.stash_pop(index)
    _echo_status(repo)
    typer.echo(f"Dropped refs/stash@{{{index}}} ({printable(saved)})")


def _echo_status(repo: Any) -> None:
    """The working set's status after a stash is applied, as Dolt prints it then."""
    from dl.core.remotes.tracking import tracking_of
    from dl.render import status_text
    state = repo.status()
    typer.echo(status_text(state, tracking_of(repo.core, state.branch)), nl=False)


def _stash_index(text: str) -> int:
    """`2` or `stash@{2}`, as git and Dolt name a stash."""
    import re
    found = re.fullmatch(r"(?:stash@\{)?(\d+)\}?", text.strip())
    if found is None or (text.strip().startswith("stash@{") != text.strip().endswith("}")):
        raise UsageError(f"not a stash: {text!r} (give N or stash@{{N}})")
    return int(found.group(1))


@stash_app.command("apply")
def stash_apply(ctx: typer.Context,
                which: str = typer.Argument("0", help="Which stash: 0 (or stash@{0}) is the newest.")) -> None:
    """Re-apply a stash (default the newest) and keep it.

    Example: dl stash apply stash@{1}
    """
    from dl.core.versioning.stash import pop
    repo = open_api(ctx)
    pop(repo.core, _stash_index(which), keep=True)
    _echo_status(repo)


@stash_app.command("drop")
def stash_drop(ctx: typer.Context,
               which: str = typer.Argument("0", help="Which stash: 0 (or stash@{0}) is the newest.")) -> None:
    """Delete a stash without applying it.

    Example: dl stash drop 1
    """
    index = _stash_index(which)
    saved = open_api(ctx).stash_drop(index)
    typer.echo(f"Dropped refs/stash@{{{index}}} ({printable(saved)})")


@stash_app.command("clear")
def stash_clear(ctx: typer.Context) -> None:
    """Delete every stash.

    Example: dl stash clear
    """
    open_api(ctx).stash_clear()  # silent, as Dolt


def register(app: typer.Typer) -> None:
    app.command("merge")(merge)
    app.command("merge-base")(merge_base)
    app.command("cherry-pick")(cherry_pick)
    app.command("revert")(revert)
    app.command("blame")(blame)
    app.add_typer(conflicts_app, name="conflicts")
    app.add_typer(stash_app, name="stash")
