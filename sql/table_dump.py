"""`dl table export TABLE FILE.sql`: a table as the MySQL script Dolt's export writes.

The script is `DROP TABLE IF EXISTS`, the table's `CREATE TABLE` as SHOW CREATE TABLE prints it
(`mysql_schema.create_table`: backquoted names, MySQL type names, keys, indexes, CHECK and
FOREIGN KEY constraints, and the ENGINE clause MySQL prints), then one `INSERT INTO t (cols) VALUES (...);` a row, as Dolt writes them,
so that `dl sql --dialect mysql < t.sql` (or MySQL, or Dolt) makes the same table again.
Values are MySQL literals: numbers bare, booleans 1/0, text, dates and times quoted with
backslash escapes, bytes as hex (`0x...`), NULL. The INSERT lines are built column by column
with Arrow kernels, a leaf of the table at a time, and written atomically (`core.io.write`).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
from dl.sql.mysql_schema import create_table, quote

if TYPE_CHECKING:
    from dl.core.repo import Repository
    from dl.core.tables.schema import TableSchema

_FRACTION = re.compile(r"^(?:datetime|timestamp)\((\d)\)$")


def insert_lines(name: str, schema: TableSchema, rows: pa.Table) -> pa.ChunkedArray:
    """One `INSERT INTO ... VALUES (...);` text per row of `rows` (the schema's columns)."""
    columns = [c for c in schema.columns if c.name in rows.column_names]
    head = f"INSERT INTO {quote(name)} ({','.join(quote(c.name) for c in columns)}) VALUES ("
    if rows.num_rows == 0:
        return pa.chunked_array([], pa.string())
    values = [_literals(rows.column(c.name), schema.constraints.declared_type(c.name)) for c in columns]
    joined = pc.binary_join_element_wise(*values, ",") if len(values) > 1 else values[0]
    return pc.binary_join_element_wise(pa.scalar(head), joined, pa.scalar(");"), "")


def _literals(values: pa.ChunkedArray, declared: str | None) -> pa.ChunkedArray:
    """Each value of a column as a MySQL literal."""
    kind = values.type
    if pa.types.is_boolean(kind):
        text = pc.if_else(values, "1", "0")
    elif pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind):
        # Arrow has no hex kernel; a byte column is the one column written value by value
        text = pa.chunked_array([pa.array([None if v is None else "0x" + v.hex() for v in values.to_pylist()],
                                          pa.string())])
    elif pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        text = pc.cast(values, pa.string())
        if declared == "year":
            text = _quoted(text)
    elif pa.types.is_timestamp(kind):
        text = _quoted(_datetime_text(values, declared))
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_temporal(kind):
        text = _quoted(pc.cast(values, pa.string()))
    else:  # nested values: their JSON text
        import json
        text = _quoted(pa.array([None if v is None else json.dumps(v) for v in values.to_pylist()],
                                pa.string()))
    return pc.fill_null(text, "NULL")


def _datetime_text(values: pa.ChunkedArray, declared: str | None) -> pa.ChunkedArray:
    """`YYYY-MM-DD hh:mm:ss` with the declared fractional digits (none for a plain DATETIME)."""
    text = pc.cast(values.cast(pa.timestamp("us", values.type.tz)) if values.type.tz else
                   values.cast(pa.timestamp("us")), pa.string())
    match = _FRACTION.match(declared or "")
    digits = int(match.group(1)) if match else 0
    return pc.utf8_slice_codeunits(text, 0, 19 + (digits + 1 if digits else 0))


def _quoted(text: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    escaped = pc.replace_substring(pc.replace_substring(text, "\\", "\\\\"), "'", "\\'")
    return pc.binary_join_element_wise(pa.scalar("'"), escaped, pa.scalar("'"), "")


def dump_lines(repo: Repository, name: str, rev: str = "WORKING") -> Iterator[str]:
    """The script's text in pieces: the statements that make the table, then its rows a leaf
    at a time (bounded memory)."""
    table = repo.table(name, rev)
    yield f"DROP TABLE IF EXISTS {quote(name)};\n{create_table(name, table.schema)}\n"
    for leaf in table.tree.stream_leaves():
        rows = pa.Table.from_batches([leaf])
        if table.schema.is_keyless:
            rows = table.user_rows(rows)
        lines = insert_lines(name, table.schema, rows.select(table.schema.names))
        if len(lines):
            yield "\n".join(lines.to_pylist()) + "\n"


def write_dump(repo: Repository, name: str, path: Path, rev: str = "WORKING") -> None:
    """Writes table `name` at `rev` to `path` as a MySQL script (atomically)."""
    from dl.core.io.write import write_text_pieces
    write_text_pieces(path, dump_lines(repo, name, rev), repo.dl_dir)
