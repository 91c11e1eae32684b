"""A query's rows as they come out of DuckDB, batch by batch, instead of one whole table.

`dl sql -q "select * from t" | head -5` on a million rows must not build the whole result (and
its text) before printing the first line: the CLI reads a `RowStream` and writes each batch as
it arrives, and stops reading when the pipe closes. The stream owns what the query needs while
it runs (the binder's registered sources) and releases it on `close()`, which the session also
calls before it runs another statement or closes. Each fetch is interruptible (Ctrl-C), and
DuckDB errors raised while fetching become `SqlError`s like those raised while planning.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
from dl.sql.errors import SqlError, engine_error
from dl.sql.interrupt import run_interruptible

BATCH_ROWS = 8192  # rows per batch: the first lines show after one batch, not the whole result


class RowStream:
    """The rows of one query (see the module docstring); iterate once, then `close()`."""

    def __init__(self, connection: Any, reader: pa.RecordBatchReader, *, names: dict[str, str],
                 locate: Callable[[SqlError], SqlError], on_close: Callable[[], None]) -> None:
        self._connection, self._reader = connection, reader
        self._names, self._locate, self._on_close = names, locate, on_close
        self.schema: pa.Schema = reader.schema
        self.closed = False

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        while not self.closed:
            batch = self._next()
            if batch is None:
                self.close()
                return
            if batch.num_rows:
                yield batch

    def read_all(self) -> pa.Table:
        """Every remaining row as one table (then closed)."""
        try:
            return pa.Table.from_batches(list(self), schema=self.schema)
        finally:
            self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        reader, self._reader = self._reader, None
        try:
            if reader is not None:
                reader.close()
        finally:
            del reader
            self._on_close()

    def _next(self) -> pa.RecordBatch | None:
        def fetch() -> pa.RecordBatch | None:
            try:
                return self._reader.read_next_batch()
            except StopIteration:
                return None
        try:
            return run_interruptible(self._connection, fetch)
        except Exception as exc:
            if type(exc).__module__.startswith(("duckdb", "_duckdb")):
                self.close()
                raise self._locate(engine_error(exc, self._names)) from None
            raise
