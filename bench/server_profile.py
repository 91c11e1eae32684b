"""Where a `dl sql-server` query's CPU time goes, per part, under sysbench.

    python bench/server_profile.py [--rows 100000] [--time 5] [--tests oltp_point_select,oltp_read_only]

Builds a sysbench-shaped `sbtest1` (id, k, c, pad; random values as sysbench makes them) in a
fresh repository, runs the server in this process under cProfile with a CPU-time clock
(`time.process_time`: on a shared machine, wall time measures the neighbours), runs each
sysbench test against it, and prints the CPU microseconds per query of each part:

- dl: the statement path (`DlSession.run_plan` / `handle_query_results` without the
  result conversion): plan or parse, tree reads, Arrow results;
- results: Arrow -> MySQL rows and column definitions, and the binary/text row encoding;
- protocol: mysql-mimic's command loop, packet reads and parsing, writes;
- event loop: asyncio's own scheduling and socket polling.

cProfile's own cost inflates Python-heavy parts (several times), so the split, not the sum,
is the figure to read; `bench/server.py` gives the unprofiled rates.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server import free_port, sbtest_repo, wait_port  # noqa: E402

RUN = ["dl/server/session.py:run_plan", "dl/server/session.py:handle_query_results"]
ANSWER = ["dl/server/session.py:_answer"]
ENCODE = ["make_binary_resultrow", "make_column_definition_41", "write_text_rows"]


def make_repo(work: Path, rows: int) -> Path:
    import numpy as np
    rng = np.random.default_rng(1)
    csv = work / "sbtest1.csv"
    digits = rng.integers(0, 10 ** 11, (rows, 15))
    k = rng.integers(1, rows, rows)
    with csv.open("w") as out:
        out.write("id,k,c,pad\n")
        for i in range(rows):
            c = "-".join(f"{d:011d}" for d in digits[i, :10])
            pad = "-".join(f"{d:011d}" for d in digits[i, 10:])
            out.write(f"{i + 1},{k[i]},{c},{pad}\n")
    return sbtest_repo(work, csv)


class InlineExecutor(Executor):
    """Runs each call at once, on the caller's thread (the profiled one)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        done: Future[Any] = Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
            done.set_exception(exc)
        return done


def cumulative(stats: pstats.Stats, patterns: list[str]) -> float:
    """CPU seconds spent in (and under) the functions `patterns` name: `path:function`, or a
    bare name, which also matches mysql-mimic's compiled functions (profiled as built-ins)."""
    total = 0.0
    for (filename, _, name), (_, _, _, cum, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{filename}:{name}"
        if any(where.endswith(p) if ":" in p else (name == p or name.endswith("." + p + ">")) for p in patterns):
            total += cum
    return total


def profile(repo: Path, test: str, rows: int, seconds: int, top: int) -> None:
    from dl.core.repo import Repository
    from dl.server.config import ServerConfig
    from dl.server.listener import Listener
    import asyncio
    port = free_port()
    config = ServerConfig(port=port, log_level="warning", max_connections=100)
    listener = Listener(repo, config, lambda: Repository.open(repo))
    listener.executor = InlineExecutor()  # cProfile sees one thread: the worker-thread calls run inline
    profiler = cProfile.Profile(time.process_time)
    output: list[str] = []
    loops: list[asyncio.AbstractEventLoop] = []

    def sysbench(run_seconds: int) -> str:
        return subprocess.run(
            ["sysbench", test, "--mysql-host=127.0.0.1", f"--mysql-port={port}", "--mysql-user=root",
             "--mysql-db=sbtest", "--tables=1", f"--table-size={rows}", "--mysql-ssl=off", "--db-driver=mysql",
             "--threads=1", f"--time={run_seconds}", "run"], capture_output=True, text=True, check=True).stdout

    def client() -> None:  # sysbench from a thread: the server's loop keeps the main one (signals)
        try:
            wait_port(port, 60)
            sysbench(2)  # warm: imports, caches, plans learned; not profiled
            loops[0].call_soon_threadsafe(profiler.enable)
            output.append(sysbench(seconds))
            loops[0].call_soon_threadsafe(profiler.disable)
        finally:
            os.kill(os.getpid(), signal.SIGINT)  # the listener stops on it

    async def serve() -> None:
        loops.append(asyncio.get_running_loop())
        await listener.serve()
    thread = threading.Thread(target=client)
    thread.start()
    asyncio.run(serve())
    thread.join()
    out = output[0]
    queries = int(out.split("queries:")[1].split()[0])
    stats = pstats.Stats(profiler)
    total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
    command = cumulative(stats, ["mysql_mimic/connection.py:command_phase"])
    run, answer, encode = cumulative(stats, RUN), cumulative(stats, ANSWER), cumulative(stats, ENCODE)
    parts = {"dl statement path": run - answer, "results (Arrow -> MySQL rows, encoding)": answer + encode,
             "protocol (mimic: read, parse, write)": command - run - encode, "event loop": total - command}
    print(f"{test}: {queries} queries, load average {os.getloadavg()[0]:.1f}; CPU us per query (profiled)")
    for name, spent in parts.items():
        print(f"  {name:<42} {spent / queries * 1e6:8.0f}")
    if top:
        stats.sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(top)
    if os.environ.get("PROFILE_CALLEES"):
        stats.print_callees(os.environ["PROFILE_CALLEES"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--time", type=int, default=5)
    parser.add_argument("--tests", default="oltp_point_select,oltp_read_only")
    parser.add_argument("--top", type=int, default=0, help="also list the N functions of most own CPU time")
    parser.add_argument("--repo", type=Path, help="an existing sbtest repository (else one is built)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dl-bench-profile-") as tmp:
        repo = args.repo or make_repo(Path(tmp), args.rows)
        for test in args.tests.split(","):
            profile(repo, test, args.rows, args.time, args.top)


if __name__ == "__main__":
    main()
