"""SQL benchmark (issue 5): dl's query layer beside DuckDB on a Parquet file of the same rows.

    python bench/sql.py [ROWS ...] [--no-cli]        (default 10000 100000 1000000)

For each size: a repository on disk (SQLite store) holding t (the standard rows: id, a, b, c)
and d (10k rows), a Parquet file of each, and a DuckDB database file holding the same two
tables. The same SQL runs in the same run:

- in-process: through `sql.Session`, beside DuckDB in this process over the Parquet files
  (`read_parquet` views). Medians (ms) after a warm-up, so both sides read warm caches; `cold`
  is dl's first run of the query in a fresh session with empty caches (decoding the leaves).
  Updates run beside DuckDB updating its database file (a Parquet file cannot be updated).
- through the CLI (largest size, unless --no-cli): `dl sql -q ... -r csv` as a new process
  each time, beside a new Python process running the same SQL with DuckDB on the Parquet files
  (updates: on the DuckDB file); process start-up included on both sides.

Then the aims of the issue are checked against this run's figures, and DoltLite (the peer,
`bench/peer.py`, in its own process) is printed beside when it is installed. These machines are
shared and noisy: compare the ratios within one run.
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dl.core.prolly.tree import NODE_CACHE
from dl.core.repo import Author, Repository
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table
from dl.sql.session import Session

from bench import peer
from bench.common import median_time, standard_rows

READS = {
    "point select": "select * from t where id = {k}",
    "count/sum": "select count(*), sum(a), sum(c) from t",
    "group by": "select a % 100 as g, count(*), avg(c) from t group by g",
    "join 10k": "select count(*), sum(t.c * d.w) from t join d on t.a % 10000 = d.id",
    "top-10": "select id, b, c from t order by c desc limit 10",
    "window": "select count(*) from (select rank() over (partition by a % 1000 order by c desc) as r from t) "
              "where r <= 3",
}
UPDATES = {
    "update 1 row": "update t set a = a + 1 where id = {k}",
    "update 10k rows": "update t set a = a + 1 where id between {k} and {k} + 9999",
}
AGGREGATES = ("count/sum", "group by", "join 10k", "top-10", "window")
DUCK_PROCESS = """
import sys, duckdb
con = duckdb.connect(sys.argv[1]) if sys.argv[1].endswith('.duckdb') else duckdb.connect()
for name, path in zip(('t', 'd'), sys.argv[2:4]):
    if path != '-':
        con.execute(f"create view {name} as select * from read_parquet('{path}')")
print(con.sql(sys.argv[4]).fetchall() if sys.argv[4].startswith('select') else con.execute(sys.argv[4]).fetchall())
"""

Row = tuple[str, float, float, float]  # label, dl ms, duckdb ms, dl cold ms (nan: not measured)


def dimension() -> pa.Table:
    rng = np.random.default_rng(9)
    return pa.table({"id": pa.array(np.arange(10_000), pa.int64()),
                     "name": pa.array([f"n{i}" for i in range(10_000)]),
                     "w": pa.array(rng.random(10_000))})


def load(repo: Repository, name: str, rows: pa.Table) -> None:
    schema = TableSchema.from_arrow(rows.schema, ["id"])
    repo.write_table(name, lambda current, buffer: Table.empty(buffer, schema).replace_rows(rows))


class Setup:
    """The repository, Parquet files and DuckDB database of one size."""

    def __init__(self, n: int, workdir: Path) -> None:
        rows, dim = standard_rows(n), dimension()
        self.n, self.directory = n, workdir / f"r{n}"
        self.directory.mkdir()
        self.repo = Repository.init(self.directory, author=Author("bench", "bench@localhost"))
        load(self.repo, "t", rows)
        load(self.repo, "d", dim)
        self.parquet = {name: workdir / f"{name}{n}.parquet" for name in ("t", "d")}
        for name, table in (("t", rows), ("d", dim)):
            pq.write_table(table, self.parquet[name])
        self.duck_file = workdir / f"db{n}.duckdb"
        with duckdb.connect(str(self.duck_file)) as con:
            for name, path in self.parquet.items():
                con.execute(f"create table {name} as select * from read_parquet('{path}')")
        self.key = max(1, n // 2)
        self.update_key = max(1, min(self.key, n - 10_000))


def in_process(setup: Setup) -> list[Row]:
    duck = duckdb.connect()
    for name, path in setup.parquet.items():
        duck.execute(f"create view {name} as select * from read_parquet('{path}')")
    session = Session(setup.repo)
    out = []
    for label, template in READS.items():
        text = template.format(k=setup.key)
        NODE_CACHE.clear()
        with Session(setup.repo) as fresh:
            start = time.perf_counter()
            fresh.run(text)
            cold = time.perf_counter() - start
        session.run(text)
        duck.sql(text).fetchall()
        repeat = 21 if label == "point select" else 7
        mine = median_time(lambda text=text: session.run(text), repeat)
        theirs = median_time(lambda text=text: duck.sql(text).fetchall(), repeat)
        out.append((label, mine * 1e3, theirs * 1e3, cold * 1e3))
    native = duckdb.connect(str(setup.duck_file))
    for label, template in UPDATES.items():
        text = template.format(k=setup.update_key)
        session.run(text)
        native.execute(text)
        mine = median_time(lambda text=text: session.run(text), 7)
        theirs = median_time(lambda text=text: native.execute(text), 7)
        out.append((label, mine * 1e3, theirs * 1e3, math.nan))
    native.close()
    session.close()
    return out


def through_cli(setup: Setup) -> list[Row]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = []
    for label, template in {**READS, **UPDATES}.items():
        text = template.format(k=setup.key if label in READS else setup.update_key)
        mine_cmd = [sys.executable, "-m", "dl", "sql", "-q", text, "-r", "csv"]
        if label in READS:
            target = [":memory:", str(setup.parquet["t"]), str(setup.parquet["d"])]
        else:
            target = [str(setup.duck_file), "-", "-"]
        theirs_cmd = [sys.executable, "-c", DUCK_PROCESS, *target, text]

        def run(command: list[str]) -> None:
            subprocess.run(command, cwd=setup.directory, env=env, check=True, capture_output=True)
        mine = median_time(lambda: run(mine_cmd), 3)
        theirs = median_time(lambda: run(theirs_cmd), 3)
        out.append((f"CLI {label}", mine * 1e3, theirs * 1e3, math.nan))
    return out


def interleaved_point_selects(small: Setup, large: Setup, rounds: int = 200) -> tuple[float, float]:
    """Median ms of a point select at the smallest and the largest size, measured in alternation
    (one of each per round), so that the machine's load drifts over both alike."""
    times: dict[int, list[float]] = {small.n: [], large.n: []}
    with Session(small.repo) as one, Session(large.repo) as other:
        pairs = [(one, small), (other, large)]
        for session, setup in pairs:
            session.run(READS["point select"].format(k=setup.key))
        for i in range(rounds):
            for session, setup in pairs:
                text = READS["point select"].format(k=(setup.key + i * 7919) % setup.n + 1)
                start = time.perf_counter()
                session.run(text)
                times[setup.n].append(time.perf_counter() - start)
    return (float(np.median(times[small.n])) * 1e3, float(np.median(times[large.n])) * 1e3)


def print_rows(n: int, rows: list[Row]) -> None:
    for label, mine, theirs, cold in rows:
        ratio = mine / theirs if theirs > 0 else math.nan
        cold_text = "" if math.isnan(cold) else f"{cold:>10.1f}"
        print(f"{label:<20}{n:>10,}{mine:>10.2f}{theirs:>12.2f}{ratio:>8.2f}{cold_text}", flush=True)


def check_aims(results: dict[int, dict[str, Row]], flat: tuple[float, float] | None) -> None:
    """The issue's aims against this run's figures: one line each, ok or MISSED."""
    sizes = sorted(results)
    largest = results[sizes[-1]]
    point = {n: results[n]["point select"][1] for n in sizes}
    lines = [(f"in-process point select under 5 ms at every size "
              f"({', '.join(f'{n:,}: {ms:.2f} ms' for n, ms in point.items())})",
              all(ms < 5 for ms in point.values()))]
    if flat is not None:
        lines.append((f"point select flat from {sizes[0]:,} to {sizes[-1]:,} rows (interleaved, different keys): "
                      f"{flat[0]:.2f} ms vs {flat[1]:.2f} ms, {flat[1] / flat[0]:.2f}x", flat[1] <= 1.5 * flat[0]))
    for label in AGGREGATES:
        _, mine, theirs, _ = largest[label]
        lines.append((f"{label} within 2x of DuckDB on Parquet at {sizes[-1]:,} rows: {mine / theirs:.2f}x",
                      mine <= 2 * theirs))
    one = largest["update 1 row"][1]
    lines.append((f"1-row UPDATE under 50 ms in-process at {sizes[-1]:,} rows: {one:.1f} ms", one < 50))
    print("\naims:")
    for text, ok in lines:
        print(f"  {'ok    ' if ok else 'MISSED'} {text}")


def print_peer(sizes: list[int]) -> None:
    figures = peer.measure(sizes)
    if figures is None:
        print("\nDoltLite (peer): not run (no Python with doltlite; see ../shared/peers/README.md)")
        return
    print("\nDoltLite (peer, own process): group by ms, point update+commit ms")
    for n in sizes:
        r = figures.get(n, {})
        print(f"  {n:>10,}  group by {r.get('group_by_ms', math.nan):8.1f}   "
              f"update+commit {r.get('update_commit_ms', math.nan):6.2f}")


def main(argv: list[str]) -> None:
    cli = "--no-cli" not in argv
    sizes = sorted(int(a) for a in argv if not a.startswith("-")) or [10_000, 100_000, 1_000_000]
    results: dict[int, dict[str, Row]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'query':<20}{'rows':>10}{'dl ms':>10}{'duckdb ms':>12}{'ratio':>8}{'dl cold':>10}")
        setups = []
        for n in sizes:
            setup = Setup(n, Path(tmp))
            setups.append(setup)
            rows = in_process(setup)
            results[n] = {r[0]: r for r in rows}
            if cli and n == sizes[-1]:
                rows += through_cli(setup)
            print_rows(n, rows)
        flat = interleaved_point_selects(setups[0], setups[-1]) if len(setups) > 1 else None
        for setup in setups:
            setup.repo.close()
    check_aims(results, flat)
    print_peer(sizes)


if __name__ == "__main__":
    main(sys.argv[1:])
