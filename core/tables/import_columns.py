"""How a text file's header matches the table it is imported into (Dolt's rules).

Dolt imports the columns a file shares with the table and warns when the two differ: table
columns the file lacks keep their default (or null) on new rows and their value on updated
ones; file columns the table lacks are ignored. `match_header` finds both from the header of a
CSV/TSV/PSV file (other formats, and pipes that cannot be read twice, keep dl's strict rule:
every file column must be a table column); `reading_schema` lets the reader accept the extra
columns as text, and `without_columns` drops them from a streamed file's parts;
`update_parts` keeps the values of the columns an update does not name.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dl.core.errors import InputError
from dl.core.io.stream import Part, TableStream
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table


@dataclass(frozen=True)
class HeaderMatch:
    """Table columns missing from the file, and file columns the table lacks (in file order)."""

    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()


def match_header(path: Path, file_type: str | None, delimiter: str | None,
                 table_columns: list[str]) -> HeaderMatch:
    """The header of a delimited text file against the table's columns (nothing for other
    formats or for pipes)."""
    from dl.core.io.csv import header_end
    from dl.core.io.formats import TEXT_DELIMITERS, detect_format, text_delimiter
    if not path.is_file():
        return HeaderMatch()
    kind = detect_format(path, file_type)
    if kind not in TEXT_DELIMITERS:
        return HeaderMatch()
    with open(path, "rb") as source:
        head = source.read(1 << 20)
    found = header_end(path, head, text_delimiter(kind, delimiter)) if head.strip() else None
    if found is None:
        return HeaderMatch()  # the reader says what is wrong with the file
    names = found[0]
    return HeaderMatch(missing=tuple(c for c in table_columns if c not in names),
                       extra=tuple(n for n in names if n not in table_columns))


def reading_schema(schema: pa.Schema, extra: tuple[str, ...]) -> pa.Schema:
    """`schema` with the file's extra columns as text, for a reader that checks every column."""
    return pa.schema([*schema, *(pa.field(name, pa.string()) for name in extra)])


def without_columns(stream: TableStream, extra: tuple[str, ...]) -> TableStream:
    """`stream` whose parts lack the columns `extra`."""
    if not extra:
        return stream
    read_parts = stream.read_parts

    def parts() -> Iterator[Part]:
        for part in read_parts():
            yield Part(part.table.drop_columns(list(extra)), part.lines, part.first_row)
    kept = pa.schema([f for f in stream.schema if f.name not in extra])
    return dataclasses.replace(stream, schema=kept, read_parts=parts)


_PRESENT = "__dl_row_present__"


def update_parts(base: Table, rows: pa.Table) -> list[pa.Table]:
    """`-u` rows that lack some table columns, as Dolt applies them: a row whose key the table
    has keeps its other columns' values; a new row takes their defaults. Gives the rows to
    upsert (existing keys completed from the table, then new rows); `rows` itself when it has
    every column or the table is keyless (each row is then a row of its own)."""
    missing = [c for c in base.schema.names if c not in rows.column_names]
    key = list(base.schema.primary_key)
    if not missing or not key or rows.num_rows == 0:
        return [rows]
    found = base.lookup(rows.select(key))
    if found.num_rows == 0:
        return [rows]
    side = found.select(key + missing).append_column(_PRESENT, pa.array(np.ones(found.num_rows, bool)))
    joined = rows.join(side, keys=key, join_type="left outer")
    present = pc.is_valid(joined.column(_PRESENT))
    kept = joined.filter(present).drop_columns([_PRESENT])
    added = joined.filter(pc.invert(present)).drop_columns([_PRESENT, *missing])
    return [part for part in (kept, added) if part.num_rows]


def check_fillable(match: HeaderMatch, schema: TableSchema) -> None:
    """Refuses a file into an existing table that lacks a column no row can do without: a key
    column, or one NOT NULL without a default (MySQL's and Dolt's words). AUTO_INCREMENT
    columns are left to the key checks."""
    for column in schema.columns:
        if column.name not in match.missing or schema.constraints.auto_increment == column.name:
            continue
        if column.name in schema.primary_key or (column.not_null and column.default is None):
            raise InputError(f"Field '{column.name}' doesn't have a default value", column=column.name)
