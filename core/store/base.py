"""The chunk-store interface every store implements.

A store holds immutable chunks by address and a small set of named refs. Chunks are
idempotent to write (same bytes, same address); refs only move by compare-and-swap, so two
writers never silently overwrite each other. `commit` writes a batch of chunks and a set of
ref moves as one atomic step: either every ref moves and every chunk is stored, or nothing
changes. That is what makes a crash leave the old state or the new, never a mix.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from dl.core.hashing import Address

LINKED = "a chunk this change links to; a concurrent dl gc may have deleted it: retry"


@dataclass(frozen=True, slots=True)
class RefUpdate:
    """Move ref `name` to `new` only if it still holds `expected`.

    `expected=None` means the ref must not exist yet; `new=None` deletes the ref.
    """

    name: str
    new: str | None
    expected: str | None


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Sizes a store reports (for `dl gc`, fsck and benchmarks)."""

    chunk_count: int
    stored_bytes: int  # bytes of chunk bodies as stored (after compression)
    raw_bytes: int  # bytes of chunk bodies uncompressed


@runtime_checkable
class ChunkStore(Protocol):
    """Content-addressed chunks plus compare-and-swap refs."""

    def get(self, address: Address) -> bytes:
        """The chunk's bytes; `MissingChunk` if absent, `CorruptChunk` if they do not hash to it."""
        ...

    def get_many(self, addresses: Iterable[Address]) -> dict[Address, bytes]:
        """Every requested chunk; `MissingChunk` for the first one absent."""
        ...

    def has_many(self, addresses: Iterable[Address]) -> set[Address]:
        """The subset of `addresses` the store holds."""
        ...

    def put_many(self, chunks: Mapping[Address, bytes]) -> int:
        """Stores chunks (each under the address of its bytes); returns how many were new."""
        ...

    def get_ref(self, name: str) -> str | None:
        """The ref's value, or None if it does not exist."""
        ...

    def list_refs(self, prefix: str = "") -> dict[str, str]:
        """All refs whose name starts with `prefix`."""
        ...

    def set_ref_if(self, name: str, new: str | None, expected: str | None) -> bool:
        """Compare-and-swap one ref; False (and no change) if it no longer holds `expected`."""
        ...

    def commit(self, chunks: Mapping[Address, bytes], updates: Sequence[RefUpdate],
               requires: Iterable[Address] = ()) -> bool:
        """Atomically store `chunks` and apply every update; False and no change if any CAS fails.
        `MissingChunk` and no change if a chunk of `requires` (what the new chunks link to) is not
        stored at that moment: a concurrent `dl gc` deleted it, so landing would leave a dangling
        link."""
        ...

    def stats(self) -> StoreStats:
        """Counts and sizes of the stored chunks."""
        ...

    def close(self) -> None:
        """Releases files and connections."""
        ...
