"""JSON and JSON-lines files in: Python's json module, then one Arrow column per key.

JSON is `{"rows": [{...}, ...]}` (Dolt's shape, which `dl` writes) or a plain array of objects;
JSON lines is one object per line. Both are parsed here with the json module rather than
`pyarrow.json`, which silently widens an integer past int64 to float64 and names rows by block:
the row's line is kept (each array element's start is found with `raw_decode`), and so is every
value's type. JSON is the slow format either way (~1-2 s per million rows).

Rules: a key repeated within an object is refused (json would keep the last silently); a column
mixing kinds (numbers and strings, say) is refused at the first odd value; integers past int64
become decimal128(38, 0) (text past 38 digits); strings holding ISO dates, timestamps or times
become those types when no schema is given, other strings stay as they are (`"007"`, `"NA"` and
`""` included: JSON has its own null). With a schema, binary columns are read from base64, as
`write_table_file` writes them.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from dl.core.errors import InputError
from dl.core.io.convert import ARROW_ERRORS, BIGINT, BadValue, cast_column, infer_strings, show
from dl.core.io.formats import ReadResult, Where, check_known

_SPACE = re.compile(r"[ \t\n\r]*")


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json's object hook: a dict, refusing a key given twice."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


def _skip(text: str, pos: int) -> int:
    """The offset of the first non-space character from `pos`."""
    match = _SPACE.match(text, pos)
    assert match is not None  # the pattern matches the empty string
    return match.end()


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs)


def read_json(path: Path, data: bytes, schema: pa.Schema | None, *, lines: bool,
              line_offset: int = 0) -> ReadResult:
    """Reads a JSON (`lines=False`) or JSON-lines file's bytes into a table.

    `line_offset`: lines of the file before `data` (a JSON-lines file read in blocks)."""
    text = _decode(path, data, line_offset)
    if not text.strip():
        raise InputError(f"Error creating reader for {path}: it is an empty file")
    rows, numbers = _line_rows(path, text, line_offset) if lines else _document_rows(path, text)
    return rows_table(path, rows, numbers, schema)


def rows_table(path: Path, rows: list[Any], numbers: list[int], schema: pa.Schema | None) -> ReadResult:
    """Parsed rows (objects), each with its source line, as a table: one column per key."""
    where = Where(path, np.asarray(numbers, dtype=np.int64))
    names = _column_names(where, rows)
    if not rows and schema is None:
        raise InputError(f"{path} has no rows: column types cannot be inferred (give a schema)")
    if schema is not None:
        check_known(path, names, schema)
    columns = [_column(where, name, [row.get(name) for row in rows],
                       schema.field(name).type if schema is not None else None) for name in names]
    return ReadResult(pa.table(columns, names=names), where.lines)


def _decode(path: Path, data: bytes, line_offset: int = 0) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1 + line_offset
        bad = show(data[exc.start:exc.start + 8])
        raise InputError(f"{path}, line {line}: invalid UTF-8 ({bad})", line=line) from None


# -- rows and their lines -----------------------------------------------------------------------

def _syntax_error(path: Path, exc: json.JSONDecodeError, start: int = 0) -> InputError:
    """A syntax error in Dolt's words (`invalid character after object key:value pair: 'b'`,
    the texts of the streaming decoder Dolt reads JSON with), with dl's line and character.
    `start` is where the value being decoded began (to tell an object from an array)."""
    cause = syntax_cause(exc.msg, exc.doc, exc.pos, start)
    return InputError(f"{path}, line {exc.lineno}, character {exc.colno}: {MOVING_DATA}; "
                      f"cause: {cause}", line=exc.lineno)


MOVING_DATA = "An error occurred while moving data"
_CONTEXTS = {"Expecting value": "looking for beginning of value",
             "Expecting property name enclosed in double quotes": "looking for beginning of object key string",
             "Expecting ':' delimiter": "after object key",
             "Extra data": "after top-level value",
             "Invalid control character at": "in string literal",
             "Invalid \\escape": "in string escape code"}


def syntax_cause(message: str, text: str, pos: int, start: int) -> str:
    """Python's JSON error `message` at `pos` of `text` in Dolt's words."""
    if pos >= len(text) or message.startswith("Unterminated string"):
        return "unexpected end of JSON input"
    if message == "Expecting ',' delimiter":
        context = "after object key:value pair" if _innermost(text, start, pos) == "{" else "after array element"
    else:
        context = _CONTEXTS.get(message, "")
    return f"invalid character {context}: {text[pos]!r}".replace("  ", " ")


def _innermost(text: str, start: int, pos: int) -> str:
    """The bracket (`{` or `[`) open at `pos`, for a value that began at `start`."""
    stack: list[str] = []
    in_string = escaped = False
    for char in text[start:pos]:
        if in_string:
            in_string, escaped = (in_string, False) if escaped else (char != '"', char == "\\")
        elif char == '"':
            in_string = True
        elif char in "{[":
            stack.append(char)
        elif char in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def _value_at(path: Path, text: str, pos: int) -> tuple[Any, int]:
    """The JSON value starting at `pos` and the offset after it."""
    try:
        return _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError as exc:
        raise _syntax_error(path, exc, pos) from None
    except _DuplicateKey as dup:
        line = text.count("\n", 0, pos) + 1
        raise InputError(f"{path}, line {line}: key {dup.key!r} appears twice in one object",
                         line=line) from None


def _expect(path: Path, text: str, pos: int, wanted: str) -> int:
    """Skips spaces and one of the characters `wanted`; returns the offset after it."""
    pos = _skip(text, pos)
    if pos >= len(text) or text[pos] not in wanted:
        line = text.count("\n", 0, pos) + 1
        raise InputError(f"{path}, line {line}: {MOVING_DATA}; cause: {expected_cause(text, pos, wanted)}",
                         line=line)
    return pos + 1


_AFTER = {",]": "after array element", ",}": "after object key:value pair", ":": "after object key"}


def expected_cause(text: str, pos: int, wanted: str) -> str:
    """The cause, in Dolt's words, when one of the characters `wanted` is not at `pos`."""
    expected = " or ".join(repr(c) for c in wanted)
    if pos >= len(text):
        return f"unexpected end of JSON input (expected {expected})"
    context = _AFTER.get(wanted, "looking for beginning of value")
    return f"invalid character {context}: {text[pos]!r} (expected {expected})"


def _document_rows(path: Path, text: str) -> tuple[list[Any], list[int]]:
    """A top-level array of rows, or an object whose "rows" member is one."""
    start = _skip(text, 0)
    if text.startswith("[", start):
        rows, numbers, end = _array(path, text, start)
    elif text.startswith("{", start):
        rows, numbers, end = _rows_member(path, text, start)
    else:
        raise InputError(f"{path}: expected a JSON array of rows or {{\"rows\": [...]}}")
    if _skip(text, end) != len(text):
        line = text.count("\n", 0, end) + 1
        raise InputError(f"{path}, line {line}: unexpected text after the JSON document", line=line)
    return rows, numbers


def _array(path: Path, text: str, pos: int) -> tuple[list[Any], list[int], int]:
    """The elements of the array at `pos`, the line each starts on, and the offset after it."""
    rows: list[Any] = []
    numbers: list[int] = []
    pos = _expect(path, text, pos, "[")
    if text.startswith("]", _skip(text, pos)):
        return rows, numbers, _skip(text, pos) + 1
    line, counted = 1, 0
    while True:
        pos = _skip(text, pos)
        line += text.count("\n", counted, pos)
        counted = pos
        value, pos = _value_at(path, text, pos)
        rows.append(value)
        numbers.append(line)
        pos = _expect(path, text, pos, ",]")
        if text[pos - 1] == "]":
            return rows, numbers, pos


def _rows_member(path: Path, text: str, pos: int) -> tuple[list[Any], list[int], int]:
    """`{"rows": [...]}`: the rows array; other members are parsed and ignored."""
    found: tuple[list[Any], list[int]] | None = None
    pos = _expect(path, text, pos, "{")
    closed = text.startswith("}", _skip(text, pos))
    pos = _skip(text, pos) + 1 if closed else pos
    while not closed:
        key, pos = _value_at(path, text, _skip(text, pos))
        pos = _expect(path, text, pos, ":")
        if key == "rows":
            if found is not None:
                line = text.count("\n", 0, pos) + 1
                raise InputError(f"{path}, line {line}: key 'rows' appears twice in one object", line=line)
            rows, numbers, pos = _array(path, text, pos)
            found = (rows, numbers)
        else:
            _, pos = _value_at(path, text, _skip(text, pos))
        pos = _expect(path, text, pos, ",}")
        closed = text[pos - 1] == "}"
    if found is None:
        raise InputError(f"{path}: the JSON object has no \"rows\" array")
    return found[0], found[1], pos


def _line_rows(path: Path, text: str, line_offset: int = 0) -> tuple[list[Any], list[int]]:
    """One JSON value per non-blank line."""
    rows: list[Any] = []
    numbers: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1 + line_offset):
        if not line.strip():
            continue
        try:
            rows.append(_DECODER.decode(line))
        except json.JSONDecodeError as exc:
            cause = syntax_cause(exc.msg, line, exc.pos, 0)
            raise InputError(f"{path}, line {number}, character {exc.colno}: {MOVING_DATA}; "
                             f"cause: {cause}", line=number) from None
        except _DuplicateKey as dup:
            raise InputError(f"{path}, line {number}: key {dup.key!r} appears twice in one "
                             f"object", line=number) from None
        numbers.append(number)
    return rows, numbers


def _column_names(where: Where, rows: list[Any]) -> list[str]:
    """Keys in order of first appearance; every row must be an object."""
    names: dict[str, None] = {}
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise InputError(f"{where.row(i)}: expected an object per row, found "
                             f"{_kind(row)} {show(row)}", line=where.line(i))
        names.update(dict.fromkeys(row))
    return list(names)


# -- columns ------------------------------------------------------------------------------------

def _column(where: Where, name: str, values: list[Any],
            target: pa.DataType | None) -> pa.ChunkedArray:
    """One column from the rows' values: inferred, or cast to `target`."""
    try:
        natural = pa.chunked_array([_natural(values)])
        if target is None:
            return _inferred(natural)
        if pa.types.is_string(natural.type) and (pa.types.is_binary(target)
                                                 or pa.types.is_large_binary(target)):
            natural = pa.chunked_array([_from_base64(values)])
        return cast_column(natural, target)
    except BadValue as bad:
        raise where.error(bad.index, name, f"{show(bad.value)} {bad.reason}") from None


def _inferred(natural: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_null(natural.type):
        return natural.cast(pa.string())
    if pa.types.is_string(natural.type):
        return infer_strings(natural)
    return natural


def _natural(values: list[Any]) -> pa.Array:
    """The values as Arrow infers them; mixed kinds and huge integers handled here."""
    try:
        return pa.array(values)
    except OverflowError:
        return _big_integers(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        raise _mixed(values) from None


def _big_integers(values: list[Any]) -> pa.Array:
    """Integers past int64: decimal128(38, 0), or text past 38 digits; never float."""
    if any(v is not None and _kind(v) != "an integer" for v in values):
        index = next(i for i, v in enumerate(values) if isinstance(v, int) and abs(v) >= 2**63)
        raise BadValue(index, values[index], "is too large for int64, and the column also holds "
                                             "other kinds of values")
    if all(v is None or abs(v) < 10**38 for v in values):
        return pa.array([None if v is None else Decimal(v) for v in values], BIGINT)
    return pa.array([None if v is None else str(v) for v in values], pa.string())


def kind_of(value: Any) -> str:
    """How a message names a JSON value's kind: `an integer`, `a string`..."""
    return _kind(value)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    return {float: "a number", str: "a string", list: "an array", dict: "an object"}.get(
        type(value), type(value).__name__)


def _mixed(values: list[Any]) -> BadValue:
    """The first value whose kind differs from the column's first (integers and numbers mix)."""
    first = next(v for v in values if v is not None)
    group = {"an integer": "a number"}
    want = group.get(_kind(first), _kind(first))
    for i, value in enumerate(values):
        if value is not None and group.get(_kind(value), _kind(value)) != want:
            return BadValue(i, value, f"is {_kind(value)}, but the column's first value is {want}")
    index = _first_bad_prefix(values)
    if want == "a number":
        return BadValue(index, values[index], "is an integer too large for float64, which the "
                                              "column's fractional numbers need")
    return BadValue(index, values[index], "does not match the shape of the column's other values")


def _first_bad_prefix(values: list[Any]) -> int:
    """Bisects for the shortest prefix Arrow cannot convert: its last value is the culprit."""
    lo, hi = 0, len(values)  # values[:lo] converts, values[:hi] does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            pa.array(values[:mid])
            lo = mid
        except ARROW_ERRORS:
            hi = mid
    return hi - 1


def _from_base64(values: list[Any]) -> pa.Array:
    out: list[bytes | None] = []
    for i, value in enumerate(values):
        try:
            out.append(None if value is None else base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            reason = "is not valid base64 (binary columns are base64 in JSON)"
            raise BadValue(i, value, reason) from None
    return pa.array(out, pa.binary())

