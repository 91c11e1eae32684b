"""Opening the repository for a command: the only place that reads the current directory,
the environment (`DL_HOME`, `HOME`, `NO_COLOR`) and whether output goes to a terminal."""
from __future__ import annotations

import os
from pathlib import Path

import typer

from dl.core.repo import Repository, find_repository


def global_config_path() -> Path:
    """`$DL_HOME/config_global.json`, default `~/.dl/config_global.json` (as Dolt's ~/.dolt)."""
    home = os.environ.get("DL_HOME") or str(Path.home() / ".dl")
    return Path(home) / "config_global.json"


def start_dir(ctx: typer.Context) -> Path:
    state = ctx.obj if ctx is not None else None
    data_dir = getattr(state, "data_dir", None)
    return Path(data_dir) if data_dir else Path.cwd()


def open_repo(ctx: typer.Context, *, readonly: bool = False) -> Repository:
    """The repository containing the start directory (searching upwards, as git does)."""
    directory = find_repository(start_dir(ctx))
    repo = Repository.open(directory, global_config=global_config_path(), readonly=readonly)
    if ctx is not None:
        ctx.call_on_close(repo.close)  # the store's connection ends with the command
    return repo


def is_terminal() -> bool:
    """Whether standard output is a terminal (whatever NO_COLOR says: it governs colour only)."""
    import sys
    return sys.stdout.isatty()


def use_colour() -> bool:
    """Colour on standard output: on a terminal, unless NO_COLOR is set (no-color.org)."""
    return is_terminal() and not os.environ.get("NO_COLOR")
