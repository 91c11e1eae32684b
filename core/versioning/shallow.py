"""The shallow boundary of a shallow clone: commits whose parents the repository lacks.

`dl clone --depth N` fetches only the last N generations of commits (and everything their
roots need). The oldest commits it fetched keep their parents' addresses, as every commit
does, but those parents ("ghosts") are not in the store. The boundary commits are recorded
like git's `.git/shallow`, but as refs of the store (`shallow/<hex>` -> `<hex>`), so a fetch
lands its chunks, its remote-tracking refs and the change to the boundary in one transaction,
and a boundary record never names a commit the store lacks (the store refuses such a ref).

Everything that walks history honours it: `dl log` stops at the boundary; a revision, merge
base or diff that needs a ghost is `BeyondShallow` (Dolt's "Commit not found. You are using a
shallow clone"), not a missing-chunk corruption; `dl fsck` does not count a boundary commit's
absent parents as damage; `dl gc` does not follow them.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from dl.core.errors import DlError, NotFound
from dl.core.hashing import Address
from dl.core.store.base import RefUpdate

SHALLOW_PREFIX = "shallow/"


class _Refs(Protocol):
    def list_refs(self, prefix: str = "") -> dict[str, str]:
        ...


class BeyondShallow(NotFound):
    """A commit beyond the boundary of a shallow clone was needed."""

    def __init__(self, address: str) -> None:  # Dolt's wording, not NotFound's
        self.kind, self.name = "commit", address
        self.hint = "dl fetch --unshallow (or a full clone) brings the whole history"
        DlError.__init__(self, "Commit not found. You are using a shallow clone which does not "
                         f"contain the requested commit {address}; {self.hint}")


def shallow_ref(address: Address) -> str:
    return f"{SHALLOW_PREFIX}{address.hex}"


def is_shallow_ref(name: str) -> bool:
    return name.startswith(SHALLOW_PREFIX)


def boundary(store: _Refs) -> set[Address]:
    """The boundary commits of the repository (empty for a full one)."""
    return {Address.parse(value) for value in store.list_refs(SHALLOW_PREFIX).values()}


def boundary_updates(current: Iterable[Address], new: Iterable[Address]) -> list[RefUpdate]:
    """The ref updates that turn boundary `current` into `new`."""
    before, after = set(current), set(new)
    return [*(RefUpdate(shallow_ref(a), a.hex, None) for a in sorted(after - before)),
            *(RefUpdate(shallow_ref(a), None, a.hex) for a in sorted(before - after))]
