"""XXH3-64 of many short keys at once, in numpy.

Chunk boundaries hash every encoded key; slicing a million keys into bytes objects and
calling the library on each costs ~0.4 s. For inputs of at most 16 bytes (every integer key,
most composite keys) XXH3's formulas are a few multiplies and shifts, so they vectorize; this
module implements those short-input paths (seed 0, the default secret) with wrapping uint64
arithmetic and falls back to the library for longer keys. Tests check it against the library
for every length 0..16.
"""
from __future__ import annotations

import numpy as np
import xxhash

from core.encoding import key_lengths

_SECRET = bytes([
    0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
    0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
    0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
    0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
    0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
])
_U64 = np.uint64
_PRIME64_2 = _U64(0xC2B2AE3D27D4EB4F)
_PRIME64_3 = _U64(0x165667B19E3779F9)
_PRIME_MX1 = _U64(0x165667919E3779F9)
_PRIME_MX2 = _U64(0x9FB21C651E98DF25)
_MASK32 = _U64(0xFFFFFFFF)


def _le(offset: int, size: int) -> np.uint64:
    return _U64(int.from_bytes(_SECRET[offset:offset + size], "little"))


def xxh3_64_of_keys(keys: np.ndarray) -> np.ndarray:
    """XXH3-64 (seed 0) of each element of a numpy `S` array, as numpy would return it."""
    n = len(keys)
    out = np.zeros(n, dtype=np.uint64)
    if n == 0:
        return out
    lengths = key_lengths(keys).astype(np.uint64)
    words = _first_16_bytes(keys)
    w0, w1 = words[:, 0], words[:, 1]
    with np.errstate(over="ignore"):
        for lo, hi, fn in ((0, 0, _len0), (1, 3, _len1to3), (4, 8, _len4to8), (9, 16, _len9to16)):
            rows = (lengths >= lo) & (lengths <= hi)
            if rows.all():
                out = fn(w0, w1, lengths)
            elif rows.any():
                out[rows] = fn(w0[rows], w1[rows], lengths[rows])
    for row in np.flatnonzero(lengths > 16):
        out[row] = xxhash.xxh3_64_intdigest(bytes(keys[row]))
    return out


def _first_16_bytes(keys: np.ndarray) -> np.ndarray:
    """Bytes 0-15 of each key (zero-padded) as two little-endian uint64 words per row."""
    n, width = len(keys), keys.dtype.itemsize
    matrix = np.ascontiguousarray(keys).view(np.uint8).reshape(n, width)
    padded = np.zeros((n, 16), dtype=np.uint8)
    padded[:, :min(width, 16)] = matrix[:, :16]
    return padded.view("<u8").astype(np.uint64)


def _bytes_at(w0: np.ndarray, w1: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """The 8 bytes starting at per-row `offset` (0..8) of the 16-byte row, as uint64."""
    shift = (offset * _U64(8)).astype(np.uint64)
    inner = (w0 >> np.minimum(shift, _U64(63))) | (w1 << ((_U64(64) - shift) & _U64(63)))
    return np.where(offset == 0, w0, np.where(offset >= 8, w1, inner))


def _xxh64_avalanche(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _U64(33))
    h = h * _PRIME64_2
    h = h ^ (h >> _U64(29))
    h = h * _PRIME64_3
    return h ^ (h >> _U64(32))


def _xxh3_avalanche(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _U64(37))
    h = h * _PRIME_MX1
    return h ^ (h >> _U64(32))


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << _U64(r)) | (x >> _U64(64 - r))


def _len0(w0: np.ndarray, w1: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    value = _U64(int(_le(56, 8)) ^ int(_le(64, 8)))
    return _xxh64_avalanche(np.full(len(w0), value, dtype=np.uint64))


def _len1to3(w0: np.ndarray, w1: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    byte = _U64(0xFF)
    c1 = w0 & byte
    c2 = (w0 >> ((lengths >> _U64(1)) * _U64(8))) & byte
    c3 = (w0 >> ((lengths - _U64(1)) * _U64(8))) & byte
    combined = (c1 << _U64(16)) | (c2 << _U64(24)) | c3 | (lengths << _U64(8))
    bitflip = _U64((int(_le(0, 4)) ^ int(_le(4, 4))) & 0xFFFFFFFF)
    return _xxh64_avalanche(combined ^ bitflip)


def _len4to8(w0: np.ndarray, w1: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    input1 = w0 & _MASK32
    input2 = (w0 >> ((lengths - _U64(4)) * _U64(8))) & _MASK32
    bitflip = _U64(int(_le(8, 8)) ^ int(_le(16, 8)))
    keyed = (input2 + (input1 << _U64(32))) ^ bitflip
    h = keyed ^ _rotl(keyed, 49) ^ _rotl(keyed, 24)
    h = h * _PRIME_MX2
    h = h ^ ((h >> _U64(35)) + lengths)
    h = h * _PRIME_MX2
    return h ^ (h >> _U64(28))


def _len9to16(w0: np.ndarray, w1: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    bitflip1 = _U64(int(_le(24, 8)) ^ int(_le(32, 8)))
    bitflip2 = _U64(int(_le(40, 8)) ^ int(_le(48, 8)))
    low = w0 ^ bitflip1
    high = _bytes_at(w0, w1, lengths - _U64(8)) ^ bitflip2
    acc = lengths + low.byteswap() + high + _mul128_fold64(low, high)
    return _xxh3_avalanche(acc)


def _mul128_fold64(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(a * b) as 128 bits, high half XOR low half (portable 32-bit-limb multiply)."""
    a_lo, a_hi = a & _MASK32, a >> _U64(32)
    b_lo, b_hi = b & _MASK32, b >> _U64(32)
    lo_lo = a_lo * b_lo
    hi_lo = a_hi * b_lo
    lo_hi = a_lo * b_hi
    hi_hi = a_hi * b_hi
    cross = (lo_lo >> _U64(32)) + (hi_lo & _MASK32) + lo_hi
    upper = (hi_lo >> _U64(32)) + (cross >> _U64(32)) + hi_hi
    lower = (cross << _U64(32)) | (lo_lo & _MASK32)
    return upper ^ lower
