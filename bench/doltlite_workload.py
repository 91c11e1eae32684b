"""DoltLite (the peer) on dl's bench workload, run as a separate process by `bench/peer.py`.

`import doltlite` swaps the SQLite library of the whole process, so this file is never imported
by dl or its benches; it is run with `python bench/doltlite_workload.py N [N ...]` and prints
one JSON line per size: import+commit seconds, bytes, one-row update+commit ms (median of 20),
one-row diff ms, group-by ms.
"""
from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time


def rows(n: int, seed: int = 7):
    r = random.Random(seed)
    for i in range(1, n + 1):
        yield (i, r.randrange(10**6), f"s{r.randrange(10**8):08d}", round(r.random() * 1000, 4))


def size(path: str) -> int:
    return sum(os.path.getsize(path + s) for s in ("", "-wal", "-journal") if os.path.exists(path + s))


def run(n: int, directory: str) -> dict:
    import sqlite3

    import doltlite  # noqa: F401  (patches sqlite3 with Dolt's storage and functions)
    path = os.path.join(directory, f"peer-{n}.db")
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("create table t (id integer primary key, a integer, b text, c real)")
    con.execute("select dolt_commit('-Am', 'schema')")
    data = list(rows(n))
    out: dict = {"engine": "doltlite", "rows": n}
    start = time.perf_counter()
    con.execute("begin")
    con.executemany("insert into t values (?,?,?,?)", data)
    con.execute("commit")
    con.execute("select dolt_commit('-am', 'import')")
    out["import_commit_s"] = time.perf_counter() - start
    out["bytes"] = size(path)
    times = []
    for i in range(20):
        start = time.perf_counter()
        con.execute("update t set a = a + 1 where id = ?", ((i * 9973) % n + 1,))
        con.execute("select dolt_commit('-am', ?)", (f"u{i}",))
        times.append(time.perf_counter() - start)
    out["update_commit_ms"] = statistics.median(times) * 1000
    diffs = []
    for _ in range(5):
        start = time.perf_counter()
        con.execute("select count(*) from dolt_diff_t where to_commit = "
                    "(select commit_hash from dolt_log limit 1)").fetchall()
        diffs.append(time.perf_counter() - start)
    out["diff_ms"] = statistics.median(diffs) * 1000
    start = time.perf_counter()
    con.execute("select a % 100, count(*), avg(c) from t group by 1").fetchall()
    out["group_by_ms"] = (time.perf_counter() - start) * 1000
    con.close()
    return out


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        for size_arg in sys.argv[1:] or ["1000000"]:
            print(json.dumps(run(int(size_arg), scratch)), flush=True)
