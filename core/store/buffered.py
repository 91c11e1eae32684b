"""A write buffer over a store: how a change lands whole or not at all.

Writers put every new chunk of an operation here (reads see them at once), then `flush`
stores the chunks and moves the refs in one `commit` of the underlying store. Invariants:
nothing reaches the inner store before a flush, so a crash before it leaves the store
untouched; a lost compare-and-swap leaves the store untouched too and keeps the pending chunks,
so the caller can retry with fresh updates (or `discard` them). Ref reads pass through. Not
thread-safe: one buffer belongs to one operation.

A flush also hands the store every address its chunks link to outside the buffer (a subtree
reused by address, the tables of a branch being merged), and the store checks inside the
landing transaction that they are all still there: a concurrent `dl gc` that deleted one
(say, of a branch deleted meanwhile) makes the flush fail cleanly instead of landing a
dangling link.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from dl.core.errors import IntegrityError
from dl.core.hashing import Address
from dl.core.maintenance.links import links
from dl.core.store.base import ChunkStore, RefUpdate, StoreStats


class BufferedStore:
    """Pending chunks in memory over an inner store."""

    def __init__(self, inner: ChunkStore) -> None:
        self.inner = inner
        self.pending: dict[Address, bytes] = {}

    def get(self, address: Address) -> bytes:
        data = self.pending.get(address)
        return data if data is not None else self.inner.get(address)

    def get_many(self, addresses: Iterable[Address]) -> dict[Address, bytes]:
        wanted = list(dict.fromkeys(addresses))
        found = {a: self.pending[a] for a in wanted if a in self.pending}
        rest = [a for a in wanted if a not in found]
        if rest:
            found.update(self.inner.get_many(rest))
        return {a: found[a] for a in wanted}

    def has_many(self, addresses: Iterable[Address]) -> set[Address]:
        wanted = list(dict.fromkeys(addresses))
        mine = {a for a in wanted if a in self.pending}
        rest = [a for a in wanted if a not in mine]
        return mine | self.inner.has_many(rest) if rest else mine

    def put_many(self, chunks: Mapping[Address, bytes]) -> int:
        """Buffers the chunks; returns how many neither the buffer nor the inner store holds.
        Every chunk stays pending even if the inner store has it: the flush re-checks inside
        its transaction, so a `dl gc` in between cannot take a chunk this change relies on."""
        fresh = [a for a in chunks if a not in self.pending]
        new = len(fresh) - len(self.inner.has_many(fresh)) if fresh else 0
        self.pending.update(chunks)
        return new

    def get_ref(self, name: str) -> str | None:
        return self.inner.get_ref(name)

    def list_refs(self, prefix: str = "") -> dict[str, str]:
        return self.inner.list_refs(prefix)

    def set_ref_if(self, name: str, new: str | None, expected: str | None) -> bool:
        """Moves one ref, flushing the pending chunks with it (the ref may name one of them)."""
        return self.flush([RefUpdate(name, new, expected)])

    def commit(self, chunks: Mapping[Address, bytes], updates: Sequence[RefUpdate]) -> bool:
        """Flushes the pending chunks plus `chunks` with `updates`; on a lost CAS nothing
        changes, not even the buffer."""
        landing = {**self.pending, **chunks}
        if not self.inner.commit(landing, updates, outside_links(landing)):
            return False
        self.pending = {}
        return True

    def flush(self, updates: Sequence[RefUpdate] = ()) -> bool:
        """Stores the pending chunks and applies `updates` atomically; False if a CAS lost
        (the chunks stay pending so the caller may retry with other updates)."""
        return self.commit({}, updates)

    def discard(self) -> None:
        """Drops the pending chunks (the operation is abandoned)."""
        self.pending = {}

    def stats(self) -> StoreStats:
        """The inner store's figures (pending chunks are not stored yet)."""
        return self.inner.stats()

    def close(self) -> None:
        """Drops pending chunks; the inner store belongs to the caller and stays open."""
        self.pending = {}


def outside_links(chunks: Mapping[Address, bytes]) -> set[Address]:
    """The addresses `chunks` link to that are not among them (leaves are skipped unread; a
    chunk of no kind dl knows, e.g. a test's arbitrary bytes, links to nothing)."""
    out: set[Address] = set()
    for address, data in chunks.items():
        if data[:1] != b"L":
            try:
                out.update(links(data, address))
            except IntegrityError:
                continue
    return out - chunks.keys()
