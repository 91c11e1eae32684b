"""End to end through the CLI, as a user runs it: a 1M-row CSV imported and committed, a one-row
update committed, `dl diff -r json` of it, export to Parquet; wall seconds (medians) and `.dl`
size after each step, beside pyarrow CSV -> Parquet (zstd) of the same file in the same run,
and DoltLite (in its own process) on the same rows.

    python bench/cli_e2e.py [ROWS] [--repeat N]

Aims (issue 4): import + commit of 1M rows under 3 s; a one-row change committed and diffed
under 1 s each; the repository under 2x the Parquet size; `dl --help`, `dl status`, `dl log`
under 0.3 s.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import standard_rows  # noqa: E402
from bench.peer import measure as measure_peer  # noqa: E402


def dl(cwd: Path, *args: str) -> float:
    """Runs `dl ARGS` in `cwd`; wall seconds. A failure stops the bench with dl's message."""
    start = time.perf_counter()
    done = subprocess.run(["dl", *args], cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"dl {' '.join(args)} failed: {done.stderr.strip()}")
    return elapsed


def store_bytes(repo: Path) -> int:
    """Bytes under .dl after folding the write-ahead log into the database."""
    for db in (repo / ".dl").glob("*.db"):
        con = sqlite3.connect(db)
        con.execute("pragma wal_checkpoint(truncate)")
        con.close()
    return sum(f.stat().st_size for f in (repo / ".dl").rglob("*") if f.is_file())


def write_csv(rows: int, path: Path) -> None:
    import pyarrow.csv as pacsv
    pacsv.write_csv(standard_rows(rows), path, pacsv.WriteOptions(quoting_style="none"))


def baseline(csv: Path, out: Path) -> float:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    start = time.perf_counter()
    pq.write_table(pacsv.read_csv(csv), out, compression="zstd")
    return time.perf_counter() - start


def one_run(scratch: Path, csv: Path, rows: int) -> dict[str, float]:
    repo = scratch / "repo"
    shutil.rmtree(repo, ignore_errors=True)
    repo.mkdir()
    dl(repo, "init", "--name", "Bench", "--email", "bench@example.com")
    out: dict[str, float] = {}
    out["import"] = dl(repo, "table", "import", "-c", "--pk", "id", "t", str(csv))
    out["add+commit"] = dl(repo, "add", ".") + dl(repo, "commit", "-m", "import")
    out["import+commit"] = out["import"] + out["add+commit"]
    out["bytes after import"] = store_bytes(repo)
    out["1-row update"] = dl(repo, "sql", "-q", f"update t set a = -1 where id = {rows // 2}")
    out["1-row commit"] = dl(repo, "commit", "-am", "one row")
    out["bytes after 1-row commit"] = store_bytes(repo)
    out["diff -r json"] = dl(repo, "diff", "HEAD~1", "HEAD", "-r", "json")
    out["export parquet"] = dl(repo, "table", "export", "t", str(scratch / "out.parquet"), "-f")
    out["dl --help"] = dl(repo, "--help")
    out["dl status"] = dl(repo, "status")
    out["dl log"] = dl(repo, "log")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true", help="Skip DoltLite.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dl-e2e-") as tmp:
        scratch = Path(tmp)
        os.environ["DL_HOME"] = str(scratch / "home")
        csv = scratch / "rows.csv"
        write_csv(args.rows, csv)
        runs, bases = [], []
        for _ in range(args.repeat):
            bases.append(baseline(csv, scratch / "base.parquet"))
            runs.append(one_run(scratch, csv, args.rows))
        parquet_bytes = (scratch / "base.parquet").stat().st_size
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        base = statistics.median(bases)
        print(f"{args.rows:,} rows, CSV {csv.stat().st_size / 1e6:.1f} MB, medians of {args.repeat}")
        print(f"  pyarrow read_csv + parquet.write_table (zstd): {base:.3f} s, {parquet_bytes:,} bytes")
        for key, value in med.items():
            if key.startswith("bytes"):
                print(f"  {key:<28} {int(value):>14,} bytes  ({value / parquet_bytes:.2f}x parquet)")
            else:
                print(f"  {key:<28} {value:>10.3f} s")
        print(f"  import+commit / pyarrow csv->parquet: {med['import+commit'] / base:.2f}x")
        peer = None if args.no_peer else measure_peer([args.rows])
        if peer and args.rows in peer:
            p = peer[args.rows]
            print(f"  DoltLite (own process, in-process API, no CLI start-up): import+commit "
                  f"{p['import_commit_s']:.3f} s, {p['bytes']:,} bytes, 1-row update+commit "
                  f"{p['update_commit_ms']:.2f} ms, 1-row diff {p['diff_ms']:.2f} ms")
            print(f"  dl/DoltLite: import+commit {med['import+commit'] / p['import_commit_s']:.2f}x, "
                  f"bytes {med['bytes after import'] / p['bytes']:.2f}x")
        else:
            print("  DoltLite: not run (no Python with doltlite; see bench/peer.py)")


if __name__ == "__main__":
    main()
