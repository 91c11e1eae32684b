"""How `--help` looks: flags show no value type, as in git's and Dolt's help.

typer's rich help prints a type after every option, `<bool>` too, which reads as if a flag took
a value (`--all <bool>`). Flags (boolean switches and counters) take none, so their type column
is left empty; options that take a value keep theirs (`<str>`, `<path>`). typer has no setting
for this, so the one method that draws the column is wrapped here, once, when the app is built.
Help wraps to the terminal's width: rich measures it (or `COLUMNS`), nothing here fixes it.
"""
from __future__ import annotations

from typing import Any

import typer.core

_patched = False


def hide_flag_types() -> None:
    """Makes flags show no `<bool>` in help (idempotent)."""
    global _patched
    if _patched:
        return
    _patched = True
    original = typer.core.TyperOption.display_type_rich

    def display_type_rich(self: Any, ctx: Any) -> str | None:
        if getattr(self, "is_flag", False) or getattr(self, "count", False):
            return None
        return original(self, ctx)

    typer.core.TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]
