"""Reading and writing table files for `dl table import` and `dl table export`.

Formats: csv, tsv, psv (delimited text), parquet, json (`{"rows": [...]}` as Dolt writes it, or a
plain array of objects) and jsonl (one object per line). Reading is strict: whatever pyarrow
would silently change (a widened int, a dropped leading zero, a binary column, a duplicate
column name) is either kept exactly or refused with an `InputError` naming file, line, column and
value. Writing is atomic: a temporary file in the target's directory, renamed into place.

    read_table_file(path, file_type=None, schema=None, delimiter=None) -> ReadResult
    write_table_file(table, path, file_type=None) -> None
    write_batches(schema, batches, path, file_type=None) -> None   (one batch in memory at a time)
    detect_format(path, file_type=None) -> "csv" | "tsv" | "psv" | "parquet" | "json" | "jsonl"

Modules: `formats` (names, ReadResult, file access), `csv` and `lines` (the strict CSV reader
and its line numbers), `json` (JSON and JSON lines), `parquet`, `convert` (typing rules shared by
all readers), `write` (all writers).
"""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from dl.core.io.formats import (
    FORMATS,
    ReadResult,
    check_readable,
    detect_format,
    map_source,
    read_source,
    text_delimiter,
)
from dl.core.io.write import write_batches, write_table_file

__all__ = ["FORMATS", "ReadResult", "detect_format", "read_table_file", "write_batches",
           "write_table_file"]


def read_table_file(path: str | Path, *, file_type: str | None = None,
                    schema: pa.Schema | None = None, delimiter: str | None = None) -> ReadResult:
    """Reads a table file; with `schema`, columns are cast to its types by name.

    Columns of the file missing from `schema` are an InputError; columns of `schema` missing from
    the file come back absent (the caller fills defaults). Columns keep the file's order."""
    path = Path(path)
    check_readable(path)
    kind = detect_format(path, file_type)
    if kind == "parquet":
        from dl.core.io.parquet import read_parquet
        return read_parquet(path, schema)
    if kind in ("json", "jsonl"):
        from dl.core.io.json import read_json
        return read_json(path, read_source(path), schema, lines=kind == "jsonl")
    from dl.core.io.csv import read_csv
    return read_csv(path, map_source(path), text_delimiter(kind, delimiter), schema)
