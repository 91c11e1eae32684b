"""A `dl` process registers and builds only the command it runs (`dl.app.MODULE_OF`,
`_app_for`): the map of commands to modules is the modules' own, one command's process imports
one command module, and help and errors for names dl does not know still see every command."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from cli_helpers import Dl, run_dl

from dl import app as app_module
from dl.app import COMMAND_MODULES, MODULE_OF, _app_for, _register_commands, app


def test_the_map_names_every_command_of_every_module_and_nothing_else() -> None:
    import importlib
    found: dict[str, str] = {}
    for name in COMMAND_MODULES:
        probe = typer.Typer()
        importlib.import_module(f"dl.commands.{name}").register(probe)
        for command in probe.registered_commands:
            found[command.name or command.callback.__name__] = name  # type: ignore[union-attr]
        for group in probe.registered_groups:
            found[group.name or ""] = name
    assert MODULE_OF == found


PROBE = ("import sys; from dl.app import main\n"
         "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
         "print('COMMANDS', sorted(m for m in sys.modules if m.startswith('dl.commands.')), file=sys.stderr)\n")


@pytest.mark.parametrize("args, modules", [
    (["status"], ["dl.commands.repo"]),
    (["STATUS"], ["dl.commands.repo"]),
    (["-C", ".", "log", "-n", "1"], ["dl.commands.repo"]),
    (["branch"], ["dl.commands.branch"]),
    (["sql", "-q", "select 1"], ["dl.commands.sql"]),
    (["table", "ls"], ["dl.commands.table"]),
    (["--help"], [f"dl.commands.{m}" for m in COMMAND_MODULES]),
    (["stauts"], [f"dl.commands.{m}" for m in COMMAND_MODULES]),
])
def test_a_process_imports_the_module_of_its_command_only(tmp_path: Path, cli_env: Path, args: list[str],
                                                         modules: list[str]) -> None:
    run_dl("init", cwd=tmp_path, home=cli_env)
    env = {"DL_HOME": str(cli_env), "PATH": "/usr/bin:/bin", "COLUMNS": "120", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert f"COMMANDS {sorted(modules)}" in done.stderr, done.stderr


def names(held: typer.Typer) -> tuple[list[str | None], list[str | None]]:
    return [c.name for c in held.registered_commands], [g.name for g in held.registered_groups]


def test_the_app_run_holds_only_the_command_named() -> None:
    _register_commands()
    assert names(_app_for(["--branch", "b", "log", "-n", "1"])) == (["log"], [])
    assert names(_app_for(["table", "import", "-c"])) == ([], ["table"])
    for whole in (["--help"], ["-h", "sql"], ["--version"], [], ["--debug"], ["nonsense"]):
        assert _app_for(whole) is app


def test_help_after_single_commands_lists_every_command_in_order(dl: Dl, repo: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    before = dl.ok("--help")
    # as a fresh process: nothing registered yet
    monkeypatch.setattr(app_module, "_registered", [])
    monkeypatch.setattr(app, "registered_commands", [])
    monkeypatch.setattr(app, "registered_groups", [])
    dl.ok("status")
    dl.ok("sql", "-q", "select 1")
    assert app_module._registered == ["repo", "sql"]
    assert dl.ok("--help") == before
    assert app_module._registered == list(COMMAND_MODULES)
    assert "No such command 'stauts'. Did you mean 'status'" in dl.fails("stauts", code=2)
