"""Result sets as text: CSV, JSON (Dolt's `{"rows": [...]}`), MySQL-style boxes, vertical.

Plain functions from Arrow tables to strings, shared by the CLI and notebook users; rich
rendering for terminals lives in `dl/`. CSV is RFC 4180 with a header line, NULL as an empty
field, an empty string as `""` (so that the two read back apart, as in Dolt) and strings
quoted only when needed; the body is written by Arrow's CSV writer (fast for large results),
falling back to Python for types it cannot write.
"""
from __future__ import annotations

import base64
import csv
import datetime
import decimal
import io
import json
import math
import unicodedata
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv


def cell_text(value: Any, null: str = "NULL") -> str:
    """One value as shown in tabular output."""
    if value is None:
        return null
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else repr(value)
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=json_value)
    return str(value)


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
        out.write(",".join(_csv_field(v) for v in row) + "\n")
    return out.getvalue()


def _csv_field(value: Any) -> str:
    """One CSV field: NULL empty, an empty string `""`, other text quoted where needed."""
    if value is None:
        return ""
    if value == "":
        return '""'
    text = _csv_cell(value)
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


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


def _csv_cell(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    return cell_text(value, null="")


def json_value(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return str(value)


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


def display_width(text: str) -> int:
    """Columns `text` takes on a terminal: East Asian wide and fullwidth characters take two,
    combining marks none (what wcwidth computes, from the standard library's tables)."""
    if text.isascii():
        return len(text)
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return width


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


class BoxWriter:
    """Writes rows as an ASCII box as they come, so a large result streams.

    The column widths are fixed by the header and the first rows given; when later rows need
    more room, a rule in the new widths is drawn and the box goes on wider (the way psql's
    FETCH_COUNT output widens from batch to batch). `style(cells)` may wrap a line (colour)."""

    def __init__(self, names: list[str], write: Callable[[str], Any],
                 style: Callable[[list[str], str], str] | None = None) -> None:
        self.names, self.write, self.style = list(names), write, style
        self.widths: list[int] | None = None

    def rows(self, rows: list[list[str]]) -> None:
        """Writes `rows` (lists of cell texts, one per column); a cell holding line breaks
        takes as many lines, the row's other cells blank below their first (Dolt's way)."""
        widths = [max([display_width(n)] + [_cell_width(r[i]) for r in rows])
                  for i, n in enumerate(self.names)]
        if self.widths is None:
            self.widths = widths
            self.write(self._rule() + self._line(self.names) + self._rule())
        elif any(w > old for w, old in zip(widths, self.widths)):
            self.widths = [max(w, old) for w, old in zip(widths, self.widths)]
            self.write(self._rule())
        if rows:
            self.write("".join(self._styled(r) for r in rows))

    def close(self) -> None:
        """Writes the bottom rule (and the header, if no rows came)."""
        if self.widths is None:
            self.rows([])
        self.write(self._rule())

    def _rule(self) -> str:
        assert self.widths is not None
        return "+" + "+".join("-" * (w + 2) for w in self.widths) + "+\n"

    def _line(self, cells: list[str]) -> str:
        assert self.widths is not None
        if any("\n" in c for c in cells):
            return "".join(self._line(line) for line in _cell_lines(cells))
        return "| " + " | ".join(_pad(c, w) for c, w in zip(cells, self.widths)) + " |\n"

    def _styled(self, cells: list[str]) -> str:
        if not self.style:
            return self._line(cells)
        return "".join(self.style(cells, line) + "\n" for line in self._line(cells).splitlines())


def _cell_width(text: str) -> int:
    """Columns a cell takes: its longest line's."""
    return max(map(display_width, text.split("\n"))) if "\n" in text else display_width(text)


def _cell_lines(cells: list[str]) -> list[list[str]]:
    """A row whose cells hold line breaks as rows of one line each, blank where a cell has
    fewer lines."""
    split = [c.split("\n") for c in cells]
    height = max(map(len, split))
    return [[lines[i] if i < len(lines) else "" for lines in split] for i in range(height)]


def to_vertical(table: pa.Table | pa.RecordBatch, first: int = 1) -> str:
    """One block per row, `column: value` lines (MySQL's \\G); rows numbered from `first`."""
    names = table.column_names
    width = max((display_width(n) for n in names), default=0)
    out = []
    for index, cells in enumerate(text_rows(table), first):
        out.append(f"{'*' * 27} {index}. row {'*' * 27}")
        out += [f"{' ' * (width - display_width(n))}{n}: {cell}" for n, cell in zip(names, cells)]
    return "\n".join(out) + ("\n" if out else "")


def to_parquet(table: pa.Table, sink: Any) -> None:
    """Writes `table` as Parquet to a path or a binary file object."""
    import pyarrow.parquet as pq
    pq.write_table(table, sink)


FORMATS = ("tabular", "csv", "json", "vertical", "parquet")
