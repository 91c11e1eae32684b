"""Data made safe to print: the one helper every renderer calls where stored text meets a terminal.

Commit messages, author names, table names and cells are data from whoever made the repository
(a clone brings someone else's). Printed raw, an ESC sequence in them can recolour, retitle or
rewrite the terminal, a carriage return or newline can forge lines in `dl log`, and Unicode
direction overrides can make text read other than it is. So every human-readable renderer (log,
show, status, branch and tag lists, diffs, blame, `dl sql` tables and vertical output, errors)
passes data through `printable` (one string) or `printable_table` (an Arrow result), which
write each such character as a visible escape: `\\n`, `\\r`, `\\t`, `\\x1b`, `\\u202e`. One exception:
`dl sql`'s boxes keep a cell's line breaks (`printable_cell`) and draw its lines one under the
other inside the cell's column, as Dolt does (a CREATE TABLE text reads as in a file); the box's
own borders frame every such line, so it cannot pass for a line of dl's own. dl's own
colours are added after escaping, so they still work. Machine formats (CSV, JSON, Parquet, SQL)
carry the data unchanged: JSON escapes control characters itself, and the others are files.

Tables are checked column by column with one vectorized regex match (Arrow); only a column that
holds such a character is escaped value by value.
"""
from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

# C0 controls, DEL, C1 controls, the bidirectional embeddings/overrides/isolates, line and
# paragraph separators; the tab is a group of its own so that messages may keep it
_RANGES = r"\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[{_RANGES}]")
_UNSAFE_OR_TAB = re.compile(f"[\t{_RANGES}]")
# the same class in RE2 syntax, for pyarrow.compute
_UNSAFE_RE2 = (r"[\t\x00-\x08\x0a-\x1f\x7f-\x{9f}\x{2028}\x{2029}\x{202a}-\x{202e}\x{2066}-\x{2069}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# the same without the newline, for cells a box draws over several lines
_BUT_NEWLINE = r"\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE_BUT_NEWLINE = re.compile(f"[{_BUT_NEWLINE}]")
_UNSAFE_BUT_NEWLINE_RE2 = r"[\x00-\x09\x0b-\x1f\x7f-\x{9f}\x{2028}\x{2029}\x{202a}-\x{202e}\x{2066}-\x{2069}]"


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, keep_tabs: bool = False) -> str:
    """`text` with control and direction-changing characters written as visible escapes
    (tabs kept with `keep_tabs`, e.g. inside a commit message's lines)."""
    pattern = _UNSAFE if keep_tabs else _UNSAFE_OR_TAB
    if not pattern.search(text):
        return text
    return pattern.sub(_escape, text)


def printable_lines(text: str) -> list[str]:
    """A multi-line text (a commit message) as its lines, each made `printable` (tabs kept);
    only `\\n` and `\\r\\n` end a line, so other separators show as escapes."""
    return [printable(line, keep_tabs=True) for line in text.replace("\r\n", "\n").split("\n")]


def printable_cell(text: str) -> str:
    """A cell's text for a box that draws a cell's lines one under the other, as Dolt's tables
    do (a CREATE TABLE text reads as it would in a file): `printable`, but `\\n` kept, so the
    line breaks stay inside the cell's column and can move no cursor."""
    if not _UNSAFE_BUT_NEWLINE.search(text):
        return text
    return _UNSAFE_BUT_NEWLINE.sub(_escape, text.replace("\r\n", "\n"))


def printable_table(table: pa.Table, *, keep_newlines: bool = False) -> pa.Table:
    """`table` with every text cell and column name made `printable` (see the module docstring);
    with `keep_newlines`, cells keep their line breaks (`printable_cell`), for a box."""
    import pyarrow as pa
    import pyarrow.compute as pc

    pattern, escape = (_UNSAFE_BUT_NEWLINE_RE2, printable_cell) if keep_newlines else (_UNSAFE_RE2, printable)
    names = [printable(n) for n in table.column_names]
    columns = []
    for column in table.columns:
        kind = column.type
        if pa.types.is_dictionary(kind) and _is_text(kind.value_type):
            column, kind = column.cast(kind.value_type), kind.value_type
        if _is_text(kind) and column.null_count < len(column) and \
                pc.any(pc.match_substring_regex(column, pattern)).as_py():
            column = pa.chunked_array([pa.array([None if v is None else escape(v) for v in column.to_pylist()],
                                                pa.string())])
        columns.append(column)
    return pa.table(columns, names=names)


def _is_text(kind: pa.DataType) -> bool:
    import pyarrow as pa
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind))


def raw_bytes_stdout() -> None:
    """stdout writes surrogate escapes as the bytes they stand for: binary values in CSV
    output are their raw bytes (`dl.sql.cell_text.raw_bytes`), as Dolt prints them."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="surrogateescape")
        except (ValueError, OSError):
            pass
