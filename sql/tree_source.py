"""Large tables reach DuckDB as Arrow streams over the tree's leaves, never materialized.

A table whose rows would take more than `STREAM_MIN_BYTES` in memory (estimated from its row
count and its schema) is registered as a `TreeSource`: an object with the Arrow C stream
interface (`__arrow_c_stream__`). DuckDB calls it for every scan it plans (a self-join, a CTE
read twice, a correlated subquery each get a fresh stream), and each call returns a
`RecordBatchReader` that reads the leaves `LEAVES_PER_READ` at a time, bypassing the node
cache, so a scan holds a few leaves, not the table: `count(*)` over any number of rows runs in
the same memory. Only the columns the statement can use are read out (`used_columns`), and a
key range pushed down (`pushdown`) limits the leaves read. Smaller tables keep the scan cache
(`resolve.ScanCache`): materialized once per tree root, they are what DuckDB scans fastest.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
from dl.core.prolly.tree import ProllyTree
from dl.core.tables.table import Table

if TYPE_CHECKING:
    from sqlglot import exp

STREAM_MIN_BYTES = 128 << 20
LEAVES_PER_READ = 64


VARIABLE_WIDTH_GUESS = 24  # bytes per string/binary/nested value: offsets plus a short value


def estimated_bytes(table: Table) -> int:
    """Bytes the table's rows would take in memory: the row count (from the root, which a
    read of the table reads anyway) times a width from the schema, so deciding costs no read."""
    width = 0
    for field in table.schema.arrow:
        try:
            width += max(field.type.bit_width // 8, 1)
        except ValueError:
            width += VARIABLE_WIDTH_GUESS
    return table.tree.count() * width


def should_stream(table: Table) -> bool:
    return estimated_bytes(table) > STREAM_MIN_BYTES


class TreeSource:
    """A re-scannable Arrow stream of some columns of a table, optionally over a key range."""

    def __init__(self, table: Table, columns: list[str] | None, *, low: bytes | None = None,
                 high: bytes | None = None, low_inclusive: bool = True,
                 high_inclusive: bool = True) -> None:
        self.table = table
        names = table.schema.names
        wanted = [c for c in names if columns is None or c in columns]
        self.columns = wanted or [table.schema.primary_key[0] if table.schema.primary_key else names[0]]
        self.schema = pa.schema([table.schema.arrow.field(c) for c in self.columns])
        self.low, self.high = low, high
        self.low_inclusive, self.high_inclusive = low_inclusive, high_inclusive

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self.reader().__arrow_c_stream__(requested_schema)

    def reader(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(self.schema, self.batches())

    def batches(self) -> Iterator[pa.RecordBatch]:
        """The rows, a few leaves at a time, in key order."""
        tree = self.table.tree
        if tree.root is None:
            return
        ranged = self.low is not None or self.high is not None
        leaves = tree._range_leaves(self.low, self.high, check_leaves=False) if ranged else tree.leaf_addresses(check_leaves=False)
        for start in range(0, len(leaves), LEAVES_PER_READ):
            for leaf in tree.read_leaves(leaves[start:start + LEAVES_PER_READ]):
                if ranged:
                    leaf = self._in_range(tree, leaf)
                if leaf.num_rows:
                    yield self._shown(leaf)

    def _in_range(self, tree: ProllyTree, leaf: pa.RecordBatch) -> pa.RecordBatch:
        keys = tree.layout.keys_of(leaf)
        start = 0 if self.low is None else int(np.searchsorted(
            keys, self.low, "left" if self.low_inclusive else "right"))
        stop = len(keys) if self.high is None else int(np.searchsorted(
            keys, self.high, "right" if self.high_inclusive else "left"))
        return leaf.slice(start, max(stop - start, 0))

    def _shown(self, leaf: pa.RecordBatch) -> pa.RecordBatch:
        if self.table.schema.is_keyless:
            rows = self.table.user_rows(pa.Table.from_batches([leaf])).select(self.columns)
            return pa.concat_batches(rows.to_batches()) if rows.num_rows else \
                pa.RecordBatch.from_pylist([], schema=self.schema)
        return leaf.select(self.columns)


def used_columns(node: exp.Table, table: Table) -> list[str] | None:
    """The columns of `table` the statement around `node` may read; None for all of them.

    A superset, by name: every column name the statement mentions anywhere (qualified by any
    table, or not). All columns where a star reads them (`*`, `t.*`, but not `count(*)`), where
    the table itself is used as a value (`SELECT t FROM t`), or where DuckDB picks columns by
    pattern (`COLUMNS(...)`), in SUMMARIZE, DESCRIBE, PIVOT and the like."""
    from sqlglot import exp  # here: `should_stream` is asked where sqlglot is not loaded (`sql.twins`)
    root = node.root()
    visible = {(node.alias or node.name).lower(), node.name.lower()}
    names = {c.lower(): c for c in table.schema.names}
    used: set[str] = set()
    for item in root.walk():
        if isinstance(item, exp.Star):
            if not isinstance(item.parent, exp.Count):
                return None
        elif isinstance(item, exp.Column):
            if isinstance(item.this, exp.Star) or item.name.lower() in visible and not item.table:
                return None
            if item.name.lower() in names:
                used.add(names[item.name.lower()])
        elif isinstance(item, exp.Identifier):
            if item.name.lower() in names:
                used.add(names[item.name.lower()])
        elif isinstance(item, exp.Join) and str(item.method or "").upper() == "NATURAL" or isinstance(item, (exp.Summarize, exp.Describe, exp.Pivot)) or (
                isinstance(item, exp.Anonymous) and item.name.lower() == "columns") or type(item).__name__ in ("Columns", "Unpivot"):
            return None
    return [c for c in table.schema.names if c in used]
