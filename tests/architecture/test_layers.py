"""The folder tree is the architecture: imports point down, and no folder has a circle.

DESIGN.md: imports run `dl -> sql -> core`, never back, and there is no circle inside a folder,
so each folder reads top-down. Every import counts here, also those inside functions and under
`TYPE_CHECKING`: a lazy import back up is still a circle a reader has to untangle.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {"dl": ROOT / "dl", "dl.core": ROOT / "core", "dl.sql": ROOT / "sql"}
RANK = {"dl.core": 0, "dl.sql": 1, "dl": 2}


def _modules() -> dict[str, Path]:
    found = {}
    for package, folder in FOLDERS.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


MODULES = _modules()


def _layer(module: str) -> str:
    for package in ("dl.core", "dl.sql"):
        if module == package or module.startswith(package + "."):
            return package
    return "dl"


def _imports(path: Path) -> set[str]:
    """Every project module `path` names in an import, at any depth of the file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name in MODULES}


GRAPH = {module: _imports(path) - {module} for module, path in MODULES.items()}


def test_imports_point_down_only() -> None:
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if RANK[_layer(target)] > RANK[_layer(module)]
    )
    assert upward == []


def test_core_knows_nothing_of_terminals() -> None:
    for module, path in MODULES.items():
        if _layer(module) == "dl.core":
            tree = ast.parse(path.read_text())
            tops = {alias.name.split(".")[0] for node in ast.walk(tree)
                    if isinstance(node, ast.Import) for alias in node.names}
            tops |= {node.module.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module}
            assert not tops & {"typer", "rich", "click", "sqlglot", "duckdb"}, module


def _cycle(nodes: set[str]) -> list[str] | None:
    """One import circle among `nodes` (package __init__s excluded: they only re-export)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(GRAPH[node] & nodes):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(nodes):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_circle_inside_a_layer() -> None:
    packages = {m for m, p in MODULES.items() if p.name == "__init__.py"}
    for layer in FOLDERS:
        nodes = {m for m in MODULES if _layer(m) == layer} - packages
        assert _cycle(nodes) is None, f"import circle in {layer}: {' -> '.join(_cycle(nodes) or [])}"
