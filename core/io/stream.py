"""Reading a large table file in parts, so an import holds one part in memory, not the file.

A file over `PART_BYTES` is read part by part with the same strict readers as a whole file:
- CSV, TSV, PSV: the memory-mapped text is cut into blocks of about `PART_BYTES` at record
  boundaries (a newline after an even number of quote characters: outside any quoted field),
  and each block is read by `core.io.csv.read_csv` as the header plus that block, with the
  line and row offsets that make its errors and line numbers the whole file's. Without a
  schema, the column types are inferred in a first pass (types only, parts dropped) and
  joined across blocks: the same type, or the widest of int64 < decimal128(38, 0) < float64,
  or text (lossless: the text as written). A block where a column is only missing values gives
  no evidence. The second pass reads every block cast to the joined types, so every part has
  one schema. A file whose quotes break the parity rule (a quote inside an unquoted field)
  cannot be cut safely and is read whole.
- Parquet: record batches of `PART_ROWS` rows (`ParquetFile.iter_batches`), cast by name to a
  given schema; rows are named by number.
- JSON documents and JSON lines are read whole (not streamed yet).

`open_stream` returns None where a file is read whole (small, or a format not streamed); the
caller then uses `read_table_file`. Parts are re-readable: `parts()` starts again from the top.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
from dl.core.io.formats import Source, check_readable, detect_format, map_source, text_delimiter

PART_BYTES = 64 << 20
PART_ROWS = 1 << 20
_QUOTE = ord('"')
_NUMBER_RANK = {pa.int64(): 0, pa.decimal128(38, 0): 1, pa.float64(): 2}


@dataclass(frozen=True)
class Part:
    """Rows of one part: typed columns, each row's 1-based source line (None: rows are named by
    number), and how many rows of the file came before."""

    table: pa.Table
    lines: np.ndarray | None
    first_row: int

    def line_numbers(self) -> np.ndarray:
        """Source lines, or 1-based row numbers where the format has no lines."""
        if self.lines is not None:
            return self.lines
        return np.arange(self.first_row + 1, self.first_row + 1 + self.table.num_rows, dtype=np.int64)


@dataclass(frozen=True)
class TableStream:
    """A file read in parts: the schema every part has, and the parts (re-readable)."""

    path: Path
    schema: pa.Schema
    read_parts: Callable[[], Iterator[Part]]
    lines_known: bool  # whether parts name rows by line (text) or by number (Parquet)

    def parts(self) -> Iterator[Part]:
        return self.read_parts()


def open_stream(path: str | Path, *, file_type: str | None = None, schema: pa.Schema | None = None,
                delimiter: str | None = None, part_bytes: int = PART_BYTES,
                part_rows: int = PART_ROWS) -> TableStream | None:
    """A stream over a large file; None when the file is better read whole (see the docstring)."""
    path = Path(path)
    check_readable(path)
    kind = detect_format(path, file_type)
    if kind == "parquet":
        return _parquet_stream(path, schema, part_rows)
    if kind in ("json", "jsonl"):
        return None
    if path.stat().st_size <= part_bytes:
        return None
    return _csv_stream(path, text_delimiter(kind, delimiter), schema, part_bytes)


# -- Parquet ---------------------------------------------------------------------------------------

def _parquet_stream(path: Path, schema: pa.Schema | None, part_rows: int) -> TableStream | None:
    import pyarrow.parquet as pq

    from dl.core.io.formats import Where, check_known
    from dl.core.io.parquet import cast_table
    try:
        file = pq.ParquetFile(path)
    except Exception:  # noqa: BLE001 - the whole-file reader names what is wrong
        return None
    if file.metadata.num_rows <= part_rows:
        return None
    arrow = file.schema_arrow
    if len(set(arrow.names)) != len(arrow.names):
        return None  # the whole-file reader refuses it with its message
    if schema is not None:
        check_known(path, arrow.names, schema)
        arrow = pa.schema([pa.field(n, schema.field(n).type) for n in arrow.names])

    def parts() -> Iterator[Part]:
        first = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=part_rows):
            table = pa.Table.from_batches([batch])
            if schema is not None:
                table = cast_table(Where(path, None, first), table, schema)
            yield Part(table, None, first)
            first += batch.num_rows
    return TableStream(path, arrow, parts, lines_known=False)


# -- delimited text --------------------------------------------------------------------------------

def _csv_stream(path: Path, delimiter: str, schema: pa.Schema | None,
                part_bytes: int) -> TableStream | None:
    from dl.core.io.csv import header_end
    data = map_source(path)
    head = header_end(path, data, delimiter)
    if head is None:
        return None
    names, header_line, start = head
    blocks = record_blocks(data, start, header_line, part_bytes, delimiter)
    if blocks is None:
        return None
    if schema is None:
        schema = _joined_schema(path, data, delimiter, start, names, blocks)
    else:
        from dl.core.io.formats import check_known
        check_known(path, names, schema, header_line)
        schema = pa.schema([pa.field(n, schema.field(n).type) for n in names])
    known = schema

    def parts() -> Iterator[Part]:
        for table, lines, first in _read_blocks(path, data, delimiter, start, blocks, known):
            yield Part(table, lines, first)
    return TableStream(path, known, parts, lines_known=True)


@dataclass(frozen=True)
class Block:
    """Bytes `begin`..`end` of a text file: whole records, after `lines_before` lines."""

    begin: int
    end: int
    lines_before: int


def record_blocks(data: Source, start: int, header_line: int, part_bytes: int,
                  delimiter: str) -> list[Block] | None:
    """Cuts `data[start:]` into blocks of whole records of about `part_bytes` each.

    A newline ends a record when an even number of quotes precede it (counting from `start`,
    where no field is open). None when the rule may not hold: a quote inside an unquoted field,
    or lone `\\r` line ends."""
    from dl.core.io.lines import quotes_well_placed
    arr = np.frombuffer(data, dtype=np.uint8)
    blocks: list[Block] = []
    begin, lines = start, header_line
    while begin < len(arr):
        end = _record_end(data, arr, begin, part_bytes)
        part = arr[begin:end]
        if np.any(part == ord("\r")) and _has_lone_cr(part):
            return None
        quotes = np.flatnonzero(part == _QUOTE)
        if quotes.size and not quotes_well_placed(part, quotes, ord(delimiter)):
            return None
        blocks.append(Block(begin, end, lines))
        lines += int(np.count_nonzero(part == ord("\n")))
        begin = end
    return blocks


def _record_end(data: Source, arr: np.ndarray, begin: int, part_bytes: int) -> int:
    """The end (after a newline, or the file's end) of the first record boundary past
    `begin + part_bytes`."""
    if begin + part_bytes >= len(arr):
        return len(arr)
    quotes = int(np.count_nonzero(arr[begin:begin + part_bytes] == _QUOTE))
    at = begin + part_bytes
    while True:
        newline = data.find(b"\n", at)
        if newline < 0:
            return len(arr)
        quotes += int(np.count_nonzero(arr[at:newline] == _QUOTE))
        if quotes % 2 == 0:
            return newline + 1
        at = newline + 1


def _has_lone_cr(part: np.ndarray) -> bool:
    cr = np.flatnonzero(part == ord("\r"))
    after = np.take(part, np.minimum(cr + 1, part.size - 1))
    return bool(np.any((after != ord("\n")) & (cr + 1 < part.size)))




def _read_blocks(path: Path, data: Source, delimiter: str, start: int, blocks: list[Block],
                 schema: pa.Schema | None) -> Iterator[tuple[pa.Table, np.ndarray | None, int]]:
    """Each block read as the header plus its records, with the whole file's lines."""
    from dl.core.io.csv import read_csv
    header = bytes(data[:start])
    first = 0
    for block in blocks:
        body = bytes(data[block.begin:block.end])
        if not body.strip():
            continue
        header_lines = header.count(b"\n")
        read = read_csv(path, header + body, delimiter, schema,
                        line_offset=block.lines_before - header_lines, first_row=first)
        yield read.table, read.line_numbers, first
        first += read.table.num_rows


def _joined_schema(path: Path, data: Source, delimiter: str, start: int, names: list[str],
                   blocks: list[Block]) -> pa.Schema:
    """Column types inferred block by block and joined (see the module docstring)."""
    types: list[pa.DataType | None] = [None] * len(names)
    for table, _, _ in _read_blocks(path, data, delimiter, start, blocks, None):
        for i, column in enumerate(table.columns):
            if _no_evidence(column):
                continue
            types[i] = column.type if types[i] is None else join_types(types[i], column.type)
    return pa.schema([pa.field(n, t if t is not None else pa.string()) for n, t in zip(names, types)])


def join_types(a: pa.DataType, b: pa.DataType) -> pa.DataType:
    """The type holding both blocks' values: the same, the wider number, else text."""
    if a == b:
        return a
    if a in _NUMBER_RANK and b in _NUMBER_RANK:
        return a if _NUMBER_RANK[a] > _NUMBER_RANK[b] else b
    return pa.string()


def _no_evidence(column: pa.ChunkedArray) -> bool:
    """A column of a block inferred as text only because it holds nothing but missing values."""
    from dl.core.io.convert import _TOKENS
    if column.null_count == len(column):
        return True
    if not pa.types.is_string(column.type):
        return False
    import pyarrow.compute as pc
    missing = pc.or_kleene(pc.is_null(column), pc.is_in(column, value_set=_TOKENS))
    return bool(pc.all(missing).as_py())


__all__ = ["PART_BYTES", "PART_ROWS", "Block", "Part", "TableStream", "join_types", "open_stream",
           "record_blocks"]
