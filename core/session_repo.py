"""A repository as one SQL session sees it: its own current branch, not the shared `HEAD`.

`HEAD` is the CLI's current branch. A SQL session (a server connection, `dl sql`, an API
`Repo`'s SQL) keeps a branch of its own, as Dolt's sessions do: `dolt_checkout` in one session
never moves another session's branch nor the CLI's. `SessionRepository` is a `Repository` over
the same store whose `current_branch()` is the session's, so every operation that acts "on the
current branch" (add, commit, merge, reset, status, `HEAD` in a revision...) acts on the
session's branch, and whose `checkout` only switches that branch: working sets are kept per
branch, so the one left behind stays as it was (Dolt's `dolt_checkout` in SQL does the same).

Until the session checks out a branch it follows `HEAD` (`branch=None`), so a one-shot
`dl sql` and the API work on the CLI's branch as before.
"""
from __future__ import annotations

from dl.core.errors import DlError
from dl.core.repo import Repository


class SessionRepository(Repository):
    """`base`'s store and configuration, with the current branch held by the session."""

    def __init__(self, base: Repository, branch: str | None = None) -> None:
        super().__init__(base.store, base.config, base.directory)
        self._decoded = base._decoded  # decoded values are immutable: share the cache
        self.base = base
        self._branch = branch
        if branch is not None:
            self.branch_head(branch)  # NotFound for a branch that does not exist

    @property
    def pinned_branch(self) -> str | None:
        """The branch the session checked out, or None while it follows `HEAD`."""
        return self._branch

    def follow_head(self) -> None:
        """Makes the session follow `HEAD` again (Dolt's `USE db`: the default branch)."""
        self._branch = None

    def current_branch(self) -> str:
        return self._branch if self._branch is not None else self.base.current_branch()

    def checkout(self, branch: str, *, force: bool = False, overwrite_ignored: bool = True) -> None:
        """Switches the session to `branch` (which must exist); `HEAD` does not move and
        the working set left behind keeps its changes (so nothing is overwritten: `force`
        and `overwrite_ignored` change nothing)."""
        self.branch_head(branch)
        current = self.current_branch()
        if branch != current:
            _, ws = self.working_set(current)
            if ws.merge:
                raise DlError("a merge is in progress; commit it or run dl merge --abort first")
        self._branch = branch

    def rename_branch(self, old: str, new: str, *, copy: bool = False, force: bool = False) -> None:
        """Renames (or copies) a branch; the session follows a rename of its own branch, and
        `HEAD` follows a rename of the branch it names, whatever the session is on (the
        repository's rename moves `HEAD` only when `HEAD` names `old`)."""
        self.base.rename_branch(old, new, copy=copy, force=force)
        if not copy and self._branch == old:
            self._branch = new

    def delete_branch(self, name: str, *, force: bool = False) -> None:
        """Deletes a branch; neither the session's branch nor the one `HEAD` names."""
        if name == self.base.current_branch():
            raise DlError(f"Cannot delete checked out branch '{name}'")  # Dolt's words, as the CLI's
        super().delete_branch(name, force=force)
