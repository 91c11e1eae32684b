"""What every reader and writer shares: format names, the result of a read, file access, and
where a row came from.

Owns the mapping from file names to formats (`detect_format`), the `ReadResult` value, reading
or memory-mapping a source file with one-line errors (a missing file is `NotFound`, a directory,
a device or an unreadable file an `InputError`; a pipe is read as a stream, see `streams`), and `Where`, which names a row in messages: `line 12`
for text formats, whose readers keep each row's 1-based source line, or `row 12` where there are
no lines (Parquet) or they could not be counted.
"""
from __future__ import annotations

import mmap
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
from dl.core.errors import InputError, InvalidText, RefusedValue
from dl.core.io.convert import BadText, BadValue, show
from dl.core.io.streams import check_input, is_stream, read_stream

FORMATS = ("csv", "tsv", "psv", "parquet", "json", "jsonl")
TEXT_DELIMITERS = {"csv": ",", "tsv": "\t", "psv": "|"}

_EXTENSIONS = {
    ".csv": "csv", ".tsv": "tsv", ".psv": "psv", ".parquet": "parquet", ".pq": "parquet",
    ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
}
_ALIASES = {"ndjson": "jsonl", "pq": "parquet"}

Source = bytes | mmap.mmap
"""A file's bytes, read or memory-mapped."""


@dataclass(frozen=True)
class ReadResult:
    """A table read from a file, and the 1-based source line of each row (None for Parquet)."""

    table: pa.Table
    line_numbers: np.ndarray | None


def detect_format(path: str | Path, file_type: str | None = None) -> str:
    """The format of `path`: `file_type` if given, else from the extension; one of FORMATS."""
    if file_type is not None:
        kind = _ALIASES.get(file_type.lower().lstrip("."), file_type.lower().lstrip("."))
        if kind not in FORMATS:
            raise InputError(f"unknown file type {file_type!r}: use one of {', '.join(FORMATS)}")
        return kind
    suffix = Path(path).suffix.lower()
    if suffix not in _EXTENSIONS:
        shown = f"extension {suffix!r}" if suffix else "no extension"
        raise InputError(f"cannot tell the format of {path} ({shown}): name it .csv, .tsv, .psv, "
                         f".parquet, .json or .jsonl, or give the file type")
    return _EXTENSIONS[suffix]


def text_delimiter(kind: str, delimiter: str | None) -> str:
    """The field delimiter for a text format: the format's own unless one is given."""
    if delimiter is None:
        return TEXT_DELIMITERS[kind]
    if delimiter in ("\\t", "tab"):
        return "\t"
    if len(delimiter) != 1 or delimiter in ('"', "\n", "\r"):
        raise InputError(f"invalid delimiter {delimiter!r}: give one character other than a quote "
                         f"or a newline")
    return delimiter


def check_readable(path: Path, *, streams: bool = True, what: str = "a table file") -> None:
    """Fails with one line if `path` is missing, or neither a regular file nor (with `streams`)
    a pipe."""
    check_input(path, what, streams=streams)


def map_source(path: Path) -> Source:
    """The bytes of `path`, memory-mapped: no copy of a large file, pages shared with the OS
    cache (an empty file, which cannot be mapped, is b"")."""
    check_readable(path)
    if is_stream(path):
        return read_stream(path, text=True)
    try:
        with open(path, "rb") as file:
            if os.fstat(file.fileno()).st_size == 0:
                return b""
            return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    except PermissionError:
        raise InputError(f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def read_source(path: Path) -> bytes:
    """The bytes of `path`, with file-system failures as one-line errors."""
    check_readable(path)
    if is_stream(path):
        return read_stream(path, text=True)
    try:
        return path.read_bytes()
    except PermissionError:
        raise InputError(f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


@dataclass(frozen=True)
class Where:
    """Names rows of one file in messages: by source line when known, else by row number."""

    path: Path
    lines: np.ndarray | None
    first_row: int = 0  # rows of the file before these (a streamed part's offset)

    def line(self, index: int) -> int | None:
        """The source line of row `index` (0-based), if known."""
        return int(self.lines[index]) if self.lines is not None else None

    def row(self, index: int) -> str:
        """`people.csv, line 12` or `people.parquet, row 12`."""
        line = self.line(index)
        return f"{self.path}, line {line}" if line is not None else f"{self.path}, row {self.first_row + index + 1}"

    def error(self, index: int, column: str, problem: str) -> InputError:
        """`people.csv, line 12, column age: 'x' is not a valid int64` as an InputError."""
        return InputError(f"{self.row(index)}, column {column}: {problem}",
                          line=self.line(index), column=column)

    def value_error(self, column: str, bad: BadValue, target: pa.DataType | None = None) -> InputError:
        """`error` for a value a reader refused: text that is not UTF-8 stays `InvalidText`; a
        value a numeric column (`target`) cannot read is a `RefusedValue` with the zero."""
        problem = f"{show(bad.value)} {bad.reason}"
        where = f"{self.row(bad.index)}, column {column}: {problem}"
        if isinstance(bad, BadText) and isinstance(bad.value, bytes):
            return InvalidText(where, self.line(bad.index), column, bad.value, bad.valid)
        if target is not None and (pa.types.is_integer(target) or pa.types.is_floating(target)
                                   or pa.types.is_decimal(target)):
            return RefusedValue(where, self.line(bad.index), column, "0")
        return self.error(bad.index, column, problem)


def check_known(path: Path, names: list[str], schema: pa.Schema, line: int | None = None) -> None:
    """Every column of the file must be a column of the schema; the strays are named, the
    first in Dolt's words."""
    unknown = [n for n in names if schema.get_field_index(n) < 0]
    if unknown:
        strays = ", ".join(repr(n) for n in unknown[1:])
        others = f"also not in the table: {strays}; " if strays else ""
        where = f"{path}, line {line}" if line is not None else str(path)
        raise InputError(f"{where}: An error occurred while moving data; cause: column {unknown[0]} "
                         f"not found in schema ({others}the table's columns: {', '.join(schema.names)})",
                         line=line, column=unknown[0])
