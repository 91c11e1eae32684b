"""Constraints on a SQL write: `core.versioning.referential_actions.enforce` (referential
actions, then CHECK and FOREIGN KEY checks), its refusal as the statement's `SqlError`."""
from __future__ import annotations

from dl.core.errors import ConstraintViolation
from dl.core.store.base import ChunkStore
from dl.core.versioning import referential_actions
from dl.core.versioning.referential_actions import Moves, Put
from dl.core.versioning.root import RootValue
from dl.sql.errors import SqlError


def enforce(store: ChunkStore, before: RootValue, after: RootValue, put: Put,
            foreign_key_checks: bool = True, moves: Moves | None = None) -> RootValue:
    """`after` with its referential actions applied; `SqlError` naming the constraint and row."""
    try:
        return referential_actions.enforce(store, before, after, put, foreign_key_checks, moves)
    except ConstraintViolation as exc:
        raise SqlError(str(exc), cause=exc) from None
