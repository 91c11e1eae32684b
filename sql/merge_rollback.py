"""Dolt's rule for merges run from SQL with autocommit on: conflicts roll the statement back.

A statement that runs with autocommit on commits when it ends, and nothing can resolve a
conflict between a `CALL dolt_merge(...)` (or dolt_cherry_pick, dolt_revert, dolt_pull) and
that commit. So, as Dolt does, such a call that leaves conflicts is undone (the merge state
and working set go back to what they were: `abort_merge`) and fails with Dolt's message,
unless the session asked to keep them (`@@dolt_allow_commit_conflicts` or
`@@dolt_force_transaction_commit`) or autocommit is off. A merge that was already in progress
before the call is left alone.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from dl.sql.errors import SqlError

if TYPE_CHECKING:
    from dl.core.repo import Repository

ALLOW_CONFLICTS = ("dolt_allow_commit_conflicts", "dolt_force_transaction_commit")
MERGING_PROCEDURES = frozenset({"dolt_merge", "dolt_cherry_pick", "dolt_revert", "dolt_pull"})
AUTOCOMMIT_CONFLICTS = (
    "Merge conflict detected, @autocommit transaction rolled back. @autocommit must be disabled so that merge "
    "conflicts can be resolved using the dolt_conflicts and dolt_schema_conflicts tables before manually "
    "committing the transaction. Alternatively, to commit transactions with merge conflicts, set "
    "@@dolt_allow_commit_conflicts = 1")
"""Dolt's words (the tables it names are system tables, which dl names as Dolt does)."""


def roll_back_conflicts(repo: Repository, branch: str, called: Iterable[str], was_merging: bool) -> None:
    """After procedures `called` ran autocommitted on `branch`: if one of them started a merge
    that left conflicts, undo it and fail."""
    if was_merging or not any(name.lower() in MERGING_PROCEDURES for name in called):
        return
    _, ws = repo.working_set(branch)
    merge = ws.merge or {}
    if merge.get("conflicts") or merge.get("schema_conflicts"):
        from dl.core.versioning.merge_commits import abort_merge
        abort_merge(repo)
        raise SqlError(AUTOCOMMIT_CONFLICTS)
