"""Latency at the terminal (issue 15): every aim of the issue with its ratio, in one run.

    python bench/latency.py [ROWS ...] [--repeat N] [--no-peer]     (default 10000 100000 1000000)

- start-up: `dl --help`, `status`, `log`, `branch` (piped) beside `python -c pass`, medians
  of alternating runs; aim: within 2x `python -c pass` + 50 ms.
- point statements in-process (`sql.Session`): a select and a 1-row UPDATE by primary key at
  random keys, every size measured in alternation (one statement per size per round) over a
  warm node cache; aims: UPDATE under 2 ms, select under 0.5 ms, flat from the smallest size to
  the largest (largest/smallest within 1.5x).
- cold read of the largest table: a fresh repository object, empty node cache, `Table.scan()`;
  aim: under 80 ms (1M rows); from the tree, as a first read that writes the scan file, and
  from the scan file (`core.store.scan_files`).
- `dl sql -q` as a process on the largest table beside a Python process running DuckDB over
  the same rows in Parquet, for count/sum, group by, join, top-10; aim: within 1.5x. Wall and
  CPU time; the general path (`DL_SQL_FAST=0`) beside; the first query, which writes the
  tables' twins, apart.
- import + commit of the largest size as a CSV through the CLI beside pyarrow CSV -> Parquet
  (zstd), and the store's size beside the Parquet file; aims: within 3x and 1.3x.
- DoltLite (bench/peer.py, its own process) beside, when installed.

The machines are shared: compare the ratios of one run, not times across runs.

dl's own modules are compiled to bytecode first, as `pip install` does for an installed
package (the DuckDB baseline's modules are compiled in site-packages): with
PYTHONDONTWRITEBYTECODE set, as in our sessions, an editable install would otherwise compile
~100 modules of dl on every process start (~35 ms of `dl status`, ~0.3 s of `dl sql -q`).
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dl.core.prolly.tree import NODE_CACHE
from dl.core.repo import Repository
from dl.sql.session import Session

from bench import peer
from bench.cli_e2e import baseline, store_bytes, write_csv
from bench.sql import DUCK_PROCESS, READS, Setup

CLI_QUERIES = ("count/sum", "group by", "join 10k", "top-10")
POINT_SELECT = "select * from t where id = {k}"
POINT_UPDATE = "update t set a = a + 1 where id = {k}"
Aim = tuple[str, bool]


def compile_bytecode() -> None:
    """Compiles dl's packages (dl, core, sql) to `__pycache__`, as an install does."""
    import compileall
    for package in ("dl", "core", "sql"):
        compileall.compile_dir(ROOT / package, quiet=1)


def dl_command() -> list[str]:
    script = Path(sys.executable).with_name("dl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "dl"]


def alternating_medians(commands: dict[str, Callable[[], object]], rounds: int,
                        cpu: dict[str, float] | None = None) -> dict[str, float]:
    """Median wall ms of each command, run in alternation so load drifts over all alike
    (and, into `cpu`, the median CPU ms of this process: in-process work without the waits)."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    used: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            command()
            times[name].append(time.perf_counter() - start)
            used[name].append(time.process_time() - start_cpu)
    if cpu is not None:
        cpu.update({name: statistics.median(t) * 1e3 for name, t in used.items()})
    return {name: statistics.median(t) * 1e3 for name, t in times.items()}


def start_up(repo: Path, rounds: int) -> list[Aim]:
    env = dict(os.environ, NO_COLOR="1")

    def run(args: list[str]) -> Callable[[], object]:
        return lambda: subprocess.run(args, cwd=repo, env=env, capture_output=True, check=True)
    commands = {"python -c pass": run([sys.executable, "-c", "pass"])}
    for args in (["--help"], ["status"], ["log"], ["branch"]):
        commands[f"dl {args[0]}"] = run(dl_command() + args)
    ms = alternating_medians(commands, rounds)
    base = ms.pop("python -c pass")
    limit = 2 * base + 50
    print(f"\nstart-up (piped, medians of {rounds} alternating runs): python -c pass {base:.0f} ms, "
          f"aim {limit:.0f} ms")
    aims = []
    for name, value in ms.items():
        print(f"  {name:<12} {value:7.0f} ms  {value / base:5.2f}x python")
        aims.append((f"{name} within 2x python -c pass + 50 ms: {value:.0f} ms vs {limit:.0f} ms", value <= limit))
    return aims


def point_statements(setups: list[Setup], rounds: int) -> list[Aim]:
    sessions = [Session(s.repo) for s in setups]
    for session in sessions:
        session.run("select sum(a), count(b), sum(c) from t")  # a warm node cache, as a server's

    def statement(template: str, index: int) -> Callable[[], object]:
        setup, session = setups[index], sessions[index]
        counter = iter(range(10**9))
        return lambda: session.run(template.format(k=(next(counter) * 7919) % setup.n + 1))
    aims: list[Aim] = []
    print(f"\npoint statements in-process (random keys, warm cache, medians of {rounds} alternating rounds;"
          " wall ms, and CPU ms of this process)")
    for label, template, limit in (("point select", POINT_SELECT, 0.5), ("1-row update", POINT_UPDATE, 2.0)):
        cpu: dict[str, float] = {}
        ms = alternating_medians({str(s.n): statement(template, i) for i, s in enumerate(setups)}, rounds, cpu)
        print(f"  {label:<14}" + "".join(f"{int(n):>12,}: {v:6.3f} ms (CPU {cpu[n]:.3f})" for n, v in ms.items()))
        aims += [(f"{label} under {limit} ms at {int(n):,} rows: {v:.3f} ms", v < limit) for n, v in ms.items()]
        small, large = ms[str(setups[0].n)], ms[str(setups[-1].n)]
        aims.append((f"{label} flat {setups[0].n:,} -> {setups[-1].n:,} rows: {large / small:.2f}x", large <= 1.5 * small))
    for session in sessions:
        session.close()
    return aims


def cold_read(setup: Setup, repeat: int) -> list[Aim]:
    """A fresh repository object and an empty node cache each time, three ways: from the tree
    with no scan file kept (decoding only), a first read (decoding, then writing the scan
    file), and a read answered by the scan file (`core.store.scan_files`)."""
    def scan(how: str) -> Callable[[], None]:
        def run() -> None:
            NODE_CACHE.clear()
            repo = Repository.open(setup.directory)
            try:
                if how == "decode":
                    repo.store.scan_files = None  # type: ignore[assignment]
                elif how == "first":
                    repo.store.scan_files.clear()
                repo.table("t").scan()
            finally:
                repo.close()
        return run
    # the reads from the tree first, on their own (as the bench of session 22 measured them): a
    # first read writes a 37 MB file, whose dirty pages the kernel writes back during later runs
    scan("decode")()
    cpu: dict[str, float] = {}
    ms = alternating_medians({"decode": scan("decode")}, repeat, cpu)
    scan("first")()
    later: dict[str, float] = {}
    ms.update(alternating_medians({how: scan(how) for how in ("first", "cached")}, repeat, later))
    cpu.update(later)
    kept = Repository.open(setup.directory)
    size = kept.store.scan_files.total_bytes()
    kept.close()
    print(f"\ncold read of {setup.n:,} rows (fresh repository object, empty node cache; wall, and CPU of this process):")
    for how, label in (("decode", "from the tree, no scan file"), ("first", "first read, writes the scan file"),
                       ("cached", "from the scan file")):
        print(f"  {label:<34} {ms[how]:7.1f} ms (CPU {cpu[how]:.1f} ms)")
    print(f"  scan file on disk: {size:,} bytes")
    return [(f"cold read of {setup.n:,} rows under 80 ms (scan file): {ms['cached']:.1f} ms", ms["cached"] < 80),
            (f"cold read of {setup.n:,} rows under 80 ms (from the tree): {ms['decode']:.1f} ms", ms["decode"] < 80)]


def process_medians(commands: dict[str, list[str]], rounds: int, cwd: Path,
                    env: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Median wall ms and median CPU ms (user + system, from the kernel's accounting of the
    child) of each command as a process, run in alternation."""
    import resource
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=True)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            times[name].append((wall * 1e3, cpu * 1e3))
    return {name: (statistics.median(t[0] for t in ts), statistics.median(t[1] for t in ts))
            for name, ts in times.items()}


def sql_processes(setup: Setup, repeat: int) -> list[Aim]:
    """`dl sql -q` (its fast path: `dl.fast_sql`), the same with the fast path off (the general
    path, `DL_SQL_FAST=0`) and a DuckDB process on Parquet. The first fast query of a table
    version writes the tables' twins (`sql.twins`): timed apart, first."""
    env = dict(os.environ, NO_COLOR="1")
    general = dict(env, DL_SQL_FAST="0")
    aims = []
    first = dl_command() + ["sql", "-q", READS["join 10k"], "-r", "csv"]
    start = time.perf_counter()
    subprocess.run(first, cwd=setup.directory, env=env, capture_output=True, check=True)
    print(f"\ndl sql -q, first query of these table versions (writes the twins of t and d): "
          f"{(time.perf_counter() - start) * 1e3:.0f} ms")
    print(f"dl sql -q as a process vs a DuckDB process on Parquet, {setup.n:,} rows (medians of {repeat}; "
          "wall ms, CPU ms in parentheses; general: DL_SQL_FAST=0)")
    for label in CLI_QUERIES:
        text = READS[label]
        mine = dl_command() + ["sql", "-q", text, "-r", "csv"]
        theirs = [sys.executable, "-c", DUCK_PROCESS, ":memory:", str(setup.parquet["t"]),
                  str(setup.parquet["d"]), text]
        ms = process_medians({"dl": mine, "duckdb": theirs}, repeat, setup.directory, env)
        ms.update(process_medians({"general": mine}, max(1, repeat // 2), setup.directory, general))
        (dl_ms, dl_cpu), (duck_ms, duck_cpu), (gen_ms, gen_cpu) = ms["dl"], ms["duckdb"], ms["general"]
        ratio = dl_ms / duck_ms
        print(f"  {label:<10} dl {dl_ms:6.0f} ({dl_cpu:4.0f})   duckdb {duck_ms:6.0f} ({duck_cpu:4.0f})   "
              f"{ratio:5.2f}x (CPU {dl_cpu / duck_cpu:4.2f}x)   general {gen_ms:6.0f} ({gen_cpu:4.0f}) "
              f"{gen_ms / duck_ms:5.2f}x")
        aim = f"dl sql -q {label} within 1.5x of DuckDB on Parquet: {ratio:.2f}x (CPU {dl_cpu / duck_cpu:.2f}x)"
        aims.append((aim, ratio <= 1.5))
    return aims


BASELINE_PROCESS = """
import sys
import pyarrow.csv as c, pyarrow.parquet as p
p.write_table(c.read_csv(sys.argv[1]), sys.argv[2], compression="zstd")
"""


def baseline_process(csv: Path, out: Path) -> float:
    """Wall seconds of pyarrow CSV -> Parquet (zstd) as its own Python process, start-up and
    imports included, as `dl`'s commands are timed (the acceptance check `repo-import-speed`
    times it from before its imports)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", BASELINE_PROCESS, str(csv), str(out)], check=True)
    return time.perf_counter() - start


def import_commit(rows: int, scratch: Path, repeat: int) -> tuple[list[Aim], dict[str, float]]:
    """dl's three commands (import, add, commit) as processes beside pyarrow CSV -> Parquet,
    both as a process (the aim's baseline: whole processes on both sides, as the `dl sql -q`
    aim compares) and in this process (imports done: the figure earlier sessions printed)."""
    csv = scratch / "rows.csv"
    write_csv(rows, csv)
    env = dict(os.environ, NO_COLOR="1", DL_HOME=str(scratch / "home"))
    dl = dl_command()
    repo = scratch / "imported"

    def run(*args: str) -> None:
        subprocess.run(dl + list(args), cwd=repo, env=env, capture_output=True, check=True)

    def import_and_commit() -> None:
        subprocess.run(["rm", "-rf", str(repo)], check=True)
        repo.mkdir()
        run("init", "--name", "Bench", "--email", "bench@example.com")
        start = time.perf_counter()
        run("table", "import", "-c", "--pk", "id", "t", str(csv))
        run("add", ".")
        run("commit", "-m", "import")
        times.append(time.perf_counter() - start)
    times: list[float] = []
    bases, processes = [], []
    for _ in range(repeat):
        bases.append(baseline(csv, scratch / "base.parquet"))
        processes.append(baseline_process(csv, scratch / "process.parquet"))
        import_and_commit()
    mine, base, process = statistics.median(times), statistics.median(bases), statistics.median(processes)
    size, parquet = store_bytes(repo), (scratch / "base.parquet").stat().st_size
    print(f"\nimport + commit of {rows:,} rows via the CLI (medians of {repeat}): {mine:.2f} s; "
          f"pyarrow CSV -> Parquet as a process {process:.2f} s ({mine / process:.2f}x), "
          f"in this process {base:.2f} s ({mine / base:.2f}x); "
          f"store {size:,} bytes vs Parquet {parquet:,} ({size / parquet:.2f}x)")
    return ([(f"import+commit within 3x pyarrow CSV -> Parquet (a process): {mine / process:.2f}x "
              f"(in-process baseline {mine / base:.2f}x)", mine <= 3 * process),
             (f"store within 1.3x Parquet: {size / parquet:.2f}x", size <= 1.3 * parquet)],
            {"import_commit_s": mine, "bytes": size})


def print_peer(rows: int, mine: dict[str, float], update_ms: float | None) -> None:
    figures = peer.measure([rows])
    if not figures or rows not in figures:
        print("\nDoltLite (peer): not run (no Python with doltlite; see bench/peer.py)")
        return
    p = figures[rows]
    print(f"\nDoltLite (peer, own process, {rows:,} rows): import+commit {p['import_commit_s']:.2f} s "
          f"(dl {mine['import_commit_s'] / p['import_commit_s']:.2f}x), bytes {p['bytes']:,} "
          f"(dl {mine['bytes'] / p['bytes']:.2f}x), 1-row update+commit {p['update_commit_ms']:.2f} ms"
          + (f" (dl's 1-row update without commit: {update_ms:.2f} ms)" if update_ms else ""))


def main(argv: list[str]) -> None:
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 5
    numbers = [a for i, a in enumerate(argv) if not a.startswith("-") and (i == 0 or argv[i - 1] != "--repeat")]
    sizes = sorted(int(a) for a in numbers) or [10_000, 100_000, 1_000_000]
    aims: list[Aim] = []
    print("issue 15 latency bench; a shared, loaded machine: compare ratios within this run; "
          f"load average {os.getloadavg()[0]:.1f}")
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="dl-latency-") as tmp:
        scratch = Path(tmp)
        os.environ["DL_HOME"] = str(scratch / "home")
        setups = [Setup(n, scratch) for n in sizes]
        largest = setups[-1]
        aims += start_up(largest.directory, max(7, repeat * 2))
        aims += point_statements(setups, 300)
        aims += cold_read(largest, repeat)
        aims += sql_processes(largest, repeat)
        for setup in setups:
            setup.repo.close()
        imported, mine = import_commit(largest.n, scratch, max(5, repeat))
        aims += imported
    print(f"\naims (load average now {os.getloadavg()[0]:.1f}):")
    for text, ok in aims:
        print(f"  {'ok    ' if ok else 'MISSED'} {text}")
    if "--no-peer" not in argv:
        print_peer(largest.n, mine, None)


if __name__ == "__main__":
    main(sys.argv[1:])
