"""Run in child processes by test_bounded_merge: builds a repository whose two branches each
change a tenth of a large table (the same rows, to different values: every change conflicts),
then, in a fresh process, merges them and reads and resolves the conflicts, printing its peak
RSS (MB) after a warm-up merge on a small repository and after each step.

Usage: python merge_child.py setup|merge WORK_DIR ROWS PART_BYTES
The memory knobs are scaled down with PART_BYTES (buffer spill, builder flush, node cache) and
the merge window to 16 leaves a side, so a CI-sized table is many windows."""
from __future__ import annotations

import json
import resource
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
from dl.core.prolly import builder, tree
from dl.core.repo import Author, Repository
from dl.core.store import buffered
from dl.core.tables.schema import TableSchema
from dl.core.tables.stream_import import build_table
from dl.core.tables.table import Table
from dl.core.versioning import three_way_merge
from dl.core.versioning.merge_commits import (
    conflict_counts,
    conflict_tables,
    merge,
    resolve_conflicts,
)
from dl.core.versioning.root import RootValue

SCHEMA = pa.schema([("id", pa.int64()), ("a", pa.int64()), ("s", pa.string())])
BATCH = 100_000
AUTHOR = Author("bench", "bench@example.com")


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10


def _rows(ids: np.ndarray, a: np.ndarray) -> pa.Table:
    text = np.char.add("a longer value, so that conflicts weigh: ", (ids % 9973).astype(str))
    return pa.table([pa.array(ids), pa.array(a), pa.array(text)], schema=SCHEMA)


def _edit(repo: Repository, branch: str, change: int) -> None:
    """On `branch`: a = id + change on every tenth row, a batch at a time; committed."""
    repo.use_branch(branch)

    def edited(root: RootValue, buffer: buffered.BufferedStore) -> RootValue:
        table = repo.table_in(root, "t", buffer)
        for stored in table.tree.stream_leaves(256):
            ids = stored.column("id").to_numpy()
            chosen = ids[ids % 10 == 0]
            if len(chosen):
                table = table.apply(_rows(chosen, chosen + change), None)
        return root.with_table("t", Repository._put(buffer, table.value.encode()))

    repo.update_working(edited)
    repo.commit(f"a + {change} on a tenth", stage_all=True, author=AUTHOR)


def setup(work: Path, rows: int) -> None:
    repo = Repository.init(work)

    def created(root: RootValue, buffer: buffered.BufferedStore) -> RootValue:
        empty = Table.empty(buffer, TableSchema.from_arrow(SCHEMA, ["id"]))
        parts = ((_rows(ids, ids % 1000), None, None) for ids in
                 (np.arange(s, min(s + BATCH, rows)) for s in range(0, rows, BATCH)))
        table = build_table(empty, ((t, empty.keys_of(t), k) for t, _, k in parts))
        return root.with_table("t", Repository._put(buffer, table.value.encode()))

    repo.update_working(created)
    repo.commit("rows", stage_all=True, include_new=True, author=AUTHOR)
    repo.create_branch("other")
    _edit(repo, "main", 1)
    _edit(repo, "other", 2)
    repo.use_branch("main")


def merged(work: Path) -> dict[str, int]:
    repo = Repository.open(work)
    result = merge(repo, "other", author=AUTHOR)
    merge_peak = peak_mb()
    counts = conflict_counts(repo)
    rows = 0
    for found in conflict_tables(repo).values():
        for batch in found.tree.stream_leaves(64):
            rows += batch.num_rows
    resolve_conflicts(repo, ["t"], theirs=True)
    table = repo.table_in(repo.load_root(repo.working_set()[1].working), "t")
    check = table.lookup(pa.table({"id": pa.array([0, 10, 11], pa.int64())})).column("a").to_pylist()
    return {"merge": merge_peak, "conflicts": result.conflicts.get("t", 0), "counted": counts.get("t", 0),
            "read": rows, "resolved": peak_mb(), "a": check}


def main(step: str, work: Path, rows: int, part: int) -> None:
    buffered.SPILL_BYTES = builder.FLUSH_BYTES = tree.NODE_CACHE._max = part
    three_way_merge.MERGE_WINDOW = 16
    if step == "setup":
        setup(work / "warm", rows // 10)
        setup(work / "big", rows)
        return
    merged(work / "warm")
    warm = peak_mb()
    print(json.dumps({"warm": warm, **merged(work / "big")}))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
