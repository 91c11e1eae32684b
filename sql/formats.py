"""Result sets as text: CSV, JSON (Dolt's `{"rows": [...]}`), MySQL-style boxes, vertical.

Plain functions from Arrow tables to strings, shared by the CLI and notebook users; rich
rendering for terminals lives in `dl/`. CSV is RFC 4180 with a header line, NULL as an empty
field, an empty string as `""` (so that the two read back apart, as in Dolt), binary values as
their raw bytes (as Dolt writes them; tabular text shows them as `0x...`) and strings quoted
only when needed; the body is written by Arrow's CSV writer (fast for large results),
falling back to Python for types it cannot write.
"""
from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from dl.sql.cell_text import BoxWriter, cell_text, csv_field, display_width, json_value, vertical_rows

__all__ = ["BoxWriter", "cell_text", "csv_field", "display_width", "json_value", "json_items", "text_rows",
           "to_box", "to_csv", "to_json", "to_parquet", "to_vertical"]


def to_csv(table: pa.Table, header: bool = True) -> str:
    """CSV with a header line (without it, with `header=False`: a later batch of a stream)."""
    out = io.StringIO()
    if header:
        csv.writer(out, lineterminator="\n").writerow(table.column_names)
    if table.num_rows == 0:
        return out.getvalue()
    if not _needs_quotes(table):
        try:
            body = io.BytesIO()
            pacsv.write_csv(_empty_strings_quoted(table), body,
                            pacsv.WriteOptions(include_header=False, quoting_style="none"))
            return out.getvalue() + body.getvalue().decode()
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            pass
    for row in _rows(table):
        out.write(",".join(csv_field(v) for v in row) + "\n")
    return out.getvalue()


def _empty_strings_quoted(table: pa.Table) -> pa.Table:
    """Text columns with each empty string written as `""` (the unquoted writer copies it)."""
    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column = pc.if_else(pc.equal(column, ""), '""', column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def _needs_quotes(table: pa.Table) -> bool:
    """Whether any text value holds a delimiter, quote or line break (Arrow's writer would
    then quote every string; Python's csv quotes only those values)."""
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            if pc.any(pc.match_substring_regex(column, r'[,"\r\n]')).as_py():
                return True
        elif not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)
                  or pa.types.is_boolean(column.type) or pa.types.is_temporal(column.type)
                  or pa.types.is_decimal(column.type)):
            return True
    return False


def json_items(table: pa.Table) -> str:
    """The rows of `to_json(table)` without the wrapper around them, so that a streamed result
    (`{"rows": [` + items of each batch joined by `, ` + `]}`) is the same text as a whole one."""
    text = to_json(table)
    return text[len(_JSON_HEAD):-len(_JSON_TAIL)]


_JSON_HEAD, _JSON_TAIL = '{"rows": [', "]}"


def to_json(table: pa.Table) -> str:
    """Dolt's JSON result shape: {"rows": [{column: value, ...}, ...]}. NaN and infinities are
    null, as `dl table export` writes them: JSON has no such numbers, and `NaN` would make the
    whole output unreadable to a JSON parser."""
    rows = _finite(table).to_pylist()
    if any(_holds_float(f.type) for f in table.schema if not pa.types.is_floating(f.type)):
        rows = [_finite_value(row) for row in rows]  # floats inside lists and structs
    return json.dumps({"rows": rows}, default=json_value, ensure_ascii=False, allow_nan=False)


def _finite(table: pa.Table) -> pa.Table:
    """Top-level float columns with NaN and infinities as null (vectorized)."""
    columns = [pc.if_else(pc.is_finite(c), c, pa.scalar(None, c.type)) if pa.types.is_floating(c.type) else c
               for c in table.columns]
    return pa.table(columns, names=table.column_names)


def _holds_float(kind: pa.DataType) -> bool:
    if pa.types.is_floating(kind):
        return True
    return any(_holds_float(kind.field(i).type) for i in range(kind.num_fields))


def _finite_value(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite_value(v) for v in value]
    return value


def _rows(table: pa.Table | pa.RecordBatch) -> list[tuple[Any, ...]]:
    columns = [c.to_pylist() for c in table.columns]
    return list(zip(*columns)) if columns else []


def to_box(table: pa.Table) -> str:
    """A MySQL/Dolt-style ASCII table, the one style of every table dl prints (`dl sql`,
    `dl diff`, `dl blame`), aligned by display width (CJK characters take two columns)."""
    out: list[str] = []
    box = BoxWriter(table.column_names, out.append)
    box.rows(text_rows(table))
    box.close()
    return "".join(out)


def text_rows(table: pa.Table | pa.RecordBatch) -> list[list[str]]:
    """The cells of `table` as tabular output shows them; a millisecond timestamp (a commit
    time: Dolt's DATETIME(3)) with its three digits, as MySQL shows DATETIME(3)."""
    if any(_millis(f.type) for f in table.schema):
        table = pa.table([pc.cast(c, pa.string()) if _millis(c.type) else c for c in table.columns],
                         names=table.column_names)
    return [[cell_text(v) for v in row] for row in _rows(table)]


def _millis(kind: pa.DataType) -> bool:
    return bool(pa.types.is_timestamp(kind) and kind.unit == "ms" and kind.tz is None)


def to_vertical(table: pa.Table | pa.RecordBatch, first: int = 1) -> str:
    """One block per row, `column: value` lines (MySQL's \\G); rows numbered from `first`."""
    return vertical_rows(table.column_names, [tuple(cells) for cells in text_rows(table)], first)


def to_parquet(table: pa.Table, sink: Any) -> None:
    """Writes `table` as Parquet to a path or a binary file object."""
    import pyarrow.parquet as pq
    pq.write_table(table, sink)


FORMATS = ("tabular", "csv", "json", "vertical", "parquet")
