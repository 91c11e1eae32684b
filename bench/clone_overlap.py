"""Does a clone's verification use both cores, and do its SQLite inserts overlap it? The floor.

A clone of a directory remote holding the 1M-row repository (bench/remotes.py's), with every
leaf-verification task (`receive.verify_leaves`, on the pool's threads) and every insert of a
verified part (the store's `executemany` inside `commit_received`, on the caller's thread)
recorded as an interval: wall start and end, and the CPU seconds of its own thread
(`time.thread_time`). From them:
- verify busy: the sum of the tasks' wall seconds; covered: the wall time at least one task ran;
  parallel: the wall time two or more ran at once (both cores in use for verification);
- verify CPU against verify wall (a task waiting for a core shows more wall than CPU);
- insert: its wall seconds, and how much of it ran while a verification task ran too;
- the floor: the clone cannot beat its CPU seconds spread over the machine's cores, nor the
  work of the one thread that reads, inserts and seals in turn.
Beside it, the Parquet export downloaded through the same client (`DirectoryObjects.get` and a
local write, as bench/remotes.py does). The medians of `--repeat` runs are printed; the machine
is shared, so read the CPU figures and the ratios, not the absolute walls.

    python bench/clone_overlap.py [--rows 1000000] [--repeat 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.remotes import build_repo

Interval = tuple[float, float, float]  # wall start, wall end, thread CPU seconds


class Recorder:
    """Intervals of verification tasks and of inserts, from any thread."""

    def __init__(self) -> None:
        self.verify: list[Interval] = []
        self.insert: list[Interval] = []
        self.lock = threading.Lock()

    def timed(self, kind: list[Interval], fn: Any, *args: Any) -> Any:
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            return fn(*args)
        finally:
            with self.lock:
                kind.append((start, time.perf_counter(), time.thread_time() - cpu))


def covered(intervals: list[Interval], depth: int = 1) -> float:
    """Wall seconds during which at least `depth` of the intervals ran at once."""
    events = sorted([(s, 1) for s, _, _ in intervals] + [(e, -1) for _, e, _ in intervals])
    total, running, since = 0.0, 0, 0.0
    for t, step in events:
        if running >= depth:
            total += t - since
        running += step
        since = t
    return total


def overlap(a: list[Interval], b: list[Interval]) -> float:
    """Wall seconds of the intervals `a` during which at least one of `b` ran."""
    merged: list[list[float]] = []
    for s, e, _ in sorted(b):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    total = 0.0
    for s, e, _ in a:
        for ms, me in merged:
            total += max(0.0, min(e, me) - max(s, ms))
    return total


def instrumented_clone(url: str, target: Path) -> tuple[Recorder, float, float, float]:
    """One clone with verification and inserts recorded; (recorder, wall, process CPU, the
    caller's thread CPU)."""
    from dl.core.remotes import receive
    from dl.core.remotes.clone import clone
    from dl.core.store import sqlite
    rec = Recorder()
    verify, commit_received = receive.verify_leaves, sqlite.SqliteStore.commit_received

    def recorded_verify(rows: Any) -> Any:
        return rec.timed(rec.verify, verify, rows)

    def recorded_commit(self: Any, chunks: Any, parts: Any, *args: Any, **kwargs: Any) -> Any:
        def timed_parts() -> Any:  # the time between handing a part on and asking for the next
            for part in parts:    # is its executemany
                start, cpu = time.perf_counter(), time.thread_time()
                yield part
                with rec.lock:
                    rec.insert.append((start, time.perf_counter(), time.thread_time() - cpu))
        return commit_received(self, chunks, timed_parts(), *args, **kwargs)

    receive.verify_leaves = recorded_verify  # type: ignore[assignment]
    sqlite.SqliteStore.commit_received = recorded_commit  # type: ignore[method-assign]
    try:
        wall, cpu, thread = time.perf_counter(), time.process_time(), time.thread_time()
        clone(url, target)
        return (rec, time.perf_counter() - wall, time.process_time() - cpu,
                time.thread_time() - thread)
    finally:
        receive.verify_leaves = verify  # type: ignore[assignment]
        sqlite.SqliteStore.commit_received = commit_received  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from dl.core.remotes.objects import DirectoryObjects
    from dl.core.remotes.sync import add_remote, push
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="dl-bench-overlap-") as scratch_name:
        scratch = Path(scratch_name)
        repo, parquet = build_repo(scratch / "a", args.rows)
        remote = scratch / "remote"
        add_remote(repo, "origin", f"file://{remote}")
        push(repo, "origin", "main")
        objects = DirectoryObjects(scratch / "baseline", create=True)
        objects.put("export.parquet", parquet.read_bytes())
        rows: dict[str, list[float]] = {}
        for k in range(args.repeat):
            start, cpu = time.perf_counter(), time.process_time()
            found = objects.get("export.parquet")
            assert found is not None
            (scratch / f"download{k}.parquet").write_bytes(found[0])
            download = (time.perf_counter() - start, time.process_time() - cpu)
            rec, wall, cpu_all, main_cpu = instrumented_clone(f"file://{remote}", scratch / f"c{k}")
            insert_wall = sum(e - s for s, e, _ in rec.insert)
            figures = {
                "download wall": download[0], "download cpu": download[1],
                "clone wall": wall, "clone cpu (all threads)": cpu_all,
                "caller thread cpu": main_cpu,
                "verify tasks": float(len(rec.verify)),
                "verify busy (sum of task walls)": sum(e - s for s, e, _ in rec.verify),
                "verify cpu (sum of task cpu)": sum(c for _, _, c in rec.verify),
                "verify covered (>=1 task)": covered(rec.verify),
                "verify parallel (>=2 tasks)": covered(rec.verify, 2),
                "insert wall": insert_wall,
                "insert cpu": sum(c for _, _, c in rec.insert),
                "insert overlapping verify": overlap(rec.insert, rec.verify),
                "floor: cpu / cores": cpu_all / cores,
                "floor: caller thread": main_cpu,
            }
            for key, value in figures.items():
                rows.setdefault(key, []).append(value)
        repo.close()
    med = {k: statistics.median(v) for k, v in rows.items()}
    load = os.getloadavg()
    print(f"{args.rows:,} rows, directory remote, {cores} cores, load {load[0]:.1f}; medians of "
          f"{args.repeat} (each clone beside its Parquet download)")
    for key, value in med.items():
        print(f"  {key:34s} {value:8.3f}" + (" s" if key != "verify tasks" else ""))
    floor = max(med["floor: cpu / cores"], med["floor: caller thread"])
    print(f"  clone / download                   {med['clone wall'] / med['download wall']:8.2f}x wall")
    print(f"  floor / download                   {floor / med['download wall']:8.2f}x "
          f"(the floor: {floor:.3f} s)")
    print(f"  verify used both cores for {med['verify parallel (>=2 tasks)'] / max(med['verify covered (>=1 task)'], 1e-9):.0%}"
          f" of the time it ran; inserts overlapped verification for "
          f"{med['insert overlapping verify'] / max(med['insert wall'], 1e-9):.0%} of theirs")


if __name__ == "__main__":
    main()
