"""Where a clone's and a push's time goes, stage by stage, for bench/remotes.py (`--stages`).

Each stage is a function of dl's, wrapped for the run: its wall seconds and the CPU seconds of
the thread it ran on (`time.thread_time`, so the verification pool's threads count too), less
the stages it called (the download inside a walk counts as download, not walk). The pipeline
overlaps stages: their wall times add up to more than the run's. On a loaded machine read the
CPU column.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Target = tuple[Any, str, str]  # (owner, attribute, stage)


class Stages:
    """Seconds (wall, CPU) spent in each stage by the wrapped functions."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()
        self._local = threading.local()

    def wrap(self, fn: Callable[..., Any], stage: str) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            stack = self._local.__dict__.setdefault("stack", [])
            stack.append([0.0, 0.0])  # wall and CPU of the stages called inside
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
                inner = stack.pop()
                with self._lock:
                    self.wall[stage] += wall - inner[0]
                    self.cpu[stage] += cpu - inner[1]
                if stack:
                    stack[-1][0] += wall
                    stack[-1][1] += cpu
        return wrapped

    def wrap_iterator(self, fn: Callable[..., Iterator[Any]], stage: str) -> Callable[..., Iterator[Any]]:
        """For a generator: the time spent producing each item counts to `stage`."""
        def wrapped(*args: Any, **kwargs: Any) -> Iterator[Any]:
            it = fn(*args, **kwargs)
            step = self.wrap(lambda: next(it, _END), stage)
            while (item := step()) is not _END:
                yield item
        return wrapped

    def report(self, title: str, total_wall: float, total_cpu: float) -> str:
        lines = [f"  {title}: {total_wall:5.3f} s wall, {total_cpu:5.3f} s CPU (all threads)"]
        for stage in sorted(self.cpu, key=lambda s: -self.cpu[s]):
            lines.append(f"    {stage:34s} {self.wall[stage]:6.3f} s wall {self.cpu[stage]:6.3f} s CPU")
        return "\n".join(lines)


_END = object()


@contextmanager
def patched(stages: Stages, targets: list[Target], iterators: list[Target] = ()) -> Iterator[None]:  # type: ignore[assignment]
    saved = []
    for owner, name, stage in targets:
        saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, stages.wrap(getattr(owner, name), stage))
    for owner, name, stage in iterators:
        saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, stages.wrap_iterator(getattr(owner, name), stage))
    try:
        yield
    finally:
        for owner, name, original in reversed(saved):
            setattr(owner, name, original)


def clone_targets() -> tuple[list[Target], list[Target]]:
    from dl.core.remotes import clone, packed, receive, sync
    from dl.core.remotes.objects import DirectoryObjects
    from dl.core.store.sqlite import SqliteStore
    targets = [
        (packed.PackedRemote, "exists", "listing (manifest, indexes)"),
        (packed.PackedRemote, "list_refs", "listing (manifest, indexes)"),
        (DirectoryObjects, "get", "download"),
        (DirectoryObjects, "get_range", "download"),
        (sync, "find_missing", "walk above the leaves"),
        (packed, "decode_entries", "verify + decode above the leaves"),
        (receive, "verify_leaves", "verify leaves (pool threads)"),
        (SqliteStore, "commit_received", "store insert (one transaction)"),
        (clone, "_check_out", "ref updates + working set"),
        (SqliteStore, "seal", "seal (one fsync, WAL on)"),
    ]
    iterators = [(packed.PackedRemote, "_pack_parts", "download"),
                 (receive, "verified_parts", "waiting for verified parts")]
    return targets + _s3_targets(), iterators


def push_targets() -> list[Target]:
    from dl.core.remotes import packed, packs, sync
    from dl.core.remotes.objects import DirectoryObjects
    from dl.core.store.sqlite import SqliteStore
    return [
        (sync, "find_missing", "walk (local store)"),
        (SqliteStore, "get_rows", "read leaves as stored"),
        (packed.PackedRemote, "has_many", "listing (manifest, indexes)"),
        (packs, "encode_rows", "encode chunks above the leaves"),
        (packs, "_pack_rows", "build pack + index"),
        (packs, "pack_name", "name pack (xxh3 + SHA-256 of index)"),
        (DirectoryObjects, "put", "upload (write, fsync, rename)"),
        (DirectoryObjects, "put_if", "manifest compare-and-swap"),
        (sync, "_set_tracking", "remote-tracking ref"),
    ] + _s3_targets()


def _s3_targets() -> list[Target]:
    try:
        from dl.core.remotes.s3 import S3Objects
    except ImportError:
        return []
    return [(S3Objects, "get", "download"), (S3Objects, "get_range", "download"),
            (S3Objects, "put", "upload (S3 PUT)"), (S3Objects, "put_if", "manifest compare-and-swap"),
            (S3Objects, "__init__", "S3 client set-up")]
