"""Reading a large table file in parts, so an import holds one part in memory, not the file.

A file over `PART_BYTES` is read part by part with the same strict readers as a whole file:
- CSV, TSV, PSV: the text is cut into blocks of about `PART_BYTES` at record
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
- JSON lines: blocks of whole lines read by `core.io.json.read_json`, with the whole file's line
  numbers; without a schema, the columns (in order of first appearance) and their types are
  joined across blocks in a first pass as for CSV, and a column holding values of different
  kinds in different blocks (numbers here, strings there) is refused as the whole-file reader
  refuses it, naming the line.
- JSON documents (`{"rows": [...]}` or an array of rows): parts of about `PART_BYTES` of text
  from an incremental parser (`core.io.json_document`), typed by `core.io.json` as a whole
  file is, with the whole file's lines; types joined across parts as for JSON lines.

`open_stream` returns None where a file is read whole (small, or a format not streamed); the
caller then uses `read_table_file`. Parts are re-readable: `parts()` starts again from the top.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
from dl.core.io.formats import check_readable, detect_format, text_delimiter

PART_BYTES = 32 << 20
PART_ROWS = 1 << 20
HEADER_BYTES = 1 << 20  # a header line longer than this is read whole
JSON_PART_DIVISOR = 8  # JSON parts are smaller: parsed rows take ~10x their text as objects
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
    if not _is_regular_file(path):
        return None  # pipes and devices: `core.io.streams` reads or refuses them whole
    kind = detect_format(path, file_type)
    if kind == "parquet":
        return _parquet_stream(path, schema, part_rows)
    if path.stat().st_size <= part_bytes:
        return None
    if kind == "json":
        return _json_document_stream(path, schema, max(part_bytes // JSON_PART_DIVISOR, 1))
    if kind == "jsonl":
        return _jsonl_stream(path, schema, max(part_bytes // JSON_PART_DIVISOR, 1))
    return _csv_stream(path, text_delimiter(kind, delimiter), schema, part_bytes)


def _is_regular_file(path: Path) -> bool:
    import stat
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


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
    head = header_end(path, _read_at(path, 0, HEADER_BYTES), delimiter)
    if head is None:
        return None
    names, header_line, start = head
    blocks = record_blocks(path, start, header_line, part_bytes, delimiter)
    if blocks is None:
        return None
    if schema is None:
        schema = _joined_schema(path, delimiter, start, names, blocks)
    else:
        from dl.core.io.formats import check_known
        check_known(path, names, schema, header_line)
        schema = pa.schema([pa.field(n, schema.field(n).type) for n in names])
    known = schema

    def parts() -> Iterator[Part]:
        for table, lines, first in _read_blocks(path, delimiter, start, blocks, known):
            yield Part(table, lines, first)
    return TableStream(path, known, parts, lines_known=True)


@dataclass(frozen=True)
class Block:
    """Bytes `begin`..`end` of a text file: whole records, after `lines_before` lines."""

    begin: int
    end: int
    lines_before: int


def _read_at(path: Path, offset: int, size: int) -> bytes:
    """`size` bytes of `path` from `offset` (fewer at the end): files are read, not mapped, so
    only the block in hand is in memory (a mapped file's pages count as the process's)."""
    with open(path, "rb") as file:
        file.seek(offset)
        return file.read(size)


def record_blocks(path: Path, start: int, header_line: int, part_bytes: int,
                  delimiter: str) -> list[Block] | None:
    """Cuts the records of `path` (from offset `start`) into blocks of about `part_bytes`.

    A newline ends a record when an even number of quotes precede it (counting from `start`,
    where no field is open). None when the rule may not hold: a quote inside an unquoted field,
    or lone `\\r` line ends."""
    from dl.core.io.lines import quotes_well_placed
    size = path.stat().st_size
    blocks: list[Block] = []
    begin, lines = start, header_line
    with open(path, "rb") as file:
        while begin < size:
            file.seek(begin)
            body = _whole_records(file, file.read(part_bytes))
            part = np.frombuffer(body, dtype=np.uint8)
            if b"\r" in body and _has_lone_cr(part):
                return None
            quotes = np.flatnonzero(part == _QUOTE)
            if quotes.size and not quotes_well_placed(part, quotes, ord(delimiter)):
                return None
            blocks.append(Block(begin, begin + len(body), lines))
            lines += body.count(b"\n")
            begin += len(body)
    return blocks


def _whole_records(file: BinaryIO, body: bytes) -> bytes:
    """`body` (read from a record boundary) extended from `file` to the next record boundary:
    a newline after an even number of quotes, or the end of the file."""
    quotes = body.count(b'"')
    cut = body.rfind(b"\n")
    if cut >= 0 and quotes % 2 == 0 and body.count(b'"', cut) % 2 == 0:
        return body[:cut + 1]  # the common case: no field is open at the last newline
    while True:
        more = file.read(1 << 16)
        if not more:
            return body
        at = len(body)
        body += more
        while True:
            newline = body.find(b"\n", at)
            if newline < 0:
                break
            if body.count(b'"', 0, newline) % 2 == 0:
                return body[:newline + 1]
            at = newline + 1


def _has_lone_cr(part: np.ndarray) -> bool:
    cr = np.flatnonzero(part == ord("\r"))
    after = np.take(part, np.minimum(cr + 1, part.size - 1))
    return bool(np.any((after != ord("\n")) & (cr + 1 < part.size)))


def _read_blocks(path: Path, delimiter: str, start: int, blocks: list[Block],
                 schema: pa.Schema | None) -> Iterator[tuple[pa.Table, np.ndarray | None, int]]:
    """Each block read as the header plus its records, with the whole file's lines."""
    from dl.core.io.csv import read_csv
    header = _read_at(path, 0, start)
    header_lines = header.count(b"\n")
    first = 0
    for block, body in _block_bodies(path, blocks):
        read = read_csv(path, header + body, delimiter, schema,
                        line_offset=block.lines_before - header_lines, first_row=first)
        del body
        yield read.table, read.line_numbers, first
        first += read.table.num_rows


def _joined_schema(path: Path, delimiter: str, start: int, names: list[str],
                   blocks: list[Block]) -> pa.Schema:
    """Column types inferred block by block and joined (see the module docstring)."""
    types: list[pa.DataType | None] = [None] * len(names)
    for table, _, _ in _read_blocks(path, delimiter, start, blocks, None):
        for i, column in enumerate(table.columns):
            if _no_evidence(column):
                continue
            types[i] = column.type if types[i] is None else join_types(types[i], column.type)
    return pa.schema([pa.field(n, t if t is not None else pa.string()) for n, t in zip(names, types)])


# -- JSON lines ------------------------------------------------------------------------------------

def _json_document_stream(path: Path, schema: pa.Schema | None, part_bytes: int) -> TableStream:
    if schema is None:
        schema = _joined_json_schema(path, _read_document_parts(path, part_bytes, None))
    known = schema

    def parts() -> Iterator[Part]:
        for table, lines, first in _read_document_parts(path, part_bytes, known):
            yield Part(table, lines, first)
    return TableStream(path, known, parts, lines_known=True)


def _read_document_parts(path: Path, part_bytes: int, schema: pa.Schema | None
                         ) -> Iterator[tuple[pa.Table, np.ndarray | None, int]]:
    from dl.core.errors import InputError
    from dl.core.io.json import rows_table
    from dl.core.io.json_document import document_parts
    first = 0
    firsts: dict[str, object] = {}  # each column's first value in the file so far
    for rows, numbers in document_parts(path, part_bytes):
        if not rows and first == 0 and schema is None:
            raise InputError(f"{path} has no rows: column types cannot be inferred (give a schema)")
        if not rows:
            continue
        try:
            read = rows_table(path, rows, numbers, schema)
        except InputError as exc:
            raise _odd_kind(path, rows, numbers, firsts) or exc from None
        for name in read.table.column_names:
            if name not in firsts:
                value = next((row.get(name) for row in rows if isinstance(row, dict)
                              and row.get(name) is not None), None)
                if value is not None:
                    firsts[name] = value
        yield read.table, read.line_numbers, first
        first += read.table.num_rows


def _odd_kind(path: Path, rows: list[object], numbers: list[int], firsts: dict[str, object]) -> Exception | None:
    """A part mixing kinds in a column whose first value came in an earlier part: the value
    the whole-file reader names (the first whose kind differs from the file's first), where the
    part's own reader would name one relative to the part's first value."""
    from dl.core.io.convert import BadValue, show
    from dl.core.io.formats import Where
    from dl.core.io.json import _mixed
    where = Where(path, np.asarray(numbers, dtype=np.int64))
    for name, known in firsts.items():
        values = [known] + [row.get(name) if isinstance(row, dict) else None for row in rows]
        bad: BadValue = _mixed(values)
        if bad.index > 0 and "the column's first value is" in bad.reason:
            return where.error(bad.index - 1, name, f"{show(bad.value)} {bad.reason}")
    return None


def _jsonl_stream(path: Path, schema: pa.Schema | None, part_bytes: int) -> TableStream:
    blocks = _line_blocks(path, part_bytes)
    if schema is None:
        schema = _joined_json_schema(path, _read_json_blocks(path, blocks, None))
    known = schema

    def parts() -> Iterator[Part]:
        for table, lines, first in _read_json_blocks(path, blocks, known):
            yield Part(table, lines, first)
    return TableStream(path, known, parts, lines_known=True)


def _line_blocks(path: Path, part_bytes: int) -> list[Block]:
    """Blocks of whole lines of about `part_bytes` (a JSON line holds no raw newline)."""
    size = path.stat().st_size
    blocks: list[Block] = []
    begin, lines = 0, 0
    with open(path, "rb") as file:
        while begin < size:
            file.seek(begin)
            body = file.read(part_bytes)
            while not body.endswith(b"\n"):
                more = file.read(1 << 16)
                if not more:
                    break
                cut = more.find(b"\n")
                body += more if cut < 0 else more[:cut + 1]
                if cut >= 0:
                    break
            blocks.append(Block(begin, begin + len(body), lines))
            lines += body.count(b"\n")
            begin += len(body)
    return blocks


def _read_json_blocks(path: Path, blocks: list[Block], schema: pa.Schema | None
                      ) -> Iterator[tuple[pa.Table, np.ndarray | None, int]]:
    from dl.core.io.json import read_json
    first = 0
    for block, body in _block_bodies(path, blocks):
        read = read_json(path, body, schema, lines=True, line_offset=block.lines_before)
        yield read.table, read.line_numbers, first
        first += read.table.num_rows


def _block_bodies(path: Path, blocks: list[Block]) -> Iterator[tuple[Block, bytes]]:
    """The bytes of each block that holds more than whitespace, read from the file one at a
    time (not mapped: mapped pages count towards the process's memory)."""
    with open(path, "rb") as file:
        for block in blocks:
            file.seek(block.begin)
            body = file.read(block.end - block.begin)
            if body.strip():
                yield block, body


def _joined_json_schema(path: Path, parts: Iterator[tuple[pa.Table, np.ndarray | None, int]]) -> pa.Schema:
    """Columns in order of first appearance, types joined across parts; kinds may not mix."""
    from dl.core.errors import InputError
    from dl.core.io.json import kind_of
    types: dict[str, pa.DataType | None] = {}
    for table, lines, _ in parts:
        for name, column in zip(table.column_names, table.columns):
            known = types.get(name)
            if _no_evidence(column):
                types.setdefault(name, None)
                continue
            if known is not None and _json_family(known) != _json_family(column.type):
                index = int(np.flatnonzero(column.is_valid().to_numpy(zero_copy_only=False))[0])
                value = column[index].as_py()
                line = int(lines[index]) if lines is not None else None
                raise InputError(f"{path}, line {line}, column {name}: {value!r} is "
                                 f"{kind_of(value)}, but the column's first value is "
                                 f"{_json_family(known)}", line=line, column=name)
            types[name] = column.type if known is None else join_types(known, column.type)
    return pa.schema([pa.field(n, t if t is not None else pa.string()) for n, t in types.items()])


def _json_family(kind: pa.DataType) -> str:
    if pa.types.is_boolean(kind):
        return "a boolean"
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "a number"
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return "an array"
    if pa.types.is_struct(kind):
        return "an object"
    return "a string"


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
