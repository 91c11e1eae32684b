"""CPU per execute of sysbench's statement shapes: compiled plan (`sql.plans`) against the text path.

    python bench/plans.py [--rows 100000] [--repeat 300]

In process, no server: a sysbench-shaped `sbtest1` (`bench/server_profile.py` builds it), one
mysql-dialect session, each shape run with random keys (ranges of 100 rows) by its plan and
by `Session.run` on the statement's text (point statements: the point path; ranges: sqlglot +
DuckDB). Prints the median CPU microseconds (`time.process_time`, so a loaded machine's
waiting is not counted) of 5 rounds, and the ratio.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server_profile import make_repo  # noqa: E402

SHAPES = [
    ("point select", "SELECT c FROM sbtest1 WHERE id=?", 1),
    ("simple range", "SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ?", 2),
    ("sum range", "SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN ? AND ?", 2),
    ("order range", "SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c", 2),
    ("distinct range", "SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c", 2),
]


def cpu_us(call: Callable[[], object], repeat: int) -> float:
    rounds = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(repeat):
            call()
        rounds.append((time.process_time() - start) / repeat * 1e6)
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--repo", type=Path, help="an existing sbtest repository (else one is built)")
    args = parser.parse_args()
    from dl.core.repo import Repository
    from dl.sql.plans import compile_prepared
    from dl.sql.session import Session
    import os
    with tempfile.TemporaryDirectory(prefix="dl-bench-plans-") as tmp:
        repo = Repository.open(args.repo or make_repo(Path(tmp), args.rows))
        session = Session(repo, dialect="mysql", branch=repo.current_branch())
        pick = random.Random(1)
        print(f"{args.rows:,} rows, CPU us per execute (median of 5 x {args.repeat}); "
              f"load average {os.getloadavg()[0]:.1f}")
        print(f"{'shape':<16} {'plan':>8} {'text path':>10} {'ratio':>7}")
        for name, template, count in SHAPES:
            plan = compile_prepared(template.split("?"), "mysql")
            assert plan is not None

            def params() -> list[int]:
                low = pick.randint(1, args.rows - 100)
                return [low] if count == 1 else [low, low + 99]

            def text() -> str:
                pieces, values = template.split("?"), params()
                return pieces[0] + "".join(str(v) + p for v, p in zip(values, pieces[1:]))
            if plan.run(session, params()) is None:  # the first execute learns, as the server's does
                plan.learn(session.run(text())[-1])
            planned = cpu_us(lambda: plan.run(session, params()), args.repeat)  # noqa: B023
            general = cpu_us(lambda: session.run(text()), max(args.repeat // 5, 20))  # noqa: B023
            print(f"{name:<16} {planned:>8.0f} {general:>10.0f} {general / planned:>6.1f}x")


if __name__ == "__main__":
    main()
