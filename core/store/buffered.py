"""A write buffer over a store: how a change lands whole or not at all.

Writers put every new chunk of an operation here (reads see them at once), then `flush`
stores the chunks and moves the refs in one transaction of the underlying store. A crash
before the flush leaves the store untouched; a lost compare-and-swap leaves it untouched too,
and the caller retries from a fresh read or reports a concurrent update.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from core.hashing import Address
from core.store.base import ChunkStore, RefUpdate, StoreStats


class BufferedStore:
    """Pending chunks in memory over an inner store."""

    def __init__(self, inner: ChunkStore) -> None:
        self.inner = inner
        self.pending: dict[Address, bytes] = {}

    def get(self, address: Address) -> bytes:
        data = self.pending.get(address)
        return data if data is not None else self.inner.get(address)

    def get_many(self, addresses: Iterable[Address]) -> dict[Address, bytes]:
        addresses = list(addresses)
        found = {a: self.pending[a] for a in addresses if a in self.pending}
        rest = [a for a in addresses if a not in found]
        if rest:
            found.update(self.inner.get_many(rest))
        return {a: found[a] for a in addresses}

    def has_many(self, addresses: Iterable[Address]) -> set[Address]:
        addresses = list(addresses)
        mine = {a for a in addresses if a in self.pending}
        return mine | self.inner.has_many([a for a in addresses if a not in mine])

    def put_many(self, chunks: Mapping[Address, bytes]) -> int:
        new = sum(1 for a in chunks if a not in self.pending)
        self.pending.update(chunks)
        return new

    def get_ref(self, name: str) -> str | None:
        return self.inner.get_ref(name)

    def list_refs(self, prefix: str = "") -> dict[str, str]:
        return self.inner.list_refs(prefix)

    def set_ref_if(self, name: str, new: str | None, expected: str | None) -> bool:
        return self.flush([RefUpdate(name, new, expected)])

    def commit(self, chunks: Mapping[Address, bytes], updates: Sequence[RefUpdate]) -> bool:
        self.put_many(chunks)
        return self.flush(updates)

    def flush(self, updates: Sequence[RefUpdate] = ()) -> bool:
        """Stores the pending chunks and applies `updates` atomically; False if a CAS lost
        (the chunks stay pending so the caller may retry with other updates)."""
        if not self.inner.commit(self.pending, updates):
            return False
        self.pending = {}
        return True

    def discard(self) -> None:
        self.pending = {}

    def stats(self) -> StoreStats:
        return self.inner.stats()

    def close(self) -> None:
        self.pending = {}
