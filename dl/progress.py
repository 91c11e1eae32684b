"""A progress bar over the named phases of a long command (import, gc), on stderr.

Shown only on a terminal (stdout and stderr both), so piped output and tests see nothing of it;
rich is imported only then.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from dl.context import is_terminal


@contextmanager
def phase_progress(title: str, phases: tuple[str, ...]) -> Iterator[Callable[[str], None]]:
    """Yields `step(phase)`, to call as each phase starts; the bar advances phase by phase."""
    if not (is_terminal() and sys.stderr.isatty()):
        yield lambda phase: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[phase]}"),
                  TimeElapsedColumn(), transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task(title, total=len(phases), phase="")

        def step(phase: str) -> None:
            done = phases.index(phase) if phase in phases else 0
            bar.update(task, completed=done, phase=phase)
        yield step
        bar.update(task, completed=len(phases), phase="done")
