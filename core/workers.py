"""The process's worker threads, shared by the store (compressing, decoding) and tree builds
(encoding leaves): zstd, numpy, hashlib and Arrow's kernels release the GIL, so a few threads
do a bulk step in about its CPU time divided by the cores.

One pool per process, made on first use (light commands never start a thread) and made again
in a forked child (which has none of its parent's threads). `run_all` never leaves its caller
idle: after submitting, the caller itself runs the tasks no worker has started, from the last
back (the workers take them from the first), so it cannot deadlock when called from a worker
and a busy pool never makes a caller wait for work it could do.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

T = TypeVar("T")
U = TypeVar("U")

_POOL: ThreadPoolExecutor | None = None


def _forget_pool() -> None:
    """A forked child has none of the parent's threads: it must start its own pool."""
    global _POOL
    _POOL = None


os.register_at_fork(after_in_child=_forget_pool)


def pool() -> ThreadPoolExecutor:
    """The shared pool: as many threads as cores, 2 to 4."""
    global _POOL
    if _POOL is None:
        from concurrent.futures import ThreadPoolExecutor
        _POOL = ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2)))
    return _POOL


def run_all(work: Callable[[T], U], items: Sequence[T]) -> list[U]:
    """`work(item)` of every item, in the items' order, on the pool and this thread (see the
    module docstring). An error raised by a task is raised here, and the tasks not started
    by then never run."""
    futures: list[Future[U]] = []
    results: list[U | None] = [None] * len(items)
    try:
        futures = [pool().submit(work, item) for item in items]
        for index in range(len(items) - 1, -1, -1):
            future = futures[index]
            results[index] = work(items[index]) if future.cancel() else future.result()
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return results  # type: ignore[return-value]
