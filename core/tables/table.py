"""Table values and the row operations on them.

A `TableValue` (schema + row-tree address) is one chunk. A `Table` binds it to a store and
offers what the layers above need: scans, key lookups, and edits that go through the tree's
bulk build or in-place batch edits, never row by row. Every write path first conforms the
incoming rows to the schema (types cast, defaults filled, NOT NULL and null keys refused), so
the trees only ever hold valid rows.

Keyless tables are keyed by a 16-byte hash of the whole row, with a count for duplicates:
inserting a row twice stores it once with count 2; scans expand the counts again.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash
from dl.core.chunks import decode_json_chunk, encode_json_chunk, parse_address
from dl.core.errors import DuplicateKey, IntegrityError, SchemaError
from dl.core.hashing import Address, address_of
from dl.core.prolly.builder import build_tree
from dl.core.prolly.edit import apply_edits
from dl.core.prolly.tree import ProllyTree
from dl.core.store.base import ChunkStore
from dl.core.tables.column_rules import apply_rule
from dl.core.tables.encoding import encode_keys
from dl.core.tables.index_upkeep import rebuilt_index_roots, updated_index_roots
from dl.core.tables.schema import ROW_COUNT, ROW_HASH, ROW_HASH_TYPE, TableSchema

TAG = "T"


@dataclass(frozen=True)
class TableValue:
    """A table: its schema, the root of its row tree (None when it has no rows) and the roots
    of its secondary-index trees (index name -> root; empty indexes are left out, so the value
    is canonical and a table without indexes encodes as it always did)."""

    schema: TableSchema
    rows: Address | None
    index_roots: tuple[tuple[str, Address], ...] = ()

    def __post_init__(self) -> None:
        names = {i.name for i in self.schema.indexes}
        roots = tuple(sorted((n, a) for n, a in self.index_roots if a is not None and n in names))
        object.__setattr__(self, "index_roots", roots)

    def encode(self) -> bytes:
        value: dict[str, object] = {"schema": self.schema.to_json(), "rows": self.rows.hex if self.rows else None}
        if self.index_roots:
            value["indexes"] = {name: root.hex for name, root in self.index_roots}
        return encode_json_chunk(TAG, value)

    @staticmethod
    def decode(data: bytes, address: Address | None = None) -> "TableValue":
        value = decode_json_chunk(TAG, data, address)
        where = address.hex if address else "?"
        rows = value.get("rows")
        indexes = value.get("indexes") or {}
        if not isinstance(indexes, dict):
            raise IntegrityError(f"chunk {where}: malformed index roots", where)
        return TableValue(TableSchema.from_json(value.get("schema"), where),
                          None if rows is None else parse_address(rows, address),
                          tuple((str(n), parse_address(a, address)) for n, a in indexes.items()))

    def index_root(self, name: str) -> Address | None:
        return dict(self.index_roots).get(name)

    @property
    def address(self) -> Address:
        return address_of(self.encode())


class Table:
    """A table value bound to a store."""

    def __init__(self, store: ChunkStore, value: TableValue) -> None:
        self.store = store
        self.value = value

    @staticmethod
    def empty(store: ChunkStore, schema: TableSchema) -> "Table":
        return Table(store, TableValue(schema, None))

    @property
    def schema(self) -> TableSchema:
        return self.value.schema

    @property
    def tree(self) -> ProllyTree:
        return ProllyTree(self.store, self.schema.layout, self.value.rows)

    def _with_rows(self, tree: ProllyTree, unique_checks: bool = True) -> "Table":
        """This table with the row tree `tree`; its index trees follow the rows in the same edit
        (from the diff of the two row trees, so their cost follows the change)."""
        if tree.root == self.value.rows:
            return self
        roots = updated_index_roots(self.schema, self.value.index_roots, self.tree, tree, unique_checks)
        return Table(self.store, TableValue(self.schema, tree.root, roots))

    def with_rows_root(self, root: Address | None) -> "Table":
        """This table with another row tree of the same schema (built elsewhere, e.g. by a
        streamed import); its index trees are brought up to date."""
        return self._with_rows(self.tree.with_root(root))

    def with_auto_increment_start(self, start: int | None) -> "Table":
        """This table with the table option AUTO_INCREMENT=`start` (None: none). The stored rows
        do not depend on it, so rows and indexes are kept as they are."""
        constraints = replace(self.schema.constraints, auto_increment_start=start)
        return Table(self.store, TableValue(self.schema.with_constraints(constraints), self.value.rows,
                                            self.value.index_roots))

    def with_indexes_rebuilt(self, only: str | None = None, *, unique_checks: bool = True) -> "Table":
        """This table with every index tree (or the one named `only`: CREATE INDEX) built
        afresh from the rows; also the reference tests compare maintained indexes against.
        Without `unique_checks` (a merge) UNIQUE indexes take duplicates."""
        kept = tuple((n, a) for n, a in self.value.index_roots if only is not None and n != only)
        roots = rebuilt_index_roots(self.store, self.schema, self.tree.scan(), kept, unique_checks)
        return Table(self.store, TableValue(self.schema, self.value.rows, roots))

    def index_entries(self, name: str) -> pa.Table:
        """The entries of index `name` in index order: its columns, then the primary key's
        (a keyless table's entries name their rows by a hidden hash, left out)."""
        index = self.schema.index(name)
        if index is None:
            raise SchemaError(f"no index {name!r}")
        keys = [k for k in self.schema.primary_key if k not in index.columns]
        return self.index_tree(name).scan().select([*index.columns, *keys])

    def index_tree(self, name: str) -> ProllyTree:
        index = self.schema.index(name)
        if index is None:
            raise SchemaError(f"no index {name!r}")
        return ProllyTree(self.store, self.schema.index_layout(index), self.value.index_root(index.name))

    # --- reads -----------------------------------------------------------------------

    def count(self) -> int:
        if not self.schema.is_keyless:
            return self.tree.count()
        total = 0  # the copies of every distinct row, summed leaf by leaf (never the whole table)
        for leaf in self.tree.stream_leaves():
            total += int(pc.sum(leaf.column(ROW_COUNT)).as_py() or 0)
        return total

    def scan(self) -> pa.Table:
        """All rows (keyed tables in key order), with the user's columns only."""
        return self.user_rows(self.tree.scan())

    def user_rows(self, stored: pa.Table) -> pa.Table:
        """Stored rows as users see them (keyless: hidden columns dropped, duplicates expanded)."""
        if not self.schema.is_keyless:
            return stored
        counts = stored.column(ROW_COUNT).to_numpy()
        expanded = stored.take(pa.array(np.repeat(np.arange(stored.num_rows), counts.astype(np.int64))))
        return expanded.select(self.schema.names)

    def keys_of(self, rows: pa.Table) -> np.ndarray:
        """Encoded primary keys of `rows` (which must hold the key columns)."""
        keys = self._key_columns(rows)
        return self.schema.layout.keys_of(keys)

    def lookup(self, keys: pa.Table) -> pa.Table:
        """Rows whose primary key is in `keys` (a table of the key columns), in key order."""
        return self.user_rows(self.tree.get_many(self.keys_of(keys)))

    # --- writes ----------------------------------------------------------------------

    def replace_rows(self, rows: pa.Table) -> "Table":
        """A table holding exactly `rows` (bulk build)."""
        stored = self.stored_rows(self.conform(rows))
        root = build_tree(self.store, self.schema.layout, stored)
        return Table(self.store, TableValue(self.schema, root, rebuilt_index_roots(self.store, self.schema, stored)))

    def upsert(self, rows: pa.Table) -> "Table":
        """Rows inserted or, where the key exists, replaced (keyless: inserted)."""
        rows = self.conform(rows)
        if self.schema.is_keyless:
            return self._add_keyless(rows)
        return self._with_rows(apply_edits(self.tree, rows))

    def insert(self, rows: pa.Table) -> "Table":
        """Rows inserted; `DuplicateKey` if any key already exists."""
        rows = self.conform(rows)
        if self.schema.is_keyless:
            return self._add_keyless(rows)
        existing = self.tree.get_many(self.schema.layout.keys_of(rows))
        if existing.num_rows:
            raise DuplicateKey("", _key_text(existing.slice(0, 1), self.schema.primary_key))
        return self._with_rows(apply_edits(self.tree, rows))

    def delete(self, keys: pa.Table) -> "Table":
        """Rows with these primary keys removed (keyless: one copy of each given whole row)."""
        if self.schema.is_keyless:
            return self._remove_keyless(self.conform(keys))
        return self._with_rows(apply_edits(self.tree, None, self.keys_of(keys)))

    def apply(self, upserts: pa.Table | None, delete_keys: pa.Table | None, *,
              unique_checks: bool = True) -> "Table":
        """Upserts and deletes (disjoint keys) in one in-place edit. Without `unique_checks`
        (merges) UNIQUE indexes take duplicates; the caller records them."""
        rows = self.conform(upserts) if upserts is not None else None
        has_deletes = delete_keys is not None and delete_keys.num_rows > 0
        if self.schema.is_keyless:  # a keyless "key" is the whole row
            table = self._remove_keyless(self.conform(delete_keys)) if has_deletes else self
            return table._add_keyless(rows) if rows is not None else table
        deletes = self.keys_of(delete_keys) if has_deletes else None
        return self._with_rows(apply_edits(self.tree, rows, deletes), unique_checks)

    # --- conforming rows to the schema -------------------------------------------------

    def conform(self, rows: pa.Table) -> pa.Table:
        """`rows` cast to the schema, missing columns filled with defaults; errors name the column."""
        given = {name: i for i, name in enumerate(rows.column_names)}  # one pass: wide tables stay linear
        unknown = [n for n in given if not self.schema.has_column(n)]
        if unknown:
            raise SchemaError(f"unknown column {unknown[0]!r} (columns: {', '.join(self.schema.names)})")
        keys = set(self.schema.primary_key)
        declared = dict(self.schema.constraints.declared_types)
        columns = []
        for column in self.schema.columns:
            if column.name in given:
                values = _cast(rows.column(given[column.name]), column.type, column.name)
                if column.name in declared:
                    values = apply_rule(declared[column.name], column.name, values)
            else:
                values = pa.array([column.default] * rows.num_rows, type=column.type) \
                    if column.default is not None else pa.nulls(rows.num_rows, column.type)
            if values.null_count and (column.not_null or column.name in keys):
                what = "primary key" if column.name in keys else "NOT NULL"
                raise SchemaError(f"column {column.name!r} is {what}: null value in row "
                                  f"{_first_null(values) + 1} of the input")
            columns.append(values)
        return pa.Table.from_arrays(columns, schema=self.schema.arrow)

    def _key_columns(self, rows: pa.Table) -> pa.Table:
        names = self.schema.primary_key
        missing = [n for n in names if n not in rows.column_names]
        if missing:
            raise SchemaError(f"missing primary key column {missing[0]!r}")
        return pa.table({n: _cast(rows.column(n), self.schema.column(n).type, n) for n in names})

    # --- keyless ---------------------------------------------------------------------

    def stored_rows(self, rows: pa.Table) -> pa.Table:
        """Conformed rows as the tree stores them: as they are, or for a keyless table each
        distinct row once, with its hash first and its number of copies last."""
        if not self.schema.is_keyless:
            return rows
        groups = _group_rows(rows)
        unique = rows.take(groups.column("first"))
        return _with_hidden(unique, groups.column("h"), groups.column("n").to_numpy())

    def with_copies(self, rows: pa.Table, counts: np.ndarray) -> "Table":
        """Keyless: each of the distinct `rows` held exactly `counts[i]` times (0 removes it),
        in one batch edit: a merge taking one side's count, a conflict resolved to theirs."""
        rows = self.conform(rows)
        if rows.num_rows == 0:
            return self
        groups = _group_rows(rows)
        if groups.num_rows != rows.num_rows:
            raise ValueError("with_copies takes each distinct row once")
        order = groups.column("first")
        counts = np.asarray(counts, dtype=np.int64)[order.to_numpy()]
        keep = counts > 0
        upserts = _with_hidden(rows.take(order.filter(pa.array(keep))),
                               groups.column("h").filter(pa.array(keep)), counts[keep])
        gone = groups.column("h").filter(pa.array(~keep))
        deletes = encode_keys([gone]) if len(gone) else None
        return self._with_rows(apply_edits(self.tree, upserts, deletes))

    def _add_keyless(self, rows: pa.Table) -> "Table":
        return self._adjust_keyless(rows, +1)

    def _remove_keyless(self, rows: pa.Table) -> "Table":
        return self._adjust_keyless(rows, -1)

    def _adjust_keyless(self, rows: pa.Table, sign: int) -> "Table":
        """Adds (sign +1) or removes (-1) copies of rows, by their hash, in one batch edit."""
        if rows.num_rows == 0:
            return self
        groups = _group_rows(rows)
        keys = encode_keys([groups.column("h")])
        existing = self.tree.get_many(keys).select([ROW_HASH, ROW_COUNT]).rename_columns(["h", "old"])
        joined = groups.join(existing, "h", join_type="left outer").sort_by("h")
        old = pc.fill_null(joined.column("old"), 0).to_numpy().astype(np.int64)
        new = old + sign * joined.column("n").to_numpy().astype(np.int64)
        keep = new > 0
        firsts = joined.column("first").to_numpy()[keep]
        upserts = _with_hidden(rows.take(pa.array(firsts)), joined.column("h").filter(pa.array(keep)),
                               new[keep])
        gone = joined.filter(pa.array(~keep & (old > 0))).column("h")
        deletes = encode_keys([gone]) if len(gone) else None
        return self._with_rows(apply_edits(self.tree, upserts, deletes))


def _group_rows(rows: pa.Table) -> pa.Table:
    """Per distinct row: its 16-byte hash `h`, its count `n`, the index of its first copy."""
    encoded = encode_keys(rows.columns, nullable=True)
    digests = b"".join(xxhash.xxh3_128_digest(bytes(k)) for k in encoded)
    hashes = pa.Array.from_buffers(ROW_HASH_TYPE, rows.num_rows, [None, pa.py_buffer(digests)])
    table = pa.table({"h": hashes, "i": pa.array(np.arange(rows.num_rows), pa.int64())})
    grouped = table.group_by("h", use_threads=False).aggregate([("i", "min"), ("i", "count")])
    return grouped.rename_columns(["h", "first", "n"]).select(["h", "n", "first"])


def _with_hidden(rows: pa.Table, hashes: pa.Array | pa.ChunkedArray, counts: np.ndarray) -> pa.Table:
    table = rows.add_column(0, pa.field(ROW_HASH, ROW_HASH_TYPE, nullable=False), hashes)
    return table.append_column(pa.field(ROW_COUNT, pa.uint64(), nullable=False),
                               pa.array(counts.astype(np.uint64), pa.uint64()))


def _cast(values: pa.ChunkedArray | pa.Array, kind: pa.DataType, name: str) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if values.type == kind:
        return values
    try:
        return values.cast(kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise SchemaError(f"column {name!r}: cannot store {values.type} values as {kind} "
                          f"({str(exc).splitlines()[0]})") from None


def _first_null(values: pa.Array) -> int:
    return int(np.flatnonzero(values.is_null().to_numpy(zero_copy_only=False))[0])


def _key_text(row: pa.Table, names: tuple[str, ...]) -> object:
    values = [row.column(n)[0].as_py() for n in names]
    return values[0] if len(values) == 1 else tuple(values)
