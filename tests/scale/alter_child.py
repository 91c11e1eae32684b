"""Run in child processes by test_bounded_alter: builds a repository with a keyless table and a
keyed one of wide rows, then, in a fresh process, runs the two ALTERs that change the rows' key
order (a column of the keyless table retyped; the key column of the keyed one retyped), printing
its peak RSS and peak anonymous RSS (MB) after a warm-up on tables a tenth of the size and after each ALTER.

Usage: python alter_child.py setup|alter WORK_DIR ROWS PART_BYTES
The memory knobs are scaled down with PART_BYTES (runs, buffer spill, builder flush, node cache)
so a CI-sized table is many runs."""
from __future__ import annotations

import json
import resource
import sys
import threading
import time
from pathlib import Path

from dl.core.prolly import builder, tree
from dl.core.repo import Repository
from dl.core.store import buffered
from dl.core.tables import rewrite
from dl.sql.session import Session

WIDTH = 300  # characters of s


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10


class AnonPeak:
    """The peak of this process's anonymous resident memory (RssAnon, sampled every 5 ms by a
    thread), in MB: peak RSS also counts the pages of the store's memory map, file pages a
    scan brings in and the kernel may drop."""

    def __init__(self) -> None:
        self.peak = 0
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while True:
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith("RssAnon:"):
                        self.peak = max(self.peak, int(line.split()[1]) >> 10)
            time.sleep(0.005)


def setup(work: Path, rows: int) -> None:
    session = Session(Repository.init(work))
    for prefix, n in (("warm_", rows // 10), ("", rows)):
        session.run(f"create table {prefix}kl (v int, s text); create table {prefix}k (id int primary key, s text)")
        for table in (f"{prefix}kl", f"{prefix}k"):
            session.run(f"insert into {table} select range, repeat('x', {WIDTH - 8}) || lpad(range::text, 8, '0') "
                        f"from range({n})")


def alter(work: Path) -> dict[str, object]:
    anon = AnonPeak()
    session = Session(Repository.open(work))
    session.run("alter table warm_kl alter column v type bigint; alter table warm_k alter column id type text")
    warm = (peak_mb(), anon.peak)
    session.run("alter table kl alter column v type bigint")
    keyless = (peak_mb(), anon.peak)
    session.run("alter table k alter column id type text")
    keyed = (peak_mb(), anon.peak)
    counts = session.query("select (select count(*) from kl), (select count(*) from k), "
                           "(select max(id) from k)").to_pylist()[0]
    return {"warm": warm, "keyless": keyless, "keyed": keyed, "rows": list(counts.values())}


def main(step: str, work: Path, rows: int, part: int) -> None:
    buffered.SPILL_BYTES = builder.FLUSH_BYTES = tree.NODE_CACHE._max = rewrite.RUN_BYTES = part
    if step == "setup":
        setup(work, rows)
        return
    print(json.dumps(alter(work)))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
