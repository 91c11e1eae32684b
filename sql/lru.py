"""A bounded least-recently-used map that threads may share.

The query layer keeps a few caches for the whole process (parsed statements, compiled plans,
point-statement shapes). `dl sql-server` runs sessions' statements on its event loop and in
worker threads at once, and an `OrderedDict`'s look-up, move-to-end and eviction are separate
steps: between them another thread can evict the key (a `KeyError` out of a cache hit). Here
each operation holds a lock, which costs about 0.1 us uncontended.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")
MISSING: object = object()  # what `get` returns for an absent key (a cached value may be None)


class LruCache(Generic[K, V]):
    """At most `size` entries; a hit makes its entry the most recent."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | object:
        """The value of `key`, or `MISSING`."""
        with self._lock:
            value = self._items.get(key, MISSING)  # type: ignore[arg-type]
            if value is not MISSING:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
