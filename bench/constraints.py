"""What constraints cost (issue 14, points 2-3), as ratios within one process.

    python bench/constraints.py [ROWS] [--repeat N]        (default 100000 rows, 200 repeats)

- a 1-row UPDATE by primary key (the point path) on a table without constraints, with the
  constraint check (`sql.referential.enforce`) in place and bypassed: the cost every write pays
  for the check to find there is nothing to check;
- a 1-row INSERT into a child with a FOREIGN KEY to a ROWS-row parent, and into the same table
  without it (primary-key lookup of the parent);
- a 1-row INSERT into a table with a CHECK, and without (DuckDB evaluates the changed row);
- a bulk INSERT ... SELECT of ROWS rows into a table with a CHECK and a FOREIGN KEY, and into
  one without.
Medians of alternating runs; the machine is shared, so read the ratios, not the times.
"""
from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

from dl.core.repo import Repository
from dl.sql import referential
from dl.sql.session import Session


def _median_ms(run: Callable[[int], object], repeat: int) -> float:
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        run(i)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(rows: int, repeat: int) -> None:
    session = Session(Repository.in_memory())
    session.run("create table p (id int primary key, v int); create table plain (id int primary key, v int);"
                "create table c (id int primary key, pid int references p (id), v int check (v >= 0));"
                f"insert into p select i, i from range({rows}) t(i); insert into plain select * from p")
    base = 10 * rows

    def update(i: int) -> None:
        session.run(f"update plain set v = {i} where id = {i % rows}")

    with_check = _median_ms(update, repeat)
    real = referential.enforce
    referential.enforce = lambda store, before, after, put, checks=True, moves=None: after  # type: ignore[assignment]
    try:
        without = _median_ms(update, repeat)
    finally:
        referential.enforce = real
    print(f"1-row UPDATE, table without constraints: {with_check:.2f} ms with the check, "
          f"{without:.2f} ms bypassed: {with_check / without:.2f}x")

    fk = _median_ms(lambda i: session.run(f"insert into c (id, pid, v) values ({base + i}, {i % rows}, 1)"), repeat)
    no_fk = _median_ms(lambda i: session.run(f"insert into plain values ({base + i}, 1)"), repeat)
    print(f"1-row INSERT with FOREIGN KEY + CHECK: {fk:.2f} ms; without: {no_fk:.2f} ms: {fk / no_fk:.2f}x")

    session.run("create table big (id int primary key, pid int references p (id), v int check (v >= 0));"
                "create table big_plain (id int primary key, pid int, v int)")
    start = time.perf_counter()
    session.run("insert into big select id, id, v from p")
    checked = time.perf_counter() - start
    start = time.perf_counter()
    session.run("insert into big_plain select id, id, v from p")
    plain = time.perf_counter() - start
    print(f"INSERT ... SELECT of {rows} rows with FOREIGN KEY + CHECK: {checked * 1000:.0f} ms; "
          f"without: {plain * 1000:.0f} ms: {checked / plain:.2f}x")


if __name__ == "__main__":
    args = sys.argv[1:]
    count = 200
    if "--repeat" in args:
        at = args.index("--repeat")
        count = int(args[at + 1])
        del args[at:at + 2]
    main(int(args[0]) if args else 100_000, count)
