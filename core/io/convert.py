"""Turning columns of text (CSV fields, JSON strings) and loosely typed columns into Arrow types,
losslessly or not at all.

Owns the rules every reader applies, so that `dl table import` means the same thing for every
format:

- Missing values. In a CSV column that becomes numeric, boolean or temporal, the empty field and
  the usual spellings of "missing" (`NULL_TOKENS`: NA, NULL, null, nan, N/A, #N/A, ...; pyarrow's
  and pandas' list) are nulls. In a text column only the empty field is null: `NA` stays the text
  "NA" (it may be Namibia). JSON has its own null, so JSON strings are never tokens.
- Inference never loses information: a column whose numbers have leading zeros (`007`) stays
  text; integers that overflow int64 become decimal128(38, 0), or text beyond 38 digits, never
  float64. Otherwise the order is pyarrow's: int64, boolean, date, timestamp (s, us, ns; naive,
  or UTC when the values carry an offset), time, float64, text.
- Text must be UTF-8. CSV fields arrive as binary; numbers are parsed from the bytes directly
  (a digit is valid UTF-8), everything else is validated first.
- A value that does not convert is reported as `BadValue` with its row index; readers turn that
  into an `InputError` naming file, line, column and value. Arrow's cast errors do not say which
  row, so `first_failure` finds it by bisecting the failing chunk: about two casts' work.

Everything is vectorized. A failed Arrow cast costs as much as a successful one (it does not stop
at the first bad value), so a column's type is chosen on small evidence (16 values, then the
first SAMPLE_ROWS) and the whole column is cast once, to the survivor.
"""
from __future__ import annotations

import decimal
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dl.core.arrow_values import strings

NULL_TOKENS = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
               "1.#QNAN", "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null")
BIGINT = pa.decimal128(38, 0)
SAMPLE_ROWS = 4096
ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OverflowError)

# built from buffers: `pa.array` of Python values would import pandas (`core.arrow_values`)
_TOKENS = strings(NULL_TOKENS)
_TIME_PREFIX, _EMPTY = strings(["1970-01-01T", ""])  # scalars for parsing times
_TYPE_NAMES = {"double": "float64", "float": "float32", "halffloat": "float16",
               "bool": "boolean (true or false)", "date32[day]": "date (YYYY-MM-DD)",
               "date64[ms]": "date (YYYY-MM-DD)"}


class BadValue(Exception):
    """A value at row `index` (0-based) that does not fit; the reader adds file, line and column."""

    def __init__(self, index: int, value: object, reason: str) -> None:
        self.index, self.value, self.reason = index, value, reason
        super().__init__(f"row {index + 1}: {show(value)} {reason}")


class BadText(BadValue):
    """A value of bytes that is not UTF-8 text: `valid` is how many of its bytes are, from the
    start (an import with --continue keeps those, as MySQL's INSERT IGNORE does)."""

    def __init__(self, index: int, value: bytes) -> None:
        self.valid = utf8_prefix_length(value)
        super().__init__(index, value, f"is not valid UTF-8 (dl reads UTF-8 text only): "
                                       f"Incorrect string value: '{mysql_bytes(value[self.valid:])}'")


def utf8_prefix_length(value: bytes) -> int:
    """How many bytes at the start of `value` are valid UTF-8."""
    try:
        value.decode("utf-8")
        return len(value)
    except UnicodeDecodeError as exc:
        return exc.start


def mysql_bytes(value: bytes, limit: int = 6) -> str:
    """Bytes as MySQL quotes them in "Incorrect string value": printable ASCII as itself, any
    other byte as `\\xHH`, the first `limit` bytes, then `...`."""
    shown = "".join(chr(b) if 32 <= b < 127 else f"\\x{b:02X}" for b in value[:limit])
    return shown + ("..." if len(value) > limit else "")


def show(value: object, limit: int = 60) -> str:
    """A value as quoted in a message, cut to `limit` characters; UTF-8 bytes shown as text."""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            pass
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def type_name(kind: pa.DataType) -> str:
    """A type as users read it in messages: int64, float64, date (YYYY-MM-DD), ..."""
    return _TYPE_NAMES.get(str(kind), str(kind))


def _is_binary(kind: pa.DataType) -> bool:
    return bool(pa.types.is_binary(kind) or pa.types.is_large_binary(kind))


def is_text_type(kind: pa.DataType) -> bool:
    """String and binary types: text goes into them as it is."""
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind) or _is_binary(kind)
                or pa.types.is_fixed_size_binary(kind))


def text_can_hold(kind: pa.DataType) -> bool:
    """Whether a CSV field can be read as `kind` (no lists, structs, maps or unions)."""
    if pa.types.is_dictionary(kind):
        return text_can_hold(kind.value_type)
    return not bool(pa.types.is_nested(kind))


# -- UTF-8 and missing values -------------------------------------------------------------------

def as_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A binary column as strings, validating UTF-8; BadValue at the first invalid value."""
    if not _is_binary(col.type):
        return col
    target = pa.large_string() if pa.types.is_large_binary(col.type) else pa.string()
    try:
        return col.cast(target)
    except pa.ArrowInvalid:
        index = first_failure(col, lambda chunk: chunk.cast(target))
        raise BadText(index, col[index].as_py()) from None


def mask_tokens(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """`col` with every NULL_TOKENS spelling (NA, NULL, nan, empty, ...) made null."""
    hit = pc.is_in(col, value_set=_TOKENS.cast(col.type))
    if not pc.any(hit).as_py():
        return col
    return pc.if_else(hit, pa.nulls(1, col.type)[0], col)


# -- leading zeros ------------------------------------------------------------------------------

def has_leading_zeros(col: pa.ChunkedArray) -> bool:
    """True if any value reads like `007`, `-007` or `00.5`: a code, not a number."""
    return any(_chunk_leading_zeros(chunk) for chunk in col.chunks)


def _chunk_leading_zeros(chunk: pa.Array) -> bool:
    """Reads the first bytes of each value straight from the Arrow buffers (~3 ms per 1M)."""
    buffers = chunk.buffers()
    if len(chunk) == 0 or buffers[2] is None or buffers[2].size == 0:
        return False
    wide = pa.types.is_large_string(chunk.type) or pa.types.is_large_binary(chunk.type)
    offsets = np.frombuffer(buffers[1], dtype=np.int64 if wide else np.int32)
    offsets = offsets[chunk.offset:chunk.offset + len(chunk) + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8)
    starts, lengths, last = offsets[:-1], np.diff(offsets), data.size - 1
    first = np.take(data, np.minimum(starts, last))
    second = np.take(data, np.minimum(starts + 1, last))
    if np.any((first == ord("0")) & _is_digit(second) & (lengths >= 2)):
        return True
    signed = np.flatnonzero(((first == ord("-")) | (first == ord("+"))) & (second == ord("0"))
                            & (lengths >= 3))
    third = np.take(data, starts[signed].astype(np.int64) + 2)
    return bool(np.any(_is_digit(third)))


def _is_digit(codes: np.ndarray) -> np.ndarray:
    return (codes >= ord("0")) & (codes <= ord("9"))


# -- parsing text to one type -------------------------------------------------------------------

def _from_bytes(kind: pa.DataType) -> bool:
    """Types Arrow parses from binary directly (ASCII only, so no UTF-8 check is needed)."""
    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind)
                or pa.types.is_decimal(kind) or pa.types.is_boolean(kind))


def parse_text(col: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray:
    """Text (or binary) to `target` with Arrow's parsers; times go through a dummy date, as
    Arrow cannot cast text to a time. Raises Arrow's errors."""
    if _is_binary(col.type) and not _from_bytes(target):
        col = col.cast(pa.string())
    if pa.types.is_time(target):
        stamped = pc.binary_join_element_wise(_TIME_PREFIX, col, _EMPTY)
        return pc.cast(pc.cast(stamped, pa.timestamp(target.unit)), target)
    if pa.types.is_integer(target):
        return _parse_integers(col, target)
    out = pc.cast(col, target)
    if pa.types.is_decimal(target):
        _check_decimal_wrap(col, out)
    return out


def _parse_integers(col: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray:
    """Arrow's integer parser refuses a leading `+` (its float parser takes one): strip it."""
    try:
        return pc.cast(col, target)
    except pa.ArrowInvalid:
        if not pc.any(pc.starts_with(col, "+")).as_py():
            raise
    return pc.cast(pc.replace_substring_regex(col, r"^\+", ""), target)


def _check_decimal_wrap(text: pa.ChunkedArray, out: pa.ChunkedArray) -> None:
    """Arrow 26 wraps text of 40+ digits around 128 bits instead of refusing it (39 digits are
    refused): values that long are compared with Python's exact parse."""
    long = pc.greater(pc.binary_length(text), 38)
    if not pc.any(long).as_py():
        return
    for raw, got in zip(text.filter(long).to_pylist(), out.filter(long).to_pylist()):
        literal = raw.decode() if isinstance(raw, bytes) else raw
        if got is not None and decimal.Decimal(literal) != got:
            raise pa.ArrowInvalid(f"decimal {literal} does not fit")


# -- inference ----------------------------------------------------------------------------------

class _NoFit(Exception):
    """A candidate type does not hold every value of the column."""


@dataclass(frozen=True)
class _Kind:
    """A candidate type and how to parse text into it: parse(masked, raw) -> column or _NoFit."""

    name: str
    parse: Callable[[pa.ChunkedArray, pa.ChunkedArray], pa.ChunkedArray]


def _cast_or_nofit(col: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray:
    try:
        return parse_text(col, target)
    except ARROW_ERRORS:
        raise _NoFit from None


def _plain(target: pa.DataType) -> _Kind:
    return _Kind(str(target), lambda masked, raw: _cast_or_nofit(masked, target))


def _number(target: pa.DataType) -> _Kind:
    def parse(masked: pa.ChunkedArray, raw: pa.ChunkedArray) -> pa.ChunkedArray:
        out = _cast_or_nofit(masked, target)
        if has_leading_zeros(raw):
            raise _NoFit
        return out
    return _Kind(str(target), parse)


def _bigint(masked: pa.ChunkedArray, raw: pa.ChunkedArray) -> pa.ChunkedArray:
    """Integers too large for int64: decimal128(38, 0), or text past 38 digits; never float."""
    try:
        digits = pc.match_substring_regex(masked, r"^[-+]?[0-9]+$")
    except ARROW_ERRORS:
        raise _NoFit from None
    if not pc.all(digits).as_py() or has_leading_zeros(raw):
        raise _NoFit
    try:
        return parse_text(masked, BIGINT)
    except ARROW_ERRORS:  # past 38 digits
        return as_text(raw)


_TEMPORAL = [pa.date32()] + [pa.timestamp(unit, tz) for unit in ("s", "us", "ns")
                             for tz in (None, "UTC")] + [pa.time32("s"), pa.time64("us")]
_KINDS: list[_Kind] = [_number(pa.int64()), _plain(pa.bool_()), *map(_plain, _TEMPORAL),
                       _Kind("bigint", _bigint), _number(pa.float64())]


def infer_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """The narrowest type that holds every value of a CSV column (text or binary) without loss.

    Raises BadValue for invalid UTF-8 in a column that ends up text."""
    evidence = mask_tokens(col.slice(0, SAMPLE_ROWS)).drop_null()
    start = _choose(evidence, 0) if len(evidence) else 0
    if start == len(_KINDS):
        return as_text(col)
    try:
        out = _KINDS[start].parse(col, col)  # no missing values: one cast, no masking
        if not _has_nan(out):
            return out
    except _NoFit:
        pass
    return _fit(col, mask_tokens(col), evidence, start)


def _choose(evidence: pa.ChunkedArray, start: int) -> int:
    """Index of the first kind from `start` that holds all of `evidence`; len(_KINDS) if none."""
    for probe in (evidence.slice(0, 16), evidence):
        while start < len(_KINDS) and not _holds(_KINDS[start], probe):
            start += 1
    return start


def _holds(kind: _Kind, values: pa.ChunkedArray) -> bool:
    try:
        kind.parse(values, values)
        return True
    except _NoFit:
        return False


def _fit(col: pa.ChunkedArray, masked: pa.ChunkedArray, evidence: pa.ChunkedArray,
         start: int) -> pa.ChunkedArray:
    """Casts the masked column to kind `start`; when a value defeats it, that value joins the
    evidence and the next kind that holds all the evidence is tried. Text when none is left."""
    if masked.null_count == len(masked):
        return as_text(col)
    kind = start
    while kind < len(_KINDS):
        try:
            return _KINDS[kind].parse(masked, col)
        except _NoFit:
            index = first_failure(masked, _chunk_parser(_KINDS[kind]))
            culprit = masked.slice(index, 1).combine_chunks()
            evidence = pa.chunked_array([*evidence.chunks, culprit], type=col.type)
            kind = _choose(evidence, kind + 1)
    return as_text(col)


def _chunk_parser(kind: _Kind) -> Callable[[pa.Array], object]:
    def parse(chunk: pa.Array) -> object:
        values = pa.chunked_array([chunk])
        return kind.parse(values, values)
    return parse


def _has_nan(col: pa.ChunkedArray) -> bool:
    """NaN in a float column read without masking came from a `nan` token, a missing value."""
    return pa.types.is_floating(col.type) and bool(pc.any(pc.is_nan(col)).as_py())


def infer_strings(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """JSON strings: dates, timestamps and times become temporal; anything else stays text.

    Candidates are ruled out on 16 values, then on the sample, before any whole-column cast."""
    if col.null_count == len(col):
        return col
    candidates = list(_TEMPORAL)
    for size in (16, SAMPLE_ROWS):
        probe = col.slice(0, size).drop_null()
        candidates = [t for t in candidates if not len(probe) or _parsed(probe, t) is not None]
    for target in candidates:
        parsed = _parsed(col, target)
        if parsed is not None:
            return parsed
    return col


def _parsed(col: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray | None:
    try:
        return parse_text(col, target)
    except ARROW_ERRORS:
        return None


# -- casting to a known type --------------------------------------------------------------------

def cast_text(col: pa.ChunkedArray, target: pa.DataType, *, csv_nulls: bool) -> pa.ChunkedArray:
    """Text or binary to `target`, raising BadValue at the first value that does not convert.

    With `csv_nulls`, NULL_TOKENS (an empty string among them) are null in non-text targets;
    in text targets a value stays as it is: the CSV reader has made an empty field null
    already, and `""` (a quoted empty field) is an empty string, as Dolt reads it."""
    if is_text_type(target):
        out = col if _is_binary(target) else as_text(col)
        return out if out.type == target else pc.cast(out, target)
    if pa.types.is_dictionary(target):
        return pc.cast(cast_text(col, target.value_type, csv_nulls=csv_nulls), target)
    if not _from_bytes(target):
        col = as_text(col)
    masked = mask_tokens(col) if csv_nulls else col
    try:
        return parse_text(masked, target)
    except ARROW_ERRORS:
        pass
    try:  # `1, 20`: spaces around a number or date are no part of it (as in MySQL and Dolt)
        return parse_text(pc.utf8_trim_whitespace(as_text(masked)), target)
    except (*ARROW_ERRORS, BadValue):
        pass
    try:
        return parse_text(masked, target)
    except ARROW_ERRORS:
        index = first_failure(masked, lambda chunk: parse_text(pa.chunked_array([chunk]), target))
        reason = f"is not a valid {type_name(target)}"
        raise BadValue(index, masked[index].as_py(), reason) from None


def _family(kind: pa.DataType) -> str:
    if pa.types.is_dictionary(kind):
        return _family(kind.value_type)
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "number"
    if pa.types.is_date(kind) or pa.types.is_timestamp(kind) or pa.types.is_time(kind):
        return "temporal"
    if is_text_type(kind):
        return "text"
    return str(kind)


def _convertible(source: pa.DataType, target: pa.DataType) -> bool:
    """Arrow casts booleans to numbers and numbers to timestamps; dl does not guess so."""
    family = _family(source)
    return (family in ("null", _family(target)) or family == "text"
            or (_family(target) == "text" and not pa.types.is_nested(source)))


def cast_column(col: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray:
    """A typed column (Parquet, JSON) to `target`, safely; BadValue at the first failure.

    Only within a family (numbers, temporal, ...), from text (parsed) or to text (formatted)."""
    if col.type == target:
        return col
    if col.null_count == len(col):
        return pa.chunked_array([pa.nulls(len(col), target)])
    if not _convertible(col.type, target):
        index = int(np.flatnonzero(col.is_valid().to_numpy(zero_copy_only=False))[0])
        raise BadValue(index, col[index].as_py(), f"is not a valid {type_name(target)} (the "
                                                  f"file's column is {type_name(col.type)})")
    if (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)) \
            and not is_text_type(target):
        return cast_text(col, target, csv_nulls=False)
    try:
        return pc.cast(col, target)
    except ARROW_ERRORS:
        index = first_failure(col, lambda chunk: pc.cast(chunk, target))
        raise BadValue(index, col[index].as_py(), f"is not a valid {type_name(target)}") from None


# -- finding the row Arrow does not name --------------------------------------------------------

def first_failure(col: pa.ChunkedArray | pa.Array, convert: Callable[[pa.Array], object]) -> int:
    """Index of the first value on which `convert` fails: the failing chunk, then bisection."""
    chunks: Sequence[pa.Array] = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    offset = 0
    for chunk in chunks:
        if _fails(convert, chunk):
            return offset + _bisect(chunk, convert)
        offset += len(chunk)
    return 0


def _bisect(chunk: pa.Array, convert: Callable[[pa.Array], object]) -> int:
    lo, hi = 0, len(chunk)  # chunk[lo:hi] holds a failure
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _fails(convert, chunk.slice(lo, mid - lo)):
            hi = mid
        else:
            lo = mid
    return lo


def _fails(convert: Callable[[pa.Array], object], chunk: pa.Array) -> bool:
    try:
        convert(chunk)
        return False
    except (*ARROW_ERRORS, _NoFit):
        return True
