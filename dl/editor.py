"""A commit message written in the user's editor, as git and Dolt ask for one when `commit` has
no -m.

The editor is $DL_EDITOR, else $VISUAL, else $EDITOR (git's order, dl's own name first). With
none set, a terminal gets `vi`, and anywhere else the command asks for -m instead (a script
never hangs on an editor it cannot see). The message is the file's text without the lines
starting with '#'; an empty message aborts the commit. An editor that cannot be started or
fails is Dolt's "Failed to open commit editor" (exit 1).
"""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from dl.core.errors import DlError

_VARIABLES = ("DL_EDITOR", "VISUAL", "EDITOR")


def editor_command() -> list[str] | None:
    """The editor to run (split as a shell would), or None when there is none to run."""
    for name in _VARIABLES:
        text = os.environ.get(name, "").strip()
        if text:
            return shlex.split(text)
    return ["vi"] if sys.stdin.isatty() and sys.stdout.isatty() else None


def message_from_editor(editor: list[str], template: str) -> str:
    """Runs `editor` on a file holding `template`; the message the user left in it."""
    with tempfile.TemporaryDirectory(prefix="dl-commit-") as directory:
        path = Path(directory) / "COMMIT_EDITMSG"
        path.write_text(template, encoding="utf-8")
        try:
            done = subprocess.run([*editor, str(path)], check=False)
        except OSError as exc:
            raise DlError(f"Failed to open commit editor: {shlex.join(editor)}: {exc.strerror}") from None
        if done.returncode != 0:
            raise DlError(f"Failed to open commit editor: {shlex.join(editor)} exited with code {done.returncode}")
        text = path.read_text(encoding="utf-8", errors="replace")
    message = "\n".join(line for line in text.splitlines() if not line.startswith("#")).strip()
    if not message:
        raise DlError("Aborting commit due to empty commit message.")
    return message


def commit_template(branch: str) -> str:
    """The text the editor opens with: an empty first line for the message, then git's hints."""
    return ("\n# Please enter the commit message for your changes. Lines starting\n"
            "# with '#' will be ignored, and an empty message aborts the commit.\n"
            f"#\n# On branch {branch}\n")
