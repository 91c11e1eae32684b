"""Running DuckDB so that Ctrl-C stops it at once.

Python runs signal handlers only in the main thread, between bytecodes: while the main thread
waits inside a long DuckDB call, a Ctrl-C is noted and nothing happens until the call returns
(a cross join ran on for a minute, then surfaced as "RuntimeError: Query interrupted"). So each
DuckDB call runs in a worker thread while the main thread waits in short joins, where a
KeyboardInterrupt can land; it then calls `connection.interrupt()`, which makes DuckDB abandon
the query within milliseconds, waits for the worker to finish, and re-raises KeyboardInterrupt
for the caller (the CLI exits 130, the shell returns to its prompt, a notebook cell stops).

Only DuckDB work runs in the worker; the chunk store (SQLite, bound to its thread) is never
touched there. Called from a thread other than the main one, the call runs directly: signals
reach only the main thread anyway.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_WAIT = 0.05  # seconds between checks for a pending KeyboardInterrupt


def run_interruptible(connection: Any, call: Callable[[], T]) -> T:
    """`call()` (work on `connection`), stopped with `connection.interrupt()` on Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        return call()
    outcome: dict[str, Any] = {}
    done = threading.Event()  # not Thread.join: a join cut short by Ctrl-C can report a live thread dead (3.11)

    def work() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            # without the worker's frames: they hold DuckDB's pending result, and while that
            # lives the connection counts as busy (closing it would fail)
            outcome["error"] = exc.with_traceback(None)
        finally:
            done.set()

    threading.Thread(target=work, name="dl-duckdb", daemon=True).start()
    try:
        while not done.wait(_WAIT):
            pass
    except KeyboardInterrupt:
        connection.interrupt()
        _wait_quietly(done, connection)
        outcome.clear()
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def _wait_quietly(done: threading.Event, connection: Any) -> None:
    """Waits for an interrupted worker; a second Ctrl-C while waiting interrupts again."""
    while not done.is_set():
        try:
            done.wait(_WAIT)
        except KeyboardInterrupt:
            connection.interrupt()
