"""MySQL's value rules for declared column types, checked vectorized on every write.

A column declared `enum('a','b')`, `set(...)`, `varchar(n)`/`char(n)`, `varbinary(n)`/`binary(n)`
(padded with zero bytes to n, as MySQL does), `year`, `json`,
`mediumint [unsigned]`, `bit(n)` or `datetime(n)`/`timestamp(n)` is stored as a plain Arrow
column (string, int, timestamp); the declared text (`TableConstraints.declared_types`) says
which values it may hold. `apply_rule` checks (and, where MySQL does, normalizes) a column of
values bound for the table, as MySQL's strict mode does: a bad value is an error naming the
column and the row (1-based, in the statement's or file's rows), with MySQL's message, and
nothing is written. Widths that Arrow types already enforce (TINYINT, SMALLINT, DECIMAL(p,s))
need no rule here.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dl.core.errors import ValueRuleError

_INT_RANGES = {"mediumint": (-8388608, 8388607), "mediumint unsigned": (0, 16777215),
               "year": (1901, 2155)}
_LENGTH = re.compile(r"^(varchar|char)\((\d+)\)$")
_BYTES = re.compile(r"^(varbinary|binary)\((\d+)\)$")
_BIT = re.compile(r"^bit\((\d+)\)$")
_FRACTION = re.compile(r"^(datetime|timestamp)\((\d)\)$")
_MEMBERS = re.compile(r"'((?:[^']|'')*)'")


def members(declared: str) -> list[str]:
    """The quoted values of `enum('a','b')` or `set('x','y')`."""
    return [m.replace("''", "'") for m in _MEMBERS.findall(declared)]


def truncated(declared: str, values: pa.Array) -> pa.Array:
    """`values` cut to a `varchar(n)`/`char(n)` column's length, as MySQL's INSERT IGNORE (and
    Dolt's `table import --continue`) store a string too long; other types unchanged."""
    length = _LENGTH.match(declared)
    if length is None or len(values) == 0 or not (pa.types.is_string(values.type)
                                                 or pa.types.is_large_string(values.type)):
        return values
    return pc.utf8_slice_codeunits(values, 0, int(length.group(2)))


def apply_rule(declared: str, name: str, values: pa.Array) -> pa.Array:
    """`values` checked against the declared MySQL type (normalized where MySQL normalizes)."""
    if len(values) == 0 or values.null_count == len(values):
        return values
    if declared.startswith("enum("):
        return _enum(declared, name, values)
    if declared.startswith("set("):
        return _set(declared, name, values)
    if declared == "json":
        _json(values, name)
        return values
    if (outside := misfits(declared, values)) is not None:
        if _LENGTH.match(declared):
            _refuse(outside, f"Data too long for column '{name}'", values, name, too_long=True)
        else:
            _refuse(outside, f"Out of range value for column '{name}'", values, name)
        return values
    if (width := _BYTES.match(declared)) is not None and _is_bytes(values.type):
        return _bytes(values, name, int(width.group(2)), fixed=width.group(1) == "binary")
    if (fraction := _FRACTION.match(declared)) is not None and pa.types.is_timestamp(values.type):
        digits = int(fraction.group(2))
        if digits < 6:  # MySQL rounds to the declared fractional digits
            return pc.round_temporal(values, multiple=10 ** (6 - digits), unit="microsecond")
    return values


def _is_bytes(kind: pa.DataType) -> bool:
    return bool(pa.types.is_binary(kind) or pa.types.is_large_binary(kind))


def _bytes(values: pa.Array, name: str, width: int, *, fixed: bool) -> pa.Array:
    """VARBINARY(n)/BINARY(n): at most n bytes; a BINARY(n) value shorter than n is padded with
    zero bytes to n, as MySQL stores it (0x1EE4 in BINARY(3) is 0x1EE400)."""
    lengths = pc.binary_length(values)
    _refuse(pc.greater(lengths, width), f"Data too long for column '{name}'", values, name, too_long=True)
    if not fixed or pc.min(lengths).as_py() == width:
        return values
    pads = pa.array([b"\0" * k for k in range(width + 1)], values.type)
    padding = pc.take(pads, pc.subtract(width, pc.fill_null(lengths, width)))
    return pc.binary_join_element_wise(values, padding, pa.scalar(b"", values.type))


def _enum(declared: str, name: str, values: pa.Array) -> pa.Array:
    """ENUM values match a member case-insensitively and are stored as the member is spelled."""
    allowed = members(declared)
    found = pc.index_in(pc.utf8_lower(values), pa.array([m.lower() for m in allowed]))
    _refuse(pc.and_(pc.is_null(found), pc.is_valid(values)), f"Data truncated for column '{name}'",
            values, name)
    return pc.take(pa.array(allowed), found)


def _set(declared: str, name: str, values: pa.Array) -> pa.Array:
    """SET values: comma-separated members, each a member; stored in declaration order, once each."""
    allowed = members(declared)
    lowered = pa.array([m.lower() for m in allowed])
    parts = pc.split_pattern(pc.utf8_lower(values), ",")
    flat = pc.list_flatten(parts)
    rows = pc.list_parent_indices(parts).to_numpy()
    found_parts = pc.index_in(flat, lowered)
    empty = pc.equal(flat, "").to_numpy(zero_copy_only=False)
    bad_parts = pc.is_null(found_parts).to_numpy(zero_copy_only=False) & ~empty
    found = pc.fill_null(found_parts, 0).to_numpy().astype(np.int64)
    bad = np.zeros(len(values), bool)
    bad[rows[bad_parts]] = True
    _refuse(pa.array(bad), f"Data truncated for column '{name}'", values, name)
    mask = np.zeros(len(values), np.int64)
    np.bitwise_or.at(mask, rows[~empty], np.left_shift(1, found[~empty]))
    texts = _set_texts(allowed, mask)
    return pa.array(texts, pa.string(), mask=pc.is_null(values).to_numpy(zero_copy_only=False))


def _set_texts(allowed: list[str], mask: np.ndarray) -> list[str]:
    """Each distinct bit mask spelled once (a set of n members has at most 2^n masks)."""
    distinct, inverse = np.unique(mask, return_inverse=True)
    spelled = [",".join(m for i, m in enumerate(allowed) if bits >> i & 1) for bits in distinct.tolist()]
    return [spelled[i] for i in inverse.tolist()]


def misfits(declared: str, values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray | None:
    """Where `values` break the declared type's width (a `varchar(n)`/`char(n)` text too long,
    a `mediumint`/`year`/`bit(n)` number out of its range), as a boolean mask; None for a type
    without such a rule. Writes refuse these values; diff and history tables, which show old
    rows in a narrower current schema, show them as NULL (as Dolt does)."""
    if declared in _INT_RANGES:
        return _outside(values, *_INT_RANGES[declared], zero_ok=declared == "year")
    if (length := _LENGTH.match(declared)) is not None:
        return pc.greater(pc.utf8_length(values), int(length.group(2)))
    if (bits := _BIT.match(declared)) is not None:
        return _outside(values, 0, (1 << int(bits.group(1))) - 1)
    return None


def _outside(values: pa.Array | pa.ChunkedArray, low: int, high: int,
             zero_ok: bool = False) -> pa.Array | pa.ChunkedArray:
    outside = pc.or_(pc.less(values, low), pc.greater(values, high))
    return pc.and_(outside, pc.not_equal(values, 0)) if zero_ok else outside


def _json(values: pa.Array, name: str) -> None:
    """Every value parses as JSON (once per distinct value)."""
    distinct = pc.unique(values.drop_null()).to_pylist()
    for text in distinct:
        try:
            json.loads(text)
        except (ValueError, TypeError):
            row = int(np.flatnonzero(pc.equal(values, text).to_numpy(zero_copy_only=False))[0]) + 1
            raise ValueRuleError(f"Invalid JSON text for column '{name}' at row {row}: {text!r}",
                                 name, row - 1, text) from None


def _refuse(bad: pa.Array | pa.ChunkedArray, message: str, values: pa.Array, name: str, *,
            too_long: bool = False) -> None:
    flags = pc.fill_null(bad, False).to_numpy(zero_copy_only=False)
    if flags.any():
        row = int(np.flatnonzero(flags)[0])
        value = values[row].as_py()
        raise ValueRuleError(f"{message} at row {row + 1} (value {value!r})", name, row, value,
                             too_long=too_long)
