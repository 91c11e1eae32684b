"""Long output through a pager on a terminal, as git and Dolt do (`dl log`, `diff`, `show`, `blame`).

The pager is `DL_PAGER`, else `PAGER`, else `less -FRX` (quit if one screen, keep colour, leave
the text on the screen: git's default); `--no-pager`, an empty value or `cat` turn it off, and
it is never used when standard output is not a terminal. While it runs, `sys.stdout` is the
pager's input; that stream says it is a terminal, because what is written reaches one, so colour
decisions stay as they would be without the pager (less -R shows the colour). Only the standard
library is used, imported when a pager runs (start-up stays cheap). Quitting the pager
early is not an error: the command stops writing and exits quietly.
"""
from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    import subprocess

DEFAULT_PAGER = "less -FRX"


class _PagerInput(io.TextIOWrapper):
    """The pager's standard input, which ends on the user's terminal."""

    def isatty(self) -> bool:
        return True


def pager_command() -> str | None:
    """The pager to run, or None for none."""
    command = os.environ.get("DL_PAGER", os.environ.get("PAGER", DEFAULT_PAGER)).strip()
    if not command or command == "cat":
        return None
    from shutil import which
    if command == DEFAULT_PAGER and which("less") is None:
        return None
    return command


def wants_pager(ctx: typer.Context | None) -> bool:
    state = ctx.find_root().obj if ctx is not None else None
    return not getattr(state, "no_pager", False) and sys.stdout.isatty()


@contextmanager
def paged(ctx: typer.Context | None) -> Iterator[None]:
    """Within this block, standard output goes through the pager (when one applies)."""
    command = pager_command() if wants_pager(ctx) else None
    if command is None:
        yield
        return
    import shlex
    import subprocess
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    sys.stdout.flush()
    try:
        process = subprocess.Popen(command if _needs_shell(command) else shlex.split(command),
                                   shell=_needs_shell(command), stdin=subprocess.PIPE, env=env)
    except (OSError, ValueError) as exc:  # as git does: say so, and print without a pager
        print(f"warning: cannot run pager {command!r}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        yield
        return
    assert process.stdin is not None
    original, sys.stdout = sys.stdout, _PagerInput(process.stdin, encoding="utf-8", errors="replace")
    try:
        yield
    except BrokenPipeError:
        pass  # the user quit the pager before the end: nothing more to show
    finally:
        try:
            sys.stdout.close()
        except OSError:
            pass
        sys.stdout = original
        _wait(process)


def _needs_shell(command: str) -> bool:
    return any(c in command for c in "|&;<>()$`\\\"'*?[]#~=%")


def _wait(process: subprocess.Popen[bytes]) -> None:
    """Waits for the pager; Ctrl-C belongs to it (less uses it), not to us."""
    while True:
        try:
            process.wait()
            return
        except KeyboardInterrupt:
            continue
