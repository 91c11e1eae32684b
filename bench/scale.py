"""Tables larger than memory, through the CLI as a user runs it: wall seconds, peak RSS and peak
anonymous RSS (the process's own memory, without the store's memory-mapped file pages) of
each step at 10^6, 10^7 (and 10^8 where time allows) rows.

    python bench/scale.py [ROWS ...] [--sorted] [--keep DIR]

Steps, each a fresh `dl` process measured with `os.wait4` (its own peak RSS, not the
benchmark's): import a CSV (ids shuffled, so the import sorts in spilled runs; `--sorted` for
ids in order), commit, `count(*), sum(a)`, a group by, export to CSV, a 1% update (UPDATE of
every 100th id), commit, `dl diff -r csv` of that update, fsck, gc; then a merge with conflicts:
a branch made after the import and main each change a tenth of the rows (the same rows, to
different values), main merges the branch (a conflict per changed row), counts the conflicts
(dolt_conflicts), resolves them with theirs and commits. Beside them, in the same run:
DuckDB over the same rows in Parquet (count/sum, group by), the baseline for the query steps.
Data is made with numpy/pyarrow, written in batches.

Aims (issue 13): peak RSS under 1 GB at every size for import, query and export; time growing
linearly with rows for bulk work, flat for point work.
"""
from __future__ import annotations

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

DL = str(Path(sys.executable).with_name("dl"))
BATCH = 1_000_000


class Step(NamedTuple):
    """One step's figures."""

    wall: float  # seconds
    cpu: float  # seconds, user + system
    peak: float  # MB, peak RSS
    anon: float  # MB, peak anonymous RSS


def write_data(rows: int, folder: Path, shuffled: bool) -> tuple[Path, Path]:
    """A CSV and a Parquet file of (id, a, b ~10 chars, c), written batch by batch (in a child
    process: this one stays small, as every step's process starts as a copy of it and the
    kernel counts that copy in the step's peak RSS)."""
    subprocess.run([sys.executable, __file__, "--write", str(rows), str(folder)]
                   + ([] if shuffled else ["--sorted"]), check=True)
    return folder / "data.csv", folder / "data.parquet"


def _write(rows: int, folder: Path, shuffled: bool) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    schema = pa.schema([("id", pa.int64()), ("a", pa.int64()), ("b", pa.string()), ("c", pa.float64())])
    rng = np.random.default_rng(7)
    ids = rng.permutation(rows) + 1 if shuffled else np.arange(1, rows + 1)
    csv_path, parquet_path = folder / "data.csv", folder / "data.parquet"
    with pacsv.CSVWriter(str(csv_path), schema) as text, pq.ParquetWriter(str(parquet_path), schema) as par:
        for start in range(0, rows, BATCH):
            part = ids[start:start + BATCH]
            batch = pa.record_batch([
                pa.array(part), pa.array(rng.integers(0, 10**6, len(part))),
                pa.array(np.char.add("s", np.char.zfill(rng.integers(0, 10**8, len(part)).astype(str), 8))),
                pa.array(np.round(rng.random(len(part)) * 1000, 4))], schema=schema)
            text.write_batch(batch)
            par.write_batch(batch)


def run(argv: list[str], cwd: Path, out: Path | None = None, ok: tuple[int, ...] = (0,)) -> Step:
    """Runs a command; its wall seconds, its CPU seconds (user + system, from wait4: on a
    machine shared by others the wall time follows the load, the CPU time much less), its own
    peak RSS in MB (from wait4) and its peak anonymous RSS in MB (RssAnon, sampled every 20 ms). Peak RSS counts the pages of the
    store's memory map too (SQLite reads through an mmap of up to 1 GB: file-backed pages the
    kernel can drop at any time), so a scan of a large store shows in it; RssAnon is the
    process's own memory. Exit codes other than `ok` stop the benchmark (a merge that leaves
    conflicts exits 1, as Dolt's)."""
    start = time.perf_counter()
    anon = 0
    with open(out or os.devnull, "wb") as sink:
        process = subprocess.Popen(argv, cwd=cwd, stdout=sink, stderr=subprocess.PIPE)
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            anon = max(anon, _rss_anon(process.pid))
            time.sleep(0.02)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in ok:
        raise SystemExit(f"{' '.join(argv)} failed: {process.stderr.read().decode() if process.stderr else ''}")
    return Step(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, anon / 1024)


def _rss_anon(pid: int) -> int:
    """A running process's anonymous resident memory in kB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def duckdb_step(parquet: Path, sql: str, cwd: Path) -> Step:
    code = ("import duckdb; con = duckdb.connect(); "
            f"con.sql(\"{sql.replace('PARQUET', repr(str(parquet)))}\").fetchall()")
    return run([sys.executable, "-c", code], cwd)


def measure(rows: int, folder: Path, shuffled: bool) -> Iterator[tuple[str, Step]]:
    """Each step's name and figures, yielded as it ends (a long run that is stopped
    keeps the figures of the steps it finished)."""
    csv_path, parquet = write_data(rows, folder, shuffled)
    repo = folder / "repo"
    repo.mkdir()
    os.environ["DL_HOME"] = str(folder / "home")
    run([DL, "config", "--global", "--add", "user.name", "bench"], repo)
    run([DL, "config", "--global", "--add", "user.email", "bench@example.com"], repo)
    run([DL, "init"], repo)
    third = rows // 3
    steps = [
        ("import", [DL, "table", "import", "-c", "--pk", "id", "t", str(csv_path)]),
        ("commit", [DL, "commit", "-Am", "import"]),
        ("branch", [DL, "branch", "other"]),
        ("count/sum", [DL, "sql", "-q", "select count(*), sum(a) from t"]),
        ("group by", [DL, "sql", "-q", "select a % 100 as g, count(*), avg(c) from t group by g"]),
        ("point select", [DL, "sql", "-q", f"select * from t where id = {third}"]),
        ("export csv", [DL, "table", "export", "-f", "t", str(folder / "out.csv")]),
        ("1% update", [DL, "sql", "-q", "update t set a = a + 1 where id % 100 = 0"]),
        ("commit update", [DL, "commit", "-Am", "one percent"]),
        ("diff -r csv", [DL, "diff", "HEAD~1", "HEAD", "-r", "csv"]),
        ("fsck", [DL, "fsck"]),
        ("gc", [DL, "gc"]),
        ("10% update (other)", [DL, "--branch", "other", "sql", "-q", "update t set a = a + 2 where id % 10 = 0"]),
        ("commit (other)", [DL, "--branch", "other", "commit", "-Am", "a tenth, theirs"]),
        ("10% update", [DL, "sql", "-q", "update t set a = a + 3 where id % 10 = 0"]),
        ("commit 10%", [DL, "commit", "-Am", "a tenth, ours"]),
        ("merge (10% conflicts)", [DL, "merge", "other"]),
        ("dolt_conflicts count", [DL, "sql", "-q", "select * from dolt_conflicts"]),
        ("resolve --theirs", [DL, "conflicts", "resolve", "--theirs", "t"]),
        ("commit merge", [DL, "commit", "-Am", "merged"]),
    ]
    for name, argv in steps:
        yield name, run(argv, repo, folder / "step.out", ok=(0, 1) if name.startswith("merge") else (0,))
    for name, sql in (("duckdb parquet count/sum", "select count(*), sum(a) from PARQUET"),
                      ("duckdb parquet group by", "select a % 100 as g, count(*), avg(c) from PARQUET group by g")):
        yield name, duckdb_step(parquet, sql, repo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="*", type=int, default=[10**6, 10**7])
    parser.add_argument("--sorted", action="store_true", help="ids in key order (no sort needed)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--write", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        _write(int(args.write[0]), Path(args.write[1]), not args.sorted)
        return
    table: dict[str, dict[int, Step]] = {}
    loads: dict[int, tuple[float, float]] = {}
    for rows in args.rows:
        folder = Path(tempfile.mkdtemp(prefix=f"dl-scale-{rows}-", dir=args.keep))
        start_load = os.getloadavg()[0]
        try:
            for name, step in measure(rows, folder, not args.sorted):
                table.setdefault(name, {})[rows] = step
                print(f"{rows:>12,}  {name:<26} {step.wall:8.2f} s  {step.cpu:8.2f} s CPU  {step.peak:8.0f} MB  "
                      f"{step.anon:8.0f} MB anon  (load {os.getloadavg()[0]:.1f})", flush=True)
        finally:
            loads[rows] = (start_load, os.getloadavg()[0])
            if args.keep is None:
                shutil.rmtree(folder, ignore_errors=True)
    print_table(table, args.rows, loads, args.sorted)


def print_table(table: dict[str, dict[int, Step]], sizes: list[int], loads: dict[int, tuple[float, float]],
                in_order: bool) -> None:
    """The figures as a markdown table, with the CPU-time ratio of each size to the one before
    divided by the ratio of their rows: 1.0 is linear growth, 0 flat, above 1 super-linear."""
    pairs = list(itertools.pairwise(sizes))
    print("\n| step | " + " | ".join(f"{r:,} rows: s / CPU s / peak RSS / anon MB" for r in sizes)
          + "".join(f" | CPU growth {b // a}x rows, per row" for a, b in pairs) + " |")
    print("|---|" + "---|" * (len(sizes) + len(pairs)))
    for name, cells in table.items():
        figures = [f"{c.wall:.2f} / {c.cpu:.2f} / {c.peak:.0f} / {c.anon:.0f}" if (c := cells.get(r)) else "-"
                   for r in sizes]
        growth = [f"{cells[b].cpu / cells[a].cpu / (b / a):.2f}" if a in cells and b in cells and cells[a].cpu
                  else "-" for a, b in pairs]
        print(f"| {name} | " + " | ".join(figures + growth) + " |")
    print(f"\n(ids {'in key order' if in_order else 'shuffled'}; one run per size; machine shared by others: "
          "load average " + ", ".join(f"{r:,}: {a:.1f} -> {b:.1f}" for r, (a, b) in loads.items()) + ")")

if __name__ == "__main__":
    main()
