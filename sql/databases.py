"""The databases a SQL session can USE, named as Dolt names them, and `SET autocommit`.

A repository is served as one database named after its directory (`database_name`: Dolt's
rule, whitespace and `-` become `_`). `USE db/branch` puts the session on that branch (its
own branch: HEAD does not move); `USE db/<commit, tag or other revision>` reads that revision,
read-only, as Dolt's revision databases do; `USE db` goes back to following HEAD's branch.
A database name from a client is only ever compared with the repository's name and resolved
as a revision in the store: it never becomes a path.

Dolt's per-database session variables read where the session is: `@@<db>_head_ref`
(`refs/heads/<branch>`), `@@<db>_head` (that branch's last commit), `@@<db>_working` and
`@@<db>_staged` (the roots' addresses); `SET @@<db>_head_ref = 'branch'` is `USE db/branch`.
Qualified table names (`` `db/branch`.t ``) run their statement in that database
(`unqualified`, and the session's `_run_in`).
"""
from __future__ import annotations

import re

from sqlglot import exp

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dl.core.errors import DlError
from dl.core.repo import Repository
from dl.core.session_repo import SessionRepository
from dl.core.versioning.root import RootValue
from dl.sql.errors import SqlError

if TYPE_CHECKING:
    from dl.sql.statement_view import View


def database_name(repo: Repository) -> str:
    """The database a repository is served as: its directory's name, whitespace and `-` as `_`."""
    if repo.directory is None:
        return "dl"
    name = re.sub(r"[\s-]", "_", repo.directory.resolve().name.strip())
    return re.sub(r"_+", "_", name) or "dl"


def unqualified(expression: exp.Expression, name: str) -> tuple[str | None, exp.Expression]:
    """The database a statement's qualified table names (`db.t`, `` `db/rev`.t ``) name, and the
    statement without those qualifiers, when they all name this repository's database `name`
    and agree on one revision: (None, expression) otherwise, for the binder to refuse."""
    tables = [t for t in expression.find_all(exp.Table) if t.args.get("db") is not None and not t.args.get("catalog")]
    named = {t.db for t in tables}
    if len(named) != 1:
        return None, expression
    target = next(iter(named))
    if target.partition("/")[0].lower() != name.lower():
        return None, expression
    expression = expression.copy()
    for table in expression.find_all(exp.Table):
        if table.args.get("db") is not None and not table.args.get("catalog"):
            table.set("db", None)
    return target, expression


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
            raise UnknownDatabase(f"database not found: {text.strip()} (this server has {self.name})")
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
            raise UnknownDatabase(f"database not found: {self.name}/{rev} ({exc})") from None
        self._root = repo.load_root(repo.load_commit(address).root)
        self.revision, self.branch = rev, None

    def revision_root(self, repo: Repository) -> RootValue:
        assert self._root is not None
        return self._root

    def checked_out(self, repo: SessionRepository) -> None:
        """After `dolt_checkout`: the session is on a branch, not a revision."""
        self.revision, self._root = None, None


class RevisionVariables:
    """`@@<db>_head_ref`, `@@<db>_head`, `@@<db>_working`, `@@<db>_staged` of a session (the
    `Computed` variables of `sql.variables`)."""

    SUFFIXES = ("_head_ref", "_head", "_working", "_staged")

    def __init__(self, database: Database, repo: SessionRepository, view: Callable[[], View],
                 use: Callable[[str], None]) -> None:
        """`view`: what the session's next statement reads; `use`: the session's USE."""
        self.database, self.repo, self.view, self.use = database, repo, view, use

    def _suffix(self, name: str) -> str | None:
        db = self.database.name.lower()
        for suffix in self.SUFFIXES:
            if name == db + suffix:
                return suffix
        return None

    def get(self, name: str) -> tuple[bool, Any]:
        suffix = self._suffix(name)
        if suffix is None:
            return False, None
        view = self.view()
        if suffix == "_head_ref":
            return True, None if self.database.revision is not None else f"refs/heads/{view.branch}"
        if suffix == "_head":
            return True, self.repo.resolve_commit(self.database.revision or view.branch).hex
        return True, (view.ws.working if suffix == "_working" else view.ws.staged).hex

    def set(self, name: str, value: Any) -> bool:
        suffix = self._suffix(name)
        if suffix is None:
            return False
        if suffix != "_head_ref":
            raise SqlError(f"@@{name} is read-only: set @@{self.database.name}_head_ref to change branch")
        branch = str(value or "").removeprefix("refs/heads/")
        if branch not in self.repo.branches():
            raise UnknownDatabase(f"database not found: {self.database.name}/{branch}")
        self.use(f"{self.database.name}/{branch}")
        return True
