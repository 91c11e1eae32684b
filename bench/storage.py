"""Storage benchmark (issue 3): prolly trees in the SQLite chunk store vs Parquet.

    python bench/storage.py [ROWS ...]        (default 10000 100000 1000000)

For each size: bulk build, full scan, a 1-row edit (seconds and bytes written), a 1% edit,
diffs of 1 row and of 1%, point lookup, store bytes; beside them pyarrow writing and reading
the same table as Parquet (zstd) in the same run. Medians of several runs; these machines are
shared and noisy, so compare ratios within one run.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dl.core.prolly.builder import build_tree  # noqa: E402
from dl.core.prolly.diff import diff_trees  # noqa: E402
from dl.core.prolly.edit import apply_edits  # noqa: E402
from dl.core.prolly.layout import RowLayout  # noqa: E402
from dl.core.prolly.tree import NODE_CACHE, ProllyTree  # noqa: E402
from dl.core.store.sqlite import SqliteStore  # noqa: E402

from bench.common import median_time, standard_rows  # noqa: E402


def run(n: int, workdir: Path) -> dict[str, float]:
    table = standard_rows(n)
    layout = RowLayout(table.schema, ("id",))
    out: dict[str, float] = {"rows": n}
    stores = []

    def fresh_store() -> SqliteStore:
        path = workdir / f"s{n}-{len(stores)}.db"
        store = SqliteStore(path, create=True)
        stores.append(store)
        return store

    out["build_s"] = median_time(lambda: build_tree(fresh_store(), layout, table), 3)
    store = fresh_store()
    tree = ProllyTree(store, layout, build_tree(store, layout, table))
    out["store_mb"] = store.stats().stored_bytes / 1e6

    def scan() -> None:
        NODE_CACHE.clear()
        tree.scan()
    out["scan_s"] = median_time(scan, 5)

    rng = np.random.default_rng(3)
    def one_row_edit() -> ProllyTree:
        i = int(rng.integers(0, n))
        row = table.slice(i, 1).set_column(1, "a", pa.array([-int(rng.integers(1, 10**9))], pa.int64()))
        return apply_edits(tree, row)
    before = store.stats().stored_bytes
    out["edit1_ms"] = median_time(one_row_edit, 7) * 1e3
    out["edit1_kb"] = (store.stats().stored_bytes - before) / 7 / 1e3

    k = max(1, n // 100)
    ids = rng.choice(n, k, replace=False)
    changed = table.take(pa.array(ids)).set_column(1, "a", pa.array(np.full(k, -5), pa.int64()))
    out["edit1pct_s"] = median_time(lambda: apply_edits(tree, changed), 3)
    one = apply_edits(tree, table.slice(n // 2, 1).set_column(1, "a", pa.array([-9], pa.int64())))
    pct = apply_edits(tree, changed)

    def diff(other: ProllyTree) -> None:
        NODE_CACHE.clear()
        diff_trees(tree, other)
    out["diff1_ms"] = median_time(lambda: diff(one), 7) * 1e3
    out["diff1pct_s"] = median_time(lambda: diff(pct), 3)

    probe = layout.keys_of(pa.table({"id": pa.array([n // 3], pa.int64())}))
    tree.get_many(probe)
    out["lookup_us"] = median_time(lambda: tree.get_many(probe), 50) * 1e6

    path = workdir / f"t{n}.parquet"
    out["pq_write_s"] = median_time(lambda: pq.write_table(table, path, compression="zstd"), 3)
    out["pq_read_s"] = median_time(lambda: pq.read_table(path), 5)
    out["pq_mb"] = os.path.getsize(path) / 1e6
    for s in stores:
        s.close()
    return out


COLUMNS = [("rows", "{:.0f}"), ("build_s", "{:.3f}"), ("scan_s", "{:.3f}"), ("edit1_ms", "{:.2f}"),
           ("edit1_kb", "{:.1f}"), ("edit1pct_s", "{:.3f}"), ("diff1_ms", "{:.2f}"),
           ("diff1pct_s", "{:.3f}"), ("lookup_us", "{:.0f}"), ("store_mb", "{:.2f}"),
           ("pq_write_s", "{:.3f}"), ("pq_read_s", "{:.3f}"), ("pq_mb", "{:.2f}")]


def main(sizes: list[int]) -> None:
    print("dl storage benchmark: prolly trees in SQLite vs pyarrow Parquet (zstd), medians")
    print("  ".join(name.rjust(10) for name, _ in COLUMNS))
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            started = time.perf_counter()
            result = run(n, Path(tmp))
            print("  ".join(fmt.format(result[name]).rjust(10) for name, fmt in COLUMNS), flush=True)
            del started
    print("ratios: build vs parquet write, scan vs parquet read, store vs parquet size (last size)")
    print(f"  build/pq_write {result['build_s'] / result['pq_write_s']:.2f}x, "
          f"scan/pq_read {result['scan_s'] / result['pq_read_s']:.2f}x, "
          f"store/parquet {result['store_mb'] / result['pq_mb']:.2f}x")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
