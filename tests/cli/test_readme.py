"""The README is true as written: its ```bash blocks run, in order, line by line, in a fresh
directory with `dl` on PATH, and every line succeeds (a failure inside an `a && b` chain
counts, which `set -e` would miss). ```python blocks are another test's business.

Lines that install the package, run this test suite or run the benchmarks are not run here
(they would reinstall the environment, recurse, or take minutes); they are listed in
`NOT_RUN`, and the test checks that the README still has each of them, so nothing else is
skipped silently. `examples/quickstart.sh`, which the first block runs, has a test of its own.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from cli_helpers import FIXTURES, ROOT

README = ROOT / "README.md"
BLOCK = re.compile(r"^```bash\n(.*?)^```", re.MULTILINE | re.DOTALL)
NOT_RUN = (
    "pip install -e . && bash examples/quickstart.sh",
    "pip install -e '.[test]' && python -m pytest",
    "python bench/",
)


def readme_lines() -> list[str]:
    """The command lines of README's ```bash blocks, in order (comment-only lines dropped)."""
    lines = []
    for block in BLOCK.findall(README.read_text(encoding="utf-8")):
        lines += [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return lines


def _runs(line: str) -> bool:
    return not any(line.startswith(prefix) for prefix in NOT_RUN)


def script_of(lines: list[str]) -> str:
    """A bash script running `lines` one by one, stopping at the first that fails, named."""
    out = ["set -u"]
    for line in lines:
        out += [line, f'rc=$?; if [ "$rc" -ne 0 ]; then echo "README line failed (exit $rc): "{shlex.quote(line)} >&2; exit 1; fi']
    return "\n".join(out) + "\n"


def run_readme(lines: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    work, home = tmp_path / "readme", tmp_path / "readme-home"
    work.mkdir()
    home.mkdir()
    shutil.copytree(FIXTURES, work / "fixtures")
    env = {**os.environ, "DL_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "120", "TZ": "UTC",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("DL_DEBUG", None)
    return subprocess.run(["bash", "-c", script_of(lines)], cwd=work, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300, check=False)


def test_the_readme_bash_blocks_run_in_order(tmp_path: Path) -> None:
    assert shutil.which("dl", path=str(Path(sys.executable).parent)), "dl is not installed beside python"
    lines = readme_lines()
    assert any(line.startswith("dl init") for line in lines)
    result = run_readme([line for line in lines if _runs(line)], tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "readme" / "out.csv").read_text().startswith("id,name,age,city\n")


def test_only_the_listed_lines_are_not_run() -> None:
    skipped = [line for line in readme_lines() if not _runs(line)]
    assert len(skipped) >= len(NOT_RUN)
    assert all(any(line.startswith(p) for line in skipped) for p in NOT_RUN), skipped
    assert all(re.match(r"(pip install|python bench/)", line) for line in skipped), skipped


def test_a_failing_line_inside_an_and_chain_fails_the_run(tmp_path: Path) -> None:
    result = run_readme(["dl version && dl no-such-command && dl version", "dl version"], tmp_path)
    assert result.returncode == 1
    assert "README line failed (exit 2): dl version && dl no-such-command" in result.stderr


def test_the_quickstart_script_runs(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path), "NO_COLOR": "1", "COLUMNS": "120",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(["bash", str(ROOT / "examples" / "quickstart.sh")], env=env,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "quickstart: all steps ran" in result.stdout
