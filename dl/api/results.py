"""What `Repo.sql` returns: the results of a script's statements, as Arrow and friends.

    result = repo.sql("select city, count(*) as n from people group by city")
    result.arrow()      # pyarrow.Table of the last statement that returned rows
    result.batches()    # the same as a pyarrow.RecordBatchReader
    result.df()         # pandas.DataFrame (pip install 'dl[pandas]')
    result.pl()         # polars.DataFrame (pip install 'dl[polars]')
    result.fetchall()   # list of tuples, as sqlite3 and DuckDB give them
    result.rowcount     # rows written by INSERT/UPDATE/DELETE (-1 if none wrote), as sqlite3

Like DuckDB's `duckdb.sql(q).arrow()`, a script's result is its last result set; every
statement's own result stays in `statements`. pyarrow is imported only when a result is made.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dl.api.errors import guard
from dl.core.errors import BadInput, DlError

if TYPE_CHECKING:
    import pyarrow as pa

    from dl.sql.session import Result as StatementResult


@dataclass(frozen=True)
class Statement:
    """One statement's outcome: its text, its rows (None for writes and DDL), rows written."""

    text: str
    rows: pa.Table | None
    rowcount: int


class Result:
    """The results of the statements of one `Repo.sql` call (see the module docstring)."""

    def __init__(self, results: list[StatementResult]) -> None:
        from dl.sql.session import ResultKind
        self.statements = [Statement(r.statement, r.table,
                                     r.rows_affected if r.kind is ResultKind.COUNT else -1)
                           for r in results]
        counts = [s.rowcount for s in self.statements if s.rowcount >= 0]
        self.rowcount: int = sum(counts) if counts else -1

    @guard
    def arrow(self) -> pa.Table:
        """The rows of the last statement that returned rows (an empty table if none did)."""
        for statement in reversed(self.statements):
            if statement.rows is not None:
                return statement.rows
        import pyarrow as pa
        return pa.table({})

    @guard
    def batches(self) -> pa.RecordBatchReader:
        """`arrow()` as a stream of record batches."""
        import pyarrow as pa
        table = self.arrow()
        return pa.RecordBatchReader.from_batches(table.schema, table.to_batches())

    @guard
    def df(self) -> Any:
        """`arrow()` as a pandas DataFrame; needs pandas (`pip install 'dl[pandas]'`)."""
        _require("pandas")
        try:
            return self.arrow().to_pandas()
        except (ValueError, OverflowError) as exc:  # a value pandas cannot hold (year 5000000)
            raise BadInput(f"pandas cannot hold these rows: {exc}") from exc

    @guard
    def pl(self) -> Any:
        """`arrow()` as a polars DataFrame; needs polars (`pip install 'dl[polars]'`)."""
        polars = _require("polars")
        return polars.from_arrow(self.arrow())

    @guard
    def fetchall(self) -> list[tuple[Any, ...]]:
        """`arrow()` as a list of row tuples."""
        table = self.arrow()
        columns = [column.to_pylist() for column in table.columns]
        return list(zip(*columns)) if columns else []

    def __repr__(self) -> str:
        table = self.arrow()
        return f"<dl.Result {table.num_rows} rows x {table.num_columns} columns, rowcount {self.rowcount}>"


def _require(module: str) -> Any:
    """Imports an optional dependency, or says which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise DlError(f"{module} is not installed; pip install {module} "
                       f"(or: pip install 'dl[{module}]')") from None
