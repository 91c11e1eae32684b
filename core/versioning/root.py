"""Root values: the state of every table at one moment, as one chunk.

A root maps table names to table-value addresses. Two roots compare table by table by
address, so `status` and the first step of a diff are O(tables), whatever the table sizes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dl.core.chunks import decode_json_chunk, encode_json_chunk, parse_address
from dl.core.errors import IntegrityError
from dl.core.hashing import Address, address_of

TAG = "R"


@dataclass(frozen=True)
class RootValue:
    """Table name -> table value address (plus room for later additions, e.g. views)."""

    tables: dict[str, Address] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def encode(self) -> bytes:
        return encode_json_chunk(TAG, {"tables": {n: a.hex for n, a in self.tables.items()},
                                       **({"extra": self.extra} if self.extra else {})})

    @staticmethod
    def decode(data: bytes, address: Address | None = None) -> "RootValue":
        value = decode_json_chunk(TAG, data, address)
        tables = value.get("tables")
        if not isinstance(tables, dict):
            name = address.hex if address else "?"
            raise IntegrityError(f"chunk {name}: root value without tables", name)
        extra = value.get("extra", {})
        return RootValue({str(n): parse_address(a, address) for n, a in tables.items()},
                         extra if isinstance(extra, dict) else {})

    @property
    def address(self) -> Address:
        return address_of(self.encode())

    def with_table(self, name: str, table: Address | None) -> "RootValue":
        """A root with `name` set to `table` (None removes it)."""
        tables = dict(self.tables)
        if table is None:
            tables.pop(name, None)
        else:
            tables[name] = table
        return RootValue(tables, dict(self.extra))

    def changed_tables(self, other: "RootValue") -> dict[str, str]:
        """Per table name differing from `other`: 'added', 'deleted' or 'modified' (self is newer)."""
        out = {}
        for name in sorted(set(self.tables) | set(other.tables)):
            mine, theirs = self.tables.get(name), other.tables.get(name)
            if mine == theirs:
                continue
            out[name] = "added" if theirs is None else "deleted" if mine is None else "modified"
        return out
