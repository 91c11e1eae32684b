"""DuckDB's Python rows as the text `dl sql` prints, byte for byte what the Arrow path prints.

The general path turns a result into Arrow batches and writes them with `formats` (through
`dl/results.py`); `dl sql -q`'s fast path (`fast_select`) gets DuckDB's Python values and
never imports pyarrow. `write` gives the same text for a result of at most one batch
(`row_stream.BATCH_ROWS` rows) of the DuckDB types in `KINDS`, whose Python values are those
Arrow's `to_pylist` gives (HUGEINT aside: Arrow holds it as decimal128(38, 0), so JSON writes
it as a string). Where `formats` hands a batch to Arrow's CSV writer (no text value needing
quotes, only numbers, booleans, dates and times, and text), the fields are written as that
writer writes them (`arrow_float`: shortest digits, exponent outside 1e-6..1e9; times with six
decimals); otherwise (text with an empty value too: Arrow's writer refuses the `""` that
`formats` puts there) value by value, as `formats` does. Tabular and vertical cells and names
are made `printable`, as `printable_table` does for text columns.
"""
from __future__ import annotations

import csv
import decimal
import io
import json
import math
import re
import struct
from collections.abc import Callable
from typing import Any

from dl.sql.cell_text import BoxWriter, cell_text, csv_field, json_value, vertical_rows

_INTS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
KINDS = {**dict.fromkeys(_INTS, "int"), "HUGEINT": "hugeint", "FLOAT": "float", "DOUBLE": "double",
         "BOOLEAN": "bool", "VARCHAR": "str", "BLOB": "blob", "DATE": "date", "TIME": "time",
         "TIMESTAMP": "timestamp", '"NULL"': "null"}
_DECIMAL = re.compile(r"DECIMAL\(\d+,\d+\)")
_QUOTED = re.compile(r'[,"\r\n]')
_ARROW_WRITES = ("int", "hugeint", "decimal", "float", "double", "bool", "str", "date", "time", "timestamp")


def kind_of(duckdb_type: str) -> str | None:
    """How values of a DuckDB type are written, or None if `write` cannot write them."""
    return "decimal" if _DECIMAL.fullmatch(duckdb_type) else KINDS.get(duckdb_type)


def supported(types: list[str]) -> bool:
    return all(kind_of(t) is not None for t in types)


def write(names: list[str], types: list[str], rows: list[tuple[Any, ...]], result_format: str,
          out: Callable[[str], Any], printable: Callable[[str], str],
          printable_cell: Callable[[str], str] | None = None) -> None:
    """Writes a result as `dl sql -r result_format` does (tabular, csv, json or vertical);
    `printable` makes text safe for a terminal (the CLI's `terminal_text.printable`), and
    `printable_cell` a box's cells, which keep their line breaks (`printable_cell` there)."""
    kinds = [kind_of(t) or "" for t in types]
    if result_format == "csv":
        out(_csv(names, kinds, rows))
    elif result_format == "json":
        out(_json(names, kinds, rows))
    elif result_format == "tabular":
        box = BoxWriter([printable(n) for n in names], out)
        cells = _printable(kinds, rows, printable_cell or printable)
        box.rows([[cell_text(v) for v in row] for row in cells])
        box.close()
    elif rows:
        out(vertical_rows([printable(n) for n in names], _printable(kinds, rows, printable)))


def _printable(kinds: list[str], rows: list[tuple[Any, ...]],
               printable: Callable[[str], str]) -> list[tuple[Any, ...]]:
    text = [i for i, k in enumerate(kinds) if k == "str"]
    if not text:
        return rows
    return [tuple(printable(v) if i in text and v is not None else v for i, v in enumerate(row)) for row in rows]


def _csv(names: list[str], kinds: list[str], rows: list[tuple[Any, ...]]) -> str:
    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow(names)
    if not rows:
        return head.getvalue()
    if _arrow_writes(kinds, rows):
        writers = [_ARROW_FIELD[k] for k in kinds]
        body = "".join(",".join("" if v is None else w(v) for w, v in zip(writers, row)) + "\n" for row in rows)
    else:
        body = "".join(",".join(csv_field(v) for v in row) + "\n" for row in rows)
    return head.getvalue() + body


def _arrow_writes(kinds: list[str], rows: list[tuple[Any, ...]]) -> bool:
    """Whether `formats.to_csv` would have Arrow's writer write these rows: no text needing
    quotes (`_needs_quotes`), and no empty text (`""`, which that writer then refuses, so
    `to_csv` writes the batch value by value)."""
    if any(k not in _ARROW_WRITES for k in kinds):
        return False
    text = [i for i, k in enumerate(kinds) if k == "str"]
    return not any(row[i] is not None and (row[i] == "" or _QUOTED.search(row[i])) for row in rows for i in text)


def arrow_float(value: float, single: bool = False) -> str:
    """A float as Arrow's CSV writer writes it: the shortest digits that read back (of a
    float32 for `single`), in plain notation for exponents -6..9, else `d.ddde+N`."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    shortest = _shortest_single(value) if single else repr(value)
    sign, digits, exponent = decimal.Decimal(shortest).normalize().as_tuple()
    text = "".join(map(str, digits))
    point = len(text) + int(exponent)  # digits before the decimal point
    minus = "-" if sign else ""
    if -6 <= point - 1 < 10:
        if point <= 0:
            return f"{minus}0.{'0' * -point}{text}"
        if point >= len(text):
            return minus + text + "0" * (point - len(text))
        return f"{minus}{text[:point]}.{text[point:]}"
    mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
    power = point - 1
    return f"{minus}{mantissa}e{'+' if power > 0 else '-'}{abs(power)}"


def _shortest_single(value: float) -> str:
    packed = struct.pack("<f", value)
    for precision in range(1, 10):
        text = f"{value:.{precision}g}"
        try:
            if struct.pack("<f", float(text)) == packed:
                return text
        except OverflowError:  # rounded past the largest float32
            continue
    return repr(value)


_ARROW_FIELD: dict[str, Callable[[Any], str]] = {
    "int": str, "hugeint": str, "decimal": str,
    "float": lambda v: arrow_float(v, single=True), "double": arrow_float,
    "bool": lambda v: "true" if v else "false",
    "str": str,
    "date": lambda v: v.isoformat(),
    "time": lambda v: v.isoformat(timespec="microseconds"),
    "timestamp": lambda v: v.isoformat(sep=" ", timespec="microseconds"),
}


def _json(names: list[str], kinds: list[str], rows: list[tuple[Any, ...]]) -> str:
    """Dolt's `{"rows": [...]}`, as `formats.to_json`: NaN and infinities null."""
    def value(kind: str, v: Any) -> Any:
        if v is None:
            return None
        if kind in ("float", "double"):
            return v if math.isfinite(v) else None
        if kind == "hugeint":
            return decimal.Decimal(v)
        return v
    items = [{n: value(k, v) for n, k, v in zip(names, kinds, row)} for row in rows]
    return json.dumps({"rows": items}, default=json_value, ensure_ascii=False, allow_nan=False) + "\n"
