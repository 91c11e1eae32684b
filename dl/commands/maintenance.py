"""Maintenance commands: fsck and gc, through the Python API (`dl.api.Repo`)."""
from __future__ import annotations

import typer

from dl.context import open_api, open_repo
from dl.progress import phase_progress


def fsck(ctx: typer.Context,
         quick: bool = typer.Option(False, "--quick", help="Check leaves exist without re-hashing them."),
         remote: str = typer.Option(None, "--remote", help="Check a remote's branches and tags instead.")) -> None:
    """Check that every reachable chunk exists, hashes to its address and decodes.

    Example: dl fsck   (or: dl fsck --remote origin)
    """
    if remote is not None:
        from dl.core.remotes.check import check_remote
        report = check_remote(open_repo(ctx, readonly=True), remote, quick=quick)
    else:
        report = open_api(ctx, readonly=True).fsck(quick=quick)
    for problem in report.problems:
        typer.echo(problem)
    rate = report.chunks / report.seconds if report.seconds else 0.0
    mb = report.bytes / report.seconds / 1e6 if report.seconds else 0.0
    typer.echo(f"checked {report.commits} commits, {report.tables} table values, {report.chunks} chunks "
               f"({report.bytes:,} bytes) in {report.seconds:.2f}s ({rate:,.0f} chunks/s, {mb:.1f} MB/s): "
               f"{len(report.problems)} problem(s)")
    if report.problems:
        raise typer.Exit(1)


def gc(ctx: typer.Context,
       remote: str = typer.Option(None, "--remote",
                                  help="Collect a remote instead: delete packs of killed or rejected pushes "
                                       "(older than an hour).")) -> None:
    """Delete chunks nothing refers to any more, then compact the store.

    Example: dl branch -D old && dl gc   (or: dl gc --remote origin)
    """
    if remote is not None:
        import time

        from dl.core.remotes.sync import prune_remote
        stray = prune_remote(open_repo(ctx), remote, time.time())
        typer.echo(f"deleted {len(stray)} stray pack{'s' if len(stray) != 1 else ''} from {remote}")
        return
    from dl.core.maintenance.gc import PHASES
    repo = open_api(ctx)
    with phase_progress("Collecting garbage", PHASES) as step:
        result = repo.gc(progress=step)
    typer.echo(f"deleted {result.chunks_deleted} of {result.chunks_before} chunks; "
               f"store {result.bytes_before:,} -> {result.bytes_after:,} bytes")


def register(app: typer.Typer) -> None:
    app.command("fsck")(fsck)
    app.command("gc")(gc)
