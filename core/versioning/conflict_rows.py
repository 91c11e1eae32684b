"""The conflicts of one table's merge, written to a conflicts tree as the merge finds them.

A merge reads both sides' changes a window of the key range at a time
(`three_way_merge._aligned`); the rows of each window that conflict go straight into a
`ConflictWriter`, which builds the table's dolt_conflicts_<table> tree bottom-up
(`TreeBuilder`), so a merge with conflicts larger than memory holds one window of them, not
all. The finished `TableConflicts` is a handle on that tree and its row count; the working
set's conflicts root refers to it unchanged.

This module owns Dolt's conflict table shape (`conflict_schema`) and the conflict ids: one per
conflicting row, numbered in the order found (key order), written so that their text sorts in
that order at every count (eight digits, then one ':' before each further digit; ':' sorts
after every digit), since the ids are the tree's keys.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from dl.core.prolly.builder import TreeBuilder
from dl.core.store.base import ChunkStore
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table

CONFLICT_ID = "dolt_conflict_id"
FROM_ROOT_ISH = "from_root_ish"
ID_DIGITS = 8


CARDINALITIES = ("base_cardinality", "our_cardinality", "their_cardinality")


def conflict_schema(schema: TableSchema, keyless: bool = False) -> TableSchema:
    """Dolt's dolt_conflicts_<table> columns, in Dolt's order: from_root_ish (the commit merged
    in), base_<col>..., our_<col>..., our_diff_type, their_<col>..., their_diff_type, and
    dolt_conflict_id (the key: one id per conflicting row); for a keyless table then the row's
    number of copies in the base, ours and theirs (base_/our_/their_cardinality), as Dolt."""
    columns = [Column(FROM_ROOT_ISH, pa.string())]
    columns += [Column("base_" + c.name, c.type) for c in schema.columns]
    columns += [Column("our_" + c.name, c.type) for c in schema.columns] + [Column("our_diff_type", pa.string())]
    columns += [Column("their_" + c.name, c.type) for c in schema.columns] + [Column("their_diff_type", pa.string())]
    columns.append(Column(CONFLICT_ID, pa.string()))
    if keyless:
        columns += [Column(name, pa.uint64(), not_null=True) for name in CARDINALITIES]
    return TableSchema(tuple(columns), (CONFLICT_ID,))


def conflict_ids(first: int, count: int) -> pa.Array:
    """The ids of conflicts number `first` .. `first + count - 1`, as sortable text."""
    numbers = np.arange(first, first + count, dtype=np.int64).astype(str)
    widths = np.char.str_len(numbers)
    if count == 0 or int(widths.max()) <= ID_DIGITS:
        return pa.array(np.char.zfill(numbers, ID_DIGITS), pa.string())
    padded = np.char.zfill(numbers, ID_DIGITS)
    marks = np.array([":" * max(int(w) - ID_DIGITS, 0) for w in range(int(widths.max()) + 1)])
    return pa.array(np.char.add(marks[widths], padded), pa.string())


@dataclass
class TableConflicts:
    """The conflicts of one table: its dolt_conflicts tree (None when there are none) and how
    many rows it holds."""

    table: str
    rows: Table | None
    count: int

    def __len__(self) -> int:
        return self.count

    def scan(self) -> pa.Table:
        """Every conflict row (for small tables and tests; large ones read `conflict_batches`)."""
        assert self.rows is not None
        return self.rows.scan()


class ConflictWriter:
    """Builds one table's conflicts tree from the windows of conflicting rows a merge finds, in
    key order; memory holds one window and the builder's open leaf."""

    def __init__(self, store: ChunkStore, name: str, schema: TableSchema, source: str) -> None:
        nullable = TableSchema.from_arrow(pa.schema([f.with_nullable(True) for f in schema.arrow]))
        self.name, self.source = name, source
        self.table = Table.empty(store, conflict_schema(nullable, keyless=schema.is_keyless))
        self._builder = TreeBuilder(store, self.table.schema.layout)
        self._count = 0

    def add(self, base: pa.Table, ours: pa.Table, theirs: pa.Table, our_change: np.ndarray,
            their_change: np.ndarray, copies: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> None:
        """One window's conflicting rows: base, ours and theirs values (all-null rows where a
        side has none) and each side's diff type ('added', 'modified', 'removed'); for a
        keyless table, `copies`: each row's count in the base, ours and theirs."""
        n = ours.num_rows
        if n == 0:
            return
        rows: dict[str, pa.Array | pa.ChunkedArray] = {FROM_ROOT_ISH: pa.array([self.source] * n, pa.string())}
        for prefix, part, kinds in (("base_", base, None), ("our_", ours, our_change),
                                    ("their_", theirs, their_change)):
            for column in part.column_names:
                rows[prefix + column] = part.column(column)
            if kinds is not None:
                rows[prefix + "diff_type"] = pa.array(kinds, pa.string())
        rows[CONFLICT_ID] = conflict_ids(self._count, n)
        for name, counts in zip(CARDINALITIES, copies or ()):
            rows[name] = pa.array(np.asarray(counts, dtype=np.uint64), pa.uint64())
        table = self.table.conform(pa.table(rows))
        keys = self.table.keys_of(table)
        for batch in table.to_batches():
            self._builder.add(batch, keys[:batch.num_rows])
            keys = keys[batch.num_rows:]
        self._count += n

    def finish(self) -> TableConflicts:
        root = self._builder.finish()
        if root is None:
            return TableConflicts(self.name, None, 0)
        return TableConflicts(self.name, self.table.with_rows_root(root), self._count)


def conflict_batches(conflicts: Table, batch_leaves: int = 64) -> Iterator[pa.Table]:
    """The rows of a conflicts table a window of leaves at a time, in conflict-id order."""
    window: list[pa.RecordBatch] = []
    for leaf in conflicts.tree.stream_leaves(batch_leaves):
        window.append(leaf)
        if len(window) == batch_leaves:
            yield pa.Table.from_batches(window)
            window = []
    if window:
        yield pa.Table.from_batches(window)
