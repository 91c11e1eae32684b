"""An in-memory chunk store, for tests and notebooks.

Same contract as the SQLite store (the contract tests run against both): chunks are write-once,
refs move only by compare-and-swap, and `commit` applies a batch of chunks and ref moves under
one lock, all or nothing. It trusts its callers: a get checks presence (`MissingChunk`), not
the bytes. Counts chunks returned (`reads`) and new chunks stored (`writes`) so tests can prove
costs are O(depth) without timing anything.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager

from dl.core.errors import MissingChunk
from dl.core.hashing import Address
from dl.core.store.base import LINKED, RefUpdate, StoreStats


class MemoryStore:
    """Chunks and refs in dicts, guarded by one lock."""

    def __init__(self) -> None:
        self._chunks: dict[Address, bytes] = {}
        self._refs: dict[str, str] = {}
        self._lock = threading.RLock()
        self.reads = 0
        self.writes = 0

    def get(self, address: Address) -> bytes:
        with self._lock:
            data = self._chunks.get(address)
            if data is None:
                raise MissingChunk(address.hex)
            self.reads += 1
            return data

    def get_many(self, addresses: Iterable[Address]) -> dict[Address, bytes]:
        with self._lock:
            return {address: self.get(address) for address in addresses}

    def has_many(self, addresses: Iterable[Address]) -> set[Address]:
        with self._lock:
            return {a for a in addresses if a in self._chunks}

    def put_many(self, chunks: Mapping[Address, bytes]) -> int:
        with self._lock:
            new = 0
            for address, data in chunks.items():
                if address not in self._chunks:
                    self._chunks[address] = bytes(data)
                    new += 1
            self.writes += new
            return new

    def get_ref(self, name: str) -> str | None:
        with self._lock:
            return self._refs.get(name)

    def list_refs(self, prefix: str = "") -> dict[str, str]:
        with self._lock:
            return {k: self._refs[k] for k in sorted(self._refs) if k.startswith(prefix)}

    def set_ref_if(self, name: str, new: str | None, expected: str | None) -> bool:
        return self.commit({}, [RefUpdate(name, new, expected)])

    def commit(self, chunks: Mapping[Address, bytes], updates: Sequence[RefUpdate],
               requires: Iterable[Address] = ()) -> bool:
        with self._lock:
            if any(self._refs.get(u.name) != u.expected for u in updates):
                return False
            for address in requires:
                if address not in self._chunks and address not in chunks:
                    raise MissingChunk(address.hex, LINKED)
            self.put_many(chunks)
            for update in updates:
                if update.new is None:
                    self._refs.pop(update.name, None)
                else:
                    self._refs[update.name] = update.new
            return True

    def stats(self) -> StoreStats:
        with self._lock:
            size = sum(len(d) for d in self._chunks.values())
            return StoreStats(len(self._chunks), size, size)

    def all_addresses(self) -> Iterator[Address]:
        """Every stored address (a snapshot taken when called)."""
        with self._lock:
            return iter(list(self._chunks))

    def delete_many(self, addresses: Iterable[Address]) -> int:
        """Deletes chunks (for `dl gc`); returns how many were there."""
        with self._lock:
            return sum(self._chunks.pop(a, None) is not None for a in addresses)

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Holds off every other thread's reads and writes until the block ends."""
        with self._lock:
            yield

    def vacuum(self) -> None:
        """Nothing to compact in memory."""

    def close(self) -> None:
        """Nothing to release."""
