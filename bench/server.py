"""sysbench against `dl sql-server` and against MariaDB, the same 100k-row table, one run.

    python bench/server.py [--rows 100000] [--time 10] [--workers 2] [--warmup 1]
                           [--tests oltp_read_write] [--threads 1] [--rounds 3]

Both servers come from what a user has: MariaDB from Debian's package (`mariadbd`, its own
data directory under a temp dir, 127.0.0.1, no grant tables), dl from this checkout. sysbench
(Debian's 1.0.20) prepares `sbtest1` in MariaDB; the same rows are exported and imported into
a fresh dl repository with `dl table import`. Then oltp_point_select, oltp_read_only and
oltp_read_write, in sysbench's default mode (prepared statements, as libmysqlclient sends
them), with 1 and 4 threads, against both. For 4 threads dl runs `--workers` server processes
on one port (SO_REUSEPORT) over one store; the CPU seconds the dl processes used per wall
second of that run show whether both cores were busy. Before each timed run, both servers get
`--warmup` seconds of the same test, untimed (caches; the plans a dl process learns from its
first executes, `sql.plans`). Prints queries/s, transactions/s and the ratio MariaDB/dl for
each, with the load average before and after each pair of runs. The machine may be shared: figures of one run only compare
with each other.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS = ("oltp_point_select", "oltp_read_only", "oltp_read_write")
AIMS = {"oltp_point_select": 3.0, "oltp_read_only": 5.0, "oltp_read_write": 5.0}  # MariaDB/dl at most


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done = subprocess.run(["mariadb", "-h127.0.0.1", f"-P{port}", "-uroot", "--skip-ssl", "-e", "select 1"],
                              capture_output=True, check=False)
        if done.returncode == 0:
            return
        time.sleep(0.5)
    raise SystemExit(f"no MySQL answer on port {port} after {seconds} s")


def sysbench_args(port: int, rows: int) -> list[str]:
    return ["--mysql-host=127.0.0.1", f"--mysql-port={port}", "--mysql-user=root", "--mysql-db=sbtest",
            "--tables=1", f"--table-size={rows}", "--mysql-ssl=off", "--db-driver=mysql"]


def run_sysbench(test: str, port: int, rows: int, threads: int, seconds: int) -> tuple[float, float]:
    """(queries/s, transactions/s) of one sysbench run; exits on a sysbench error."""
    out = subprocess.run(["sysbench", test, *sysbench_args(port, rows), f"--threads={threads}",
                          f"--time={seconds}", "run"], capture_output=True, text=True, check=False)
    if "FATAL" in out.stdout + out.stderr or out.returncode != 0:
        raise SystemExit(f"sysbench {test} on port {port} failed: {(out.stdout + out.stderr)[-400:]}")
    qps = float(re.search(r"queries:\s+\d+\s+\(([\d.]+) per sec", out.stdout).group(1))  # type: ignore[union-attr]
    tps = float(re.search(r"transactions:\s+\d+\s+\(([\d.]+) per sec", out.stdout).group(1))  # type: ignore[union-attr]
    return qps, tps


def start_mariadb(work: Path, rows: int) -> tuple[subprocess.Popen[bytes], int]:
    data = work / "mdb"
    data.mkdir()
    os.chmod(work, 0o755)
    shutil.chown(data, "mysql", "mysql")
    subprocess.run(["mariadb-install-db", "--user=mysql", f"--datadir={data}"], check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen(["mariadbd", "--user=mysql", f"--datadir={data}", f"--port={port}",
                                f"--socket={data}/mdb.sock", "--bind-address=127.0.0.1", "--skip-grant-tables",
                                "--skip-log-bin"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, 60)
    subprocess.run(["mariadb", "-h127.0.0.1", f"-P{port}", "-uroot", "--skip-ssl", "-e", "create database sbtest"],
                   check=True)
    subprocess.run(["sysbench", "oltp_point_select", *sysbench_args(port, rows), "prepare"], check=True,
                   capture_output=True)
    return process, port


def load_dl(work: Path, mariadb_port: int) -> Path:
    """The same rows in a dl repository named sbtest (so the database names match)."""
    csv = work / "sbtest1.csv"
    rows = subprocess.run(["mariadb", "-h127.0.0.1", f"-P{mariadb_port}", "-uroot", "--skip-ssl", "-B", "-N",
                           "sbtest", "-e", "select id, k, c, pad from sbtest1 order by id"],
                          check=True, capture_output=True, text=True).stdout
    csv.write_text("id,k,c,pad\n" + rows.replace("\t", ","))
    return sbtest_repo(work, csv)


def sbtest_repo(work: Path, csv: Path) -> Path:
    """A dl repository `work/sbtest` with `csv` committed as the table sbtest1."""
    repo = work / "sbtest"
    repo.mkdir()
    for args in (["init", "--name", "bench", "--email", "bench@example.com"],
                 ["table", "import", "-c", "--pk", "id", "sbtest1", str(csv)], ["add", "."],
                 ["commit", "-m", "sysbench table"]):
        subprocess.run([dl_command(), *args], cwd=repo, check=True, capture_output=True)
    return repo


def dl_command() -> str:
    here = Path(sys.executable).parent / "dl"
    return str(here) if here.exists() else "dl"


def start_dl(repo: Path, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen([dl_command(), "sql-server", "-P", str(port), "-l", "warning",
                                "--workers", str(workers)], cwd=repo, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, 60)
    return process, port


def tree_cpu_seconds(pid: int) -> float:
    """User+system CPU seconds of `pid` and its children (the workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--time", type=int, default=10, help="seconds per sysbench run")
    parser.add_argument("--workers", type=int, default=2, help="dl server processes for the 4-thread runs")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of untimed sysbench before each run, both servers")
    parser.add_argument("--tests", default=",".join(TESTS), help="sysbench tests to run, comma-separated")
    parser.add_argument("--threads", default="1,4", help="sysbench thread counts to run, comma-separated")
    parser.add_argument("--rounds", type=int, default=1, help="repeat every run; the median ratio is printed last")
    args = parser.parse_args()
    ratios: dict[tuple[str, int], list[float]] = {}
    for tool in ("sysbench", "mariadbd", "mariadb", "mariadb-install-db"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: apt-get install -y sysbench mariadb-server mariadb-client")
    with tempfile.TemporaryDirectory(prefix="dl-bench-server-") as tmp:
        work = Path(tmp)
        mariadb, mport = start_mariadb(work, args.rows)
        try:
            repo = load_dl(work, mport)
            print(f"sysbench {args.rows:,}-row sbtest1, {args.time} s per run, prepared statements; "
                  f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            print(f"{'test':<18} {'threads':>7} {'MariaDB q/s':>12} {'dl q/s':>9} {'dl tps':>8} "
                  f"{'ratio':>6} {'aim':>5}  dl CPU s/s")
            for threads in [int(t) for t in args.threads.split(",")] * args.rounds:
                workers = 1 if threads == 1 else args.workers
                server, dport = start_dl(repo, workers)
                try:
                    for test in args.tests.split(","):
                        if args.warmup:  # untimed: caches, and the plans each dl process learns first
                            run_sysbench(test, mport, args.rows, threads, args.warmup)
                            run_sysbench(test, dport, args.rows, threads, args.warmup)
                        m_qps, _ = run_sysbench(test, mport, args.rows, threads, args.time)
                        before, start = tree_cpu_seconds(server.pid), time.monotonic()
                        d_qps, d_tps = run_sysbench(test, dport, args.rows, threads, args.time)
                        cpu = (tree_cpu_seconds(server.pid) - before) / (time.monotonic() - start)
                        ratio = m_qps / max(d_qps, 1e-9)
                        ratios.setdefault((test, threads), []).append(ratio)
                        print(f"{test:<18} {threads:>7} {m_qps:>12.0f} {d_qps:>9.0f} {d_tps:>8.1f} "
                              f"{ratio:>5.1f}x {AIMS[test]:>4.0f}x  {cpu:.2f} ({workers} process(es)), "
                              f"load {os.getloadavg()[0]:.1f}", flush=True)
                finally:
                    stop(server)
            if args.rounds > 1:
                print(f"median ratio MariaDB/dl over {args.rounds} rounds (load {os.getloadavg()[0]:.1f}):")
                for (test, threads), seen in ratios.items():
                    print(f"  {test:<18} {threads:>2} thread(s) {statistics.median(seen):5.2f}x "
                          f"(aim {AIMS[test]:.0f}x; runs {', '.join(f'{r:.2f}' for r in seen)})")
        finally:
            stop(mariadb)


if __name__ == "__main__":
    main()
