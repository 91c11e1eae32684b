"""`dl branch` and `dl checkout`: naming lines of history and moving between them, through the
Python API (`dl.api.Repo`)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from dl.context import open_api, use_colour
from dl.core.errors import DlError, NotFound, UsageError
from dl.terminal_text import printable

if TYPE_CHECKING:
    from dl.api import Repo


def branch(ctx: typer.Context,
           args: list[str] = typer.Argument(None, help="NAME [START], or the branches to act on."),
           list_all: bool = typer.Option(False, "-a", "--all", help="List local and remote-tracking branches."),
           remotes: bool = typer.Option(False, "-r", "--remotes", help="List remote-tracking branches."),
           verbose: bool = typer.Option(False, "-v", "--verbose", help="List with commit hash and message."),
           delete: bool = typer.Option(False, "-d", "--delete", help="Delete merged branches."),
           force_delete: bool = typer.Option(False, "-D", help="Delete branches even if not merged."),
           move: bool = typer.Option(False, "-m", "--move", help="Rename: [OLD] NEW."),
           copy: bool = typer.Option(False, "-c", "--copy", help="Copy: [OLD] NEW."),
           force: bool = typer.Option(False, "-f", "--force", help="Overwrite an existing branch."),
           show_current: bool = typer.Option(False, "--show-current", help="Print the current branch."),
           list_only: bool = typer.Option(False, "-l", "--list", help="List branches (matching the patterns given, "
                                                                      "e.g. 'feat*')."),
           track: bool = typer.Option(False, "-t", "--track", help="With NAME [UPSTREAM]: create NAME at UPSTREAM "
                                                                   "(default: the current branch) and track it."),
           set_upstream_to: str = typer.Option(None, "-u", "--set-upstream-to",
                                               help="Make [BRANCH] (default: the current one) track this branch."),
           ) -> None:
    """List, create, rename, copy or delete branches.

    Example: dl branch feature main   (create feature at main)
    """
    args = list(args or [])
    _check_directives(args, move=move, copy=copy, delete=delete, force_delete=force_delete,
                      show_current=show_current, list_only=list_only, list_all=list_all, verbose=verbose)
    patterns, args = (args, []) if list_only else ([], args)
    repo = open_api(ctx, readonly=not (args or delete or force_delete or move or copy))
    if show_current:
        typer.echo(repo.active_branch())
        return
    if track or set_upstream_to:
        _set_upstream(repo, args, track, set_upstream_to)
        return
    if delete or force_delete:
        if not args:
            raise UsageError("give the branches to delete")
        if remotes:  # remote-tracking branches: origin/main (or remotes/origin/main)
            from dl.core.remotes.sync import delete_tracking_branch
            for name in args:
                delete_tracking_branch(repo.core, name)
            return
        for name in args:  # silent, as Dolt's branch -d
            repo.delete_branch(name, force=force_delete)
        return
    if move or copy:
        if len(args) not in (1, 2):
            raise UsageError(f"dl branch {'-m' if move else '-c'} [OLD] NEW")
        old, new = (repo.active_branch(), args[0]) if len(args) == 1 else (args[0], args[1])
        repo.rename_branch(old, new, copy=copy, force=force)
        return
    if args:
        if len(args) > 2:
            raise UsageError("dl branch NAME [START]")
        repo.branch(args[0], args[1] if len(args) > 1 else "HEAD", force=force)
        return
    current = repo.active_branch()
    colour = use_colour()
    local = repo.branches()
    listed = {} if remotes else dict(local)
    if list_all or remotes:
        from dl.core.remotes.tracking import remote_branches
        listed.update({f"remotes/{name}": head.hex  # Dolt's shape, for -r as for -a
                       for name, head in remote_branches(repo.core).items()})
    if patterns:
        from fnmatch import fnmatchcase
        listed = {n: h for n, h in listed.items() if any(fnmatchcase(n, p) for p in patterns)}
    for name, head in sorted(listed.items(), key=lambda item: (item[0].startswith("remotes/"), item[0])):
        mark = "* " if name == current else "  "
        text = printable(name)
        if colour and name == current:
            text = f"\x1b[32m{text}\x1b[0m"
        elif colour and name not in local:
            text = f"\x1b[31m{text}\x1b[0m"
        if verbose:
            from dl.render import first_line
            message = repo.core.load_commit(repo.core.resolve_commit(head)).message
            text += f" {head[:8]} {first_line(message)}"
        typer.echo(mark + text)


def _set_upstream(repo, args: list[str], track: bool, upstream: str | None) -> None:  # type: ignore[no-untyped-def]
    """`branch NAME --track [UPSTREAM]` (create, then track) or `branch -u UPSTREAM [BRANCH]`."""
    from dl.core.remotes.sync import set_upstream
    if track:
        if not args or len(args) > 2:
            raise UsageError("dl branch NAME --track [UPSTREAM]")
        name, upstream = args[0], args[1] if len(args) > 1 else repo.active_branch()
        from dl.core.remotes.sync import remote_branches
        if upstream not in repo.branches() and upstream not in remote_branches(repo.core):
            raise NotFound("branch", f"'{upstream}'")
        repo.branch(name, upstream)
    else:
        if len(args) > 1:
            raise UsageError("dl branch --set-upstream-to UPSTREAM [BRANCH]")
        name = args[0] if args else repo.active_branch()
    found = set_upstream(repo.core, name, str(upstream))
    typer.echo(f"branch '{name}' set up to track '{found.name}'.")


def _check_directives(args: list[str], *, move: bool, copy: bool, delete: bool, force_delete: bool,
                      show_current: bool, list_only: bool, list_all: bool, verbose: bool) -> None:
    """Dolt's rules for combining branch's flags: one action at a time; -a and -v only to list."""
    if sum((move, copy, delete, force_delete, show_current, list_only)) > 1:
        raise DlError("Must specify exactly one of --move/-m, --copy/-c, --delete/-d, -D, --show-current, or --list.")
    action = ("moving" if move else "copying" if copy else "deleting" if delete or force_delete
              else "creating" if args and not list_only and not show_current else None)
    for flag, given in (("--all/-a", list_all), ("--verbose/-v", verbose)):
        if given and action:
            raise DlError(f"{flag} can only be supplied when listing branches, not when {action} branches")


def checkout(ctx: typer.Context,
             args: list[str] = typer.Argument(None, help="BRANCH, or TABLE... to discard their changes."),
             new_branch: str = typer.Option(None, "-b", help="Create this branch (at START or HEAD) and switch to it."),
             force_new: str = typer.Option(None, "-B", help="Like -b, resetting the branch if it exists."),
             track: str = typer.Option(None, "-t", "--track",
                                       help="REMOTE/BRANCH: create BRANCH at it, tracking it, and switch."),
             force: bool = typer.Option(False, "-f", "--force",
                                        help="Switch even if local changes would be overwritten (they are lost)."),
             overwrite_ignore: bool = typer.Option(False, "--overwrite-ignore",
                                                   help="Overwrite tables dolt_ignore ignores (the default)."),
             no_overwrite_ignore: bool = typer.Option(False, "--no-overwrite-ignore",
                                                      help="Refuse to overwrite tables dolt_ignore ignores.")) -> None:
    """Switch branches, or discard working changes to tables (`dl checkout REV -- TABLE...`
    takes the tables as REV has them).

    Example: dl checkout -b fix   ...   dl checkout main
    """
    if overwrite_ignore and no_overwrite_ignore:
        raise UsageError("--overwrite-ignore and --no-overwrite-ignore are mutually exclusive")
    keep_ignored = no_overwrite_ignore
    repo = open_api(ctx)
    args = list(args or [])
    name = new_branch or force_new
    if track and not name:
        _checkout_tracking(repo, track, args)
        return
    if name:
        if len(args) > 1 or (track and args):
            raise UsageError("dl checkout -b NEW [START]")
        start = track or (args[0] if args else "HEAD")
        if track:
            from dl.core.remotes.sync import tracking_name
            if tracking_name(repo.core, track) is None:
                raise NotFound("remote-tracking branch", track, "dl fetch first, or name it as REMOTE/BRANCH")
        repo.checkout(name, new=True, start=start, force=bool(force_new),
                      overwrite_ignored=not keep_ignored)
        typer.echo(f"Switched to branch '{name}'")
        from dl.core.remotes.sync import track_start  # a remote-tracking START is tracked, as git's
        upstream = track_start(repo.core, name, start)
        if upstream is not None:
            typer.echo(f"branch '{name}' set up to track '{upstream.name}'.")
        return
    if not args:
        raise UsageError("give a branch to switch to, or tables to discard changes of")
    target = args[0]
    tables_after = getattr(ctx.find_root().obj, "after_dashes", ())
    if tables_after:  # `--` says where the tables start, as in git and Dolt
        refs = len(args) - len(tables_after)
        if refs >= 2:
            raise UsageError(f"only one reference expected, {refs} given")
        if refs == 0:
            _discard_changes(repo, list(tables_after))
        else:
            repo.checkout_tables(*tables_after, rev=target)
        return
    if len(args) == 1 and target in repo.branches():
        if target == repo.active_branch():
            typer.echo(f"Already on branch '{target}'")
            return
        repo.checkout(target, force=force, overwrite_ignored=not keep_ignored)
        typer.echo(f"Switched to branch '{target}'")
        return
    if len(args) > 1 and target not in repo.tables() and _is_commit(repo.core, target):
        repo.checkout_tables(*args[1:], rev=target)
        return
    if len(args) == 1 and _track_remote(repo, target):
        return
    if args == ["."]:  # every tracked table back to its staged state; untracked tables stay
        repo.checkout_tables(*repo.tables("STAGED"))
        return
    if len(args) == 1 and _is_commit(repo.core, target) and target not in _known_tables(repo):
        raise UsageError(f"{target} is a commit, not a branch; dl cannot check out a detached HEAD: "
                         f"dl checkout -b NEW {target}")
    _discard_changes(repo, args)


def _known_tables(repo: Repo) -> set[str]:
    return set(repo.tables()) | set(repo.tables("STAGED"))


def _discard_changes(repo: Repo, tables: list[str]) -> None:
    """`checkout [--] TABLE...`: the tables back to their staged state; every name must be a
    table the working or staged root knows."""
    unknown = [t for t in tables if t not in _known_tables(repo)]
    if unknown:
        raise NotFound("branch or table", unknown[0])
    repo.checkout_tables(*tables)


def _track_remote(repo, name: str) -> bool:  # type: ignore[no-untyped-def]
    """`dl checkout feature` when only origin/feature exists: make it, track it, switch."""
    if name in repo.tables():
        return False
    from dl.core.remotes.sync import track_remote_branch
    upstream = track_remote_branch(repo.core, name)
    if upstream is None:
        return False
    repo.checkout(name)
    typer.echo(f"Switched to branch '{name}'\nbranch '{name}' set up to track '{upstream.remote}/{upstream.branch}'.")
    return True


def _checkout_tracking(repo, spec: str, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    """`dl checkout --track origin/feature`: branch `feature` at origin/feature, tracking it."""
    from dl.core.remotes.settings import Upstream
    from dl.core.remotes.sync import remote_branches, settings_of
    if args:
        raise UsageError("dl checkout --track REMOTE/BRANCH (no other arguments)")
    if spec not in remote_branches(repo.core):
        raise NotFound("remote-tracking branch", spec, "dl fetch first, or name it as REMOTE/BRANCH")
    remote, name = spec.split("/", 1)
    repo.checkout(name, new=True, start=spec)
    settings_of(repo.core).set_upstream(name, Upstream(remote, name))
    typer.echo(f"Switched to branch '{name}'\nbranch '{name}' set up to track '{spec}'.")


def _is_commit(repo, text: str) -> bool:
    try:
        repo.resolve_commit(text)
        return True
    except NotFound:
        return False


def register(app: typer.Typer) -> None:
    app.command("branch")(branch)
    app.command("checkout")(checkout)
