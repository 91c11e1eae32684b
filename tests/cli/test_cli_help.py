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


def _click_commands() -> list[tuple[str, object]]:
    """Every click command under `dl` (groups included), with the words that call it."""
    import typer.main
    root = typer.main.get_command(app)
    found: list[tuple[str, object]] = []

    def walk(command: object, words: str) -> None:
        found.append((words, command))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{words} {name}")
    walk(root, "dl")
    return found


def test_every_argument_and_option_has_help_text() -> None:
    missing = [f"{words}: {param.name}" for words, command in _click_commands()
               for param in command.params  # type: ignore[attr-defined]
               if not (getattr(param, "help", None) or "").strip()]
    assert not missing, "parameters without help text:\n" + "\n".join(missing)


@pytest.mark.parametrize("path", [("commit",), ("merge",), ("stash",), ("diff",)], ids=" ".join)
def test_help_shows_no_type_after_flags(dl: Dl, path: tuple[str, ...]) -> None:
    out = dl.ok(*path, "--help")
    assert "<bool>" not in out, out
    assert "--help" in out


def test_help_wraps_to_the_terminal_width(dl: Dl, monkeypatch: pytest.MonkeyPatch) -> None:
    widths = {}
    for columns in (60, 160):
        monkeypatch.setenv("COLUMNS", str(columns))
        out = dl.ok("blame", "--help")
        widths[columns] = max(len(line.rstrip()) for line in out.splitlines())
        assert widths[columns] <= columns, out
    assert widths[160] > 100  # the long description line uses the room it has
