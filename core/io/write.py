"""Table files out, for `dl table export`: atomically, in every format `read_table_file` reads.

A target that exists must be a regular file (or a link to one): a device (`/dev/full`), a FIFO,
a socket or a directory is refused rather than replaced by a regular file, and so is any path
that lies (after following links) inside `protected`, the repository's `.dl` folder.

Each writer writes a temporary file beside the target (`.name.<random>.tmp`, created with the
usual permissions), flushes it to disk and renames it over the target, so an export that fails
or is killed leaves the old file (or none), never half a file, and no temporary file behind.

Rows arrive as record batches (`write_batches`), written one at a time, so exporting a table
larger than memory holds one batch. Shapes: CSV/TSV/PSV with a header line, nulls as empty
fields, fields quoted only where needed and empty strings as `""` (as Dolt writes them: see
`csv_fields`); Parquet with zstd; JSON as Dolt writes it, `{"rows": [{...},...]}` on one line,
compact; JSON lines. In JSON, dates and times are ISO 8601 strings, a timestamp without a
zone MySQL's `2020-04-08 11:11:11` (fraction only when not zero), decimals are
strings (exact), binary is base64, and NaN and infinities are null (JSON has no such numbers).
"""
from __future__ import annotations

import base64
import contextlib
import datetime
import decimal
import json
import os
import secrets
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from dl.core.errors import InputError, NotFound
from dl.core.io.convert import ARROW_ERRORS, show, type_name
from dl.core.io.formats import TEXT_DELIMITERS, detect_format


Batches = Callable[[], Iterable[pa.RecordBatch]]
"""Rows to write: a callable giving the record batches, again on each call (CSV reads them
twice: once to see whether anything needs quoting, once to write)."""


def write_table_file(table: pa.Table, path: str | Path, *, file_type: str | None = None,
                     protected: Path | None = None) -> None:
    """Writes `table` to `path` in its format (from `file_type` or the extension), atomically;
    refuses a target that is not a regular file or lies inside `protected`."""
    write_batches(table.schema, table.to_batches, path, file_type=file_type, protected=protected)


def write_batches(schema: pa.Schema, batches: Batches, path: str | Path, *,
                  file_type: str | None = None, protected: Path | None = None) -> None:
    """Writes the rows `batches` gives to `path`, one batch at a time (an export of a table
    larger than memory holds a batch), atomically; refuses a target that is not a regular file
    or lies inside `protected` (the repository's `.dl`)."""
    path = Path(path)
    kind = detect_format(path, file_type)
    check_export_target(path, protected)
    writer = _WRITERS[kind]
    if kind in TEXT_DELIMITERS:
        _check_csv_types(schema, path)
    try:
        with _replacing(path) as temporary:
            try:
                writer(schema, batches, temporary, kind)
            except ARROW_ERRORS as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise InputError(f"cannot write {path}: {show(reason, 120)}") from None
    except OSError as exc:  # disk full, quota, permissions: the old file stays whole
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_text_file(path: Path, text: str, protected: Path | None = None) -> None:
    """Writes `text` (UTF-8) to `path` atomically, with the checks of `write_batches`."""
    check_export_target(path, protected)
    try:
        with _replacing(path) as temporary:
            temporary.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_text_pieces(path: Path, pieces: Iterable[str], protected: Path | None = None) -> None:
    """Writes the UTF-8 text `pieces` one after the other to `path` atomically (a large text in
    bounded memory), with the checks of `write_batches`."""
    check_export_target(path, protected)
    try:
        with _replacing(path) as temporary, open(temporary, "w", encoding="utf-8", newline="") as out:
            for piece in pieces:
                out.write(piece)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def check_export_target(path: Path, protected: Path | None = None) -> None:
    """Raises `InputError` unless `path` may be replaced by a written file: it does not exist or
    is a regular file, its folder exists, and it is not inside `protected` (links followed)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise InputError(f"{path} is a directory: give a file name to export to")
    if mode is not None and not stat.S_ISREG(mode):
        raise InputError(f"{path} is not a regular file (a device, FIFO or socket): "
                         "export writes regular files only")
    if not path.parent.is_dir():
        raise NotFound("directory", str(path.parent))
    check_outside(path, protected)


def check_outside(path: Path, protected: Path | None) -> None:
    """Raises `InputError` if `path` lies inside `protected` (the repository's `.dl`)."""
    if protected is not None and is_inside(path, protected):
        raise InputError(f"{path} is inside the repository's {protected.name} folder, "
                         "which only dl writes: write somewhere else")


def is_inside(path: Path, folder: Path) -> bool:
    """Whether `path` is `folder` or lies under it, once both are resolved (links followed)."""
    resolved, root = path.resolve(), folder.resolve()
    return resolved == root or root in resolved.parents


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`, renamed over it if the block succeeds, removed if not."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    try:
        yield temporary
        with open(temporary, "rb+") as done:
            os.fsync(done.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


# -- delimited text -----------------------------------------------------------------------------

def _check_csv_types(schema: pa.Schema, path: Path) -> None:
    for field in schema:
        kind = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
        if pa.types.is_nested(kind) or pa.types.is_duration(kind) or pa.types.is_interval(kind):
            raise InputError(f"cannot write {path}: column {field.name} is "
                             f"{type_name(field.type)}, which CSV cannot hold; export to Parquet "
                             f"or JSON",
                             column=field.name)


def _write_csv(schema: pa.Schema, batches: Batches, path: Path, kind: str) -> None:
    from dl.core.io.csv_fields import writable, write_fields
    delimiter = TEXT_DELIMITERS[kind]
    if writable(schema):  # Dolt's quoting, field by field
        with open(path, "wb") as out:
            write_fields(out, schema, batches(), delimiter)
        return
    if _needs_quotes(schema, batches, delimiter):
        options = pacsv.WriteOptions(include_header=True, delimiter=delimiter)
        with pacsv.CSVWriter(str(path), schema, write_options=options) as quoted:
            for batch in batches():
                quoted.write_batch(batch)
        return
    # Arrow quotes the header whatever the style: write it ourselves, then the body unquoted
    options = pacsv.WriteOptions(include_header=False, delimiter=delimiter, quoting_style="none")
    with open(path, "wb") as out:
        out.write((delimiter.join(schema.names) + "\n").encode())
        with pacsv.CSVWriter(out, schema, write_options=options) as plain:
            for batch in batches():
                plain.write_batch(batch)


def _needs_quotes(schema: pa.Schema, batches: Batches, delimiter: str) -> bool:
    """Whether any header or text value holds the delimiter, a quote or a line break; Arrow
    quotes every string when asked to quote at all, so plain files are written unquoted."""
    import re
    special = re.compile(f"[{re.escape(delimiter)}\"\r\n]")
    if any(special.search(name) for name in schema.names):
        return True
    textual = [i for i, field in enumerate(schema) if pa.types.is_string(field.type)
               or pa.types.is_large_string(field.type)]
    if any(not _plain_type(schema.field(i).type) for i in range(len(schema)) if i not in textual):
        return True  # binary and nested values: let Arrow quote
    if not textual:
        return False
    pattern = f"[{re.escape(delimiter)}\"\r\n]"
    for batch in batches():
        for i in textual:
            if pc.any(pc.match_substring_regex(batch.column(i), pattern)).as_py():
                return True
    return False


def _plain_type(kind: pa.DataType) -> bool:
    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)
                or pa.types.is_temporal(kind) or pa.types.is_decimal(kind) or pa.types.is_null(kind))


def _write_parquet(schema: pa.Schema, batches: Batches, path: Path, kind: str) -> None:
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        for batch in batches():
            writer.write_batch(batch)


# -- JSON ---------------------------------------------------------------------------------------

def _write_json(schema: pa.Schema, batches: Batches, path: Path, kind: str) -> None:
    """`{"rows": [{...},{...}]}` on one line, rows written compactly, as Dolt's `table export`
    writes it (scripts compare the file's text)."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write('{"rows": [')
        first = True
        for line in _json_rows(batches):
            if not first:
                out.write(",")
            out.write(line)
            first = False
        out.write("]}\n")


def _write_jsonl(schema: pa.Schema, batches: Batches, path: Path, kind: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        _write_lines(out, _json_rows(batches))


def _write_lines(out: IO[str], lines: Iterator[str]) -> None:
    for line in lines:
        out.write(line)
        out.write("\n")


def _json_rows(batches: Batches) -> Iterator[str]:
    """Each row as a JSON object, batch by batch, with values made JSON-ready in Arrow first."""
    for whole in batches():
        ready = _json_ready(pa.Table.from_batches([whole]))
        for batch in ready.to_batches(max_chunksize=65536):
            for row in batch.to_pylist():
                yield json.dumps(row, ensure_ascii=False, default=_json_value, separators=(",", ":"))


def _json_ready(table: pa.Table) -> pa.Table:
    """Top-level columns JSON cannot hold as they are, converted vectorized."""
    return pa.table([_json_column(c) for c in table.columns], names=table.column_names)


def _json_column(col: pa.ChunkedArray) -> pa.ChunkedArray:
    kind = col.type
    if pa.types.is_dictionary(kind):
        return _json_column(col.cast(kind.value_type))
    if pa.types.is_floating(kind):
        finite = pc.is_finite(col)
        return pc.if_else(finite, col, pa.scalar(None, kind))
    if pa.types.is_timestamp(kind) and kind.tz is None:  # MySQL's text, as Dolt writes it
        return pc.replace_substring_regex(col.cast(pa.string()), r"\.0+$", "")
    if pa.types.is_timestamp(kind):
        return pc.replace_substring(col.cast(pa.string()), " ", "T", max_replacements=1)
    if pa.types.is_date(kind) or pa.types.is_time(kind) or pa.types.is_decimal(kind):
        return col.cast(pa.string())
    return col


def _json_value(value: Any) -> Any:
    """Values inside nested columns, which `_json_ready` leaves to Python."""
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


_WRITERS: dict[str, Callable[[pa.Schema, Batches, Path, str], None]] = {
    "csv": _write_csv, "tsv": _write_csv, "psv": _write_csv, "parquet": _write_parquet,
    "json": _write_json, "jsonl": _write_jsonl,
}
