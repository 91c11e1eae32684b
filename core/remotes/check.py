"""`dl fsck --remote NAME`: the repository checker run over a remote.

A read-only chunk-store view of a remote (`RemoteView`) lets `core.maintenance.fsck` walk the
remote's branches and tags as it walks a local store: every chunk reachable present, hashing
to its address (the remote verifies each chunk it returns) and decoding, trees in key order,
the commit graph a DAG. Nothing is written anywhere.
"""
from __future__ import annotations

from collections.abc import Iterable

from dl.core.errors import DlError, StoreError
from dl.core.hashing import Address
from dl.core.maintenance.fsck import FsckReport, fsck
from dl.core.remotes.remote import HEADS, Remote
from dl.core.remotes.sync import open_remote
from dl.core.repo import Repository
from dl.core.versioning.refs import HEAD


class RemoteView:
    """The reading half of the chunk-store interface, over a remote."""

    verifies_reads = True

    def __init__(self, remote: Remote) -> None:
        self.remote = remote
        self._refs = remote.list_refs()
        heads = sorted(r for r in self._refs if r.startswith(HEADS))
        current = getattr(remote, "current_branch", lambda: None)()
        head = HEADS + current if current else HEADS + "main" if HEADS + "main" in heads else \
            heads[0] if heads else None
        if head is None:
            raise DlError(f"nothing to check: no branch was pushed to {remote.describe()}")
        self._refs[HEAD] = head  # a remote has no current branch: fsck checks one it names

    def get(self, address: Address) -> bytes:
        return self.remote.get_many([address])[address]

    def get_many(self, addresses: Iterable[Address]) -> dict[Address, bytes]:
        return self.remote.get_many(addresses)

    def has_many(self, addresses: Iterable[Address]) -> set[Address]:
        return self.remote.has_many(addresses)

    def list_refs(self, prefix: str = "") -> dict[str, str]:
        return {name: value for name, value in sorted(self._refs.items()) if name.startswith(prefix)}

    def get_ref(self, name: str) -> str | None:
        return self._refs.get(name)

    def put_many(self, chunks: object) -> int:
        raise StoreError("a remote is checked read-only")


def check_remote(repo: Repository, name: str, *, quick: bool = False) -> FsckReport:
    """fsck of remote `name` (its branches and tags), read through its transport."""
    _, remote = open_remote(repo, name)
    try:
        return fsck(RemoteView(remote), quick=quick)  # type: ignore[arg-type]
    finally:
        remote.close()
