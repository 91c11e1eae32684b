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

    def renamed_tables(self, other: "RootValue") -> dict[str, str]:
        """Tables renamed since `other` (self is newer): new name -> old name, for each table
        `other` had that is gone here while a new name holds the very same table value. Dolt
        follows a table through a rename by its columns' tags; dl's tables carry no tags, so,
        as git finds renames, by content: a drop and an add of identical content is a rename
        (whichever statements made it), a table changed while renamed is a deletion and a new
        table. A value two new (or two gone) names share pairs with none."""
        gone: dict[Address, list[str]] = {}
        for name, table in other.tables.items():
            if name not in self.tables:
                gone.setdefault(table, []).append(name)
        came: dict[Address, list[str]] = {}
        for name, table in self.tables.items():
            if name not in other.tables and table in gone:
                came.setdefault(table, []).append(name)
        return {new[0]: gone[table][0] for table, new in came.items() if len(new) == 1 and len(gone[table]) == 1}
