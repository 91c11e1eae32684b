"""Run in a child process by test_bounded_memory: warms up on a small file, then imports a large
CSV, scans it and exports it, and prints its peak RSS (MB) after the warm-up and each step.

Usage: python bounded_child.py WORK_DIR PART_BYTES
The memory knobs are scaled down with PART_BYTES (parts, buffer spill, builder flush, node cache)
so a CI-sized table is many parts; every large table streams into DuckDB."""
from __future__ import annotations

import json
import resource
import sys
from pathlib import Path

from dl.core.prolly import builder, tree
from dl.core.repo import Repository
from dl.core.store import buffered
from dl.core.tables.importer import ImportMode, export_table, import_table
from dl.sql import tree_source
from dl.sql.session import Session


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10


def main(work: Path, part: int) -> None:
    buffered.SPILL_BYTES = builder.FLUSH_BYTES = tree.NODE_CACHE._max = part
    tree_source.STREAM_MIN_BYTES = 0
    repo = Repository.init(work / "repo")
    import_table(repo, "warm", work / "warm.csv", ImportMode.CREATE, primary_key=["id"], part_bytes=part)
    Session(repo).query("select count(*), sum(a) from warm")
    export_table(repo, "warm", work / "warm-out.csv")
    warm = peak_mb()
    result = import_table(repo, "t", work / "t.csv", ImportMode.CREATE, primary_key=["id"], part_bytes=part)
    imported = peak_mb()
    count, total = Session(repo).query("select count(*), sum(a) from t").to_pylist()[0].values()
    scanned = peak_mb()
    exported = export_table(repo, "t", work / "out.csv")
    print(json.dumps({"warm": warm, "import": imported, "scan": scanned, "export": peak_mb(),
                      "rows": result.added, "count": count, "sum": int(total), "exported": exported}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
