"""Column names for a delimited text file given by the user: `--columns` and `--no-header`.

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
