"""Remotes: remote, clone, fetch, pull, push (Dolt's names, flags and messages).

Thin commands over `dl.core.remotes.sync`; the lines they print follow git's and Dolt's:
`To URL` / ` * [new branch]  main -> main`, `From URL`, `Everything up-to-date`, and a
rejected push is one error line naming `[rejected] ... (non-fast-forward)` or `(fetch first)`.
"""
from __future__ import annotations

import typer

from dl.context import open_repo, start_dir
from dl.core.errors import UsageError

remote_app = typer.Typer(help="Manage the remotes of the repository.\n\n"
                              "Example: dl remote add origin file:///srv/data/people && dl remote -v",
                         invoke_without_command=True)


@remote_app.callback()
def remote(ctx: typer.Context,
           verbose: bool = typer.Option(False, "-v", "--verbose", help="Show each remote's URL.")) -> None:
    """List remotes (with -v, their URLs and parameters)."""
    if ctx.invoked_subcommand is not None:
        return
    from dl.core.remotes.sync import settings_of
    for spec in settings_of(open_repo(ctx, readonly=True)).remotes().values():
        typer.echo(f"{spec.name} {spec.url} {spec.shown_params()}" if verbose else spec.name)


@remote_app.command("add")
def remote_add(ctx: typer.Context, name: str = typer.Argument(..., help="Name of the remote, e.g. origin."),
               url: str = typer.Argument(..., help="file:///path, a directory, or s3://bucket/prefix."),
               endpoint: str = typer.Option(None, "--endpoint",
                                            help="S3 endpoint URL (default: AWS_ENDPOINT_URL or AWS)."),
               region: str = typer.Option(None, "--aws-region", help="S3 region."),
               profile: str = typer.Option(None, "--aws-creds-profile",
                                           help="Profile of ~/.aws/credentials to use.")) -> None:
    """Add a remote.

    Example: dl remote add origin s3://my-bucket/team/people --endpoint http://127.0.0.1:9000
    """
    from dl.core.remotes.sync import add_remote
    params = {k: v for k, v in (("endpoint", endpoint), ("region", region), ("profile", profile)) if v}
    add_remote(open_repo(ctx.parent or ctx), name, url, params)


@remote_app.command("remove")
def remote_remove(ctx: typer.Context, name: str = typer.Argument(..., help="The remote to remove.")) -> None:
    """Remove a remote and its remote-tracking branches (also: dl remote rm).

    Example: dl remote remove origin
    """
    from dl.core.remotes.sync import remove_remote
    remove_remote(open_repo(ctx.parent or ctx), name)


remote_app.command("rm", hidden=True)(remote_remove)


def clone(ctx: typer.Context, url: str = typer.Argument(..., help="The remote to clone."),
          directory: str = typer.Argument(None, help="Where to clone to (default: the URL's last part)."),
          branch: str = typer.Option(None, "-b", "--branch", help="The branch to check out."),
          remote_name: str = typer.Option("origin", "--remote", help="Name of the remote."),
          endpoint: str = typer.Option(None, "--endpoint", help="S3 endpoint URL."),
          depth: int = typer.Option(None, "--depth", min=1,
                                    help="Shallow clone of one branch: its last N generations of commits."),
          single_branch: bool = typer.Option(False, "--single-branch",
                                             help="Fetch only the branch checked out.")) -> None:
    """Clone a remote into a new directory: every branch and tag, one checked out.

    Example: dl clone file:///srv/data/people people   ...   dl clone --depth 1 URL
    """
    from dl.api.repo import clone as clone_repo
    from dl.progress import phase_progress
    name = directory or url.rstrip("/").rsplit("/", 1)[-1] or "repo"
    target = start_dir(ctx) / name
    from dl.core.remotes.url import normalized_url
    url = normalized_url(url, start_dir(ctx))  # a relative path: from where dl was started
    typer.echo(f"cloning {url}")
    with phase_progress("clone", ("fetching",)) as step:
        step("fetching")
        clone_repo(url, target, branch=branch, remote=remote_name, endpoint=endpoint,
                   depth=depth, single_branch=single_branch).close()


def fetch(ctx: typer.Context,
          remote_name: str = typer.Argument("origin", help="The remote to fetch from."),
          refspecs: list[str] = typer.Argument(None, help="Branches to fetch (default: all)."),
          prune: bool = typer.Option(False, "-p", "--prune",
                                     help="Remove remote-tracking branches gone from the remote."),
          depth: int = typer.Option(None, "--depth", min=1,
                                    help="Fetch N generations of commits (deepens a shallow clone)."),
          unshallow: bool = typer.Option(False, "--unshallow",
                                         help="Fetch the whole history of a shallow clone.")) -> None:
    """Fetch branches and tags from a remote into remote-tracking branches (origin/main).

    Example: dl fetch origin && dl log origin/main   ...   dl fetch --unshallow
    """
    from dl.core.remotes.sync import fetch as do_fetch
    if depth is not None and unshallow:
        raise UsageError("--depth and --unshallow cannot be used together")
    result = do_fetch(open_repo(ctx), remote_name, list(refspecs or []) or None, prune=prune,
                      depth=depth, unshallow=unshallow)
    _print_changes(result, "From")


def pull(ctx: typer.Context,
         remote_name: str = typer.Argument(None, help="The remote (default: the branch's upstream)."),
         branch: str = typer.Argument(None, help="The remote branch to merge."),
         no_ff: bool = typer.Option(False, "--no-ff", help="Always make a merge commit."),
         squash: bool = typer.Option(False, "--squash", help="Merge into the working set without committing."),
         no_commit: bool = typer.Option(False, "--no-commit", help="Stage the merge but do not commit it."),
         no_edit: bool = typer.Option(False, "--no-edit",
                                      help="Take the default message (dl never opens an editor: accepted for scripts)."),
         prune: bool = typer.Option(False, "-p", "--prune",
                                    help="Remove remote-tracking branches gone from the remote.")) -> None:
    """Fetch from a remote and merge its branch into the current one.

    Example: dl pull origin main   (or just dl pull, with an upstream set)
    """
    from dl.commands.merge import _print_row_counts, _report_conflicts
    from dl.core.remotes.sync import pull as do_pull
    from dl.core.remotes.sync import upstream_of
    from dl.core.versioning.merge_commits import MergeKind
    repo = open_repo(ctx)
    current = repo.current_branch()
    head = repo.branch_head(current)
    upstream = upstream_of(repo, current, remote_name, branch)
    fetched, merged = do_pull(repo, remote_name, branch, author=_pull_author(repo), no_ff=no_ff,
                              squash=squash, no_commit=no_commit, prune=prune)
    _print_changes(fetched, "From")
    if merged.kind is MergeKind.UP_TO_DATE:  # Dolt's words, as `dl merge`'s
        typer.echo("Everything up-to-date")
        return
    theirs = repo.store.get_ref(f"refs/remotes/{upstream.remote}/{upstream.branch}") or ""
    if merged.kind is MergeKind.FAST_FORWARD:
        typer.echo("Fast-forward")
    typer.echo(f"Updating {head.short()}..{theirs[:8]}")
    if merged.kind is MergeKind.SQUASHED:
        typer.echo("Squash commit -- not updating HEAD")
    elif merged.kind is MergeKind.NOT_COMMITTED:
        typer.echo("Automatic merge went well; stopped before committing as requested")
    elif merged.kind is MergeKind.MERGED:
        typer.echo(f"Merge made: {merged.commit.hex if merged.commit else ''}")
    if merged.kind is not MergeKind.CONFLICTS:
        _print_row_counts(repo, head.hex, "HEAD" if merged.kind in (MergeKind.FAST_FORWARD, MergeKind.MERGED)
                          else "STAGED")
    _report_conflicts(merged.conflicts, None, merged.schema_conflicts)


def _pull_author(repo):  # type: ignore[no-untyped-def]
    """The author a pull's merge commit gets; Dolt's refusal, before anything is fetched."""
    from dl.core.errors import DlError
    try:
        return repo.author()
    except DlError as exc:
        raise DlError(f"Could not determine name and/or email. {exc}") from None


def push(ctx: typer.Context,
         args: list[str] = typer.Argument(None, help="REMOTE [BRANCH | SRC:DST | :BRANCH]..."),
         set_upstream: bool = typer.Option(False, "-u", "--set-upstream", help="Make the remote branch the upstream."),
         force: bool = typer.Option(False, "-f", "--force", help="Overwrite the remote branch even if not a fast-forward."),
         delete: bool = typer.Option(False, "-d", "--delete", help="Delete the remote branch."),
         all_branches: bool = typer.Option(False, "--all", help="Push every local branch.")) -> None:
    """Push branches (or tags) to a remote; each remote branch moves only by compare-and-swap.

    Example: dl push -u origin main   ...   dl push origin :old-branch   ...   dl push --all
    """
    from dl.core.remotes.push_report import push_all, report_lines
    from dl.core.remotes.push_targets import push_targets
    from dl.core.remotes.sync import settings_of
    repo = open_repo(ctx)
    remote_name, targets = push_targets(repo, settings_of(repo), list(args or []), delete=delete,
                                        set_upstream=set_upstream, all_branches=all_branches)
    report = push_all(repo, remote_name, targets, force=force, set_upstream=set_upstream)
    for line in report_lines(report):  # as Dolt's: every branch tried, the rejected listed
        typer.echo(line)
    if report.rejected:
        raise report.rejected[0]


def _print_changes(result, verb: str) -> None:  # type: ignore[no-untyped-def]
    """A fetch's lines: `From URL`, then one per moved ref (nothing when nothing moved)."""
    from dl.core.remotes.push_report import change_line
    from dl.core.remotes.sync import RefChangeKind
    moved = [c for c in result.changes if c.kind is not RefChangeKind.UP_TO_DATE]
    if moved:
        typer.echo(f"{verb} {result.url}")
    for c in moved:
        typer.echo(change_line(c))


def register(app: typer.Typer) -> None:
    app.add_typer(remote_app, name="remote")
    app.command("clone")(clone)
    app.command("fetch")(fetch)
    app.command("pull")(pull)
    app.command("push")(push)
