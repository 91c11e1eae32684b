"""What the DuckDB lock (`dl.sql.engine.connect`) costs a query: nothing, measured.

    python bench/engine_lock.py [ROWS]        (default 1000000)

Registers the same Arrow table (id, a, b, c) in a plain `duckdb.connect()` and in a locked
`engine.connect()`, runs the same queries on both, interleaved, and prints medians (ms) and the
locked/plain ratio, plus the cost of opening a connection. The machine is shared and noisy:
read the ratios of one run.
"""
from __future__ import annotations

import statistics
import sys
import time

import duckdb
import numpy as np
import pyarrow as pa
from dl.sql import engine

QUERIES = {
    "count": "select count(*) from t",
    "aggregate": "select a % 100 as g, sum(c), count(*) from t group by g order by g",
    "point": "select * from t where id = 123456",
    "sort-limit": "select * from t order by c desc limit 10",
}


def rows(n: int) -> pa.Table:
    rng = np.random.default_rng(7)
    return pa.table({"id": np.arange(n), "a": rng.integers(0, 10**6, n),
                     "b": pa.array([f"s{i:08d}" for i in rng.integers(0, 10**8, n)]),
                     "c": rng.random(n) * 1000})


def timed(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    start = time.perf_counter()
    con.sql(sql).to_arrow_table()
    return (time.perf_counter() - start) * 1000


def main(n: int) -> None:
    table = rows(n)
    plain, locked = duckdb.connect(), engine.connect()
    for con in (plain, locked):
        con.register("t", table)
    print(f"{n:,} rows; median ms of 15 interleaved runs (machine shared, loaded)")
    for name, sql in QUERIES.items():
        times: dict[str, list[float]] = {"plain": [], "locked": []}
        for _ in range(15):
            times["plain"].append(timed(plain, sql))
            times["locked"].append(timed(locked, sql))
        p, lk = statistics.median(times["plain"]), statistics.median(times["locked"])
        print(f"  {name:<11} plain {p:8.2f}  locked {lk:8.2f}  ratio {lk / p:5.2f}")
    opens: dict[str, list[float]] = {"plain": [], "locked": []}
    for _ in range(30):
        start = time.perf_counter(); duckdb.connect().close(); opens["plain"].append((time.perf_counter() - start) * 1000)
        start = time.perf_counter(); engine.connect().close(); opens["locked"].append((time.perf_counter() - start) * 1000)
    p, lk = statistics.median(opens["plain"]), statistics.median(opens["locked"])
    print(f"  {'connect':<11} plain {p:8.2f}  locked {lk:8.2f}  ratio {lk / p:5.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
