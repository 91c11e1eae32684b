"""README.md is tested as documented: its ```python blocks run in order, as one program whose
blocks share their names, in an empty directory with a private DL_HOME; any exception fails."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks() -> list[str]:
    return BLOCK.findall(README.read_text(encoding="utf-8"))


def test_readme_has_python_examples() -> None:
    assert len(python_blocks()) >= 4


def test_readme_python_blocks_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("DL_HOME", str(home))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    (work / "shop").mkdir()
    namespace: dict[str, object] = {"__name__": "readme"}
    for number, block in enumerate(python_blocks(), 1):
        code = compile(block, f"README.md python block {number}", "exec")
        exec(code, namespace)  # noqa: S102 - the README's own examples
    out = capsys.readouterr().out
    assert "[('tea', 380), ('jam', 400)]" in out  # what the README says the examples print
    assert "table not found: nope" in out
    assert "data, row 1, column price: 'cheap' is not a valid int64" in out
