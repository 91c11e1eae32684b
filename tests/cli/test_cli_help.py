"""Every command's --help has an "Example:" line (as sqlite-utils' test_docs checks its docs)."""
from __future__ import annotations

import pytest
import typer
from cli_helpers import Dl

from dl.app import _register_commands, app


def command_paths(root: typer.Typer, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every registered command and group of `root`, as the words that call it."""
    paths: list[tuple[str, ...]] = []
    for command in root.registered_commands:
        callback = command.callback.__name__.replace("_", "-") if command.callback else ""
        name = command.name or callback
        paths.append((*prefix, name))
    for group in root.registered_groups:
        assert group.typer_instance is not None and group.name
        paths.append((*prefix, group.name))
        paths += command_paths(group.typer_instance, (*prefix, group.name))
    return paths


_register_commands()
PATHS = command_paths(app)


def test_the_walk_finds_the_issue_commands() -> None:
    wanted = {("init",), ("status",), ("add",), ("commit",), ("log",), ("show",), ("diff",),
              ("branch",), ("checkout",), ("reset",), ("tag",), ("config",), ("ls",),
              ("table", "import"), ("table", "export"), ("table", "ls"), ("table", "rm"),
              ("table", "mv"), ("table", "cp"), ("schema", "show")}
    assert wanted <= set(PATHS)
    assert len(PATHS) == len(set(PATHS)), "a command is registered twice"


@pytest.mark.parametrize("path", [(), *PATHS], ids=lambda p: " ".join(p) or "dl")
def test_help_has_an_example(dl: Dl, path: tuple[str, ...]) -> None:
    result = dl(*path, "--help")
    assert result.code == 0, result.err
    examples = [line for line in result.out.splitlines() if "Example:" in line]
    assert examples, f"dl {' '.join(path)} --help has no Example: line:\n{result.out}"
    assert all(" dl " in f" {line.split('Example:', 1)[1]} " for line in examples), examples
