"""SQL benchmark (issue 5): dl's query layer beside DuckDB on a Parquet file of the same rows.

    python bench/sql.py [ROWS ...] [--cli]        (default 10000 100000 1000000)

For each size: a repository on disk (SQLite store) holding t (the standard rows: id, a, b, c)
and d (10k rows), and a Parquet file of each. The same SQL runs in-process through
`sql.Session` and through DuckDB over the Parquet files (`read_parquet` views), in the same
run; times are medians (ms) after a warm-up, so both sides read from warm caches. Updates are
compared with DuckDB updating its own in-memory table (a Parquet file cannot be updated in
place). With --cli, the largest size also times `dl sql -q` end to end (process start-up
included). These machines are shared and noisy: compare the ratios within one run.
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import median_time, standard_rows
from core.repo import Author, Repository
from core.schema import TableSchema
from core.table import Table
from sql.session import Session

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


def dimension() -> pa.Table:
    rng = np.random.default_rng(9)
    return pa.table({"id": pa.array(np.arange(10_000), pa.int64()),
                     "name": pa.array([f"n{i}" for i in range(10_000)]),
                     "w": pa.array(rng.random(10_000))})


def load(repo: Repository, name: str, rows: pa.Table) -> None:
    schema = TableSchema.from_arrow(rows.schema, ["id"])
    repo.write_table(name, lambda current, buffer: Table.empty(buffer, schema).replace_rows(rows))


def run(n: int, workdir: Path, cli: bool) -> list[tuple[str, float, float]]:
    rows, dim = standard_rows(n), dimension()
    directory = workdir / f"r{n}"
    directory.mkdir()
    repo = Repository.init(directory, author=Author("bench", "bench@localhost"))
    load(repo, "t", rows)
    load(repo, "d", dim)
    for name, table in (("t", rows), ("d", dim)):
        pq.write_table(table, workdir / f"{name}{n}.parquet")
    duck = duckdb.connect()
    for name in ("t", "d"):
        duck.execute(f"create view {name} as select * from read_parquet('{workdir / f'{name}{n}.parquet'}')")
    session = Session(repo)
    key = max(1, n // 2)
    out = []
    for label, template in READS.items():
        text = template.format(k=key)
        session.run(text)
        duck.sql(text).to_arrow_table()
        repeat = 15 if label == "point select" else 5
        mine = median_time(lambda text=text: session.run(text), repeat)
        theirs = median_time(lambda text=text: duck.sql(text).to_arrow_table(), repeat)
        out.append((label, mine * 1e3, theirs * 1e3))
    native = duckdb.connect()
    native.execute(f"create table t as select * from read_parquet('{workdir / f't{n}.parquet'}')")
    for label, template in UPDATES.items():
        text = template.format(k=max(1, min(key, n - 10_000)))
        session.run(text)
        mine = median_time(lambda text=text: session.run(text), 5)
        theirs = median_time(lambda text=text: native.execute(text), 5)
        out.append((label, mine * 1e3, theirs * 1e3))
    if cli:
        out += _cli_times(directory, key)
    session.close()
    repo.close()
    return out


def _cli_times(directory: Path, key: int) -> list[tuple[str, float, float]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = []
    for label in ("point select", "count/sum"):
        text = READS[label].format(k=key)
        command = [sys.executable, "-m", "dl", "sql", "-q", text, "-r", "csv"]
        time_taken = median_time(lambda command=command: subprocess.run(command, cwd=directory, env=env, check=True,
                                                        capture_output=True), 3)
        out.append((f"CLI {label}", time_taken * 1e3, float("nan")))
    return out


def main(argv: list[str]) -> None:
    cli = "--cli" in argv
    sizes = [int(a) for a in argv if not a.startswith("-")] or [10_000, 100_000, 1_000_000]
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'query':<18}{'rows':>10}{'dl ms':>11}{'duckdb ms':>12}{'ratio':>8}")
        for n in sizes:
            for label, mine, theirs in run(n, Path(tmp), cli and n == max(sizes)):
                ratio = mine / theirs if not math.isnan(theirs) and theirs > 0 else float("nan")
                print(f"{label:<18}{n:>10,}{mine:>11.2f}{theirs:>12.2f}{ratio:>8.2f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
