"""A merge with conflicts holds bounded memory: two branches each change a tenth of a table of
10^6 rows (the same rows, to different values, so every change is a conflict: 10^5 conflicts),
and a fresh process merges them, counts and reads the conflicts and resolves them with theirs.

As in test_bounded_memory, the bound is a measured ceiling (RLIMIT_AS does not work with the
allocators' reservations): the child first merges the same shape at a tenth of the size
(loading every library, warming the allocators), and from there its peak RSS may grow by at
most `GROWTH_MB`. Conflicts gathered in memory, as before conflict_rows, grew it by ~140 MB
here; written to the conflicts tree window by window, by ~30 MB."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROWS = 1_000_000
PART = 2 << 20
GROWTH_MB = 80


def test_a_merge_with_many_conflicts_holds_bounded_memory(tmp_path: Path) -> None:
    child = Path(__file__).with_name("merge_child.py")
    subprocess.run([sys.executable, str(child), "setup", str(tmp_path), str(ROWS), str(PART)], check=True,
                   capture_output=True, timeout=600)
    out = subprocess.run([sys.executable, str(child), "merge", str(tmp_path), str(ROWS), str(PART)], check=True,
                         capture_output=True, text=True, timeout=600)
    peaks = json.loads(out.stdout.strip().splitlines()[-1])
    assert peaks["conflicts"] == peaks["counted"] == peaks["read"] == ROWS // 10
    assert peaks["a"] == [2, 12, 11]  # rows 0 and 10 took theirs (id + 2); row 11 unchanged
    assert peaks["merge"] - peaks["warm"] <= GROWTH_MB, peaks
    assert peaks["resolved"] - peaks["warm"] <= GROWTH_MB, peaks
