"""Delimited text out, quoted field by field as Dolt writes it.

Arrow's CSV writer quotes every string of a file once any field needs quotes (and the header
with them). Dolt quotes only the fields that need it: those holding the delimiter, a quote or
a line break, or starting with a space; and it writes an empty string as `""` so that it reads
back as an empty string, not as null (an empty field). `write_fields` writes batches so, built
column-wise with Arrow compute (no loop over rows): text columns are quoted where needed,
numbers, booleans, dates and times are formatted by Arrow's cast (the format Arrow's CSV
writer uses), and each batch is joined into lines in one pass.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def quoted_name(name: str, delimiter: str) -> str:
    """A header name, quoted only if it must be."""
    if name == "" or re.search(f"[{re.escape(delimiter)}\"\r\n]", name) or name[:1].isspace():
        return '"' + name.replace('"', '""') + '"'
    return name


def text_field(column: pa.Array, delimiter: str) -> pa.Array:
    """A column's values as CSV fields: null as an empty field, text quoted where needed."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        special = pc.match_substring_regex(column, f"[{re.escape(delimiter)}\"\r\n]|^\\s|^$")
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
        column = pc.if_else(special, quoted, column)
    else:
        column = pc.cast(column, pa.string())
    return pc.fill_null(column, "")


def write_fields(out: IO[bytes], schema: pa.Schema, batches: Iterable[pa.RecordBatch],
                 delimiter: str) -> None:
    """The header and every batch's rows, one line each."""
    out.write((delimiter.join(quoted_name(n, delimiter) for n in schema.names) + "\n").encode())
    for batch in batches:
        if batch.num_rows == 0:
            continue
        fields = [text_field(batch.column(i), delimiter) for i in range(batch.num_columns)]
        fields[-1] = pc.binary_join_element_wise(fields[-1], "\n", "")
        lines = pc.binary_join_element_wise(*fields, delimiter) if len(fields) > 1 else fields[0]
        lines = pa.concat_arrays([lines]) if isinstance(lines, pa.ChunkedArray) else lines
        lines = lines.cast(pa.large_string())
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
        data = lines.buffers()[2]
        out.write(memoryview(data)[int(offsets[0]):int(offsets[-1])])


def writable(schema: pa.Schema) -> bool:
    """Whether every column is text or a type Arrow's cast formats as the CSV writer does."""
    return all(pa.types.is_string(f.type) or pa.types.is_large_string(f.type) or pa.types.is_integer(f.type)
               or pa.types.is_floating(f.type) or pa.types.is_boolean(f.type) or pa.types.is_date(f.type)
               or pa.types.is_time(f.type) or pa.types.is_timestamp(f.type) or pa.types.is_decimal(f.type)
               or pa.types.is_null(f.type) for f in schema)
