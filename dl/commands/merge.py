"""Merge-family commands: merge, merge-base, cherry-pick, revert, conflicts, blame, stash."""
from __future__ import annotations

import typer

from dl.context import open_repo

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
          message: str = typer.Option(None, "-m", "--message", help="Message of the merge commit."),
          abort: bool = typer.Option(False, "--abort", help="Give up a merge in progress.")) -> None:
    """Merge a branch into the current one (three-way, cell by cell).

    Example: dl merge feature
    """
    from core.merging import MergeKind, abort_merge
    from core.merging import merge as do_merge
    repo = open_repo(ctx)
    if abort:
        abort_merge(repo)
        typer.echo("Merge aborted.")
        return
    if not branch:
        raise typer.BadParameter("give the branch to merge (or --abort)")
    result = do_merge(repo, branch, no_ff=no_ff, squash=squash, message=message)
    if result.kind is MergeKind.UP_TO_DATE:
        typer.echo("Already up to date.")
    elif result.kind is MergeKind.FAST_FORWARD:
        typer.echo(f"Fast-forward to {result.commit.short() if result.commit else ''}")
    elif result.kind is MergeKind.SQUASHED:
        typer.echo("Squash merge: changes staged, not committed.")
    elif result.kind is MergeKind.MERGED:
        typer.echo(f"Merge made: {result.commit.hex if result.commit else ''}")
    _report_conflicts(result.conflicts)


def _report_conflicts(conflicts: dict[str, int]) -> None:
    if not conflicts:
        return
    for table, n in sorted(conflicts.items()):
        typer.echo(f"CONFLICT (content): {n} conflicting row(s) in table {table}")
    typer.echo("Automatic merge failed; fix conflicts (dl conflicts cat/resolve) and then commit the result.")
    raise typer.Exit(1)


def merge_base(ctx: typer.Context, a: str = typer.Argument(...), b: str = typer.Argument(...)) -> None:
    """Print the best common ancestor of two revisions.

    Example: dl merge-base main feature
    """
    base = open_repo(ctx, readonly=True).merge_base(a, b)
    if base is None:
        typer.echo("no common ancestor", err=True)
        raise typer.Exit(1)
    typer.echo(base.hex)


def cherry_pick(ctx: typer.Context, revision: str = typer.Argument(..., help="Commit to apply.")) -> None:
    """Apply the change one commit made to the current branch, and commit it.

    Example: dl cherry-pick a1b2c3d4
    """
    from core.merging import cherry_pick as pick
    result = pick(open_repo(ctx), revision)
    if result.commit:
        typer.echo(f"Cherry-picked as {result.commit.hex}")
    _report_conflicts(result.conflicts)


def revert(ctx: typer.Context, revisions: list[str] = typer.Argument(..., help="Commits to undo.")) -> None:
    """Commit the inverse of one or more commits.

    Example: dl revert HEAD
    """
    from core.merging import revert as undo
    repo = open_repo(ctx)
    for revision in revisions:
        result = undo(repo, revision)
        if result.commit:
            typer.echo(f"Reverted {revision} as {result.commit.hex}")
        _report_conflicts(result.conflicts)


@conflicts_app.command("cat")
def conflicts_cat(ctx: typer.Context, tables: list[str] = typer.Argument(None, help="Tables (default: all).")) -> None:
    """Show conflicting rows: base, ours and theirs.

    Example: dl conflicts cat people
    """
    from core.merging import conflicts_of
    repo = open_repo(ctx, readonly=True)
    found = conflicts_of(repo)
    for name, rows in sorted(found.items()):
        if tables and name not in tables:
            continue
        typer.echo(f"Conflicts in {name}:")
        columns = [c[len("our_"):] for c in rows.column_names if c.startswith("our_") and c != "our_diff_type"]
        for row in rows.to_pylist():
            for side, prefix in (("base", "base_"), ("ours", "our_"), ("theirs", "their_")):
                values = ", ".join(f"{c}={row[prefix + c]!r}" for c in columns)
                kind = "" if side == "base" else f" ({row[prefix + 'diff_type']})"
                typer.echo(f"  {side:>6}{kind}: {values}")
    if not found:
        typer.echo("No conflicts.")


@conflicts_app.command("resolve")
def conflicts_resolve(ctx: typer.Context, tables: list[str] = typer.Argument(..., help="Tables to resolve."),
                      ours: bool = typer.Option(False, "--ours", help="Keep our rows."),
                      theirs: bool = typer.Option(False, "--theirs", help="Take their rows.")) -> None:
    """Resolve every conflict of the given tables with our or their rows.

    Example: dl conflicts resolve --theirs people
    """
    from core.merging import resolve_conflicts
    if ours == theirs:
        raise typer.BadParameter("give exactly one of --ours or --theirs")
    resolve_conflicts(open_repo(ctx), tables, theirs=theirs)
    typer.echo(f"Resolved conflicts in {', '.join(tables)} with {'theirs' if theirs else 'ours'}.")


def blame(ctx: typer.Context, table: str = typer.Argument(...),
          revision: str = typer.Argument("HEAD", help="Revision to blame at.")) -> None:
    """For each row, the commit that last changed it.

    Example: dl blame people
    """
    from core.blame import blame as do_blame
    rows = do_blame(open_repo(ctx, readonly=True), table, revision)
    keys = [c for c in rows.column_names if c not in ("commit", "committer", "email", "commit_date", "message")]
    for row in rows.to_pylist():
        key = ", ".join(str(row[k]) for k in keys)
        date = row["commit_date"].strftime("%Y-%m-%d %H:%M:%S") if row["commit_date"] else ""
        first = (row["message"] or "").splitlines()[0] if row["message"] else ""
        typer.echo(f"{(row['commit'] or '')[:8]}  {row['committer'] or '':<16} {date}  {key:<12} {first}")


@stash_app.callback()
def stash_main(ctx: typer.Context, message: str = typer.Option(None, "-m", "--message")) -> None:
    """Save uncommitted changes and reset the working set to HEAD."""
    if ctx.invoked_subcommand is None:
        from core.stash import stash
        entry = stash(open_repo(ctx), message)
        typer.echo(f"Saved working directory and index state {entry.message}")


@stash_app.command("list")
def stash_list(ctx: typer.Context) -> None:
    """List stashes, newest first.

    Example: dl stash list
    """
    from core.stash import list_stashes
    for i, (_, entry) in enumerate(list_stashes(open_repo(ctx, readonly=True))):
        typer.echo(f"stash@{{{i}}}: {entry.message}")


@stash_app.command("pop")
def stash_pop(ctx: typer.Context, index: int = typer.Argument(0)) -> None:
    """Re-apply a stash (default the newest) and drop it.

    Example: dl stash pop
    """
    from core.stash import pop
    entry = pop(open_repo(ctx), index)
    typer.echo(f"Dropped stash@{{{index}}} ({entry.message})")


@stash_app.command("drop")
def stash_drop(ctx: typer.Context, index: int = typer.Argument(0)) -> None:
    """Delete a stash without applying it.

    Example: dl stash drop 1
    """
    from core.stash import drop
    entry = drop(open_repo(ctx), index)
    typer.echo(f"Dropped stash@{{{index}}} ({entry.message})")


@stash_app.command("clear")
def stash_clear(ctx: typer.Context) -> None:
    """Delete every stash.

    Example: dl stash clear
    """
    from core.stash import clear
    typer.echo(f"Cleared {clear(open_repo(ctx))} stash(es).")


def register(app: typer.Typer) -> None:
    app.command("merge")(merge)
    app.command("merge-base")(merge_base)
    app.command("cherry-pick")(cherry_pick)
    app.command("revert")(revert)
    app.command("blame")(blame)
    app.add_typer(conflicts_app, name="conflicts")
    app.add_typer(stash_app, name="stash")
