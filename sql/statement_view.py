"""What one statement sees: the repository, its branch, working set and working root.

A `View` is the state a statement reads and writes: the branch's working set, or the open
transaction's root, and the store to read chunks from (a write buffer inside a change, so a
statement reads its own earlier writes). It sits at the bottom of the query layer: the system
tables, views, functions and procedures take one, and `resolve` builds it, so none of them
imports `resolve` back.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dl.core.errors import DlError
from dl.core.store.base import ChunkStore
from dl.core.tables.table import Table
from dl.core.versioning.root import RootValue
from dl.core.versioning.workingset import WorkingSet
from dl.sql.errors import SqlError, wrap

AS_OF_TIME = "time:"  # `t AS OF <time>` as a revision (no ref name holds ':'): the branch's commit then

if TYPE_CHECKING:
    from dl.core.repo import Repository


@dataclass
class View:
    """The state one statement reads: repository, branch, working set and working root."""

    repo: Repository
    store: ChunkStore
    branch: str
    ws: WorkingSet
    root: RootValue

    def table_name(self, name: str, root: RootValue | None = None) -> str | None:
        """The stored name `name` refers to (exact, else the one case-insensitive match)."""
        tables = (root or self.root).tables
        if name in tables:
            return name
        matches = [n for n in tables if n.lower() == name.lower()]
        return matches[0] if len(matches) == 1 else None

    def table(self, name: str, root: RootValue | None = None) -> Table:
        stored = self.table_name(name, root)
        if stored is None:
            raise SqlError(f"table not found: {name}")
        return self.repo.table_in(root or self.root, stored, self.store)

    def _root_at_time(self, text: str) -> RootValue:
        """The root of the branch's last commit made at or before `text` (UTC unless it names a
        zone), as Dolt's AS OF <time> reads."""
        from datetime import UTC, datetime
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise SqlError(f"AS OF: not a date or time: {text!r}") from None
        when = (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).timestamp()
        for _, commit in self.repo.log(self.branch):
            if commit.committed_at <= when:
                return self.repo.load_root(commit.root, self.store)
        raise SqlError(f"AS OF {text}: commit not found: no commit on {self.branch} is that old")

    def root_at(self, rev: str) -> RootValue:
        """The root a revision names; WORKING is this view's root (a transaction's, in one)."""
        upper = rev.strip().upper()
        if upper == "WORKING":
            return self.root
        if upper == "STAGED":
            return self.repo.load_root(self.ws.staged, self.store)
        if rev.startswith(AS_OF_TIME):
            return self._root_at_time(rev[len(AS_OF_TIME):])
        try:
            return self.repo.load_root(self.repo.resolve_root_address(rev), self.store)
        except DlError as exc:
            raise wrap(exc) from None
