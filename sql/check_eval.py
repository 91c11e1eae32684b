"""CHECK expressions evaluated by DuckDB over the rows a write changes.

Core finds the changed rows and decides what a violation is (`core.versioning.constraint_check`)
but holds no SQL engine; this module is the `CheckEvaluator` it calls. `install()` registers it
with core; the API (`dl.api`) and every SQL session install it, so imports, merges and
cherry-picks evaluate CHECKs the same way SQL statements do. Importing this module loads neither
duckdb nor pyarrow; the first evaluation does.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

_local = threading.local()


def _connection() -> duckdb.DuckDBPyConnection:
    con = getattr(_local, "con", None)
    if con is None:
        from dl.sql.engine import connect
        con = _local.con = connect(["SET threads = 1"])  # a few changed rows: no thread pool to wake
    return con


def evaluate(expression: str, rows: pa.Table) -> pa.Array:
    """Per row of `rows`: the CHECK `expression` (DuckDB SQL over the row's columns) as a boolean
    (NULL where SQL gives NULL, which passes a CHECK)."""
    import duckdb
    import pyarrow as pa
    from dl.sql.errors import SqlError

    con = _connection()
    con.register("__dl_check_rows", rows)
    try:
        result = con.sql(f"SELECT CAST(({expression}) AS BOOLEAN) AS ok FROM __dl_check_rows").to_arrow_table()
    except duckdb.Error as exc:
        raise SqlError(f"CHECK ({expression}) cannot be evaluated: {str(exc).splitlines()[0]}") from None
    finally:
        con.unregister("__dl_check_rows")
    column = result.column(0)
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def install() -> None:
    """Registers `evaluate` as core's CHECK evaluator."""
    from dl.core.tables.constraints import set_check_evaluator
    set_check_evaluator(evaluate)
