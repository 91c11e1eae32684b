"""Result values as text, in plain Python: the cells of every text format dl prints.

`cell_text` (tabular and vertical cells), `csv_field` (a CSV field written value by value),
`json_value` (what JSON cannot hold natively), `display_width` and `BoxWriter` (the ASCII box)
take Python values, so the two ways a result reaches text share them: `formats` (Arrow tables,
the general path) and `row_text` (DuckDB's Python rows, `dl sql -q`'s fast path, which never
imports pyarrow). Nothing here imports pyarrow.
"""
from __future__ import annotations

import base64
import datetime
import decimal
import json
import math
import unicodedata
from collections.abc import Callable
from typing import Any


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


def csv_field(value: Any) -> str:
    """One CSV field: NULL empty, an empty string `""`, other text quoted where needed."""
    if value is None:
        return ""
    if value == "":
        return '""'
    text = _csv_cell(value)
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_cell(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (bytes, bytearray)):  # raw, as Dolt writes binary into CSV: see raw_bytes
        return raw_bytes(bytes(value))
    return cell_text(value, null="")


def raw_bytes(value: bytes) -> str:
    """Binary data as text that writes back as the same bytes: UTF-8 where it is, other bytes
    as surrogate escapes, which an output stream opened with `errors="surrogateescape"` (the
    CLI's stdout) writes as they were. Dolt writes binary values into CSV unchanged, so a
    table exported and read back (or compared with its source file) keeps every byte."""
    return value.decode("utf-8", "surrogateescape")


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


def vertical_rows(names: list[str], rows: list[tuple[Any, ...]], first: int = 1) -> str:
    """One block per row, `column: value` lines (MySQL's \\G); rows numbered from `first`."""
    width = max((display_width(n) for n in names), default=0)
    out = []
    for index, row in enumerate(rows, first):
        out.append(f"{'*' * 27} {index}. row {'*' * 27}")
        out += [f"{' ' * (width - display_width(n))}{n}: {cell_text(v)}" for n, v in zip(names, row)]
    return "\n".join(out) + ("\n" if out else "")
