"""The source line on which each CSV record starts, so errors and duplicate keys can name it.

Arrow's CSV reader does not report line numbers, and a record is not a line: quoted fields may
hold newlines, and blank lines are skipped. This module recovers them, cheapest way first:

- Counting: a record spans at least one line and blank lines add more, so a file with as many
  `\\n`-terminated lines as Arrow found records has one record per line, quoted or not (~4 ms
  per 35 MB to count; the counting runs while Arrow parses).
- From the values (`lines_from_values`): each row spans one line more per newline inside its
  values; if the spans add up to the file's line count, no blank line hides anywhere and the
  rows' lines follow (~5 ms per 33 MB of values).
- Vectorized, from the raw bytes (blank lines, `\\r` line ends): line starts from the newline
  positions (`\\n`, `\\r\\n` or a lone `\\r`); a line starts a record unless it is blank or
  begins inside a quoted field, which is when an odd number of quote characters precede it (a
  doubled `""` inside a field adds two). ~40 ms per 35 MB, ~90 ms when every field is quoted.
- Exact path: the quote-parity rule holds only if every quote opens a field, closes one, or is
  doubled. A stray quote inside an unquoted field (`5"2`) breaks it, as does any disagreement with
  Arrow's record count; then Python's csv module, which splits records as Arrow does, counts the
  lines one record at a time (about 1 s per million rows, only on such files).
"""
from __future__ import annotations

import csv
import io

import numpy as np
import pyarrow as pa
from dl.core.io.formats import Source

QUOTE = ord('"')


def record_lines(data: Source, records: int | None, delimiter: str,
                 line_count: int | None = None) -> np.ndarray | None:
    """1-based start line of each record (header included) in CSV `data`.

    `records` is how many Arrow found; None if unknown (a ragged file), which skips the fast path
    and the check. `line_count` is `count_lines(data)` if already known (it can run while Arrow
    parses). None if the lines cannot be matched to the records (callers then name rows by
    number)."""
    counted = line_count if line_count is not None or records is None else count_lines(data)
    if records is not None and counted == records:
        return np.arange(1, records + 1, dtype=np.int64)
    lines = _vectorized(data, delimiter, data.find(b'"') >= 0)
    if lines is None or (records is not None and len(lines) != records):
        lines = _exact(data, delimiter)
    return lines if records is None or len(lines) == records else None


def lines_from_values(table: pa.Table, header_end: int,
                      line_count: int | None) -> np.ndarray | None:
    """Start lines of the rows of `table` (binary columns as Arrow split them) from the newlines
    inside their values: each row spans one line more per newline it holds.

    Valid when the lines add up to the file's `line_count` (so no blank line hides anywhere);
    None otherwise. Scans only the values' bytes, ~5 ms per 33 MB, however many are quoted."""
    if line_count is None or table.num_rows == 0:
        return None
    spans = np.ones(table.num_rows, dtype=np.int64)
    for column in table.columns:
        first = 0
        for chunk in column.chunks:
            _add_newlines(spans[first:first + len(chunk)], chunk)
            first += len(chunk)
    if header_end + int(spans.sum()) != line_count:
        return None
    before = np.concatenate([np.zeros(1, np.int64), np.cumsum(spans[:-1])])
    starts: np.ndarray = header_end + 1 + before
    return starts


def _add_newlines(spans: np.ndarray, chunk: pa.Array) -> None:
    """Adds to each value's span the `\\n` bytes it holds."""
    buffers = chunk.buffers()
    if len(chunk) == 0 or buffers[2] is None:
        return
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[chunk.offset:chunk.offset + len(chunk) + 1]
    values = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    hits = _positions(values, ord("\n")) + offsets[0]
    if hits.size:
        np.add.at(spans, np.searchsorted(offsets, hits, side="right") - 1, 1)


def count_lines(data: Source) -> int | None:
    """Lines ending in `\n` (or the end of the file); None if a lone `\r` also ends lines.

    One pass in 1 MB blocks (cache-sized, no file-sized temporary array): ~4 ms per 35 MB."""
    arr = np.frombuffer(data, dtype=np.uint8)
    block, newlines, lone_cr = 1 << 20, 0, 0
    for start in range(0, arr.size, block):
        part = arr[start:start + block + 1]  # one byte more, to see what follows a \r
        newlines += int(np.count_nonzero(part[:block] == ord("\n")))
        cr = part[:block] == ord("\r")
        if cr.any():
            after = np.append(part[1:], np.uint8(0))[:cr.size]
            lone_cr += int(np.count_nonzero(cr & (after != ord("\n"))))
    if lone_cr:
        return None
    return newlines + (0 if data[-1:] == b"\n" else 1)


def _positions(arr: np.ndarray, byte: int) -> np.ndarray:
    """Offsets of `byte` in `arr`, found in 1 MB blocks (no file-sized temporary array)."""
    block = 1 << 20
    found = [np.flatnonzero(arr[i:i + block] == byte) + i for i in range(0, arr.size, block)]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _line_starts(data: Source, arr: np.ndarray) -> np.ndarray:
    """Offsets at which lines start: after each `\\n`, and after each `\\r` not followed by one."""
    ends = _positions(arr, ord("\n"))
    if data.find(b"\r") >= 0:
        cr = _positions(arr, ord("\r"))
        after = arr[np.minimum(cr + 1, arr.size - 1)]
        lone = cr[(cr + 1 >= arr.size) | (after != ord("\n"))]
        ends = np.sort(np.concatenate([ends, lone]))
    starts = np.concatenate([np.zeros(1, dtype=np.int64), ends + 1])
    return starts[starts < arr.size]


def _vectorized(data: Source, delimiter: str, has_quotes: bool) -> np.ndarray | None:
    """Record start lines by quote parity; None when a quote is in a place that breaks the rule."""
    arr = np.frombuffer(data, dtype=np.uint8)
    starts = _line_starts(data, arr)
    numbers = np.arange(1, starts.size + 1, dtype=np.int64)
    first = arr[starts]
    keep = (first != ord("\n")) & (first != ord("\r"))
    if has_quotes:
        quotes = _positions(arr, QUOTE)
        if not quotes_well_placed(arr, quotes, ord(delimiter)):
            return None
        keep &= (np.searchsorted(quotes, starts) & 1) == 0
    kept: np.ndarray = numbers[keep]
    return kept


def quotes_well_placed(arr: np.ndarray, quotes: np.ndarray, delimiter: int) -> bool:
    """Every quote opens a field (after a delimiter, newline or the start), closes one (before a
    delimiter, newline or the end), or is next to another quote (`""`)."""
    before = np.take(arr, quotes - 1, mode="clip")
    after = np.take(arr, quotes + 1, mode="clip")
    if quotes.size and quotes[0] == 0:
        before[0] = ord("\n")  # the start of the file opens a field
    if quotes.size and quotes[-1] == arr.size - 1:
        after[-1] = ord("\n")
    return bool(np.all(_boundary(before, delimiter) | _boundary(after, delimiter)))


def _boundary(codes: np.ndarray, delimiter: int) -> np.ndarray:
    ok: np.ndarray = ((codes == delimiter) | (codes == ord("\n")) | (codes == ord("\r"))
                      | (codes == QUOTE))
    return ok


def _exact(data: Source, delimiter: str) -> np.ndarray:
    """Record start lines by Python's csv module, which splits records as Arrow does."""
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="surrogateescape",
                            newline="")
    reader = csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    starts: list[int] = []
    previous = 0
    try:
        for row in reader:
            if row:
                starts.append(previous + 1)
            previous = reader.line_num
    except csv.Error:  # a field over the csv module's size limit, say: no line numbers then
        return np.zeros(0, dtype=np.int64)
    return np.asarray(starts, dtype=np.int64)
