"""The peer, DoltLite, measured in a process of its own and printed beside dl.

Which Python runs it: `$DL_PEER_PYTHON`, else this interpreter if it can import doltlite (the
`bench` extra), else `/tmp/peer-venv/bin/python` (see ../shared/peers/README.md). Without any,
`measure` returns None and the benches say the peer was not run.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

WORKLOAD = Path(__file__).with_name("doltlite_workload.py")


def peer_python() -> str | None:
    candidates = [os.environ.get("DL_PEER_PYTHON"), sys.executable, "/tmp/peer-venv/bin/python"]
    for python in candidates:
        if not python or not Path(python).exists():
            continue
        probe = subprocess.run([python, "-c", "import doltlite"], capture_output=True)
        if probe.returncode == 0:
            return python
    return None


def measure(sizes: list[int]) -> dict[int, dict] | None:
    """DoltLite's figures per size, or None when no Python with doltlite is available."""
    python = peer_python()
    if python is None:
        return None
    done = subprocess.run([python, str(WORKLOAD), *map(str, sizes)], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"peer run failed: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {r["rows"]: r for r in results}
