"""Fault injection for the crash tests: abort the process at a chosen point inside the store.

Production code never arms it. The reliability harness arms it (through `dl`, which reads
the `DL_FAULT` environment variable in `dl/app.py`: only `dl/` reads the environment) to kill
a `dl` process exactly where a crash is most likely to hurt: after the N-th chunk row written
inside a transaction, just before or just after the K-th transaction commits, after the N-th
chunk deleted by gc, before the K-th VACUUM, before the N-th object a push writes to a
remote (`remote-put`). The abort is `os._exit`: no `finally`, no rollback, no close, as
with SIGKILL; SQLite's write-ahead log must then recover the old state or the new one.

A plan is text such as `chunk=37` or `commit-after=1,delete=5` (point=N: abort the N-th time
the point is reached; for `chunk` and `delete`, just before that row is written), or `count`
to count the passes without aborting (the harness reads `counts` to choose its points).
Unarmed, every point costs one dict lookup.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

POINTS = ("chunk", "commit-before", "commit-after", "delete", "vacuum", "remote-put")
EXIT_CODE = 86  # what an aborted process exits with (tests tell it from a clean failure)

_plan: dict[str, int] = {}
counts: dict[str, int] = {}


def arm(spec: str | None) -> None:
    """Arms the plan in `spec` (None or '' disarms); `ValueError` on an unknown point."""
    _plan.clear()
    counts.clear()
    for part in (spec or "").split(","):
        if part.strip() == "count":
            _plan["count"] = 0  # never reached: counts only
            continue
        if not part.strip():
            continue
        point, _, n = part.strip().partition("=")
        if point not in POINTS or not n.isdigit() or int(n) < 1:
            raise ValueError(f"bad fault point {part!r}: use one of {', '.join(POINTS)} as point=N")
        _plan[point] = int(n)


def armed() -> bool:
    """Whether any point is armed (the store then counts chunk rows one by one)."""
    return bool(_plan)


def reach(point: str) -> None:
    """Counts one pass through `point` and aborts the process if the plan says so."""
    if not _plan:
        return
    counts[point] = counts.get(point, 0) + 1
    if _plan.get(point) == counts[point]:
        os._exit(EXIT_CODE)


def counting(point: str, rows: Iterable[T]) -> Iterable[T]:
    """`rows`, passing `point` once per row taken (so an abort lands mid-statement)."""
    if not _plan:
        return rows
    return _each(point, rows)


def _each(point: str, rows: Iterable[T]) -> Iterator[T]:
    for row in rows:
        reach(point)
        yield row
