"""A transaction's point writes to one table, kept as rows until something reads the table.

Inside `BEGIN ... COMMIT` a point statement (`point`: UPDATE, DELETE, INSERT or REPLACE by the
full primary key) would rewrite a leaf and one node per level of the table's tree, and the
next one the same path again: sysbench's transaction writes four rows of one table, and
rewriting the tree four times was most of its write cost. A `PendingTable` instead records
each statement's outcome per encoded key (the row now, or deleted) on top of the table as it
was; `applied` lands all of them in one in-place edit (`Table.apply`), which rewrites each
touched leaf once and the upper levels once.

What keeps this honest:
- Reads see every write. The point statements themselves read through the pending rows
  (`get_many`: pending first, then the tree), so an UPDATE, a duplicate-key check or a
  REPLACE's count see the transaction's earlier writes. Every other read goes through the
  transaction's root, and `transactions.Transaction.root` applies the pending rows before it
  hands the root out: a SELECT, a plan, a DDL statement, a procedure or COMMIT never sees a
  root without them.
- Same errors at the same statement. Each statement checks its rows as `Table` does before
  anything is recorded (`Table.conform`: types, NOT NULL, null keys; `DuplicateKey` on an
  INSERT of a key that exists), and a table whose writes need more than that is never kept
  pending (`keeps_pending`): UNIQUE secondary indexes (checked against the index tree), CHECK
  constraints and foreign keys anywhere in the root (checked on the whole root). Non-unique
  indexes are brought up to date by the one edit, as by any other.
- Same tree. The edit applies the final row of every key touched, and the tree of a set of
  rows does not depend on the edits that made it (history independence), so the root is the
  one the statement-by-statement path gives.
- ROLLBACK drops the pending rows with the transaction; nothing was written for them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
from dl.core.errors import DuplicateKey
from dl.core.hashing import Address, address_of
from dl.core.store.base import ChunkStore
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table, TableValue
from dl.core.versioning.root import RootValue

if TYPE_CHECKING:
    from dl.core.repo import Repository


def keeps_pending(repo: Repository, store: ChunkStore, root: RootValue, name: str, table: Table) -> bool:
    """Whether point writes to `table` (stored as `name` in `root`) may wait as pending rows:
    a keyed table whose writes are checked by `Table.conform` and key uniqueness alone: no
    UNIQUE index, no CHECK, and no foreign key in any table of the root (what
    `constraint_check.has_constraints` looks for, read through the repository's decoded
    values)."""
    schema = table.schema
    if schema.is_keyless or any(index.unique for index in schema.indexes) or schema.constraints.checks:
        return False
    return not any(repo.table_in(root, other, store).schema.constraints.foreign_keys for other in root.tables)


class PendingTable:
    """A table with a transaction's point writes recorded by key, not yet in its tree."""

    def __init__(self, name: str, table: Table) -> None:
        self.name, self.table = name, table
        self._rows: dict[bytes, pa.Table | None] = {}  # encoded key -> its row now, or None: deleted
        self._deleted_keys: dict[bytes, pa.Table] = {}  # encoded key -> its key columns (a delete)
        self.stored: tuple[Address, TableValue] | None = None  # what `landed` stored, and where

    @property
    def schema(self) -> TableSchema:
        return self.table.schema

    def __len__(self) -> int:
        return len(self._rows)

    def holds(self, key: bytes) -> bool:
        """Whether a pending write names this encoded key. Keys are kept as numpy's `S` arrays
        give them, without trailing NUL bytes (an integer key such as 256 ends in one)."""
        return key.rstrip(b"\0") in self._rows

    def keys_of(self, rows: pa.Table) -> np.ndarray:
        return self.table.keys_of(rows)

    def get_many(self, keys: np.ndarray) -> pa.Table:
        """The rows whose encoded key is in `keys`, as the transaction sees them, in key order."""
        keys = np.unique(keys)
        known = [bytes(k) for k in keys if bytes(k) in self._rows]
        if not known:
            return self.table.tree.get_many(keys)
        rest = np.array([k for k in keys if bytes(k) not in self._rows], dtype=keys.dtype)
        parts = [self.table.tree.get_many(rest)] if len(rest) else []
        parts += [row for row in (self._rows[k] for k in known) if row is not None]
        if not parts:
            return self.table.tree.get_many(rest)  # no rows, with the table's schema
        found = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
        order = np.argsort(self.table.keys_of(found), kind="stable")
        return found.take(pa.array(order))

    # --- writes: Table's signatures, recorded instead of applied ---------------------------

    def apply(self, upserts: pa.Table | None, delete_keys: pa.Table | None) -> "PendingTable":
        """Records upserts (whole rows) and deletes (key columns) of disjoint keys."""
        rows = self.table.conform(upserts) if upserts is not None else None  # refuses before recording
        deleted = self.table.keys_of(delete_keys) if delete_keys is not None else None
        if rows is not None:
            self._record_rows(rows)
        if deleted is not None:
            for index, key in enumerate(deleted):
                self._rows[bytes(key)] = None
                self._deleted_keys[bytes(key)] = delete_keys.slice(index, 1)  # type: ignore[union-attr]
        return self

    def upsert(self, rows: pa.Table) -> "PendingTable":
        return self.apply(rows, None)

    def delete(self, keys: pa.Table) -> "PendingTable":
        return self.apply(None, keys)

    def insert(self, rows: pa.Table) -> "PendingTable":
        """Records new rows; `DuplicateKey` (nothing recorded) if a key exists now."""
        rows = self.table.conform(rows)
        existing = self.get_many(self.table.keys_of(rows))
        if existing.num_rows:
            first = existing.slice(0, 1).select(list(self.schema.primary_key)).to_pylist()[0]
            raise DuplicateKey("", next(iter(first.values())) if len(first) == 1 else tuple(first.values()))
        self._record_rows(rows)
        return self

    def _record_rows(self, rows: pa.Table) -> None:
        for index, key in enumerate(self.table.keys_of(rows)):
            self._rows[bytes(key)] = rows.slice(index, 1)
            self._deleted_keys.pop(bytes(key), None)

    # --- landing ---------------------------------------------------------------------------

    def applied(self) -> Table:
        """The table with every recorded write in its tree: one in-place edit."""
        rows = [row for row in self._rows.values() if row is not None]
        deletes = list(self._deleted_keys.values())
        upserts = pa.concat_tables(rows).combine_chunks() if rows else None
        delete_keys = pa.concat_tables(deletes).combine_chunks() if deletes else None
        return self.table.apply(upserts, delete_keys)

    def landed(self, root: RootValue, store: ChunkStore) -> RootValue:
        """`root` with this table's recorded writes applied; its chunks go to `store`."""
        if not self._rows:
            return root
        value = self.applied().value
        data = value.encode()
        address = address_of(data)
        store.put_many({address: data})
        self.stored = (address, value)
        return root.with_table(self.name, address)
