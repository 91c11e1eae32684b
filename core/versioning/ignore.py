"""`dolt_ignore`: the versioned table of table-name patterns that `add .`, `add -A`, `commit -A`
and `status` leave alone, as in Dolt (and as .gitignore does for files).

The table is an ordinary table of the root, `dolt_ignore(pattern TEXT PRIMARY KEY, ignored
BOOLEAN NOT NULL)`: it is staged, committed, diffed and merged like any other, and SQL creates it
on the first write. A pattern matches a whole table name; `*` and `%` match any run of
characters and `?` one character. A table matched only by `ignored = true` patterns is ignored;
matched by both kinds, the more specific pattern wins (`commit_me_not` over `commit_*`), and when
neither is more specific the table is in conflict: staging it by pattern is an error naming the
patterns (Dolt's message). Ignoring applies to new tables only: a table already staged or
committed is tracked whatever the patterns say.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from dl.core.errors import DlError

if TYPE_CHECKING:
    from dl.core.tables.schema import TableSchema
    from dl.core.tables.table import Table

IGNORE_TABLE = "dolt_ignore"


class IgnoreResult(Enum):
    IGNORE = "ignore"
    DONT_IGNORE = "dont_ignore"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class Pattern:
    pattern: str
    ignored: bool


class IgnoreConflict(DlError):
    """A table matched by `ignored` and `not ignored` patterns, neither more specific."""

    multiline = True  # the patterns follow the first line, one a line

    def __init__(self, table: str, ignored: list[str], not_ignored: list[str]) -> None:
        lines = [f"the table {table} matches conflicting patterns in dolt_ignore:"]
        lines += [f"ignored:     {p}" for p in ignored] + [f"not ignored: {p}" for p in not_ignored]
        super().__init__("\n".join(lines))
        self.table, self.ignored, self.not_ignored = table, ignored, not_ignored


def ignore_schema() -> TableSchema:
    """The schema SQL gives `dolt_ignore` when it first writes it."""
    import pyarrow as pa

    from dl.core.tables.schema import Column, TableSchema
    return TableSchema((Column("pattern", pa.string(), True), Column("ignored", pa.bool_(), True)), ("pattern",))


def patterns_of(table: Table | None) -> list[Pattern]:
    """The patterns a `dolt_ignore` table holds (none for no table)."""
    if table is None:
        return []
    rows = table.scan()
    if "pattern" not in rows.column_names or "ignored" not in rows.column_names:
        raise DlError("dolt_ignore must have the columns pattern and ignored")
    return [Pattern(str(p), bool(i)) for p, i in zip(rows.column("pattern").to_pylist(),
                                                     rows.column("ignored").to_pylist()) if p is not None]


def _regex(pattern: str, wildcard_one: str = ".") -> re.Pattern[str]:
    text = re.escape(pattern).replace(r"\?", wildcard_one).replace(r"\*", ".*").replace("%", ".*")
    return re.compile(f"^{text}$")


def _normalized(pattern: str) -> str:
    return re.sub("%+", "%", pattern.replace("*", "%"))


def classify(name: str, patterns: list[Pattern]) -> tuple[IgnoreResult, list[str], list[str]]:
    """Whether `name` is ignored; on a conflict, also the patterns that conflict (Dolt's rules)."""
    true = [p.pattern for p in patterns if p.ignored and _regex(p.pattern).match(name)]
    false = [p.pattern for p in patterns if not p.ignored and _regex(p.pattern).match(name)]
    if not true:
        return IgnoreResult.DONT_IGNORE, [], []
    if not false:
        return IgnoreResult.IGNORE, [], []
    for t in true:
        for f in false:
            if _normalized(t) == _normalized(f):
                return IgnoreResult.CONFLICT, [t], [f]
    # a pattern is beaten by any more specific pattern of the other kind that it matches
    true_beaten = {t for t in true if any(_regex(t, "[^*%]").match(f) for f in false)}
    false_beaten = {f for f in false if any(_regex(f, "[^*%]").match(t) for t in true)}
    if len(true_beaten) == len(true):
        return IgnoreResult.DONT_IGNORE, [], []
    if len(false_beaten) == len(false):
        return IgnoreResult.IGNORE, [], []
    return (IgnoreResult.CONFLICT, [t for t in true if t not in true_beaten],
            [f for f in false if f not in false_beaten])


def is_ignored(name: str, patterns: list[Pattern]) -> bool:
    """Whether `name` is ignored; `IgnoreConflict` when the patterns disagree about it."""
    result, true, false = classify(name, patterns)
    if result is IgnoreResult.CONFLICT:
        raise IgnoreConflict(name, true, false)
    return result is IgnoreResult.IGNORE


def split_ignored(names: list[str], patterns: list[Pattern]) -> tuple[list[str], list[str], list[str]]:
    """`names` as (not ignored, ignored, in conflict)."""
    kept: list[str] = []
    ignored: list[str] = []
    conflicted: list[str] = []
    for name in names:
        result = classify(name, patterns)[0]
        (ignored if result is IgnoreResult.IGNORE else conflicted if result is IgnoreResult.CONFLICT
         else kept).append(name)
    return kept, ignored, conflicted
