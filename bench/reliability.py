"""Reliability figures (issue 7): kills survived, concurrent commits, fsck and gc at scale.

    python bench/reliability.py [--kills 1000] [--rows 1000000] [--commits 100]

1. Kills: the crash harness of tests/reliability (crash_harness.py) over its five scenarios
   (table import, commit, SQL DML transaction, merge, gc): three quarters fault-injection
   kills at points drawn at random from every chunk write and transaction commit the command
   passes, one quarter SIGKILLs of a real `dl` process after a random delay. Reports how many
   recovered (opened, `dl fsck` clean, state before or after the command) out of how many.
2. Concurrent writers: 8 processes x 25 commits on one branch plus 8 on their own branches,
   a reader meanwhile: commits attempted, landed, lost (reported but missing; must be 0).
3. fsck and gc on a repository of `--rows` rows and `--commits` commits (each commit upserts
   100 rows): fsck seconds (full and --quick, medians of 3), beside the baseline of only
   reading (fetching, decompressing, hash-checking) every reachable chunk in the same
   process; gc bytes before/after, and after deleting a branch that added 200,000 rows.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "reliability"))

import concurrency
import crash_harness as harness
from dl.core.maintenance.fsck import fsck
from dl.core.maintenance.gc import collect_garbage, reachable
from dl.core.prolly.tree import NODE_CACHE
from dl.core.repo import Author, Repository
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table
from dl.core.versioning.commit import walk_history

from bench.common import median_time, standard_rows

ME = Author("Bench", "bench@example.com")


def kills(total: int, workdir: Path, seed: int = 7) -> None:
    harness.warm()
    rng = random.Random(seed)
    per = total // len(harness.SCENARIOS)
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    started = time.perf_counter()
    for scenario in harness.SCENARIOS:
        prepared = harness.Prepared(scenario, workdir)
        points = [(p, n) for p, n in prepared.counts.items() if p in harness.faults.POINTS]
        signals = per // 4
        for i in range(per):
            if i < signals:
                verdict = harness.signal_kill(prepared, rng.uniform(0.1, 1.1) * prepared.seconds)
                kind = "sigkill"
            else:
                point, n = rng.choice(points)
                verdict = harness.fault_kill(prepared, f"{point}={rng.randint(1, n)}")
                kind = "fault"
            outcomes[f"{scenario.name} {kind} {'recovered' if verdict.recovered else 'LOST'}"] += 1
            outcomes[f"state {verdict.state}"] += 1
            if not verdict.recovered:
                failures.append(f"{scenario.name}: {verdict.how}: {verdict.problem[:300]}")
    done = sum(v for k, v in outcomes.items() if not k.startswith("state"))
    recovered = sum(v for k, v in outcomes.items() if k.endswith("recovered"))
    print(f"kills: {recovered} of {done} recovered ({time.perf_counter() - started:.0f} s)")
    for key in sorted(outcomes):
        print(f"  {key}: {outcomes[key]}")
    for line in failures[:10]:
        print(f"  FAILED {line}")


def writers(workdir: Path) -> None:
    directory = workdir / "concurrent"
    directory.mkdir()
    concurrency.setup(directory, 8)
    started = time.perf_counter()
    result = concurrency.race(directory, 8, 8, 25)
    seconds = time.perf_counter() - started
    repo = Repository.open(directory)
    lost = 0
    for branch in {w.branch for w in result.writers}:
        log = {a.hex for a, _ in walk_history(repo.load_commit, [repo.branch_head(branch)])}
        rows = set(repo.table("t", repo.branch_head(branch).hex).scan().column("id").to_pylist())
        for w in (w for w in result.writers if w.branch == branch):
            lost += sum(1 for row, c in w.committed if c not in log or row not in rows)
    failures = [f for w in result.writers for f in w.failures]
    kinds = Counter("concurrent update" if "concurrent update" in f else f for f in failures)
    bugs = sum(len(w.bugs) for w in result.writers) + len(result.reader.bugs)
    print(f"concurrent writers (8 on main + 8 on own branches, 25 commits each, {seconds:.1f} s): "
          f"attempted {16 * 25}, landed {result.landed}, lost {lost}; "
          f"failed attempts retried or reported: {dict(kinds)}; bugs {bugs}; "
          f"reader checks {result.reader.checks}, torn reads {len(result.reader.torn)}; "
          f"fsck clean: {fsck(repo.store).ok}")
    repo.close()


def big_repository(workdir: Path, rows: int, commits: int) -> Path:
    directory = workdir / "big"
    directory.mkdir()
    repo = Repository.init(directory, author=ME)
    table = standard_rows(rows)
    schema = TableSchema.from_arrow(table.schema, ("id",))
    started = time.perf_counter()
    repo.write_table("t", lambda cur, buf: Table.empty(buf, schema).replace_rows(table))
    repo.commit("1M rows", include_new=True, author=ME)
    rng = np.random.default_rng(3)
    for i in range(commits - 1):
        ids = rng.choice(rows, 100, replace=False) + 1
        change = pa.table({"id": pa.array(ids, pa.int64()), "a": pa.array(rng.integers(0, 10**6, 100), pa.int64()),
                           "b": pa.array([f"c{i}"] * 100), "c": pa.array(rng.random(100))})
        repo.write_table("t", lambda cur, buf: cur.upsert(change))  # type: ignore[union-attr]
        repo.commit(f"change {i}", stage_all=True, author=ME)
    print(f"built {rows:,} rows x {commits} commits in {time.perf_counter() - started:.1f} s")
    repo.close()
    return directory


def fsck_and_gc(directory: Path) -> None:
    repo = Repository.open(directory)

    def check(quick: bool) -> object:
        NODE_CACHE.clear()
        report = fsck(repo.store, quick=quick)
        assert report.ok, report.problems[:3]
        return report

    report = fsck(repo.store)
    full = median_time(lambda: check(False), 3)
    quick = median_time(lambda: check(True), 3)

    everything = sorted(reachable(repo.store), key=lambda a: a.raw)

    def read_all() -> None:  # the floor: fetch, decompress and hash-check every reachable chunk
        for start in range(0, len(everything), 512):
            repo.store.get_many(everything[start:start + 512])

    baseline = median_time(read_all, 3)
    print(f"fsck: {report.commits} commits, {report.tables} table values, {report.chunks:,} chunks, "
          f"{report.bytes / 1e6:.1f} MB: full {full:.2f} s ({report.chunks / full:,.0f} chunks/s, "
          f"{report.bytes / full / 1e6:.0f} MB/s), --quick {quick:.2f} s; baseline: reading the "
          f"{len(everything):,} reachable chunks {baseline:.2f} s (fsck/read {full / baseline:.1f}x)")
    started = time.perf_counter()
    result = collect_garbage(repo.store)
    print(f"gc: {result.bytes_before:,} -> {result.bytes_after:,} bytes, {result.chunks_deleted:,} of "
          f"{result.chunks_before:,} chunks deleted, {time.perf_counter() - started:.2f} s; "
          f"fsck after gc clean: {fsck(repo.store, quick=True).ok}")
    repo.create_branch("scratch")
    repo.checkout("scratch")
    extra = standard_rows(200_000, seed=11)
    schema = TableSchema.from_arrow(extra.schema, ("id",))
    repo.write_table("scratch_t", lambda cur, buf: Table.empty(buf, schema).replace_rows(extra))
    repo.commit("scratch", include_new=True, author=ME)
    repo.checkout("main")
    with_branch = repo.store.file_bytes()
    repo.delete_branch("scratch", force=True)
    again = collect_garbage(repo.store)
    print(f"gc after deleting a branch with 200,000 more rows: {with_branch:,} -> {again.bytes_after:,} "
          f"bytes (before the branch: {result.bytes_after:,}; "
          f"{again.bytes_after / result.bytes_after:.3f}x)")
    repo.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--commits", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dl-bench-rel-") as scratch:
        workdir = Path(scratch)
        kills(args.kills, workdir)
        writers(workdir)
        fsck_and_gc(big_repository(workdir, args.rows, args.commits))


if __name__ == "__main__":
    main()
