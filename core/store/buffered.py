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

Bounded memory: a change larger than `spill_bytes` (a bulk import, a large merge) cannot sit
in memory whole, so once the pending leaves pass it they are written through to the inner
store ahead of the flush. Only leaves spill: they link to nothing, and the tree nodes that
link to them stay pending, so until the flush lands they are unreachable garbage (a crash
leaves the old state, plus chunks `dl gc` removes), and the flush's link check still makes
sure a concurrent `dl gc` did not take one meanwhile.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from dl.core.errors import IntegrityError
from dl.core.hashing import Address
from dl.core.maintenance.links import link_bytes
from dl.core.store.base import ChunkStore, RefUpdate, StoreStats


SPILL_BYTES = 64 << 20


class BufferedStore:
    """Pending chunks in memory over an inner store."""

    def __init__(self, inner: ChunkStore, *, spill_bytes: int | None = None) -> None:
        self.inner = inner
        self.pending: dict[Address, bytes] = {}
        self.spill_bytes = SPILL_BYTES if spill_bytes is None else spill_bytes
        self._leaf_bytes = 0
        self.spilled = 0  # leaves written through ahead of the flush (for tests and figures)

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
        for address, data in chunks.items():
            if data[:1] == b"L" and address not in self.pending:
                self._leaf_bytes += len(data)
        self.pending.update(chunks)
        if self._leaf_bytes > self.spill_bytes:
            self._spill()
        return new

    def prepare(self, chunks: Mapping[Address, bytes]) -> None:
        """Hands chunks about to be put here to the inner store's `prepare` (compressing them
        ahead of the flush), when it has one."""
        prepare = getattr(self.inner, "prepare", None)
        if prepare is not None:
            prepare(chunks)

    def _spill(self) -> None:
        """Writes the pending leaves through to the inner store (see the module docstring)."""
        leaves = {a: d for a, d in self.pending.items() if d[:1] == b"L"}
        self.inner.put_many(leaves)
        for address in leaves:
            del self.pending[address]
        self.spilled += len(leaves)
        self._leaf_bytes = 0

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
        self._leaf_bytes = 0
        return True

    def flush(self, updates: Sequence[RefUpdate] = ()) -> bool:
        """Stores the pending chunks and applies `updates` atomically; False if a CAS lost
        (the chunks stay pending so the caller may retry with other updates)."""
        return self.commit({}, updates)

    def discard(self) -> None:
        """Drops the pending chunks (the operation is abandoned), and what the inner store
        prepared for them."""
        forget = getattr(self.inner, "forget", None)
        if forget is not None:
            forget(self.pending)
        self.pending = {}
        self._leaf_bytes = 0

    def stats(self) -> StoreStats:
        """The inner store's figures (pending chunks are not stored yet)."""
        return self.inner.stats()

    def close(self) -> None:
        """Drops pending chunks; the inner store belongs to the caller and stays open."""
        self.pending = {}


def outside_links(chunks: Mapping[Address, bytes]) -> set[Address]:
    """The addresses `chunks` link to that are not among them (leaves are skipped unread; a
    chunk of no kind dl knows, e.g. a test's arbitrary bytes, links to nothing)."""
    out: set[bytes] = set()
    for address, data in chunks.items():
        if data[:1] != b"L":
            try:
                out.update(link_bytes(data, address))
            except IntegrityError:
                continue
    out.difference_update(a.raw for a in chunks)
    return {Address(raw) for raw in out}
