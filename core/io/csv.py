"""The strict CSV reader (also TSV and PSV): every field read as bytes by Arrow, then checked
and typed by dl, so nothing is silently lost.

pyarrow's defaults are lenient in ways that lose data without a word (STYLE.md, "Bad input is a
feature"): duplicate column names are accepted, invalid UTF-8 turns a column into binary, an
int64 overflow widens to float64, `007` becomes 7, `NA` in a text column becomes null. So Arrow
only splits records here: every column is read as binary, with no null spellings and no
inference. Then each column is typed by `convert`, vectorized, in two halves on a thread pool:
inferred losslessly or cast to the given schema, with text validated as UTF-8 and the first bad
value named by line. Ragged rows are caught with Arrow's invalid-row handler; their line, and
every row's, comes from `lines`. A quoted field that is never closed makes Arrow (and Python's
csv) swallow the rest of the file into one field without a word, so the last record of a file
with quotes is checked: its quotes are followed to the end (a few characters, normally) and a
field still open there is refused, naming the line where its quote opened. The header is parsed by Python's csv module first, so duplicate,
empty and non-UTF-8 column names are refused before Arrow sees them.

Cost, 1M rows (int, int, 9-char text, float; 33 MB) on 2 cores: ~80 ms against ~53 ms for a
plain `pyarrow.csv.read_csv`. Arrow's binary split takes ~38 ms; the rest is parsing the numbers
after the split instead of inside Arrow's pipeline (~26 ms of CPU), the leading-zero scans
(~10 ms), line numbers (~5 ms) and UTF-8 and empty-field checks (~3 ms), half of it hidden by
the second core.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from dl.core.errors import InputError, RaggedRow
from dl.core.io.convert import BadValue, cast_text, infer_text, show, text_can_hold, type_name
from dl.core.io.csv_spaces import trim_leading_space
from dl.core.io.formats import ReadResult, Source, Where, check_known
from dl.core.io.lines import count_lines, lines_from_values, record_lines


def read_csv(path: Path, data: Source, delimiter: str, schema: pa.Schema | None, *,
             line_offset: int = 0, first_row: int = 0) -> ReadResult:
    """Reads delimited text `data` (the bytes of `path`) strictly; see the module docstring.

    A streamed part of a file (`core.io.stream`) is its header plus one block of records:
    `line_offset` (lines of the file skipped before the block) and `first_row` (records
    before it) make its errors and line numbers those of the whole file."""
    if re.fullmatch(rb"\s*", data):
        raise InputError(f"Error creating reader for {path}: it is an empty file")
    raw_names, header_line = _header(path, data, delimiter)
    names = [name.strip() for name in raw_names]  # `a, b`: Dolt reads the names without the spaces
    if schema is not None:
        check_known(path, names, schema, header_line)
    pool = _pool()
    line_count = pool.submit(count_lines, data)  # numpy, alongside Arrow's parsing
    table = trim_leading_space(_split(path, data, raw_names, delimiter, line_offset, first_row),
                               data, delimiter)
    if table.num_rows == 0 and schema is None:
        raise InputError(f"{path} has a header but no rows: column types cannot be "
                         f"inferred (give a schema)", line=header_line)
    lines = pool.submit(_row_lines, data, table, header_line, delimiter, line_count.result())
    parts = [[(start, pool.submit(_convert, part, _target(path, name, schema)))
              for start, part in _halves(table.column(i))] for i, name in enumerate(names)]
    found = lines.result()
    where = Where(path, found + line_offset if found is not None else None, first_row)
    if quoted_fields(data):
        _check_quotes_closed(path, data, delimiter, found, line_count.result(), line_offset)
    columns = [_joined(where, name, table.column(i), schema, parts[i])
               for i, name in enumerate(names)]
    return ReadResult(pa.table(columns, names=names), where.lines)


_POOL: ThreadPoolExecutor | None = None


def _forget_pool() -> None:
    """A forked child has none of the parent's threads: it must start its own pool."""
    global _POOL
    _POOL = None


os.register_at_fork(after_in_child=_forget_pool)


def _pool() -> ThreadPoolExecutor:
    """One pool for every read: a file read in parts reuses its threads (new threads per part
    would each get a fresh malloc arena, and freed memory piles up in them)."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=os.cpu_count() or 1)
    return _POOL


def _row_lines(data: Source, table: pa.Table, header_end: int, delimiter: str,
               line_count: int | None) -> np.ndarray | None:
    """The start line of each row: one row per line when the lines add up to the records (the
    usual case, free), else from the newlines in the values, else from the raw bytes."""
    if line_count == table.num_rows + 1:
        return np.arange(2, table.num_rows + 2, dtype=np.int64)
    lines = lines_from_values(table, header_end, line_count)
    if lines is not None:
        return lines
    records = record_lines(data, table.num_rows + 1, delimiter, line_count)
    return records[1:] if records is not None else None


# -- header -------------------------------------------------------------------------------------

def _header(path: Path, data: Source, delimiter: str) -> tuple[list[str], int]:
    """Column names from the first record (as written: callers strip the spaces), refusing invalid UTF-8,
    empty and duplicate names (duplicate regardless of case, as SQL names are).

    Parsed from a prefix of the file, grown until the header record is seen to end."""
    size = 1 << 16
    while True:
        names, line, complete = _first_record(path, bytes(data[:size]), delimiter,
                                              whole=size >= len(data))
        if complete:
            break
        size *= 16
    seen: dict[str, int] = {}
    for number, name in enumerate(names, start=1):
        if _is_bad_utf8(name):
            raw = name.encode("utf-8", "surrogateescape")
            raise InputError(f"{path}, line {line}: column name {show(raw)} is not valid UTF-8",
                             line=line)
        if not name.strip():
            raise InputError(f"{path}, line {line}: column {number} has no name", line=line)
        if name.strip().lower() in seen:  # SQL names are case-insensitive: `abc` and `Abc` clash
            raise InputError(f"{path}, line {line}: invalid schema: duplicate column name "
                             f"{name.strip()!r} (columns {seen[name.strip().lower()]} and {number})",
                             line=line, column=name)
        seen[name.strip().lower()] = number
    return names, line


def header_end(path: Path, data: Source, delimiter: str) -> tuple[list[str], int, int] | None:
    """The header's column names, its last line and the offset where the records start (after
    that line's newline), for reading the rest in blocks; None for lone `\r` line ends."""
    names, line = _header(path, data, delimiter)
    names = [name.strip() for name in names]
    offset = 0
    for _ in range(line):
        found = data.find(b"\n", offset)
        if found < 0:
            return None
        offset = found + 1
    if bytes(data[:offset]).find(b"\r") >= 0 and bytes(data[:offset]).count(b"\r") != line:
        return None
    return names, line, offset


def _first_record(path: Path, prefix: bytes, delimiter: str, *,
                  whole: bool) -> tuple[list[str], int, bool]:
    """The first non-blank record of `prefix`, its last line, and whether it surely ended
    there (another record follows, or `prefix` is the whole file)."""
    text = io.TextIOWrapper(io.BytesIO(prefix), encoding="utf-8-sig", errors="surrogateescape",
                            newline="")
    reader = csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    try:
        names = next((row for row in reader if row), [])
    except csv.Error as exc:
        raise InputError(f"{path}, line {reader.line_num}: cannot read the header ({exc})",
                         line=reader.line_num) from None
    line = reader.line_num
    try:
        followed = next(reader, None) is not None
    except csv.Error:
        followed = True
    return names, line, whole or followed


def _is_bad_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


# -- unclosed quotes ---------------------------------------------------------------------------

def quoted_fields(data: Source) -> bool:
    return data.find(b'"') >= 0


def _check_quotes_closed(path: Path, data: Source, delimiter: str, lines: np.ndarray | None,
                         line_count: int | None, line_offset: int = 0) -> None:
    """InputError if the last record ends inside a quoted field (see the module docstring).

    An unclosed quote swallows everything after it, so it always sits in the last record; the
    scan starts at that record's first line when the lines are known, else at the file's start.
    `lines` count from the start of `data`; `line_offset` makes them the file's (a streamed part)."""
    start, start_line = 0, 1
    if lines is not None and len(lines) and line_count is not None:
        start_line = int(lines[-1])
        start = _line_start(data, start_line, line_count)
    opening = _open_quote_at_end(data, start, delimiter.encode())
    if opening is not None:
        line = start_line + _count_newlines(data, start, opening) + line_offset
        raise InputError(f"{path}, line {line}: a quoted field starts here and is never closed "
                         f"(a missing closing quote would swallow every line after it)", line=line)


def _line_start(data: Source, line: int, line_count: int) -> int:
    """Byte offset where 1-based `line` starts, found backwards from the end (the last record
    is usually the last line, so this takes a step or two)."""
    if line <= 1:
        return 0
    newlines = line_count - (0 if data[-1:] == b"\n" else 1)
    position = len(data)
    for _ in range(newlines - line + 2):
        position = data.rfind(b"\n", 0, position)
    return position + 1


def _open_quote_at_end(data: Source, start: int, delimiter: bytes) -> int | None:
    """Follows the quotes from `start` (a record's start) to the end of `data`; the offset of
    the quote whose field is still open at the end, or None. As Arrow reads: a quote opens a
    field only at its start, `""` inside one is a quote, and the next lone quote closes it."""
    openers = (delimiter[0], ord("\n"), ord("\r"))
    opened: int | None = None
    position = start
    while True:
        quote = data.find(b'"', position)
        if quote < 0:
            return opened
        if opened is None:
            if quote == start or data[quote - 1] in openers:
                opened = quote
            position = quote + 1
        elif data[quote + 1:quote + 2] == b'"':
            position = quote + 2
        else:
            opened, position = None, quote + 1


def _count_newlines(data: Source, start: int, end: int) -> int:
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8, count=end - start, offset=start) == ord("\n")))


# -- splitting records --------------------------------------------------------------------------

def _split(path: Path, data: Source, names: list[str], delimiter: str, line_offset: int = 0,
           first_row: int = 0) -> pa.Table:
    """Arrow splits the records into binary columns; a ragged record is an InputError.

    Arrow's `newlines_in_values` costs ~40% of the split, so it is off at first: without it,
    Arrow's threaded chunker cannot follow a quoted newline across blocks, notices ("parser got
    out of sync with chunker"), and the file is split again with it on. A ragged row in a quoted
    file is checked the same way before it is reported."""
    quoted = data.find(b'"') >= 0
    for multiline in (False, True) if quoted else (False,):
        try:
            table, invalid = _arrow_read(data, names, delimiter, threads=True, multiline=multiline)
        except pa.ArrowInvalid as exc:
            if quoted and not multiline:
                continue
            reason = str(exc).splitlines()[0].removeprefix("CSV parse error: ")
            raise InputError(f"{path}: not valid CSV: {show(reason, 120)}") from None
        if table is not None:
            if table.column_names != names:
                raise InputError(f"{path}: cannot read the header line (Arrow finds columns "
                                 f"{', '.join(table.column_names)})", line=1)
            return table
        if not quoted or multiline:
            break
    # threaded parsing does not number records, and may not stop at the first bad one
    _, invalid = _arrow_read(data, names, delimiter, threads=False, multiline=quoted)
    raise _ragged_error(path, data, delimiter, invalid[0], names, line_offset, first_row)


BLOCK_SIZE = 1 << 20  # Arrow's default; a record longer than a block needs bigger blocks


def _arrow_read(data: Source, names: list[str], delimiter: str, *, threads: bool,
                multiline: bool) -> tuple[pa.Table | None, list[Any]]:
    """The records as binary columns, or None and the first record with the wrong number of
    fields that Arrow met. Arrow's blocks must each hold a whole record: a record longer than
    one (a 4 MB field) fails with "straddling object", so the read is retried with blocks 8x
    larger, up to the whole file; files of short records never pay for it."""
    block = BLOCK_SIZE
    while True:
        try:
            return _arrow_read_blocks(data, names, delimiter, threads=threads, multiline=multiline,
                                      block=block)
        except pa.ArrowInvalid as exc:
            if "straddling" not in str(exc) or block > len(data):
                raise
            block = min(block * 8, len(data) + 1)


def _arrow_read_blocks(data: Source, names: list[str], delimiter: str, *, threads: bool,
                       multiline: bool, block: int) -> tuple[pa.Table | None, list[Any]]:
    invalid: list[Any] = []

    def on_invalid(row: Any) -> str:
        invalid.append(row)
        return "error"

    parse = pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                               escape_char=False, newlines_in_values=multiline,
                               ignore_empty_lines=True, invalid_row_handler=on_invalid)
    # an empty field is null; a quoted empty one (`""`) is an empty string, as Dolt reads it
    convert = pacsv.ConvertOptions(column_types={n: pa.binary() for n in names}, check_utf8=False,
                                   null_values=[""], strings_can_be_null=True,
                                   quoted_strings_can_be_null=False, auto_dict_encode=False)
    read = pacsv.ReadOptions(use_threads=threads, block_size=block)
    try:
        table = pacsv.read_csv(pa.py_buffer(data), read_options=read, parse_options=parse,
                               convert_options=convert)
    except pa.ArrowInvalid:
        if invalid:
            return None, invalid
        raise
    return table, invalid


def _ragged_error(path: Path, data: Source, delimiter: str, row: Any, names: list[str],
                  line_offset: int = 0, first_row: int = 0) -> RaggedRow:
    """A record with too few or too many fields, in Dolt's words: `people.csv, line 7: CSV
    reader expected 4 values, but saw 3. row values: '{"id": "7", ...}'`, then the values left
    over (and a hint for an unclosed quote). The error keeps the record's fields."""
    line = None
    if row.number is not None:
        lines = record_lines(data, None, delimiter)
        if lines is not None and len(lines) >= row.number:
            line = int(lines[row.number - 1]) + line_offset
    number = None if row.number is None else row.number + first_row
    where = f"{path}, line {line}" if line is not None else f"{path}, record {number}"
    hint = " (a quote that is never closed?)" if row.text.count('"') % 2 else ""
    fields = next(csv.reader([row.text], delimiter=delimiter), [])
    paired = ", ".join(f"{json.dumps(name)}: {json.dumps(fields[i] if i < len(fields) else '')}"
                       for i, name in enumerate(names))
    over = fields[len(names):]
    left = f" with the following values left over: '[{' '.join(json.dumps(v) for v in over)}]'" \
        if over else ""
    return RaggedRow(where, f"CSV reader expected {row.expected_columns} values, but saw "
                     f"{row.actual_columns}. row values: '{{{paired}}}'{left}{hint}", line, tuple(fields))


# -- typing the columns -------------------------------------------------------------------------
# Each column is typed in two halves on a thread pool (Arrow's kernels release the GIL), as
# Arrow's own reader converts blocks in parallel. Inference is deterministic and monotone: if
# both halves get the same type, so would the whole column; if not, the column is redone whole.

PARALLEL_ROWS = 100_000


def _halves(col: pa.ChunkedArray) -> list[tuple[int, pa.ChunkedArray]]:
    if len(col) < PARALLEL_ROWS:
        return [(0, col)]
    middle = len(col) // 2
    return [(0, col.slice(0, middle)), (middle, col.slice(middle))]


def _target(path: Path, name: str, schema: pa.Schema | None) -> pa.DataType | None:
    target = schema.field(name).type if schema is not None else None
    if target is not None and not text_can_hold(target):
        raise InputError(f"{path}: column {name} is {type_name(target)}, which a CSV field "
                         f"cannot hold; import it from Parquet or JSON", column=name)
    return target


def _convert(raw: pa.ChunkedArray, target: pa.DataType | None) -> pa.ChunkedArray:
    """Binary fields typed: inferred, or cast to `target`; BadValue names the first bad one."""
    return infer_text(raw) if target is None else cast_text(raw, target, csv_nulls=True)


def _joined(where: Where, name: str, raw: pa.ChunkedArray, schema: pa.Schema | None,
            parts: list[tuple[int, Future[pa.ChunkedArray]]]) -> pa.ChunkedArray:
    """The typed halves of one column as one column; errors named by line."""
    typed: list[pa.ChunkedArray] = []
    for start, future in parts:
        try:
            typed.append(future.result())
        except BadValue as bad:
            bad.index += start
            raise where.value_error(name, bad, _type_of(schema, name)) from None
    if len({part.type for part in typed}) == 1:
        return pa.chunked_array([c for part in typed for c in part.chunks], type=typed[0].type)
    try:
        return _convert(raw, None if schema is None else schema.field(name).type)
    except BadValue as bad:
        raise where.value_error(name, bad, _type_of(schema, name)) from None


def _type_of(schema: pa.Schema | None, name: str) -> pa.DataType | None:
    return schema.field(name).type if schema is not None else None
