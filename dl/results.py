"""Writing query results as they stream in: tabular (ASCII boxes), CSV, JSON, vertical.

A result arrives as record batches (`dl.sql.row_stream.RowStream`); each batch is turned into
text and written before the next is read, so the first lines of a million-row result appear
after one batch, and a closed pipe (`| head -5`) stops the reading at once (the write raises
BrokenPipeError; the caller closes the stream). The text is the same as formatting the whole
result at once (`dl.sql.formats`), except that a box widens, with a new rule, when later rows
need more room than the first ones did. Tabular and vertical text is for a terminal, so its
cells and names are made `printable` (control characters escaped; a box keeps a cell's line
breaks and draws its lines one under the other, inside its column, as Dolt does); CSV and JSON
are data and keep every byte (JSON escapes control characters itself).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from dl.terminal_text import printable, printable_table

FORMATS = ("tabular", "csv", "json", "vertical")


def write_batches(schema: Any, batches: Iterable[Any], result_format: str,
                  write: Callable[[str], Any], *, first_output: Callable[[], None] = lambda: None,
                  empty_box: bool = True) -> int:
    """Writes the rows of `batches` (of Arrow `schema`) in `result_format`; returns the row count.
    `first_output()` runs once, just before the first text is written (to stop a spinner).
    Without `empty_box`, a tabular result with no rows writes nothing, as MySQL's batch mode
    and Dolt do (DuckDB's way, the default, draws the header)."""
    from dl.sql import formats
    started = False

    def out(text: str) -> None:
        nonlocal started
        if not started:
            started = True
            first_output()
        write(text)

    rows = 0
    box = formats.BoxWriter([printable(n) for n in schema.names], out) if result_format == "tabular" else None
    json_started = False
    for batch in batches:
        if result_format in ("tabular", "vertical"):
            batch = _printable(batch, keep_newlines=result_format == "tabular")
        if result_format == "tabular":
            assert box is not None
            if batch.num_rows or empty_box:
                box.rows(formats.text_rows(batch))
        elif result_format == "csv":
            out(formats.to_csv(_table(batch), header=rows == 0))
        elif result_format == "json":
            out(('{"rows": [' if not json_started else ", ") + formats.json_items(_table(batch)))
            json_started = True
        else:
            out(formats.to_vertical(batch, first=rows + 1))
        rows += batch.num_rows
    if box is not None:
        if rows or empty_box:
            box.close()
    elif result_format == "csv" and rows == 0:
        out(formats.to_csv(schema.empty_table()))
    elif result_format == "json":
        out(("]}" if json_started else '{"rows": []}') + "\n")
    return rows


def _printable(batch: Any, keep_newlines: bool) -> Any:
    """`batch` with its text cells and names escaped for a terminal (`printable_table`); a box
    draws a cell's lines one under the other, so its cells keep their line breaks."""
    table = printable_table(_table(batch), keep_newlines=keep_newlines)
    return table.to_batches()[0] if table.num_rows else batch


def _table(batch: Any) -> Any:
    import pyarrow as pa
    return pa.Table.from_batches([batch])

