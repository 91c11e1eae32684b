"""The interface every remote offers the sync code: refs, chunks, and an atomic update.

Two kinds implement it: a remote in dl's pack format over an object store (`packed`: a bare
directory or S3) and another dl repository's directory (`repository`). Sync code (fetch,
push, clone) sees only this.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from dl.core.hashing import Address
from dl.core.remotes.objects import TransferStats
from dl.core.remotes.walk import Row
from dl.core.store.base import RefUpdate

HEADS = "refs/heads/"
TAGS = "refs/tags/"


class Remote(Protocol):
    """A place refs and chunks are fetched from and pushed to."""

    stats: TransferStats

    def describe(self) -> str:
        """The remote's URL, for messages."""
        ...

    def exists(self) -> bool:
        """Whether anything was ever pushed there (a clone of an empty remote is refused)."""
        ...

    def list_refs(self) -> dict[str, str]:
        """Branches (`refs/heads/b`) and tags (`refs/tags/t`) and their values (hex)."""
        ...

    def has_many(self, addresses: Iterable[Address]) -> set[Address]:
        """The subset of `addresses` the remote holds."""
        ...

    def get_many(self, addresses: Iterable[Address]) -> dict[Address, bytes]:
        """The chunks, each verified against its address; `MissingChunk` if one is absent."""
        ...

    def stream_leaves(self, addresses: Iterable[Address]) -> Iterator[list[Row]]:
        """Tree leaves in their stored form, part by part, each part verified against the
        addresses and found to link to nothing before it is yielded (`receive`)."""
        ...

    def stored_rows(self) -> dict[Address, Row]:
        """The stored forms of the chunks `get_many` returned, where the remote has them as a
        local store keeps them (they are then stored as they are, not compressed again)."""
        ...

    def update(self, chunks: list[tuple[Address, bytes]], updates: list[RefUpdate],
               leaves: dict[Address, Row] | None = None) -> bool:
        """Stores `chunks` (and `leaves`, given in their stored form), then applies every ref
        update by compare-and-swap, all or none; False (and no ref moved) if a ref no longer
        holds its expected value."""
        ...

    def close(self) -> None:
        ...
