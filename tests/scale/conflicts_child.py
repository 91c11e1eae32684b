"""Run in child processes by test_bounded_conflicts: builds a repository whose two branches
change every row of a table with wide rows differently (every row a conflict, each conflict
three wide rows: base, ours, theirs), merges them, then, in a fresh process, shows the
conflicts as a user does (a query of dolt_conflicts_<t>, then `dl conflicts cat`), printing its
peak RSS (MB) after a warm-up on a repository a tenth of the size and after each step.

Usage: python conflicts_child.py setup|show WORK_DIR ROWS
Every table streams into DuckDB (STREAM_MIN_BYTES = 0), as a large one does."""
from __future__ import annotations

import contextlib
import json
import os
import resource
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
from dl.core.repo import Author, Repository
from dl.core.store import buffered
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table
from dl.core.versioning.merge_commits import merge
from dl.core.versioning.root import RootValue

SCHEMA = pa.schema([("id", pa.int64()), ("a", pa.int64()), ("s", pa.string())])
WIDTH = 400  # characters of s: a conflict row carries three
BATCH = 20_000
AUTHOR = Author("bench", "bench@example.com")


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10


def _rows(ids: np.ndarray, a: np.ndarray) -> pa.Table:
    text = np.char.add(np.char.zfill(ids.astype(str), 12), "x" * (WIDTH - 12))
    return pa.table([pa.array(ids), pa.array(a), pa.array(text)], schema=SCHEMA)


def _batches(rows: int) -> list[np.ndarray]:
    return [np.arange(s, min(s + BATCH, rows)) for s in range(0, rows, BATCH)]


def _write(repo: Repository, branch: str, rows: int, change: int, message: str) -> None:
    """On `branch`: every row with a = id + change, a batch at a time; committed."""
    repo.use_branch(branch)

    def written(root: RootValue, buffer: buffered.BufferedStore) -> RootValue:
        table = repo.table_in(root, "t", buffer) if "t" in root.tables else \
            Table.empty(buffer, TableSchema.from_arrow(SCHEMA, ["id"]))
        for ids in _batches(rows):
            table = table.upsert(_rows(ids, ids + change))
        return root.with_table("t", Repository._put(buffer, table.value.encode()))

    repo.update_working(written)
    repo.commit(message, stage_all=True, include_new=True, author=AUTHOR)


def setup(work: Path, rows: int) -> None:
    repo = Repository.init(work)
    _write(repo, "main", rows, 0, "rows")
    repo.create_branch("other")
    _write(repo, "main", rows, 1, "ours")
    _write(repo, "other", rows, 2, "theirs")
    repo.use_branch("main")
    assert merge(repo, "other", author=AUTHOR).conflicts == {"t": rows}


def show(work: Path) -> dict[str, int]:
    """Queries the conflicts, then draws them with `dl conflicts cat` (to /dev/null); the peaks
    after each and what the query read."""
    from dl.sql.session import Session

    from dl.app import main as dl_main
    count, widths = Session(Repository.open(work)).query(
        "select count(*), sum(length(their_s)) from dolt_conflicts_t").to_pylist()[0].values()
    queried = peak_mb()
    os.chdir(work)
    out = os.dup(1)
    with open(os.devnull, "w") as sink:
        os.dup2(sink.fileno(), 1)
        try:
            with contextlib.suppress(SystemExit):
                dl_main(["conflicts", "cat", "t"])
        finally:
            sys.stdout.flush()
            os.dup2(out, 1)
    return {"sql": queried, "cat": peak_mb(), "count": count, "widths": int(widths)}


def main(step: str, work: Path, rows: int) -> None:
    from dl.sql import tree_source
    tree_source.STREAM_MIN_BYTES = 0
    if step == "setup":
        setup(work / "warm", rows // 10)
        setup(work / "big", rows)
        return
    show(work / "warm")
    warm = peak_mb()
    print(json.dumps({"warm": warm, **show(work / "big")}))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]))
