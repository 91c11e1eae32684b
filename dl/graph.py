"""`dl log --graph`: history drawn as lanes, one column per line of descent, as git draws it.

Commits arrive newest first with every child before its parents (heights strictly decrease).
Each lane holds the commit it is waiting for; a commit takes the leftmost lane waiting for it,
lanes that also waited for it close (`|/`), and a merge opens lanes for its other parents
(`|\\`). Output is plain ASCII so it survives pipes and pagers.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dl.core.hashing import Address
    from dl.core.versioning.commit import Commit


def _row(lanes: list["Address | None"], marks: dict[int, str]) -> str:
    """One row of lanes; an edge that opens (`\\`) or closes (`/`) a lane is drawn in the gap
    beside it, as Dolt and git draw a fork next to its lane (`|\\`, `|/`)."""
    text = ""
    for i, lane in enumerate(lanes):
        mark = marks.get(i, "|" if lane is not None else " ")
        text += mark if i == 0 or mark in "/\\" and text.endswith("|") else " " + mark
    return text.rstrip()


def draw(commits: list[tuple["Address", "Commit"]], texts: list[str]) -> str:
    """The commits' texts, each prefixed with the graph columns at its row.

    Lanes that also waited for a commit close into its lane just above it (`|/`), so a branch
    visibly forks from the right commit; a merge's other parents open just below its first
    line (`|\\`), and its body lines already show them."""
    lanes: list[Address | None] = []
    out: list[str] = []
    spacer = False
    for number, ((address, commit), text) in enumerate(zip(commits, texts)):
        waiting = [i for i, lane in enumerate(lanes) if lane == address]
        if waiting:
            column = waiting[0]
        else:
            column = lanes.index(None) if None in lanes else len(lanes)
            if column == len(lanes):
                lanes.append(address)
            else:
                lanes[column] = address
        closing = waiting[1:]
        if closing:
            if spacer:  # the row after the last commit's text becomes the closing one
                out.pop()
            out.append(_row(lanes, {i: "/" for i in closing}))
            for i in closing:
                lanes[i] = None
            while lanes and lanes[-1] is None:
                lanes.pop()
        lines = text.rstrip("\n").split("\n")
        prefix = _row(lanes, {column: "*"})
        parents = list(commit.parents)
        lanes[column] = parents[0] if parents else None
        opened = []
        for parent in parents[1:]:
            if parent in lanes:
                continue
            slot = lanes.index(None) if None in lanes else len(lanes)
            if slot == len(lanes):
                lanes.append(parent)
            else:
                lanes[slot] = parent
            opened.append(slot)
        width = max(len(prefix), len(_row(lanes, {})), 1)
        out.append(f"{prefix.ljust(width)} {lines[0]}")
        body = _row(lanes, {})
        fork = _row(lanes, {i: "\\" for i in opened}) if opened else body
        if opened and len(lines) == 1:
            out.append(fork)
        for index, line in enumerate(lines[1:]):
            edge = fork if index == 0 else body  # a merge forks beside its next line (Dolt's `|\  Merge:`)
            out.append(f"{edge.ljust(width)} {line}" if line else edge)
        spacer = len(lines) > 1 and number < len(commits) - 1
        if spacer:
            out.append(body)  # a row of lanes after a commit's text, before the next (Dolt's)
        while lanes and lanes[-1] is None:
            lanes.pop()
    return "\n".join(line.rstrip() for line in out) + ("\n" if out else "")
