"""Order-preserving, prefix-free byte encoding of primary keys, vectorized.

A key (one or more column values) becomes bytes whose lexicographic order is the order of the
values, column by column:

- signed integers: big-endian, sign bit flipped, the type's width; unsigned: big-endian;
- floats (16/32/64): the IEEE bits big-endian, all bits flipped for negatives and the sign bit
  set for positives; -0.0 encodes as 0.0 and every NaN as one value, after +inf;
- bool: one byte; temporal types (date, time, timestamp of any unit or zone, duration): their
  signed integer; decimals: the unscaled integer as sign-flipped big-endian two's complement
  of the type's width (one column shares one scale, so this follows the value);
- string and binary kinds: each 0x00 escaped as 0x00 0xFF, then a 0x00 0x00 terminator;
  fixed-size binary: the raw bytes. Dictionary arrays are decoded first.

A composite key is the concatenation. With `nullable=True` (whole rows of keyless tables) each
value is preceded by a marker, 0x01 for a value, 0x00 for a null (then no value bytes), so
nulls sort first.

Invariant: the code is prefix-free. No valid key of a column list is a proper prefix of
another (every column's code is fixed-width or self-terminated). This is what lets keys live in
numpy `S` arrays, which strip trailing NUL bytes and compare zero-padded: for a prefix-free
code, numpy's comparisons, sort and searchsorted, Python's `bytes` comparison of the stripped
elements, and the value order all agree, and stripping loses nothing (equal elements iff equal
keys). A key's bytes never depend on the other rows of the batch, so a key encoded alone
equals the same key encoded among a million others. Stripping is harmless only while a key is
compared whole: a key that more bytes are appended to (the prefix of a range of longer keys, as
an index's leading values are) must keep its trailing zeros, so `encode_prefixes` gives each
key's exact bytes (`bytes(keys[i])` of an int 0 is two bytes of its nine).

Everything is built as one (rows x width) uint8 matrix, each column written as a block of
left-aligned, zero-padded bytes; the terminator and null markers are zeros and need no write.
A million int64 keys encode in milliseconds instead of the ~0.1 s of a Python loop.
`key_lengths` and `key_words` read encoded keys back (lengths, leading words) for the chunker
and the vectorized hash.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dl.core.arrow_values import one_value
from dl.core.errors import InputError, SchemaError

_NAN_BITS = {2: 0x7E00, 4: 0x7FC00000, 8: 0x7FF8000000000000}  # the one NaN that keys hold


@dataclass(frozen=True)
class _Part:
    """One run of bytes per row: `block` (rows x width, left-aligned, zero-padded) and each
    row's length in the key (an int when all rows agree). Lengths may exceed the block width
    by trailing zeros that need no write (string terminators)."""

    block: np.ndarray
    lengths: int | np.ndarray


def encode_keys(columns: Sequence[pa.Array | pa.ChunkedArray], *, nullable: bool = False,
                names: Sequence[str] | None = None) -> np.ndarray:
    """Encoded keys of the rows of `columns` (concatenated per row) as a numpy `S{w}` array.

    `w` is the longest key, at least 1. Nulls raise `InputError` unless `nullable`; `names`
    name the columns in messages. Unsupported types raise `SchemaError`.
    """
    parts, n = _parts(columns, nullable, names)
    return _assemble(parts, n)


def encode_prefixes(columns: Sequence[pa.Array | pa.ChunkedArray], *, nullable: bool = False,
                    names: Sequence[str] | None = None) -> list[bytes]:
    """The keys `encode_keys` gives, each with all its bytes, trailing zeros included: what a
    prefix must be when bytes are appended to it (the first columns of longer keys)."""
    parts, n = _parts(columns, nullable, names)
    if n == 0:
        return []
    keys = _assemble(parts, n)
    totals = np.broadcast_to(np.asarray(sum((part.lengths for part in parts), start=0)), (n,))
    matrix = np.ascontiguousarray(keys).view(np.uint8).reshape(n, keys.dtype.itemsize)
    return [matrix[row, :int(total)].tobytes() for row, total in enumerate(totals)]


def _parts(columns: Sequence[pa.Array | pa.ChunkedArray], nullable: bool,
           names: Sequence[str] | None) -> tuple[list[_Part], int]:
    arrays = [_flat(column) for column in columns]
    n = _row_count(arrays)
    parts: list[_Part] = []
    for index, array in enumerate(arrays):
        name = names[index] if names is not None and index < len(names) else f"#{index + 1}"
        parts.extend(_column_parts(array, name, nullable))
    return parts, n


def encode_values(values: Sequence[object], types: Sequence[pa.DataType]) -> bytes:
    """The encoded key of one row given as Python values (for single lookups)."""
    columns = [one_value(value, kind) for value, kind in zip(values, types)]  # no pandas probe
    return bytes(encode_keys(columns)[0])


def key_lengths(keys: np.ndarray) -> np.ndarray:
    """Length of each element with trailing NULs stripped (what `len(bytes(keys[i]))` gives).

    numpy's `str_len` on an `S` array counts exactly that (embedded NULs included), in C.
    """
    if keys.dtype.kind != "S":
        raise TypeError(f"keys must be a numpy bytes (S) array, not {keys.dtype}")
    return np.strings.str_len(keys).astype(np.int64, copy=False)


def key_words(keys: np.ndarray, count: int) -> np.ndarray:
    """Bytes 0 .. 8*count-1 of each key, zero-padded, as (rows x count) little-endian uint64."""
    if keys.dtype.kind != "S":
        raise TypeError(f"keys must be a numpy bytes (S) array, not {keys.dtype}")
    n, width = len(keys), keys.dtype.itemsize
    matrix = np.ascontiguousarray(keys).view(np.uint8).reshape(n, width)
    if width == 8 * count:
        return matrix.view("<u8")
    padded = np.zeros((n, 8 * count), dtype=np.uint8)
    used = min(width, 8 * count)
    padded[:, :used] = matrix[:, :used]
    return padded.view("<u8")


# --- columns -> parts -------------------------------------------------------------------


def _flat(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        column = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    return column


def _row_count(arrays: list[pa.Array]) -> int:
    lengths = {len(array) for array in arrays}
    if len(lengths) > 1:
        raise ValueError(f"key columns differ in length: {sorted(lengths)}")
    return lengths.pop() if lengths else 0


def _column_parts(array: pa.Array, name: str, nullable: bool) -> list[_Part]:
    """The parts one column contributes: its value bytes, behind null markers if nullable."""
    encode = _encoder(array.type, name)
    if array.null_count and not nullable:
        row = int(np.argmax(array.is_null().to_numpy(zero_copy_only=False)))
        raise InputError(f"primary key column {name} has a null value (row {row})", column=name)
    part = encode(array)
    if not nullable:
        return [part]
    if not array.null_count:
        return [_Part(np.ones((len(array), 1), dtype=np.uint8), 1), part]
    valid = array.is_valid().to_numpy(zero_copy_only=False)
    values = _Part(np.where(valid[:, None], part.block, np.uint8(0)), np.where(valid, part.lengths, 0))
    return [_Part(valid.astype(np.uint8)[:, None], 1), values]


def _encoder(kind: pa.DataType, name: str) -> Callable[[pa.Array], _Part]:
    """The function that encodes a column of this type, or `SchemaError`."""
    types = pa.types
    if types.is_boolean(kind):
        return _bool_part
    if types.is_integer(kind) or types.is_date(kind) or types.is_time(kind) \
            or types.is_timestamp(kind) or types.is_duration(kind):
        return _int_part
    if types.is_floating(kind):
        return _float_part
    if types.is_decimal(kind):
        return _decimal_part
    if types.is_fixed_size_binary(kind):
        return _fixed_binary_part
    if types.is_string(kind) or types.is_large_string(kind) or types.is_string_view(kind) \
            or types.is_binary(kind) or types.is_large_binary(kind) or types.is_binary_view(kind):
        return _variable_part
    raise SchemaError(f"key column {name} has type {kind}, which cannot be part of a key")


def _raw(array: pa.Array, width: int) -> np.ndarray:
    """The fixed-width values buffer of `array` as (rows x width) bytes (nulls: any bytes)."""
    n = len(array)
    buffer = array.buffers()[1]
    if n == 0 or width == 0 or buffer is None:
        return np.zeros((n, width), dtype=np.uint8)
    flat = np.frombuffer(buffer, dtype=np.uint8)
    return flat[array.offset * width:(array.offset + n) * width].reshape(n, width)


def _bool_part(array: pa.Array) -> _Part:
    values = array.fill_null(False).to_numpy(zero_copy_only=False)
    return _Part(values.astype(np.uint8)[:, None], 1)


def _int_part(array: pa.Array) -> _Part:
    """Big-endian, sign bit flipped for signed types (temporal types are all signed)."""
    width = array.type.bit_width // 8
    bits = _raw(array, width).view(f"<u{width}")[:, 0]
    if not pa.types.is_unsigned_integer(array.type):
        bits = bits ^ np.array(1 << (8 * width - 1), dtype=f"u{width}")
    return _Part(bits.astype(f">u{width}").view(np.uint8).reshape(-1, width), width)


def _float_part(array: pa.Array) -> _Part:
    """IEEE bits with negatives flipped and the sign bit set on positives: bytes follow values."""
    width = array.type.bit_width // 8
    values = _raw(array, width).view(f"<f{width}")[:, 0] + 0.0  # -0.0 + 0.0 is +0.0
    bits = values.view(f"u{width}")
    bits[np.isnan(values)] = _NAN_BITS[width]
    sign = np.array(1 << (8 * width - 1), dtype=f"u{width}")
    bits = np.where(bits & sign, ~bits, bits | sign)
    return _Part(bits.astype(f">u{width}").view(np.uint8).reshape(-1, width), width)


def _decimal_part(array: pa.Array) -> _Part:
    """Little-endian two's complement unscaled integers -> big-endian with the sign bit flipped."""
    width = array.type.byte_width
    block = _raw(array, width)[:, ::-1].copy()
    if width:
        block[:, 0] ^= 0x80
    return _Part(block, width)


def _fixed_binary_part(array: pa.Array) -> _Part:
    width = array.type.byte_width
    return _Part(_raw(array, width).copy(), width)  # keys never alias Arrow's read-only memory


# --- strings and binaries -----------------------------------------------------------------


def _variable_part(array: pa.Array) -> _Part:
    """Escaped bytes, zero-padded; the 0x00 0x00 terminator is counted in lengths, not written."""
    data, offsets = _binary_buffers(array)
    if len(data) and not data.all():
        data, offsets = _escape_nuls(data, offsets)
    lengths = np.diff(offsets)
    return _Part(_padded(data, offsets, lengths), lengths + 2)


def _binary_buffers(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(the rows' bytes, concatenated; int64 offsets from 0) of any string or binary array."""
    if pa.types.is_string_view(array.type) or pa.types.is_binary_view(array.type):
        array = array.cast(pa.large_binary())
    large = pa.types.is_large_string(array.type) or pa.types.is_large_binary(array.type)
    n, buffers = len(array), array.buffers()
    if n == 0:
        return np.zeros(0, dtype=np.uint8), np.zeros(1, dtype=np.int64)
    offsets = np.frombuffer(buffers[1], dtype=np.int64 if large else np.int32)
    offsets = offsets[array.offset:array.offset + n + 1].astype(np.int64)
    data = np.zeros(0, dtype=np.uint8) if buffers[2] is None \
        else np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    return data, offsets - offsets[0]


def _escape_nuls(data: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inserts 0xFF after every 0x00 (rare: the slow path, still vectorized)."""
    zeros = np.flatnonzero(data == 0)
    escaped = np.insert(data, zeros + 1, np.uint8(0xFF))
    # each row boundary moves right by the number of zeros before it
    return escaped, offsets + np.searchsorted(zeros, offsets, side="left")


def _padded(data: np.ndarray, offsets: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Rows x longest-row block of the rows' bytes, left-aligned and zero-padded.

    Arrow's `ascii_rpad` does this at memory speed and pads by bytes, not characters (so any
    bytes can go through it as a string); if a build ever counted characters, the block would
    not come out rows x width, and the numpy scatter below takes over.
    """
    n = len(lengths)
    width = int(lengths.max()) if n else 0
    if width == 0:
        return np.zeros((n, 0), dtype=np.uint8)
    strings = pa.Array.from_buffers(pa.large_string(), n,
                                    [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    padded = pc.ascii_rpad(strings, width, padding="\x00")
    padded_data, padded_offsets = _binary_buffers(padded)
    if len(padded_data) == n * width and padded_offsets[-1] == n * width:
        return padded_data.reshape(n, width)
    return _scatter_padded(data, offsets, lengths, width)


def _scatter_padded(data: np.ndarray, offsets: np.ndarray, lengths: np.ndarray,
                    width: int) -> np.ndarray:
    """The same block as `_padded`, by scattering every byte to row * width + position."""
    n = len(lengths)
    out = np.zeros(n * width, dtype=np.uint8)
    row_shift = np.arange(n, dtype=np.int64) * width - offsets[:-1]
    out[np.repeat(row_shift, lengths) + np.arange(len(data), dtype=np.int64)] = data
    return out.reshape(n, width)


# --- parts -> keys --------------------------------------------------------------------


def _assemble(parts: list[_Part], n: int) -> np.ndarray:
    """Writes the parts one after the other in each row of a zeroed (n x width) matrix."""
    if n == 0:
        return np.zeros(0, dtype="S1")
    totals = sum((part.lengths for part in parts), start=0)
    width = max(int(np.max(totals)), 1)
    if len(parts) == 1 and parts[0].block.shape[1] == width:
        return np.ascontiguousarray(parts[0].block).view(f"S{width}").reshape(n)
    out = np.zeros((n, width), dtype=np.uint8)
    start: int | np.ndarray = 0
    for part in parts:
        _write(out, part, start)
        start = start + part.lengths
    return out.reshape(-1).view(f"S{width}")


def _write(out: np.ndarray, part: _Part, start: int | np.ndarray) -> None:
    """Copies the part's bytes to columns start.. of each row.

    With one start for all rows the whole block goes in as a slice: its zero padding may land
    on later parts' columns, which are written afterwards. Otherwise each row's own bytes are
    scattered to its start.
    """
    n, block_width = part.block.shape
    if block_width == 0:
        return
    if isinstance(start, int) and start + block_width <= out.shape[1]:
        out[:, start:start + block_width] = part.block
        return
    row_starts = np.arange(n, dtype=np.int64) * out.shape[1] + start
    destinations = row_starts[:, None] + np.arange(block_width)
    if isinstance(part.lengths, int) and part.lengths >= block_width:
        out.reshape(-1)[destinations] = part.block
        return
    inside = np.arange(block_width) < np.asarray(part.lengths)[:, None]
    out.reshape(-1)[destinations[inside]] = part.block[inside]


__all__ = ["encode_keys", "encode_prefixes", "encode_values", "key_lengths", "key_words"]
