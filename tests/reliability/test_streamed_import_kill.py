"""A streamed import killed midway leaves the repository as it was: the leaves it spilled ahead
of its commit are unreachable garbage (fsck clean, the table absent), and `dl gc` removes them."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from dl.core.maintenance.fsck import fsck
from dl.core.maintenance.gc import collect_garbage
from dl.core.repo import Repository

CHILD = """
import sys
from pathlib import Path
from dl.core.repo import Repository
from dl.core.store import buffered
from dl.core.tables.importer import ImportMode, import_table
import time
buffered.SPILL_BYTES = 1 << 16
spill = buffered.BufferedStore._spill
def slow_spill(self):  # a window after each spill, for the kill to land in
    spill(self)
    time.sleep(0.5)
buffered.BufferedStore._spill = slow_spill
repo = Repository.open(Path(sys.argv[1]))
print("go", flush=True)
import_table(repo, "t", Path(sys.argv[2]), ImportMode.CREATE, primary_key=["id"], part_bytes=1 << 18)
print("done", flush=True)
"""


def test_a_killed_streamed_import_leaves_only_garbage(tmp_path: Path) -> None:
    n = 600_000
    ids = np.random.default_rng(3).permutation(n)
    source = tmp_path / "t.csv"
    pacsv.write_csv(pa.table({"id": ids, "a": ids % 7, "s": pa.array([f"v{i}" for i in ids])}), source)
    repo = Repository.init(tmp_path / "r")
    before = repo.store.stats().chunk_count
    repo.close()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / "r"), str(source)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "go"
    spilled = False
    for _ in range(400):  # kill once leaves have reached the store, before the import lands
        time.sleep(0.02)
        probe = Repository.open(tmp_path / "r")
        spilled = probe.store.stats().chunk_count > before
        probe.close()
        if spilled or child.poll() is not None:
            break
    child.kill()
    child.wait()
    assert spilled, "the import landed before any leaf spilled: nothing was tested"
    repo = Repository.open(tmp_path / "r")
    assert "t" not in repo.resolve_root("WORKING").tables
    assert fsck(repo.store).ok
    garbage = repo.store.stats().chunk_count - before
    assert garbage > 0
    result = collect_garbage(repo.store)
    assert result.chunks_deleted >= garbage
    assert repo.store.stats().chunk_count == before and fsck(repo.store).ok
