"""Leading whitespace in CSV fields, read as Dolt reads it: an unquoted field loses the spaces
and tabs it starts with, and one of only whitespace is an empty field, so NULL. A quoted field
keeps every character (`" x"` is " x").

Dolt's reader trims each field's start before it looks for a quote; exported files quote any
value that starts with a space for that reason (`core.io.csv_fields`), so they read back the
same. Arrow splits records without trimming and without saying which fields were quoted, so
the trim happens here, on the binary columns, vectorized. Whether a field that starts with
whitespace was quoted can only be seen in the file: if no quote in it is followed by a space
or a tab, none was, and every such value is trimmed. Otherwise the file's records are walked
once more (`_starts_quoted`, a regex match per field) to learn which fields were quoted; the
case is rare (a quoted value that starts with whitespace, as dl's own export writes one).
"""
from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dl.core.io.formats import Source

_LEADING = "^[ \t\v\f]+"
_QUOTED_SPACE = re.compile(rb'"[ \t]')


def trim_leading_space(table: pa.Table, data: Source, delimiter: str) -> pa.Table:
    """`table` (binary columns, as Arrow split `data`) with its unquoted fields' leading
    whitespace removed, and whitespace-only unquoted fields made null."""
    pattern = _LEADING.replace("\t", "") if delimiter == "\t" else _LEADING
    if not _may_have_leading_space(data, delimiter):
        return table
    starts = [pc.match_substring_regex(col, pattern) for col in table.columns]
    hit = [bool(pc.any(s).as_py()) for s in starts]
    if not any(hit):
        return table
    if _QUOTED_SPACE.search(data) is not None:
        return _trimmed_where_unquoted(table, data, delimiter, pattern, starts, hit)
    columns = [_trimmed(col, start, pattern) if h else col
               for col, start, h in zip(table.columns, starts, hit)]
    return pa.table(columns, names=table.column_names)


def _may_have_leading_space(data: Source, delimiter: str) -> bool:
    """Whether any field could start with a space or a tab (one follows a delimiter or a line
    break): a quick scan that spares the regex over every column for the files, nearly all,
    where none does. `find` of one byte runs at memchr speed; only a file holding spaces is
    looked at further, vectorized (a two-byte `find` costs ~100 ms per 33 MB)."""
    codes = None
    for space in (b" ",) if delimiter == "\t" else (b" ", b"\t"):
        if data.find(space) < 0:
            continue
        codes = np.frombuffer(data, dtype=np.uint8) if codes is None else codes
        at = np.flatnonzero(codes == space[0])
        before = codes[at[at > 0] - 1]
        if bool(np.any((before == ord(delimiter)) | (before == 10))):
            return True
    return False


def _trimmed(col: pa.ChunkedArray, start: pa.ChunkedArray, pattern: str) -> pa.ChunkedArray:
    """The values where `start` is set trimmed, null if nothing is left; the others as read."""
    out = pc.replace_substring_regex(col, pattern, "")
    out = pc.if_else(pc.equal(out, b""), pa.scalar(None, col.type), out)
    return pc.if_else(start, out, col)


def _trimmed_where_unquoted(table: pa.Table, data: Source, delimiter: str, pattern: str,
                            starts: list[pa.ChunkedArray], hit: list[bool]) -> pa.Table:
    """`trim_leading_space` for a file where some quoted field may start with whitespace: the
    values that start with whitespace are trimmed only where the file did not quote them."""
    quoted = np.asarray(_starts_quoted(data, delimiter)[1:], dtype=object)  # without the header
    columns = []
    for i, col in enumerate(table.columns):
        if not hit[i]:
            columns.append(col)
            continue
        start = starts[i].to_numpy(zero_copy_only=False) == True  # noqa: E712 (nulls are None)
        rows = np.flatnonzero(start)
        was_quoted = np.array([i < len(quoted[r]) and quoted[r][i] for r in rows.tolist()], bool)
        mask = np.zeros(len(col), bool)
        mask[rows[~was_quoted]] = True
        columns.append(_trimmed(col, pa.chunked_array([pa.array(mask)]), pattern))
    return pa.table(columns, names=table.column_names)


def _starts_quoted(data: Source, delimiter: str) -> list[list[bool]]:
    """Per record of `data` (blank lines skipped, as Arrow skips them), whether each field
    starts with a quote, read as Arrow reads: a quote opens a field only at its start, `""`
    inside one is a quote."""
    sep = delimiter.encode()
    quoted = re.compile(rb'"(?:[^"]|"")*"')
    rest = re.compile(rb"[^" + re.escape(sep) + rb"\n]*")
    records: list[list[bool]] = []
    fields: list[bool] = []
    position, end = 0, len(data)
    while position < end:
        found = quoted.match(data, position)
        fields.append(found is not None)
        position = rest.match(data, found.end() if found else position).end()  # type: ignore[union-attr]
        if position < end and data[position:position + 1] == sep:
            position += 1
            continue
        position += 1
        if fields != [False] or _line_has_text(data, position):
            records.append(fields)
        fields = []
    return records


def _line_has_text(data: Source, after: int) -> bool:
    """Whether the line that ended just before `after` held more than a line break."""
    line_start = data.rfind(b"\n", 0, max(after - 1, 0)) + 1
    return bool(data[line_start:after].strip(b"\r\n"))
