"""Time and peak memory of big output into a closed pipe: `dl sql -q "select * from t" | head -5`
and `dl diff | head -8` after an update of every row, beside a 5-row query as the baseline.

    python bench/terminal_stream.py [ROWS] [REPEATS]

Builds a repository of ROWS rows (id, a, b, c) in a temporary directory, then runs each command
REPEATS times in a fresh process whose stdout is a pipe read by `head`; prints the median wall
time, the peak RSS of the dl process (getrusage of the child) and the ratio to the 5-row query.
"""
from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DL = str(Path(sys.executable).parent / "dl")


def build(directory: Path, rows: int) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    rng = np.random.default_rng(7)
    table = pa.table({"id": np.arange(1, rows + 1), "a": rng.integers(0, 10**6, rows),
                      "b": pa.array([f"s{i:09d}" for i in range(rows)]), "c": rng.random(rows)})
    pacsv.write_csv(table, directory / "t.csv")
    for argv in (["init", "--name", "b", "--email", "b@x"], ["table", "import", "-c", "--pk", "id", "t", "t.csv"],
                 ["commit", "-Am", "base"], ["sql", "-q", "update t set a = a + 1"]):
        subprocess.run([DL, *argv], cwd=directory, check=True, stdout=subprocess.DEVNULL)


def run(directory: Path, argv: list[str], lines: int) -> tuple[float, float]:
    """Seconds until the pipeline ends and the dl process's peak RSS in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    dl = subprocess.Popen([DL, *argv], cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    head = subprocess.Popen(["head", f"-{lines}"], stdin=dl.stdout, stdout=subprocess.DEVNULL)
    assert dl.stdout is not None
    dl.stdout.close()
    head.wait()
    dl.wait()
    took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return took, max(peak, before) / 1024


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        os.environ["DL_HOME"] = str(directory / "home")
        os.environ.pop("NO_COLOR", None)
        build(directory, rows)
        cases = {"5-row query": (["sql", "-q", "select * from t limit 5"], 5),
                 "select * | head -5": (["sql", "-q", "select * from t"], 5),
                 "select * -r csv | head -5": (["sql", "-q", "select * from t", "-r", "csv"], 5),
                 "diff | head -8": (["diff"], 8)}
        results = {}
        for name, (argv, lines) in cases.items():
            # peak RSS of children is a high-water mark over all children: measure each in its own process
            samples = [_isolated(directory, argv, lines) for _ in range(repeats)]
            results[name] = (statistics.median(s[0] for s in samples), max(s[1] for s in samples))
        base = results["5-row query"][0]
        print(f"{rows:,} rows, median of {repeats} (machine shared, figures noisy)")
        for name, (took, peak) in results.items():
            print(f"  {name:<28} {took:6.2f} s  {took / base:5.1f}x  peak RSS {peak:7.0f} MB")


def _isolated(directory: Path, argv: list[str], lines: int) -> tuple[float, float]:
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); from terminal_stream import run; "
            f"from pathlib import Path; print(*run(Path({str(directory)!r}), {argv!r}, {lines}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    took, peak = out.split()
    return float(took), float(peak)


if __name__ == "__main__":
    main()
