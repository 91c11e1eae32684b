"""Opening the repository for a command: the only place that reads the current directory,
the environment (`DL_HOME`, `HOME`, `NO_COLOR`) and whether output goes to a terminal.
Commands stand on the Python API (`dl.api`): they open a `dl.api.Repo` here and call it;
`repo.core` gives the plumbing where they render more than the API returns."""
from __future__ import annotations

import os
import re
from pathlib import Path

import typer

from dl.api.repo import Repo, global_config_path
from dl.api.repo import open as open_api_repo
from dl.core.errors import NotFound
from dl.core.repo import Repository

__all__ = ["global_config_path", "is_terminal", "open_api", "open_repo", "start_dir"]


def start_dir(ctx: typer.Context) -> Path:
    state = ctx.obj if ctx is not None else None
    data_dir = getattr(state, "data_dir", None)
    return Path(data_dir) if data_dir else Path.cwd()


def open_api(ctx: typer.Context, *, readonly: bool = False) -> Repo:
    """The repository containing the start directory (searching upwards, as git does), as the
    API's `Repo`, closed when the command ends."""
    repo = open_api_repo(start_dir(ctx), readonly=readonly)
    if ctx is not None:
        ctx.call_on_close(repo.close)  # the store's connection ends with the command
        _check_database(getattr(ctx.find_root().obj, "database", None), repo)
        branch = getattr(ctx.find_root().obj, "branch", None)
        if branch:
            repo.core.use_branch(branch)
    return repo


def _check_database(name: str | None, repo: Repo) -> None:
    """`--use-db NAME` must name this repository: its directory's name, or the database name
    SQL serves it as (whitespace and `-` as `_`)."""
    if name is None:
        return
    directory = repo.core.directory
    folder = directory.resolve().name if directory is not None else "dl"
    if name not in (folder, re.sub(r"_+", "_", re.sub(r"[\s-]", "_", folder.strip()))):
        raise NotFound("database", name, message=f"database not found: {name}")


def open_repo(ctx: typer.Context, *, readonly: bool = False) -> Repository:
    """The same repository's plumbing (`dl.core.repo.Repository`), for commands that render
    what only the core returns (log graphs, diffs, blame)."""
    return open_api(ctx, readonly=readonly).core


def is_terminal() -> bool:
    """Whether standard output is a terminal (whatever NO_COLOR says: it governs colour only)."""
    import sys
    return sys.stdout.isatty()


def use_colour() -> bool:
    """Colour on standard output: on a terminal, unless NO_COLOR is set (no-color.org)."""
    return is_terminal() and not os.environ.get("NO_COLOR")


def commit_line_colour() -> bool:
    """Colour of the `commit <hash>` lines of `log` and `show`: on every output, pipes included,
    unless NO_COLOR is set. Dolt colours them so whatever the output, and its users' scripts
    read the hash by column from a pipe (`log -n 1 | grep commit | cut -c 13-44`, past the
    5-byte colour code); the rest of dl's output keeps `use_colour`."""
    return not os.environ.get("NO_COLOR")
