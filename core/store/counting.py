"""A pass-through store that counts chunk reads and writes (tests prove O(depth) costs).

It changes nothing it passes on: every call reaches the inner store unchanged. `reads` counts
chunks returned by `get`/`get_many`; `writes` counts chunks handed to `put_many`/`commit`
(whether or not the inner store already had them: the cost of the caller's work, not of the
store's dedup).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from dl.core.hashing import Address
from dl.core.store.base import ChunkStore, RefUpdate, StoreStats


class CountingStore:
    """Counts chunks returned by get/get_many and chunks handed to put_many/commit."""

    def __init__(self, inner: ChunkStore) -> None:
        self.inner = inner
        self.reads = 0
        self.writes = 0

    def reset(self) -> None:
        """Zeroes both counters."""
        self.reads = self.writes = 0

    def get(self, address: Address) -> bytes:
        data = self.inner.get(address)
        self.reads += 1
        return data

    def get_many(self, addresses: Iterable[Address]) -> dict[Address, bytes]:
        found = self.inner.get_many(addresses)
        self.reads += len(found)
        return found

    def has_many(self, addresses: Iterable[Address]) -> set[Address]:
        return self.inner.has_many(addresses)

    def put_many(self, chunks: Mapping[Address, bytes]) -> int:
        self.writes += len(chunks)
        return self.inner.put_many(chunks)

    def get_ref(self, name: str) -> str | None:
        return self.inner.get_ref(name)

    def list_refs(self, prefix: str = "") -> dict[str, str]:
        return self.inner.list_refs(prefix)

    def set_ref_if(self, name: str, new: str | None, expected: str | None) -> bool:
        return self.inner.set_ref_if(name, new, expected)

    def commit(self, chunks: Mapping[Address, bytes], updates: Sequence[RefUpdate],
               requires: Iterable[Address] = ()) -> bool:
        self.writes += len(chunks)
        return self.inner.commit(chunks, updates, requires)

    def stats(self) -> StoreStats:
        return self.inner.stats()

    def close(self) -> None:
        self.inner.close()
