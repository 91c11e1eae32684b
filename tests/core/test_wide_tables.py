"""Wide tables stay linear: a schema of n columns and `Table.conform` of a row of n columns cost
O(n), not O(n^2) (a CSV row of 10,000 columns once took 104 s in `conform`)."""
from __future__ import annotations

import time

import pyarrow as pa
from dl.core.store.memory import MemoryStore
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table


def conform_seconds(n: int) -> float:
    start = time.process_time()  # CPU time: a loaded machine must not fail a linearity check
    schema = TableSchema(tuple(Column(f"c{i}", pa.int64()) for i in range(n)), ("c0",))
    table = Table.empty(MemoryStore(), schema)
    rows = pa.table({f"c{i}": pa.array([i], pa.int64()) for i in range(n)})
    conformed = table.conform(rows)
    assert conformed.num_columns == n and schema.column(f"c{n - 1}").name == f"c{n - 1}"
    return time.process_time() - start


def test_schema_and_conform_are_linear_in_the_number_of_columns() -> None:
    conform_seconds(1000)  # warm up
    small = min(conform_seconds(2000) for _ in range(2))
    large = min(conform_seconds(16000) for _ in range(2))
    # 8x the columns: linear work is ~8x; the quadratic version was ~64x
    assert large < 20 * small + 0.5, (small, large)
