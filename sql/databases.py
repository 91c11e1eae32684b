"""The databases a SQL session can USE, named as Dolt names them, and `SET autocommit`.

A repository is served as one database named after its directory (`database_name`: Dolt's
rule, whitespace and `-` become `_`). `USE db/branch` puts the session on that branch (its
own branch: HEAD does not move); `USE db/<commit, tag or other revision>` reads that revision,
read-only, as Dolt's revision databases do; `USE db` goes back to following HEAD's branch.
A database name from a client is only ever compared with the repository's name and resolved
as a revision in the store: it never becomes a path.
"""
from __future__ import annotations

import re

from dl.core.errors import DlError
from dl.core.repo import Repository
from dl.core.session_repo import SessionRepository
from dl.core.versioning.root import RootValue
from dl.sql.errors import SqlError


def database_name(repo: Repository) -> str:
    """The database a repository is served as: its directory's name, whitespace and `-` as `_`."""
    if repo.directory is None:
        return "dl"
    name = re.sub(r"[\s-]", "_", repo.directory.resolve().name.strip())
    return re.sub(r"_+", "_", name) or "dl"


class UnknownDatabase(SqlError):
    """USE of a database this repository does not serve (MySQL's 1049)."""


class Database:
    """Which database a session uses: the repository's, a branch of it, or a revision."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.branch: str | None = None  # after USE db/branch
        self.revision: str | None = None  # after USE db/<revision>: read-only
        self._root: RootValue | None = None

    def current(self) -> str:
        suffix = self.revision or self.branch
        return f"{self.name}/{suffix}" if suffix else self.name

    def parse(self, text: str) -> tuple[str, str | None]:
        """(database, revision or None) of `db` or `db/rev`; refuses another database."""
        db, _, rev = text.strip().partition("/")
        if db.lower() != self.name.lower():
            raise UnknownDatabase(f"Unknown database '{text.strip()}' (this server has {self.name})")
        return db, (rev or None)

    def switch(self, repo: SessionRepository, target: tuple[str, str | None]) -> None:
        """Points the session at `target` (from `parse`)."""
        _, rev = target
        if rev is None:
            repo.follow_head()
            self.branch = self.revision = self._root = None
            return
        if rev in repo.branches():
            repo.checkout(rev)
            self.branch, self.revision, self._root = rev, None, None
            return
        try:
            address = repo.resolve_commit(rev)
        except DlError as exc:
            raise UnknownDatabase(f"Unknown database '{self.name}/{rev}': {exc}") from None
        self._root = repo.load_root(repo.load_commit(address).root)
        self.revision, self.branch = rev, None

    def revision_root(self, repo: Repository) -> RootValue:
        assert self._root is not None
        return self._root

    def checked_out(self, repo: SessionRepository) -> None:
        """After `dolt_checkout`: the session is on a branch, not a revision."""
        self.revision, self._root = None, None
