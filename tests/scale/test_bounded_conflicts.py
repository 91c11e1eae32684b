"""Showing the conflicts of a large merge holds bounded memory: `dl conflicts cat` draws them
a window at a time and a query of dolt_conflicts_<t> reads them as a stream, where both read
every conflict whole before.

Two branches change every row of a table of wide rows (400 characters) differently, so each row
is a conflict of three wide rows and the conflicts weigh ~`ROWS` x 1.2 kB in memory. As in
test_bounded_memory, the bound is a measured ceiling in a fresh process: it first shows the
conflicts of the same shape at a tenth of the size (loading every library, warming the
allocators), and from there its peak RSS may grow by at most `GROWTH_MB`, a fraction of the
conflicts' size (read whole, as before, it grew by more than their size)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROWS = 60_000
GROWTH_MB = 20


def test_showing_many_conflicts_holds_bounded_memory(tmp_path: Path) -> None:
    child = Path(__file__).with_name("conflicts_child.py")
    subprocess.run([sys.executable, str(child), "setup", str(tmp_path), str(ROWS)], check=True,
                   capture_output=True, timeout=600)
    out = subprocess.run([sys.executable, str(child), "show", str(tmp_path), str(ROWS)], check=True,
                         capture_output=True, text=True, timeout=600)
    peaks = json.loads(out.stdout.strip().splitlines()[-1])
    conflicts_mb = ROWS * 3 * 400 >> 20
    assert peaks["count"] == ROWS and peaks["widths"] == ROWS * 400
    assert conflicts_mb >= 3 * GROWTH_MB, conflicts_mb
    assert peaks["cat"] - peaks["warm"] <= GROWTH_MB, peaks
    assert peaks["sql"] - peaks["warm"] <= GROWTH_MB, peaks
