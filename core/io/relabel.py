"""Column names for a delimited text file given by the user (`--columns`, `--no-header`, a
name map), UTF-16 files made UTF-8, and a delimiter of several characters (`--delim="||"`)
made one: copies of a file that the readers can read.

Dolt's `table import --no-header --columns a,b,c` reads a CSV whose first line is data, naming
its columns from the flag; `--columns` alone renames the columns of a file that has a header
(its first record is skipped). The strict CSV reader (`core.io.csv`) knows one shape of file, a
header line and records; so rather than teach every reader path (whole file, streamed parts,
pipes) a second shape, the file is copied once, behind a header line written from the names,
into a temporary file (removed after the import). The copy costs one sequential pass over the
bytes; line numbers in errors count the written header line (with --no-header, line 2 of the
copy is line 1 of the user's file).
"""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dl.core.errors import InputError

TEXT_KINDS = ("csv", "tsv", "psv")


def parse_columns(spec: str) -> list[str]:
    """`a,b,c` as a list of names; empty or repeated names are refused."""
    names = [name.strip() for name in spec.split(",")]
    if not all(names):
        raise InputError(f"--columns {spec!r} names an empty column")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InputError(f"--columns names column {repeated[0]!r} twice")
    return names


@contextmanager
def relabeled(path: Path, kind: str, delimiter: str, columns: list[str] | None,
              has_header: bool) -> Iterator[Path]:
    """`path` with the header `columns` (a temporary copy), or `path` itself when nothing changes.

    `has_header` False: every line of the file is data. True with `columns`: the file's own
    header record is replaced."""
    if columns is None and has_header:
        yield path
        return
    if kind not in TEXT_KINDS:
        raise InputError(f"--columns and --no-header apply to csv, tsv and psv files, not {kind}")
    if columns is None:
        raise InputError("give the column names with --columns")
    fd, name = tempfile.mkstemp(prefix="dl-import-", suffix=f".{kind}")
    try:
        with os.fdopen(fd, "wb") as out, open(path, "rb") as source:
            out.write(_header_line(columns, delimiter))
            if has_header:
                _skip_header(path, source, delimiter)
            shutil.copyfileobj(source, out, 1 << 20)
        yield Path(name)
    finally:
        os.unlink(name)


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@contextmanager
def as_utf8(path: Path) -> Iterator[Path]:
    """`path`, or a UTF-8 copy of it when it opens with a UTF-16 byte-order mark (Dolt reads
    UTF-16 files with a BOM; dl's readers read UTF-8). The copy is decoded in blocks and removed
    afterwards; a file that is not valid UTF-16 is refused with its name."""
    if not path.is_file():  # a pipe (standard input) cannot be read twice: it is taken as it is
        yield path
        return
    try:
        with open(path, "rb") as probe:
            start = probe.read(2)
    except OSError:
        yield path  # the reader says what is wrong with the file
        return
    if start not in UTF16_BOMS:
        yield path
        return
    fd, name = tempfile.mkstemp(prefix="dl-import-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out, \
                open(path, encoding="utf-16", newline="") as source:
            shutil.copyfileobj(source, out, 1 << 20)
        yield Path(name)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not valid UTF-16 after its byte-order mark ({exc.reason})") from None
    finally:
        os.unlink(name)


SEPARATORS = ("\x1f", "\x1e", "\x1d", "\x1c", "\x01", "\x02", "\x03")  # ASCII's own separators first


@contextmanager
def one_char_delimiter(path: Path, delimiter: str | None) -> Iterator[tuple[Path, str | None]]:
    """`path` and `delimiter`, or, for a delimiter of several characters (Dolt reads `||`;
    Arrow's reader takes one byte), a copy of the file with each delimiter outside a quoted
    field replaced by a control character the file does not hold, and that character. A
    quoted field opens only at the start of a field, as the readers read it, so the
    delimiter inside one stays text. The copy is removed afterwards."""
    if delimiter is None or len(delimiter) <= 1 or delimiter in ("\\t", "tab"):
        yield path, delimiter
        return
    if any(c in delimiter for c in '"\r\n'):
        raise InputError(f"invalid delimiter {delimiter!r}: it may not hold a quote or a line break")
    data = path.read_bytes()
    separator = next((c for c in SEPARATORS if c.encode() not in data), None)
    if separator is None:
        raise InputError(f"{path}: --delim {delimiter!r}: the file holds every control character "
                         f"dl could read it with")
    fd, name = tempfile.mkstemp(prefix="dl-import-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(_replaced_delimiters(data, delimiter.encode(), separator.encode()))
        yield Path(name), separator
    finally:
        os.unlink(name)


def _replaced_delimiters(data: bytes, delimiter: bytes, separator: bytes) -> bytes:
    if b'"' not in data:  # the usual file: one pass at memory speed
        return data.replace(delimiter, separator)
    field_start = rb"(?:^|(?<=\n)|(?<=" + re.escape(delimiter) + rb"))"
    pattern = re.compile(field_start + rb'("(?:[^"]|"")*")|' + re.escape(delimiter), re.MULTILINE)
    return pattern.sub(lambda m: m.group(1) if m.group(1) is not None else separator, data)


def mapped_names(path: Path, delimiter: str, map_file: Path) -> list[str]:
    """The header of `path` renamed by a name map (`table import -m`): a JSON object from the
    file's column names to the table's, as Dolt reads it. Names it does not mention stay;
    entries for columns the file lacks are ignored."""
    import json

    from dl.core.io.csv import header_end
    try:
        mapping = json.loads(map_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"name map file not found: {map_file}") from None
    except (ValueError, OSError) as exc:
        raise InputError(f"{map_file}: not a JSON name map ({exc})") from None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise InputError(f"{map_file}: a name map is a JSON object of column names to names")
    with open(path, "rb") as source:
        head = source.read(1 << 20)
    found = header_end(path, head, delimiter) if head.strip() else None
    if found is None:
        raise InputError(f"{path}: no header line to apply the name map {map_file} to")
    return [mapping.get(name, name) for name in found[0]]


def _header_line(columns: list[str], delimiter: str) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\n").writerow(columns)
    return text.getvalue().encode("utf-8")


def _skip_header(path: Path, source: io.BufferedReader, delimiter: str) -> None:
    """Moves `source` past the file's header record (which may span lines inside quotes)."""
    from dl.core.io.csv import header_end
    head = source.read(1 << 20)
    found = header_end(path, head, delimiter) if head.strip() else None
    if found is None:
        newline = head.find(b"\n")
        source.seek(len(head) if newline < 0 else newline + 1)
        return
    source.seek(found[2])
