"""Secondary indexes: their definitions and their trees.

An `IndexDef` (name, columns, UNIQUE or not) is part of a table's schema. Its data is a prolly
tree of index entries, one per stored row: the index columns followed by the primary-key
columns (for keyless tables the hidden row hash), all of them the key and nothing else, as
Dolt keeps a secondary index (index key + primary key -> empty). Index values may be NULL:
keys are encoded with a null marker per value (NULLs sort first), and the primary-key suffix
makes every entry unique, so equal index values sit side by side in primary-key order.

The tree of an index is a function of the rows alone: it is built by sorting the entries
(vectorized, through the ordinary bulk builder) or edited in place with the entries of the
rows a row edit removed and added (`edit_index`); both give the same root (history
independence). A UNIQUE index refuses two entries with the same non-NULL index values
(NULLs never collide, as in MySQL) with `UniqueViolation`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dl.core.errors import SchemaError, UniqueViolation
from dl.core.hashing import Address
from dl.core.names import check_name
from dl.core.prolly.builder import build_tree
from dl.core.prolly.edit import apply_edits
from dl.core.prolly.layout import RowLayout
from dl.core.prolly.tree import ProllyTree
from dl.core.store.base import ChunkStore
from dl.core.tables.encoding import encode_keys, encode_prefixes

PROBE_LIMIT = 256
"""New values a UNIQUE check probes one by one (a range read each); above this the check reads
the whole index once and compares neighbours, vectorized."""


@dataclass(frozen=True)
class IndexDef:
    """A secondary index: its name, its columns in key order, and whether it is UNIQUE."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False

    def __post_init__(self) -> None:
        check_name("index", self.name)
        if not self.columns:
            raise SchemaError(f"index {self.name} needs at least one column")
        if len({c.lower() for c in self.columns}) != len(self.columns):
            raise SchemaError(f"index {self.name} names a column twice")

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "columns": list(self.columns), "unique": self.unique}

    @staticmethod
    def from_json(value: Any) -> IndexDef:
        return IndexDef(str(value["name"]), tuple(str(c) for c in value["columns"]), bool(value["unique"]))

    def describe(self) -> str:
        """As MySQL's SHOW CREATE TABLE prints it: [UNIQUE ]KEY `name` (`a`,`b`)."""
        columns = ",".join(f"`{c}`" for c in self.columns)
        return f"{'UNIQUE ' if self.unique else ''}KEY `{self.name}` ({columns})"


def entry_columns(index: IndexDef, row_key: tuple[str, ...]) -> tuple[str, ...]:
    """Key columns of an index tree: the index columns, then the row key columns not among them."""
    return index.columns + tuple(c for c in row_key if c not in index.columns)


def index_layout(index: IndexDef, row_layout: RowLayout) -> RowLayout:
    """Layout of an index tree's entries, from the layout of the table's row tree."""
    names = entry_columns(index, row_layout.key_columns)
    fields = [row_layout.schema.field(n).with_nullable(n in index.columns and n not in row_layout.key_columns)
              for n in names]
    return RowLayout(pa.schema(fields), names, nullable_keys=True)


def entries_of(layout: RowLayout, stored: pa.Table | pa.RecordBatch) -> pa.Table:
    """Index entries of stored rows (the key columns only), in the index layout's schema."""
    table = stored if isinstance(stored, pa.Table) else pa.Table.from_batches([stored])
    return table.select(list(layout.key_columns)).cast(layout.schema)


def build_index(store: ChunkStore, layout: RowLayout, stored: pa.Table | pa.RecordBatch) -> Address | None:
    """The root of the index tree of `stored` rows (bulk build: sorted entries, cut and stacked).

    The entries are sorted by Arrow on their columns (NULLs first, as the key encoding sorts
    them), which is much faster than sorting the encoded keys; the builder checks the order of
    the encoded keys and sorts them itself in the rare case Arrow's order differs (-0.0, NaN)."""
    entries = entries_of(layout, stored)
    if entries.num_rows > 1:
        entries = entries.take(_nulls_first_order(entries, layout.key_columns))
    return build_tree(store, layout, entries)


def _nulls_first_order(entries: pa.Table, columns: tuple[str, ...]) -> pa.Array:
    try:  # pyarrow >= 25 takes the NULL placement per key
        return pc.sort_indices(entries, sort_keys=[(c, "ascending", "at_start") for c in columns])
    except (TypeError, ValueError, pa.ArrowInvalid):
        return pc.sort_indices(entries, sort_keys=[(c, "ascending") for c in columns], null_placement="at_start")


def edit_index(tree: ProllyTree, removed: pa.Table, added: pa.Table) -> ProllyTree:
    """The index tree after rows `removed` left the table and rows `added` entered it (a row
    whose values changed is in both). Entries that stay are neither deleted nor rewritten."""
    layout = tree.layout
    new = entries_of(layout, added)
    new_keys = layout.keys_of(new) if new.num_rows else np.array([], dtype="S1")
    gone = layout.keys_of(entries_of(layout, removed)) if removed.num_rows else np.array([], dtype="S1")
    if len(gone) and len(new_keys):
        gone = gone[~np.isin(gone, new_keys)]
    return apply_edits(tree, new if new.num_rows else None, gone if len(gone) else None)


def check_unique(index: IndexDef, tree: ProllyTree, added: pa.Table) -> None:
    """`UniqueViolation` if the index tree holds two entries with the same non-NULL index
    values among those of the `added` rows."""
    if not added.num_rows:
        return
    values = added.select(list(index.columns))
    complete = _without_nulls(values)
    if not complete.num_rows:
        return
    if complete.num_rows > PROBE_LIMIT:
        check_whole(index, tree)
        return
    # exact bytes: a prefix stripped of its trailing zeros (the value 0) would take in its
    # neighbours' entries (the value 1) and report them as duplicates
    for prefix in sorted(set(encode_prefixes(complete.columns, nullable=True))):
        found = tree.scan_range(prefix, prefix + b"\x02", high_inclusive=False)
        if found.num_rows > 1:
            raise UniqueViolation(index.name, _shown(found.select(list(index.columns)).slice(0, 1)))


def check_whole(index: IndexDef, tree: ProllyTree) -> None:
    """Every entry checked against its neighbour, leaf by leaf (entries are in key order, so
    equal index values are adjacent; the last values of a leaf carry over to the next): the
    index is streamed, never held whole."""
    previous: np.ndarray = np.array([], dtype="S1")
    for leaf in tree.stream_leaves():
        entries = _without_nulls(pa.Table.from_batches([leaf]).select(list(index.columns)))
        if not entries.num_rows:
            continue
        prefixes = encode_keys(entries.columns, nullable=True)
        joined = np.concatenate([previous.astype(prefixes.dtype), prefixes]) if len(previous) else prefixes
        same = np.flatnonzero(joined[1:] == joined[:-1])
        if len(same):
            at = max(int(same[0]) - len(previous), 0)
            raise UniqueViolation(index.name, _shown(entries.slice(at, 1)))
        previous = prefixes[-1:]


def _without_nulls(values: pa.Table) -> pa.Table:
    mask = np.ones(values.num_rows, dtype=bool)
    for column in values.columns:
        if column.null_count:
            mask &= ~column.is_null().to_numpy(zero_copy_only=False)
    return values if mask.all() else values.filter(pa.array(mask))


def _shown(row: pa.Table) -> tuple[object, ...]:
    """The index values of a one-row table, for a duplicate-key message."""
    return tuple(row.column(i)[0].as_py() for i in range(row.num_columns))
