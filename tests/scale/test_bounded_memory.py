"""Import, scan and export hold bounded memory: a table several times larger than the memory the
child process may grow by is imported (unsorted, so it is sorted in spilled runs), scanned with
`count(*), sum(a)` (streamed into DuckDB) and exported to CSV, and the child's peak RSS is
measured.

RLIMIT_AS does not work with DuckDB's and the allocators' virtual reservations, so the bound is
a measured ceiling: the child first runs the same path on a small file (loading every library,
warming the allocators and thread pools), and from there its peak RSS may grow by at most a
third of the table's size in memory."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

ROWS = 3_000_000
PART = 2 << 20
SCHEMA = pa.schema([("id", pa.int64()), ("a", pa.int64()), ("s", pa.string()), ("f", pa.float64())])


def write_rows(path: Path, ids: np.ndarray) -> int:
    """A CSV of rows with these ids (in this order); returns their bytes in Arrow memory."""
    rng = np.random.default_rng(len(ids))
    size = 0
    with pacsv.CSVWriter(str(path), SCHEMA) as writer:
        for start in range(0, len(ids), 200_000):
            part = ids[start:start + 200_000]
            batch = pa.record_batch([pa.array(part), pa.array(part % 1000),
                                     pa.array(np.char.add("value-", (part % 9973).astype(str))),
                                     pa.array(rng.random(len(part)))], schema=SCHEMA)
            size += batch.get_total_buffer_size()
            writer.write_batch(batch)
    return size


def test_import_and_scan_of_a_table_larger_than_the_memory_bound(tmp_path: Path) -> None:
    ids = np.random.default_rng(11).permutation(ROWS)
    table_mb = write_rows(tmp_path / "t.csv", ids) >> 20
    write_rows(tmp_path / "warm.csv", ids[:ROWS // 4])  # several parts: the steady state
    child = Path(__file__).with_name("bounded_child.py")
    out = subprocess.run([sys.executable, str(child), str(tmp_path), str(PART)], check=True,
                         capture_output=True, text=True, timeout=300)
    peaks = json.loads(out.stdout.strip().splitlines()[-1])
    assert peaks["rows"] == peaks["count"] == peaks["exported"] == ROWS
    assert peaks["sum"] == int((ids % 1000).sum())
    bound = table_mb // 3
    assert table_mb >= 100, table_mb
    assert peaks["import"] - peaks["warm"] <= bound, (peaks, table_mb)
    assert peaks["scan"] - peaks["warm"] <= bound, (peaks, table_mb)
    assert peaks["export"] - peaks["warm"] <= bound, (peaks, table_mb)
    assert (tmp_path / "out.csv").stat().st_size > (tmp_path / "t.csv").stat().st_size // 2
    assert not list((tmp_path / "repo" / ".dl" / "tmp").glob("sort-*"))  # runs removed
