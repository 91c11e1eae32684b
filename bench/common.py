"""Helpers shared by the benchmarks: the standard rows, medians, and output formatting."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np
import pyarrow as pa


def standard_rows(n: int, seed: int = 7) -> pa.Table:
    """(id int64, a int64, b ~10-char string, c float64), ids 1..n in order: the bench workload."""
    rng = np.random.default_rng(seed)
    return pa.table({
        "id": pa.array(np.arange(1, n + 1), pa.int64()),
        "a": pa.array(rng.integers(0, 10**6, n), pa.int64()),
        "b": pa.array(np.char.add("s", np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8)).astype(object)),
        "c": pa.array(np.round(rng.random(n) * 1000, 4)),
    })


def median_time(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall seconds of `repeat` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fmt_row(cells: list[object], widths: list[int]) -> str:
    return "  ".join(str(c).rjust(w) for c, w in zip(cells, widths))
