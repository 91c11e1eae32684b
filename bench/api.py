"""The Python API's overhead (issue 18, point 5): `import dl` beside the paths it stands on.

    python bench/api.py [ROWS]        (default 1000000)

In one process, on the standard rows (bench/common.py), interleaved, medians of several runs:

- read: `repo.table("t")` beside today's paths, the core scan (`Repository.table().scan()`)
  and the Session (`Session.query("select * from t")`); warm (leaves cached) and cold (node
  cache cleared before each run; the Session's own scan cache, keyed by tree root, survives
  that, so its "cold" rows copy a cached scan).
- group by: `repo.sql(q).arrow()` beside `Session.query(q)` on the same repository, and DuckDB
  on the same Arrow table in this process.
- write: `repo.write("t", rows, pk="id")` of the Arrow table into a fresh repository, beside
  the CLI importing the same rows as Parquet (`dl table import -c --pk id t t.parquet`, a new
  process, start-up included), the same import in-process (core's importer), and DuckDB
  creating a table from the same Arrow data in a database file.
- start-up: `dl status`, `python -c "import dl"` and `python -c pass`, each a new process.

Aims: table() and group by within 1.1x of the Session path, write within 1.2x of the CLI
import. The machine is shared: compare ratios within one run, never across runs.
"""
from __future__ import annotations

import gc
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dl.core.prolly.tree import NODE_CACHE
from dl.core.repo import Repository
from dl.core.tables.importer import ImportMode, import_table
from dl.sql.session import Session

import dl
from bench.common import standard_rows

GROUP_BY = "select a % 100 as g, count(*) as n, avg(c) as c from t group by g"
DL = str(Path(sys.executable).with_name("dl"))


def medians(cases: dict[str, Callable[[], object]], repeat: int,
            before: Callable[[], None] | None = None) -> dict[str, float]:
    """Median seconds per case, the cases interleaved (each round starting at the next case) so
    load hits them alike; garbage is collected before each call and the collector is off
    during it, so no case pays for another's garbage."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    order = list(cases.items())
    for round_ in range(repeat):
        for name, fn in order[round_ % len(order):] + order[:round_ % len(order)]:
            if before:
                before()
            gc.collect()  # no case pays for the garbage of the one before it
            gc.disable()
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
            gc.enable()
    return {name: statistics.median(values) for name, values in times.items()}


def show(title: str, figures: dict[str, float], base: str, aim: float | None = None) -> None:
    print(f"\n{title}")
    for name, seconds in figures.items():
        ratio = seconds / figures[base]
        print(f"  {name:<44} {seconds * 1000:9.1f} ms  {ratio:5.2f}x {base}")
    if aim is not None:
        first = next(iter(figures))
        ratio = figures[first] / figures[base]
        print(f"  aim: {first} within {aim}x of {base}: {ratio:.2f}x "
              f"{'MET' if ratio <= aim else 'NOT MET'}")


def reads(repo: dl.Repo, rows: pa.Table, repeat: int) -> None:
    core: Repository = repo.core
    session = Session(core)
    cases = {"repo.table('t')": lambda: repo.table("t"),
             "Repository.table('t').scan() (core)": lambda: core.table("t").scan(),
             "Session.query('select * from t')": lambda: session.query("select * from t")}
    warm = medians(cases, repeat * 3)  # ~30 ms each: more rounds against the noise
    show("read 1 table, warm", warm, "Repository.table('t').scan() (core)", 1.1)
    cold = medians(cases, repeat, before=NODE_CACHE.clear)
    show("read 1 table, cold (node cache cleared)", cold, "Repository.table('t').scan() (core)", 1.1)
    duck = duckdb.connect()
    duck.register("t", rows)
    group = {"repo.sql(group by).arrow()": lambda: repo.sql(GROUP_BY).arrow(),
             "Session.query(group by)": lambda: session.query(GROUP_BY),
             "DuckDB on the same Arrow table": lambda: duck.sql(GROUP_BY).arrow()}
    show("group by 100 groups, in process", medians(group, repeat * 3), "Session.query(group by)", 1.1)
    session.close()


def writes(rows: pa.Table, scratch: Path, repeat: int) -> None:
    parquet = scratch / "t.parquet"
    pq.write_table(rows, parquet)
    counter = iter(range(10**6))

    def fresh() -> Path:
        directory = scratch / f"w{next(counter)}"
        directory.mkdir()
        subprocess.run([DL, "init", "--name", "Bench", "--email", "bench@example.com"], cwd=directory, check=True, capture_output=True)
        return directory

    def api() -> None:
        with dl.open(target) as repo:
            repo.write("t", rows, pk="id")

    def cli() -> None:
        subprocess.run([DL, "table", "import", "-c", "--pk", "id", "t", str(parquet)], cwd=target,
                       check=True, capture_output=True)

    def in_process() -> None:
        core = Repository.open(target)
        import_table(core, "t", parquet, ImportMode.CREATE, primary_key=["id"])
        core.close()

    def duck() -> None:
        con = duckdb.connect(str(target / "duck.db"))
        con.register("arrow_rows", rows)
        con.execute("create table t as select * from arrow_rows")
        con.close()

    cases = {"repo.write('t', arrow table, pk='id')": api, "dl table import -c (CLI, Parquet)": cli,
             "import_table (core, in process, Parquet)": in_process,
             "DuckDB create table from the Arrow table": duck}
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, fn in cases.items():
            target = fresh()
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
            shutil.rmtree(target)
    show(f"write {rows.num_rows:,} rows into a new table", {n: statistics.median(v) for n, v in times.items()},
         "dl table import -c (CLI, Parquet)", 1.2)


def startup(scratch: Path, repeat: int) -> None:
    repo = scratch / "status"
    repo.mkdir()
    subprocess.run([DL, "init", "--name", "Bench", "--email", "bench@example.com"], cwd=repo, check=True, capture_output=True)
    env = dict(os.environ, DL_HOME=str(scratch / "home"))
    cases = {"dl status": [DL, "status"], "python -c 'import dl'": [sys.executable, "-c", "import dl"],
             "python -c 'import dl; dl.Repo'": [sys.executable, "-c", "import dl; dl.Repo"],
             "python -c pass": [sys.executable, "-c", "pass"]}
    runs = {name: (lambda argv=argv: subprocess.run(argv, cwd=repo, env=env, check=True, capture_output=True))
            for name, argv in cases.items()}
    show("start-up, a new process each", medians(runs, repeat), "python -c pass")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rows = standard_rows(n)
    print(f"bench/api.py: {n:,} rows (id, a, b, c); medians; machine shared, compare ratios within this run")
    with tempfile.TemporaryDirectory(prefix="dl-bench-api-") as tmp:
        scratch = Path(tmp)
        os.environ["DL_HOME"] = str(scratch / "home")
        (scratch / "read").mkdir()
        with dl.init(scratch / "read", name="Bench", email="bench@example.com") as repo:
            repo.write("t", rows, pk="id")
            repo.commit("rows", all=True, include_new=True)
            reads(repo, rows, repeat=9)
        writes(rows, scratch, repeat=5)
        startup(scratch, repeat=11)


if __name__ == "__main__":
    main()
