"""Secondary-index benchmark (issue 14): lookups, build time, store growth, selectivity.

    python bench/indexes.py [ROWS]        (default 1000000)

A repository on disk (SQLite store) holds the standard rows (id, a int, b ~10-char string made
distinct, c float) twice: `t` with indexes on b (UNIQUE) and a, `plain` without. In the same process:

- point lookup by b (a secondary index) through `sql.Session`, warm and cold (empty node cache,
  fresh session), beside the same query without the index (a scan of `plain`) and beside DuckDB
  on a Parquet file of the rows (`read_parquet` view) with the same filter; medians over
  different keys;
- index build: CREATE INDEX on 1M rows (int and string columns), and an import of the rows
  into a table that has both indexes (`-r` replace) beside the same import into one without;
- store growth: bytes of chunks the indexes add, and what a committed one-row UPDATE adds with
  and without indexes;
- selectivity: range reads `a BETWEEN x AND y` of growing share, forced through the index and
  forced to a scan, to check `sql.index_lookup.LEAF_SHARE`.

The machine is shared (2 cores, 8 engineers): read ratios within a run, not absolute figures.
"""
from __future__ import annotations

import os
import statistics
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
from dl.core.tables.importer import ImportMode, import_rows
from dl.sql import index_lookup
from dl.sql.session import Session

from bench.common import median_time, standard_rows

ME = Author("bench", "bench@localhost")


def chunk_bytes(repo: Repository) -> int:
    """Stored bytes of chunk bodies (after compression) in the repository's SQLite store."""
    import sqlite3
    with sqlite3.connect(str(repo.directory / ".dl" / "store.db")) as con:  # type: ignore[operator]
        return int(con.execute("select coalesce(sum(length(body)), 0) from chunks").fetchone()[0])


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_cpu(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    """Median CPU seconds (this process, all threads) of `repeat` calls."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def cold_run(repo: Repository, text: str) -> float:
    """Seconds of `text` in a fresh session with an empty node cache (median of 3)."""
    times = []
    for _ in range(3):
        NODE_CACHE.clear()
        with Session(repo) as fresh:
            times.append(timed(lambda: fresh.run(text)))
    return statistics.median(times)


def main(n: int) -> None:
    rng = np.random.default_rng(11)
    rows = standard_rows(n)
    unique_b = np.char.add("s", np.char.zfill(rng.permutation(n).astype(str), 9)).astype(object)
    rows = rows.set_column(2, "b", pa.array(unique_b, pa.string()))  # distinct, for the UNIQUE index
    keys = [rows.column("b")[int(i)].as_py() for i in rng.integers(0, n, 41)]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        repo = Repository.init(work / "repo", author=ME)
        parquet = work / "t.parquet"
        pq.write_table(rows, parquet)
        print(f"rows: {n:,}  (machine shared and loaded: read ratios)")

        # --- build -------------------------------------------------------------------------
        plain_import = timed(lambda: import_rows(repo, "plain", rows, ImportMode.CREATE, primary_key=["id"]))
        import_rows(repo, "t", rows, ImportMode.CREATE, primary_key=["id"])
        repo.commit("rows", include_new=True, author=ME)
        before = chunk_bytes(repo)
        session = Session(repo)
        build_b = timed(lambda: session.run("create unique index ub on t (b)"))
        build_a = timed(lambda: session.run("create index ia on t (a)"))
        grown = chunk_bytes(repo) - before
        repo.commit("indexes", stage_all=True, author=ME)
        schema = repo.table("t").schema
        indexed_import = timed(lambda: import_rows(repo, "t", rows, ImportMode.REPLACE, schema=schema))
        plain_replace = timed(lambda: import_rows(repo, "plain", rows, ImportMode.REPLACE,
                                                  schema=repo.table("plain").schema))
        print("\nindex build")
        print(f"  CREATE UNIQUE INDEX on b (string): {build_b * 1e3:8.0f} ms")
        print(f"  CREATE INDEX on a (int64):          {build_a * 1e3:8.0f} ms")
        print(f"  import -c without indexes:          {plain_import * 1e3:8.0f} ms")
        print(f"  import -r into t with 2 indexes:    {indexed_import * 1e3:8.0f} ms  "
              f"(without: {plain_replace * 1e3:.0f} ms, x{indexed_import / plain_replace:.2f})")
        print("\nstore growth")
        print(f"  two index trees: {grown / 1e6:.1f} MB of chunks (rows alone: {before / 1e6:.1f} MB "
              f"for two tables)")
        for label, table in (("t (2 indexes)", "t"), ("plain", "plain")):
            start = chunk_bytes(repo)
            session.run(f"update {table} set a = a + 1, b = b || 'x' where id = {n // 3}")
            repo.commit(f"one row of {table}", stage_all=True, author=ME)
            print(f"  one-row UPDATE + commit on {label}: +{(chunk_bytes(repo) - start) / 1e3:.1f} kB")

        # --- point lookups -----------------------------------------------------------------
        duck = duckdb.connect()
        duck.execute(f"create view t as select * from read_parquet('{parquet}')")
        queries = [f"select * from t where b = '{k}'" for k in keys]
        scans = [q.replace("from t ", "from plain ") for q in queries]
        session.run(queries[0])
        session.run(scans[0])
        cold = []
        for text in queries[1:6]:
            NODE_CACHE.clear()
            with Session(repo) as fresh:
                cold.append(timed(lambda text=text: fresh.run(text)))
        table = repo.table("t")
        index = table.schema.index("ub")
        ranges = [[(index_lookup._encoded(k, pa.string()),
                    index_lookup._encoded(k, pa.string()) + b"\x02")] for k in keys]
        it_r = iter(ranges * 3)
        core_wall = median_time(lambda: index_lookup.fetch_by_index(table, index, next(it_r)), 41)
        it_r = iter(ranges * 3)
        core_cpu = median_cpu(lambda: index_lookup.fetch_by_index(table, index, next(it_r)), 41)
        it = iter(queries * 3)
        mine_cpu = median_cpu(lambda: session.run(next(it)), 41)
        it_d = iter(queries * 3)
        theirs_cpu = median_cpu(lambda: duck.sql(next(it_d)).fetchall(), 21)
        it = iter(queries * 3)
        mine = median_time(lambda: session.run(next(it)), 41)
        it_s = iter(scans * 3)
        scan = median_time(lambda: session.run(next(it_s)), 9)
        it_d = iter(queries * 3)
        theirs = median_time(lambda: duck.sql(next(it_d)).fetchall(), 21)
        print("\npoint lookup by secondary index (b = literal), medians")
        print(f"  dl, index, warm:        {mine * 1e3:8.2f} ms   (aim < 5 ms)")
        print(f"  dl, index, cold:        {statistics.median(cold) * 1e3:8.2f} ms")
        print(f"  dl, no index (scan):    {scan * 1e3:8.2f} ms   (x{scan / mine:.0f})")
        print(f"  DuckDB on Parquet:      {theirs * 1e3:8.2f} ms   (dl/DuckDB x{mine / theirs:.2f})")
        print(f"  CPU time (all threads; less sensitive to load): dl SQL {mine_cpu * 1e3:.2f} ms, "
              f"DuckDB on Parquet {theirs_cpu * 1e3:.2f} ms")
        print(f"  the lookup alone (index range + key lookup, no SQL): {core_wall * 1e3:.2f} ms wall, "
              f"{core_cpu * 1e3:.2f} ms CPU")

        # --- selectivity -------------------------------------------------------------------
        print("\nrange a BETWEEN x AND y: forced index vs forced scan, medians; cold: fresh session, "
              "empty node cache")
        leaves = index_lookup.estimated_leaves(repo.table("t").tree)
        print(f"  row tree: ~{leaves:.0f} leaves")
        print("  share     rows   rows/leaves   warm: index ms  scan ms  ratio   cold: index ms  scan ms  ratio")
        saved = index_lookup.WARM_LEAF_SHARE, index_lookup.COLD_LEAF_SHARE
        try:
            for share in (0.00001, 0.00003, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03):
                high = int(share * 10**6)
                text = f"select count(*), sum(c) from t where a between 0 and {high}"
                index_lookup.WARM_LEAF_SHARE = index_lookup.COLD_LEAF_SHARE = 1e9
                count = session.query(text).column(0)[0].as_py()
                by_index = median_time(lambda text=text: session.run(text), 5)
                cold_index = cold_run(repo, text)
                index_lookup.WARM_LEAF_SHARE = index_lookup.COLD_LEAF_SHARE = 0.0
                session.run(text)
                by_scan = median_time(lambda text=text: session.run(text), 5)
                cold_scan = cold_run(repo, text)
                print(f"  {share:6.3%} {count:8d}   {count / leaves:10.3f}   {by_index * 1e3:13.1f} "
                      f"{by_scan * 1e3:8.1f} {by_index / by_scan:6.2f}   {cold_index * 1e3:13.1f} "
                      f"{cold_scan * 1e3:8.1f} {cold_index / cold_scan:6.2f}")
        finally:
            index_lookup.WARM_LEAF_SHARE, index_lookup.COLD_LEAF_SHARE = saved
        print(f"  (in use: an index up to {saved[0]} rows per leaf warm, {saved[1]} cold)")
        os.sync()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
