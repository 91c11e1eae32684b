"""Order-preserving, prefix-free byte encoding of primary keys, vectorized.

A key (one or more column values) becomes bytes whose lexicographic order is the order of
the values: big-endian integers with the sign bit flipped, IEEE floats with the sign trick
(-0.0 as 0.0, every NaN as one value after +inf), strings and binaries with each 0x00 escaped
as 0x00 0xFF and a 0x00 0x00 terminator, decimals as sign-flipped big-endian two's
complement, temporal types as their integers. A composite key is the concatenation.

The code is prefix-free (no valid key of a column list is a proper prefix of another). That
is what lets keys live in numpy `S` arrays, which strip trailing NUL bytes and compare
zero-padded: for prefix-free codes, numpy's order, Python's `bytes` order of the stripped
elements and the value order all agree, and stripping is injective.

Everything is built as one (rows x width) uint8 matrix by scattering each column's bytes, so
a million int64 keys encode in milliseconds, not the ~0.1 s a Python loop would take.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.errors import InputError, SchemaError

_CANONICAL_NAN64 = np.uint64(0x7FF8000000000000)


def encode_keys(columns: Sequence[pa.Array | pa.ChunkedArray], *, nullable: bool = False,
                names: Sequence[str] | None = None) -> np.ndarray:
    """Encoded keys of the rows of `columns` as a numpy `S` array (one element per row)."""
    arrays = [_flat(c) for c in columns]
    n = len(arrays[0]) if arrays else 0
    pieces: list[tuple[np.ndarray, np.ndarray]] = []
    for index, array in enumerate(arrays):
        name = names[index] if names is not None and index < len(names) else f"#{index + 1}"
        if array.null_count and not nullable:
            raise InputError(f"primary key column {name} has a null value", column=name)
        data, lengths = _encode_column(array)
        if nullable:
            valid = ~array.is_null().to_numpy(zero_copy_only=False) if array.null_count else np.ones(n, bool)
            data, lengths = _drop_nulls(data, lengths, valid)
            pieces.append((valid.astype(np.uint8), np.ones(n, dtype=np.int64)))
        pieces.append((data, lengths))
    return _assemble(pieces, n)


def key_lengths(keys: np.ndarray) -> np.ndarray:
    """Length of each element with trailing NULs stripped (what `bytes(keys[i])` gives)."""
    n, width = len(keys), keys.dtype.itemsize
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    matrix = np.ascontiguousarray(keys).view(np.uint8).reshape(n, width)
    nonzero = matrix != 0
    last = width - np.argmax(nonzero[:, ::-1], axis=1)
    return np.where(nonzero.any(axis=1), last, 0).astype(np.int64)


def _flat(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    return column


def _assemble(pieces: list[tuple[np.ndarray, np.ndarray]], n: int) -> np.ndarray:
    """Concatenates per-row byte runs of each piece into an (n, width) matrix viewed as `S`."""
    if n == 0:
        return np.zeros(0, dtype="S1")
    if all(len(lengths) and lengths[0] == lengths[-1] and np.all(lengths == lengths[0]) for _, lengths in pieces):
        matrix = np.concatenate([data.reshape(n, -1) for data, _ in pieces], axis=1) \
            if len(pieces) > 1 else pieces[0][0].reshape(n, -1)
        width = matrix.shape[1]
        if width == 0:
            return np.zeros(n, dtype="S1")
        return np.ascontiguousarray(matrix).view(f"S{width}").reshape(n)
    starts = np.zeros(n, dtype=np.int64)
    total = np.zeros(n, dtype=np.int64)
    for _, lengths in pieces:
        total += lengths
    width = max(int(total.max()), 1)
    out = np.zeros(n * width, dtype=np.uint8)
    base = np.arange(n, dtype=np.int64) * width
    for data, lengths in pieces:
        _scatter(out, data, lengths, base + starts)
        starts += lengths
    return out.view(f"S{width}")


def _scatter(out: np.ndarray, data: np.ndarray, lengths: np.ndarray, dest_starts: np.ndarray) -> None:
    """Writes row i's `lengths[i]` bytes (consecutive in `data`) at `dest_starts[i]`."""
    if len(data) == 0:
        return
    if np.all(lengths == lengths[0]):
        width = int(lengths[0])
        index = dest_starts[:, None] + np.arange(width)[None, :]
        out[index.ravel()] = data
        return
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    row = np.repeat(np.arange(len(lengths)), lengths)
    within = np.arange(len(data), dtype=np.int64) - offsets[row]
    out[dest_starts[row] + within] = data


def _drop_nulls(data: np.ndarray, lengths: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if valid.all():
        return data, lengths
    keep = np.repeat(valid, lengths)
    return data[keep], np.where(valid, lengths, 0)


def _encode_column(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(bytes of every row, concatenated; bytes per row) for one column."""
    kind = array.type
    n = len(array)
    if pa.types.is_boolean(kind):
        values = array.fill_null(False).to_numpy(zero_copy_only=False).astype(np.uint8)
        return values, np.ones(n, dtype=np.int64)
    if pa.types.is_integer(kind) or _is_temporal(kind):
        return _fixed(_int_bytes(array), n)
    if pa.types.is_floating(kind):
        return _fixed(_float_bytes(array), n)
    if pa.types.is_decimal(kind):
        return _fixed(_decimal_bytes(array), n)
    if pa.types.is_fixed_size_binary(kind):
        width = kind.byte_width
        raw = np.frombuffer(array.buffers()[1], dtype=np.uint8)[array.offset * width:(array.offset + n) * width]
        return raw.copy(), np.full(n, width, dtype=np.int64)
    if _is_binary_like(kind):
        return _variable_bytes(array)
    raise SchemaError(f"type {kind} cannot be part of a primary key")


def _fixed(matrix: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.ascontiguousarray(matrix).reshape(-1), np.full(n, matrix.shape[1] if n else 0, dtype=np.int64)


def _is_temporal(kind: pa.DataType) -> bool:
    return (pa.types.is_date(kind) or pa.types.is_time(kind) or pa.types.is_timestamp(kind)
            or pa.types.is_duration(kind))


def _is_binary_like(kind: pa.DataType) -> bool:
    return (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind)
            or pa.types.is_large_binary(kind) or pa.types.is_string_view(kind)
            or pa.types.is_binary_view(kind))


def _int_bytes(array: pa.Array) -> np.ndarray:
    """Big-endian bytes, sign bit flipped for signed types (and temporal ones, all signed)."""
    kind = array.type
    width = kind.bit_width // 8
    if not pa.types.is_integer(kind):
        array = array.view(pa.int32() if width == 4 else pa.int64())
        kind = array.type
    values = array.fill_null(0).to_numpy(zero_copy_only=False)
    unsigned = values.view(f"u{width}")
    if pa.types.is_signed_integer(kind):
        unsigned = unsigned ^ np.array(1 << (8 * width - 1), dtype=f"u{width}")
    return unsigned.astype(f">u{width}").view(np.uint8).reshape(len(values), width)


def _float_bytes(array: pa.Array) -> np.ndarray:
    width = array.type.bit_width // 8
    values = array.fill_null(0).to_numpy(zero_copy_only=False).astype(f"f{width}")
    values = np.where(values == 0, np.zeros(1, dtype=values.dtype), values)  # -0.0 -> 0.0
    bits = values.view(f"u{width}").copy()
    nan = np.isnan(values)
    if nan.any():
        bits[nan] = np.array(0x7FF8000000000000 if width == 8 else 0x7FC00000 if width == 4 else 0x7E00,
                             dtype=f"u{width}")
    sign = np.array(1 << (8 * width - 1), dtype=f"u{width}")
    negative = (bits & sign) != 0
    bits = np.where(negative, ~bits, bits | sign).astype(f"u{width}")
    return bits.astype(f">u{width}").view(np.uint8).reshape(len(values), width)


def _decimal_bytes(array: pa.Array) -> np.ndarray:
    width = array.type.byte_width
    n = len(array)
    raw = np.frombuffer(array.buffers()[1], dtype=np.uint8)[array.offset * width:(array.offset + n) * width]
    matrix = raw.reshape(n, width)[:, ::-1].copy()  # little-endian -> big-endian
    matrix[:, 0] ^= 0x80
    if array.null_count:
        matrix[array.is_null().to_numpy(zero_copy_only=False)] = 0
    return matrix


def _variable_bytes(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Escaped bytes plus the 0x00 0x00 terminator, per row."""
    fast = _ascii_padded(array)
    if fast is not None:
        return fast
    if pa.types.is_string_view(array.type) or pa.types.is_binary_view(array.type):
        array = array.cast(pa.large_binary())
    if pa.types.is_large_string(array.type) or pa.types.is_large_binary(array.type):
        offsets_dtype = np.int64
    else:
        offsets_dtype = np.int32
    array = array.fill_null(b"" if pa.types.is_binary(array.type) or pa.types.is_large_binary(array.type) else "")
    n = len(array)
    buffers = array.buffers()
    offsets = np.frombuffer(buffers[1], dtype=offsets_dtype)[array.offset:array.offset + n + 1].astype(np.int64)
    data = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0]:offsets[-1]] if buffers[2] is not None \
        else np.zeros(0, dtype=np.uint8)
    offsets = offsets - offsets[0]
    zeros = np.flatnonzero(data == 0)
    if len(zeros):
        data = np.insert(data, zeros + 1, 0xFF)
        offsets = offsets + np.searchsorted(zeros, offsets, side="left")
    lengths = np.diff(offsets)
    out_lengths = lengths + 2
    # insert two terminator bytes after each row's bytes
    terminator_at = np.repeat(offsets[1:], 2)
    encoded = np.insert(data, terminator_at, 0)
    return encoded, out_lengths


def _ascii_padded(array: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """Fast path for ASCII text without NUL bytes: the value padded with zeros to a common width.

    Terminator and padding are both zero bytes, so padding every value to (longest + 2) gives
    exactly the encoded bytes, and numpy strips the padding again.
    """
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)) or array.null_count:
        return None
    n = len(array)
    if n == 0 or not pc.all(pc.string_is_ascii(array)).as_py():
        return None
    if pc.any(pc.match_substring(array, "\x00")).as_py():
        return None
    width = int(pc.max(pc.binary_length(array)).as_py()) + 2
    padded = pc.ascii_rpad(array, width, padding="\x00").cast(pa.large_binary()).cast(pa.binary(width))
    raw = np.frombuffer(padded.buffers()[1], dtype=np.uint8)[padded.offset * width:(padded.offset + n) * width]
    return raw, np.full(n, width, dtype=np.int64)


def encode_values(values: Sequence[object], types: Sequence[pa.DataType]) -> bytes:
    """The encoded key of one row given as Python values (for single lookups)."""
    columns = [pa.array([v], type=t) for v, t in zip(values, types)]
    return bytes(encode_keys(columns)[0])


__all__ = ["encode_keys", "key_lengths", "encode_values"]
