"""AUTO_INCREMENT: values generated for an INSERT's rows (or an import's), as MySQL generates them.

A row whose AUTO_INCREMENT column is missing, NULL or 0 gets the next value: one more than the
largest value in the table or given earlier in the same statement; explicit values are kept
(and later generated values continue above them). The next value is computed from the table's
maximum (max+1, as Dolt and MySQL after a restart do), read from the last leaf when the column
is the whole primary key, so it costs one leaf, not a scan. The first value generated is what
`LAST_INSERT_ID()` answers afterwards.

The table option `AUTO_INCREMENT=N` (`ALTER TABLE t AUTO_INCREMENT = N`, or at CREATE) raises
the next value to N. It is kept in the table's constraints only while it says more than the
rows do (N > max+1): as MySQL, asking for less than max+1 gives max+1, so the option is then
dropped, and an insert that reaches N drops it too. So a table's value (and its hash) changes
when the option moves the counter, and not otherwise.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dl.core.tables.table import Table


def fill(table: Table, rows: pa.Table) -> tuple[pa.Table, int | None]:
    """`rows` with the AUTO_INCREMENT column filled in; and the first generated value (or None)."""
    column = table.schema.constraints.auto_increment
    if column is None:
        return rows, None
    kind = table.schema.column(column).type
    if column in rows.column_names:
        given = rows.column(column).cast(kind)
    else:
        given = pa.nulls(rows.num_rows, kind)
    values = pc.fill_null(given, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    generate = values == 0
    if not generate.any():
        return rows, None
    start = next_value(table, column)
    if generate.all():
        values = np.arange(start, start + rows.num_rows, dtype=np.int64)
    else:
        values = _sequence(values, generate, start)
    filled = pa.array(values, pa.int64()).cast(kind)
    first = int(values[np.flatnonzero(generate)[0]])
    if column in rows.column_names:
        return rows.set_column(rows.column_names.index(column), column, filled), first
    return rows.append_column(column, filled), first


def _sequence(values: np.ndarray, generate: np.ndarray, start: int) -> np.ndarray:
    """Mixed explicit and generated values, in row order (MySQL's counter: above every value
    seen so far). Only statements that mix both come here; the loop is over their rows."""
    out = values.copy()
    counter = start - 1
    for i in range(len(out)):
        if generate[i]:
            counter += 1
            out[i] = counter
        else:
            counter = max(counter, int(out[i]))
    return out


def next_value(table: Table, column: str) -> int:
    """The value the next generated row gets: above the rows, and at least the table option."""
    return max(current_max(table, column) + 1, table.schema.constraints.auto_increment_start or 0)


def with_start(table: Table, requested: int) -> Table:
    """`table` after `AUTO_INCREMENT = requested`: the option kept only if above max+1."""
    column = table.schema.constraints.auto_increment
    if column is None:
        return table  # MySQL accepts the option on a table without such a column, and ignores it
    above = requested > current_max(table, column) + 1
    return table.with_auto_increment_start(requested if above else None)


def settled(table: Table) -> Table:
    """`table` after an insert: the option dropped once the rows have reached it."""
    start = table.schema.constraints.auto_increment_start
    column = table.schema.constraints.auto_increment
    if start is None or column is None or current_max(table, column) + 1 < start:
        return table
    return table.with_auto_increment_start(None)


def current_max(table: Table, column: str) -> int:
    """The largest value of `column` in `table` (0 when empty)."""
    if table.value.rows is None:
        return 0
    if table.schema.primary_key == (column,):
        leaves = table.tree.leaf_addresses(check_leaves=False)
        last = table.tree.read_leaves(leaves[-1:])[0]
        return max(int(last.column(column)[last.num_rows - 1].as_py()), 0)
    top = pc.max(table.scan().column(column)).as_py()
    return max(int(top or 0), 0)
