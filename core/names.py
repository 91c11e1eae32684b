"""Validation of user-chosen names: tables, columns, branches, tags.

Names live inside the store (refs are rows, not files), so a name never becomes a path; the
rules still refuse what would confuse users or tools: path separators (branch and tag names
may use `/` between parts, as in git), `..`, control
characters, a leading `-` (it reads as a flag), surrounding whitespace, and names over 255
characters. Column names are only ever SQL identifiers (quoted wherever dl writes them), never
paths or command-line words, so, as in MySQL and Dolt, they may hold `/` or `..` and start
with `-` (a CSV header such as `--Key1,/Key5` imports as written). Revision syntax (`~`, `^`, `:`) is refused in branch and tag names so that every
name stays a valid revision.
"""
from __future__ import annotations

import re

from dl.core.errors import InvalidName

MAX_NAME = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_REF_FORBIDDEN = re.compile(r"[~^:?*\[\\ @{]")
_RESERVED_REFS = {"HEAD", "WORKING", "STAGED"}
SYSTEM_PREFIX = "dolt_"


def check_name(kind: str, name: str) -> str:
    """Returns `name` if it is acceptable for a table, column or similar; else `InvalidName`."""
    if not name:
        raise InvalidName(kind, name, "it is empty")
    if len(name) > MAX_NAME:
        raise InvalidName(kind, name[:40] + "...", f"longer than {MAX_NAME} characters")
    if _CONTROL.search(name):
        raise InvalidName(kind, name, "it contains control characters")
    if kind != "column":
        _check_not_path_or_flag(kind, name)
    if name != name.strip():
        raise InvalidName(kind, name, "it starts or ends with whitespace")
    return name


def _check_not_path_or_flag(kind: str, name: str) -> None:
    if "/" in name or "\\" in name:
        raise InvalidName(kind, name, "it contains a path separator")
    if ".." in name:
        raise InvalidName(kind, name, "it contains '..'")
    if name.startswith("-"):
        raise InvalidName(kind, name, "it starts with '-'")


def check_table_name(name: str) -> str:
    """Like `check_name`, for a new table: also not a name reserved for system tables."""
    check_name("table", name)
    if name.lower().startswith(SYSTEM_PREFIX):
        raise InvalidName("table", name, f"names starting with {SYSTEM_PREFIX} are reserved for system tables")
    return name


def check_ref_name(kind: str, name: str) -> str:
    """Like `check_name`, for branches and tags: also no revision syntax and no reserved names.
    As in git and Dolt, `/` separates parts of a branch or tag name (`feature/login`); each part
    must be non-empty and not start with `.`."""
    parts = name.split("/")
    for part in parts if len(parts) > 1 else ():
        if not part or part.startswith("."):
            raise InvalidName(kind, name, "each part between '/' must be non-empty and not start with '.'")
    try:
        check_name(kind, name.replace("/", "-"))  # the other rules, on the whole name
    except InvalidName as exc:
        raise InvalidName(kind, name, exc.reason) from None
    if _REF_FORBIDDEN.search(name):
        raise InvalidName(kind, name, "it contains one of ~ ^ : ? * [ \\ @ { or a space")
    if name in _RESERVED_REFS or name.endswith(".lock") or name.startswith("."):
        raise InvalidName(kind, name, "it is reserved")
    return name
