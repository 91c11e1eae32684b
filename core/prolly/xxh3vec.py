"""XXH3-64 of many short keys at once, in numpy.

Chunk boundaries hash every encoded key, and slicing a million keys into `bytes` objects to
call the library on each costs ~0.4 s. For inputs of at most 16 bytes (every integer key, most
composite keys) XXH3 is a few multiplies, shifts and xors over at most two 64-bit words read
from the input, so it vectorizes. This module implements those short-input paths (lengths 0,
1-3, 4-8, 9-16; seed 0, the default secret) with wrapping uint64 arithmetic, following the
reference `xxhash.h`, and falls back to the library for longer keys.

Invariant: `xxh3_64_of_keys(keys)[i] == xxhash.xxh3_64_intdigest(bytes(keys[i]))`, the element
as numpy returns it (trailing NULs stripped). Tests check it against the library for every
length 0..16 and for random keys.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xxhash
from dl.core.tables.encoding import key_lengths, key_words

_U64 = np.uint64
_MASK32 = _U64(0xFFFFFFFF)
_PRIME64_2 = _U64(0xC2B2AE3D27D4EB4F)
_PRIME64_3 = _U64(0x165667B19E3779F9)
_PRIME_MX1 = _U64(0x165667919E3779F9)
_PRIME_MX2 = _U64(0x9FB21C651E98DF25)

# The first 72 bytes of XXH3's default secret (kSecret), all that inputs of <= 16 bytes read.
_SECRET = bytes.fromhex(
    "b8fe6c3923a44bbe7c01812cf721ad1cded46de9839097db7240a4a4b7b3671f"
    "cb79e64eccc0e578825ad07dccff7221b8084674f743248ee03590e6813a264c"
    "3c2852bb91c300cb")


def _secret_word(offset: int, size: int = 8) -> int:
    return int.from_bytes(_SECRET[offset:offset + size], "little")


# Per-path constants of seed 0: each is a xor of two secret words.
_FLIP_0 = _U64(_secret_word(56) ^ _secret_word(64))
_FLIP_1TO3 = _U64(_secret_word(0, 4) ^ _secret_word(4, 4))
_FLIP_4TO8 = _U64(_secret_word(8) ^ _secret_word(16))
_FLIP_9TO16_LO = _U64(_secret_word(24) ^ _secret_word(32))
_FLIP_9TO16_HI = _U64(_secret_word(40) ^ _secret_word(48))

# Up to this many keys the library is called per key: ~40 us of numpy set-up against ~0.05 us
# a key (measured: 64 keys 3.9 us against 39 us; 512 keys 27 us against 47 us).
LIBRARY_MAX_ROWS = 512

# Rows hashed per pass: each temporary (256 KB) stays in cache, twice as fast as whole arrays.
_BLOCK_ROWS = 32768

_Path = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def xxh3_64_of_keys(keys: np.ndarray) -> np.ndarray:
    """XXH3-64 (seed 0) of each element of a numpy `S` array, as uint64.

    Equal to `xxhash.xxh3_64_intdigest(bytes(keys[i]))` for every i (the element with its
    trailing NULs stripped, as numpy gives it).
    """
    n = len(keys)
    if n <= LIBRARY_MAX_ROWS:  # a point edit's few leaves: numpy's fixed cost would dominate
        return np.fromiter((xxhash.xxh3_64_intdigest(k) for k in keys.tolist()), np.uint64, n)
    out = np.zeros(n, dtype=np.uint64)
    lengths = key_lengths(keys).astype(np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, n, _BLOCK_ROWS):
            rows = slice(start, start + _BLOCK_ROWS)
            out[rows] = _hash_short(keys[rows], lengths[rows])
    for row in np.flatnonzero(lengths > 16):
        out[row] = xxhash.xxh3_64_intdigest(bytes(keys[row]))
    return out


def _hash_short(keys: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Hashes of the keys of at most 16 bytes (zeros for longer ones)."""
    out = np.zeros(len(keys), dtype=np.uint64)
    words = key_words(keys, 2)
    for low, high, path in _PATHS:
        _run_path(path, (low, high), words, lengths, out)
    return out


def _run_path(path: _Path, bounds: tuple[int, int], words: np.ndarray, lengths: np.ndarray,
              out: np.ndarray) -> None:
    """Hashes the rows whose length lies in `bounds` with `path` (all rows without indexing)."""
    low, high = bounds
    if low <= lengths.min() and lengths.max() <= high:
        out[:] = path(words[:, 0], words[:, 1], lengths)
        return
    rows = np.flatnonzero((lengths >= low) & (lengths <= high))
    if len(rows):
        out[rows] = path(words[rows, 0], words[rows, 1], lengths[rows])


def _len_0(w0: np.ndarray, w1: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    return _xxh64_avalanche(np.full(len(w0), _FLIP_0, dtype=np.uint64))


def _len_1to3(w0: np.ndarray, w1: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """First, middle and last byte and the length, packed into 32 bits."""
    c1 = w0 & _U64(0xFF)
    c2 = (w0 >> ((lengths >> _U64(1)) << _U64(3))) & _U64(0xFF)
    c3 = (w0 >> ((lengths - _U64(1)) << _U64(3))) & _U64(0xFF)
    combined = (c1 << _U64(16)) | (c2 << _U64(24)) | c3 | (lengths << _U64(8))
    return _xxh64_avalanche(combined ^ _FLIP_1TO3)


def _len_4to8(w0: np.ndarray, w1: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """First and last four bytes (they overlap below 8) as one word, then rrmxmx."""
    first = w0 & _MASK32
    last = (w0 >> ((lengths - _U64(4)) << _U64(3))) & _MASK32
    return _rrmxmx((last + (first << _U64(32))) ^ _FLIP_4TO8, lengths)


def _len_9to16(w0: np.ndarray, w1: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """First and last eight bytes (overlapping below 16), mixed by a folded 128-bit product."""
    low = w0 ^ _FLIP_9TO16_LO
    high = _last_8_bytes(w0, w1, lengths) ^ _FLIP_9TO16_HI
    acc = lengths + low.byteswap() + high + _mul128_fold64(low, high)
    return _xxh3_avalanche(acc)


_PATHS: tuple[tuple[int, int, _Path], ...] = (
    (0, 0, _len_0), (1, 3, _len_1to3), (4, 8, _len_4to8), (9, 16, _len_9to16))


def _last_8_bytes(w0: np.ndarray, w1: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Bytes length-8 .. length-1 of the 16 bytes w0|w1, for lengths 9..16.

    At length 16 the shifts are 64 and 0: numpy defines a shift by the full width as 0 (C
    leaves it undefined), so w0 drops out and the word is w1, as it should.
    """
    shift = (lengths - _U64(8)) << _U64(3)
    word: np.ndarray = (w0 >> shift) | (w1 << (_U64(64) - shift))
    return word


def _mul128_fold64(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The 128-bit product a*b, high half xor low half, from 32-bit limbs (no overflow:
    the middle sum is at most 2**64 - 1, as in xxhash's portable XXH_mult64to128)."""
    a_lo, a_hi = a & _MASK32, a >> _U64(32)
    b_lo, b_hi = b & _MASK32, b >> _U64(32)
    lo_lo, hi_lo, lo_hi = a_lo * b_lo, a_hi * b_lo, a_lo * b_hi
    cross = (lo_lo >> _U64(32)) + (hi_lo & _MASK32) + lo_hi
    upper = (hi_lo >> _U64(32)) + (cross >> _U64(32)) + a_hi * b_hi
    lower = (cross << _U64(32)) | (lo_lo & _MASK32)
    folded: np.ndarray = upper ^ lower
    return folded


def _xxh64_avalanche(h: np.ndarray) -> np.ndarray:
    h = (h ^ (h >> _U64(33))) * _PRIME64_2
    h = (h ^ (h >> _U64(29))) * _PRIME64_3
    return _xorshift(h, 32)


def _xxh3_avalanche(h: np.ndarray) -> np.ndarray:
    h = (h ^ (h >> _U64(37))) * _PRIME_MX1
    return _xorshift(h, 32)


def _rrmxmx(h: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """XXH3_rrmxmx: two rotations, then multiply-xorshift twice (the length mixed in)."""
    h = h ^ _rotl(h, 49) ^ _rotl(h, 24)
    h = h * _PRIME_MX2
    h = (h ^ ((h >> _U64(35)) + lengths)) * _PRIME_MX2
    return _xorshift(h, 28)


def _xorshift(h: np.ndarray, bits: int) -> np.ndarray:
    mixed: np.ndarray = h ^ (h >> _U64(bits))
    return mixed


def _rotl(x: np.ndarray, bits: int) -> np.ndarray:
    return (x << _U64(bits)) | (x >> _U64(64 - bits))


__all__ = ["xxh3_64_of_keys"]
