"""The distribution puts one name, `dl`, into a user's environment.

core/ and sql/ sit at the top of the repository (the layers show in the folder tree) and install
as `dl.core` and `dl.sql`. These tests keep that true: the hand-written package list in
pyproject.toml matches the folders, no module imports `core` or `sql` as top-level names, and a
wheel built from the tree holds nothing outside `dl/`.
"""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {"dl": ROOT / "dl", "dl.core": ROOT / "core", "dl.sql": ROOT / "sql"}
SOURCE_FOLDERS = ("dl", "core", "sql", "tests", "bench")


def _packages_on_disk() -> set[str]:
    found = set()
    for name, folder in LAYERS.items():
        for init in folder.rglob("__init__.py"):
            rel = init.parent.relative_to(folder).parts
            found.add(".".join((name, *rel)))
    return found


def test_package_list_matches_the_folders() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert set(config["packages"]) == _packages_on_disk()
    assert config["package-dir"] == {"dl": "dl", "dl.core": "core", "dl.sql": "sql"}


def _top_level_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_imports_core_or_sql_as_a_top_level_name() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for folder in SOURCE_FOLDERS
        for path in (ROOT / folder).rglob("*.py")
        if _top_level_imports(path) & {"core", "sql"}
    ]
    assert offenders == []


def test_the_installed_layers_are_dl_core_and_dl_sql() -> None:
    import dl.core.repo
    import dl.sql.session

    assert Path(dl.core.repo.__file__).parent == ROOT / "core"
    assert Path(dl.sql.session.__file__).parent == ROOT / "sql"


def test_a_wheel_installs_the_one_name_dl(tmp_path: Path) -> None:
    source = tmp_path / "src"  # a copy, so the build leaves no build/ or egg-info in the tree
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis", ".dl", "tests"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = tmp_path.glob("dl-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == {"dl"}
    assert "dl/core/prolly/tree.py" in names and "dl/sql/session.py" in names
    assert "dl/py.typed" in names
