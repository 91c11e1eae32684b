"""Maintenance commands: fsck and gc, through the Python API (`dl.api.Repo`)."""
from __future__ import annotations

import typer

from dl.context import open_api
from dl.progress import phase_progress


def fsck(ctx: typer.Context,
         quick: bool = typer.Option(False, "--quick", help="Check leaves exist without re-hashing them.")) -> None:
    """Check that every reachable chunk exists, hashes to its address and decodes.

    Example: dl fsck
    """
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


def gc(ctx: typer.Context) -> None:
    """Delete chunks nothing refers to any more, then compact the store.

    Example: dl branch -D old && dl gc
    """
    from dl.core.maintenance.gc import PHASES
    repo = open_api(ctx)
    with phase_progress("Collecting garbage", PHASES) as step:
        result = repo.gc(progress=step)
    typer.echo(f"deleted {result.chunks_deleted} of {result.chunks_before} chunks; "
               f"store {result.bytes_before:,} -> {result.bytes_after:,} bytes")


def register(app: typer.Typer) -> None:
    app.command("fsck")(fsck)
    app.command("gc")(gc)
