"""Parquet files in: Arrow types as they are, or cast by name to a given schema.

A file that is not Parquet (or is truncated) is one InputError, not Arrow's message. Casts are
Arrow's safe casts (no truncation, no overflow); the first value that does not fit is named by
row number, since Parquet has no lines.
"""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from dl.core.errors import InputError
from dl.core.io.convert import ARROW_ERRORS, BadValue, cast_column, show
from dl.core.io.formats import ReadResult, Where, check_known, check_readable


def read_parquet(path: Path, schema: pa.Schema | None) -> ReadResult:
    """Reads `path`; with `schema`, checks the column names and casts each column."""
    check_readable(path, streams=False, what="a Parquet file")  # Parquet is read from its end: no pipes
    try:
        table = pq.read_table(path)
    except (*ARROW_ERRORS, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if any(sign in reason for sign in ("magic bytes", "footer", "file size is")):
            raise InputError(f"{path} is not a Parquet file (no Parquet footer)") from None
        reason = reason.split(f"{path}': ")[-1]
        raise InputError(f"{path} cannot be read as Parquet: {show(reason, 100)}") from None
    if len(set(table.column_names)) != table.num_columns:
        dup = next(n for n in table.column_names if table.column_names.count(n) > 1)
        raise InputError(f"{path}: duplicate column name {dup!r}", column=dup)
    if schema is not None:
        table = cast_table(Where(path, None), table, schema)
    return ReadResult(table, None)


def cast_table(where: Where, table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Each column of `table` cast to the type of the same-named field of `schema`."""
    check_known(where.path, table.column_names, schema)
    columns = []
    for name, column in zip(table.column_names, table.columns):
        try:
            columns.append(cast_column(column, schema.field(name).type))
        except BadValue as bad:
            raise where.error(bad.index, name, f"{show(bad.value)} {bad.reason}") from None
    return pa.table(columns, names=table.column_names)
