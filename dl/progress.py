"""Feedback on stderr while a command works: a progress bar over the named phases of a long
command (import, gc), and a spinner on a wait that stays silent for over a second (a query
before its first row, a large diff before its first change).

Shown only on a terminal, so piped output and tests see nothing of them; NO_COLOR takes their
colour away, not the bars (rich reads it). rich is imported only when one is shown.
"""
from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

SPINNER_DELAY = 1.0  # seconds of silence before the spinner appears


def _stderr_console() -> Any:
    from rich.console import Console
    return Console(stderr=True)


@contextmanager
def phase_progress(title: str, phases: tuple[str, ...]) -> Iterator[Callable[[str], None]]:
    """Yields `step(phase)`, to call as each phase starts; the bar advances phase by phase."""
    if not (sys.stdout.isatty() and sys.stderr.isatty()):
        yield lambda phase: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[phase]}"),
                  TimeElapsedColumn(), transient=True, console=_stderr_console()) as bar:
        task = bar.add_task(title, total=len(phases), phase="")

        def step(phase: str) -> None:
            done = phases.index(phase) if phase in phases else 0
            bar.update(task, completed=done, phase=phase)
        yield step
        bar.update(task, completed=len(phases), phase="done")


@contextmanager
def wait_spinner(message: str, *, enabled: bool = True,
                 delay: float = SPINNER_DELAY) -> Iterator[Callable[[], None]]:
    """A spinner on stderr if nothing else happened after `delay` seconds; yields `stop()`, to
    call before the first output (also called on leaving). Only when stderr is a terminal."""
    if not (enabled and sys.stderr.isatty()):
        yield lambda: None
        return
    lock = threading.Lock()
    state: dict[str, Any] = {"stopped": False, "status": None}

    def show() -> None:
        with lock:
            if not state["stopped"]:
                state["status"] = _stderr_console().status(message)
                state["status"].start()

    def stop() -> None:
        timer.cancel()
        with lock:
            state["stopped"] = True
            if state["status"] is not None:
                state["status"].stop()
                state["status"] = None

    timer = threading.Timer(delay, show)
    timer.daemon = True
    timer.start()
    try:
        yield stop
    finally:
        stop()
