"""Parsing revision names as git and Dolt write them.

`main`, `v1.0`, `a1b2c3d4` (a unique prefix of 4+ hex digits), `HEAD`, `WORKING`, `STAGED`,
followed by any number of `~n` (n-th first-parent ancestor) and `^n` (n-th parent) steps:
`HEAD~2`, `main^`, `HEAD^2~1`. Resolution against refs happens in the repository.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from dl.core.errors import BadInput, NotFound

_STEP = re.compile(r"([~^])(\d*)")


@dataclass(frozen=True)
class Revision:
    base: str
    steps: tuple[tuple[str, int], ...] = ()


def parse_revision(text: str) -> Revision:
    """Splits `text` into its base name and ancestry steps; `NotFound` for malformed text."""
    text = text.strip()
    cut = min([i for i in (text.find("~"), text.find("^")) if i >= 0], default=len(text))
    base, rest = text[:cut], text[cut:]
    if not base:
        raise NotFound("revision", text or "''")
    steps = []
    pos = 0
    while pos < len(rest):
        match = _STEP.match(rest, pos)
        if not match:
            raise NotFound("revision", text)
        kind, digits = match.groups()
        steps.append((kind, int(digits) if digits else 1))
        pos = match.end()
    upper = base.upper()
    if upper in ("HEAD", "WORKING", "STAGED"):
        base = upper
    return Revision(base, tuple(steps))


def check_log_revisions(revisions: list[str], excluded: list[str]) -> None:
    """Dolt's rules for a log's revisions (`dl log` and `dolt_log(...)` alike): a range
    (`A..B`, `A...B`) must be the only revision, with no `--not`; a `--not` revision is a plain
    name, neither a range nor `^NAME`. `BadInput` in Dolt's words otherwise."""
    if any(".." in r for r in revisions) and (len(revisions) > 1 or excluded):
        raise BadInput("revision cannot contain '..' or '...' if multiple revisions exist")
    for revision in excluded:
        if ".." in revision:
            raise BadInput("--not revision cannot contain '..'")
        if revision.startswith("^"):
            raise BadInput("--not revision cannot contain '^'")
