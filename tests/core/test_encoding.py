"""Key encoding: bytes follow values, never depend on the batch, and form a prefix-free code.

Each key type comes with a plain per-value reference encoder (the specification, one value at a
time) and the value order it must follow. For random rows the tests check that `encode_keys`
gives the reference bytes (as numpy strips them), that the reference code is prefix-free, and
that numpy order, Python `bytes` order and value order all agree, equal iff equal.
"""
from __future__ import annotations

import datetime as dt
import decimal
import itertools
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from dl.core.errors import InputError, SchemaError
from dl.core.tables import encoding
from dl.core.tables.encoding import encode_keys, encode_prefixes, encode_values, key_lengths
from hypothesis import given
from hypothesis import strategies as st

# --- the reference encoding, one value at a time -----------------------------------------


def ref_int(value: int, bits: int, signed: bool) -> bytes:
    return (value + (1 << (bits - 1)) if signed else value).to_bytes(bits // 8, "big")


def ref_float_bits(bits: int, width: int) -> bytes:
    value = struct.unpack("<" + {2: "e", 4: "f", 8: "d"}[width], bits.to_bytes(width, "little"))[0]
    if math.isnan(value):
        bits = {2: 0x7E00, 4: 0x7FC00000, 8: 0x7FF8000000000000}[width]  # one positive quiet NaN
    elif value == 0:
        bits = 0
    sign, ones = 1 << (8 * width - 1), (1 << (8 * width)) - 1
    return (bits ^ ones if bits & sign else bits | sign).to_bytes(width, "big")


def ref_float(value: float) -> bytes:
    return ref_float_bits(struct.unpack("<Q", struct.pack("<d", value))[0], 8)


def ref_variable(raw: bytes) -> bytes:
    return raw.replace(b"\x00", b"\x00\xff") + b"\x00\x00"


def ref_decimal(value: decimal.Decimal, width: int, scale: int) -> bytes:
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    unscaled = int("".join(map(str, digits)) or "0") * 10 ** (exponent + scale)
    return ref_int(-unscaled if sign else unscaled, 8 * width, True)


def float_order(value: float) -> tuple[int, float]:
    """The order keys promise for floats: -0.0 == 0.0, every NaN equal and after +inf."""
    return (1, 0.0) if math.isnan(value) else (0, value + 0.0)


def float_of_bits(bits: int, width: int) -> float:
    return float(struct.unpack("<" + {2: "e", 4: "f", 8: "d"}[width], bits.to_bytes(width, "little"))[0])


# --- key types under test --------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A key type: its values, Arrow type, reference bytes and value order."""

    arrow: pa.DataType
    values: st.SearchStrategy[Any]
    encode: Callable[[Any], bytes]
    order: Callable[[Any], Any] = lambda value: value
    build: Callable[[list[Any], pa.DataType], pa.Array] = lambda values, kind: pa.array(values, kind)


def from_ints(numpy_type: str) -> Callable[[list[Any], pa.DataType], pa.Array]:
    """Builds a fixed-width array from its physical values (temporal types, float bit patterns)."""
    def build(values: list[Any], kind: pa.DataType) -> pa.Array:
        buffer = pa.py_buffer(np.array(values, dtype=numpy_type).tobytes())
        return pa.Array.from_buffers(kind, len(values), [None, buffer])
    return build


def int_kind(kind: pa.DataType) -> Kind:
    bits, signed = kind.bit_width, pa.types.is_signed_integer(kind)
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    edges = st.sampled_from([v for v in (low, high, 0, 1, -1, low + 1, high - 1, 255, 256)
                             if low <= v <= high])
    return Kind(kind, st.integers(low, high) | edges, lambda v: ref_int(v, bits, signed))


def float_bits_kind(kind: pa.DataType) -> Kind:
    """Floats drawn as raw bit patterns: every NaN payload, both zeros, subnormals, infinities."""
    width = kind.bit_width // 8
    specials = np.array([0.0, -0.0, math.inf, -math.inf, math.nan, -math.nan, 1.0, -1.0],
                        dtype=f"f{width}").view(f"u{width}").tolist()
    bits = st.integers(0, (1 << (8 * width)) - 1) | st.sampled_from(specials)
    return Kind(kind, bits, lambda b: ref_float_bits(b, width),
                lambda b: float_order(float_of_bits(b, width)), from_ints(f"u{width}"))


def temporal_kind(kind: pa.DataType, low: int, high: int) -> Kind:
    width = kind.bit_width
    return Kind(kind, st.integers(low, high), lambda v: ref_int(v, width, True),
                build=from_ints(f"i{width // 8}"))


def decimal_kind(kind: pa.DataType) -> Kind:
    digits, scale = kind.precision, kind.scale
    limit = 10 ** digits - 1  # drawn as unscaled integers: st.decimals rounds wide bounds
    values = st.integers(-limit, limit).map(lambda u: decimal.Decimal(f"{u}E-{scale}"))
    return Kind(kind, values, lambda v: ref_decimal(v, kind.byte_width, scale))


TEXT = st.text(st.sampled_from("ab\x00\x01é中😀") | st.characters(codec="utf-8"), max_size=6)
BYTES = st.lists(st.sampled_from([0, 1, 0x7F, 0x80, 0xFF]) | st.integers(0, 255), max_size=6).map(bytes)
INT64 = (-(1 << 63), (1 << 63) - 1)


def text_kind(kind: pa.DataType) -> Kind:
    return Kind(kind, TEXT, lambda v: ref_variable(v.encode()), lambda v: v.encode())


def binary_kind(kind: pa.DataType) -> Kind:
    return Kind(kind, BYTES, ref_variable)


KINDS: dict[str, Kind] = {
    **{str(t): int_kind(t) for t in (pa.int8(), pa.int16(), pa.int32(), pa.int64(),
                                       pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64())},
    "float16": float_bits_kind(pa.float16()),
    "float32": float_bits_kind(pa.float32()),
    "float64": Kind(pa.float64(), st.floats(), ref_float, float_order),
    "float64 bits": float_bits_kind(pa.float64()),
    "bool": Kind(pa.bool_(), st.booleans(), lambda v: bytes([v])),
    "string": text_kind(pa.string()),
    "ascii string": Kind(pa.string(), st.text("abyz", max_size=6), lambda v: ref_variable(v.encode())),
    "large_string": text_kind(pa.large_string()),
    "string_view": text_kind(pa.string_view()),
    "binary": binary_kind(pa.binary()),
    "large_binary": binary_kind(pa.large_binary()),
    "binary_view": binary_kind(pa.binary_view()),
    "fixed_size_binary": Kind(pa.binary(3), st.binary(min_size=3, max_size=3), lambda v: v),
    "date32": Kind(pa.date32(), st.dates(),
                   lambda v: ref_int((v - dt.date(1970, 1, 1)).days, 32, True)),
    "date64": temporal_kind(pa.date64(), *INT64),
    "time32[s]": temporal_kind(pa.time32("s"), 0, 86399),
    "time32[ms]": temporal_kind(pa.time32("ms"), 0, 86_399_999),
    "time64[us]": temporal_kind(pa.time64("us"), 0, 86_399_999_999),
    "time64[ns]": temporal_kind(pa.time64("ns"), 0, 86_399_999_999_999),
    "timestamp[s]": temporal_kind(pa.timestamp("s"), *INT64),
    "timestamp[ms, UTC]": temporal_kind(pa.timestamp("ms", "UTC"), *INT64),
    "timestamp[ns, Asia/Tokyo]": temporal_kind(pa.timestamp("ns", "Asia/Tokyo"), *INT64),
    "duration[us]": temporal_kind(pa.duration("us"), *INT64),
    "decimal32(7, 2)": decimal_kind(pa.decimal32(7, 2)),
    "decimal64(15, 3)": decimal_kind(pa.decimal64(15, 3)),
    "decimal128(12, 2)": decimal_kind(pa.decimal128(12, 2)),
    "decimal128(38, 0)": decimal_kind(pa.decimal128(38, 0)),
    "decimal256(60, 5)": decimal_kind(pa.decimal256(60, 5)),
}


# --- the properties --------------------------------------------------------------------


def dense_ranks(values: list[Any]) -> np.ndarray:
    ranks = {value: rank for rank, value in enumerate(sorted(set(values)))}
    return np.array([ranks[v] for v in values], dtype=np.int64)


def assert_prefix_free(codes: list[bytes]) -> None:
    distinct = sorted(set(codes))
    for shorter, longer in itertools.pairwise(distinct):  # a prefix sorts right before its extensions
        assert not longer.startswith(shorter), (shorter, longer)


def check(kinds: list[Kind], rows: list[tuple[Any, ...]], nullable: bool = False) -> np.ndarray:
    """Encodes `rows` and checks them against the reference and the value order."""
    columns = [kind.build([row[i] for row in rows], kind.arrow) for i, kind in enumerate(kinds)]
    keys = encode_keys(columns, nullable=nullable)

    def code(kind: Kind, value: Any) -> bytes:
        if not nullable:
            return kind.encode(value)
        return b"\x00" if value is None else b"\x01" + kind.encode(value)

    def order(kind: Kind, value: Any) -> Any:
        return kind.order(value) if not nullable else (0,) if value is None else (1, kind.order(value))

    codes = [b"".join(code(k, v) for k, v in zip(kinds, row)) for row in rows]
    assert keys.dtype == np.dtype(f"S{max([1, *map(len, codes)])}")
    assert [bytes(key) for key in keys] == [c.rstrip(b"\x00") for c in codes]
    assert_prefix_free(codes)
    values = [tuple(order(k, v) for k, v in zip(kinds, row)) for row in rows]
    assert [values[i] for i in np.argsort(keys, kind="stable")] == sorted(values)
    by_value, by_bytes = dense_ranks(values), dense_ranks([bytes(key) for key in keys])
    numpy_less = keys[:, None] < keys[None, :]
    assert np.array_equal(numpy_less, by_value[:, None] < by_value[None, :])
    assert np.array_equal(numpy_less, by_bytes[:, None] < by_bytes[None, :])
    assert np.array_equal(keys[:, None] == keys[None, :], by_value[:, None] == by_value[None, :])
    return keys


def rows_of(kinds: list[Kind], max_size: int = 30) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    return st.lists(st.tuples(*(kind.values for kind in kinds)), max_size=max_size)


@pytest.mark.parametrize("name", list(KINDS))
@given(data=st.data())
def test_every_type_orders_and_matches_the_reference(name: str, data: st.DataObject) -> None:
    kind = KINDS[name]
    check([kind], data.draw(rows_of([kind])))


COMPOSITES = [
    ("int32", "string"),
    ("string", "int64"),
    ("ascii string", "int16", "ascii string"),
    ("float64", "bool", "date32"),
    ("string", "binary", "uint8"),
    ("decimal128(12, 2)", "large_string", "decimal256(60, 5)"),
    ("fixed_size_binary", "string_view", "timestamp[ns, Asia/Tokyo]"),
]


@pytest.mark.parametrize("names", COMPOSITES, ids=",".join)
@given(data=st.data())
def test_composite_keys(names: tuple[str, ...], data: st.DataObject) -> None:
    kinds = [KINDS[name] for name in names]
    check(kinds, data.draw(rows_of(kinds)))


@pytest.mark.parametrize("names", COMPOSITES[:2] + [("bool", "float64", "decimal128(12, 2)")],
                         ids=",".join)
@given(data=st.data())
def test_nullable_keys_put_nulls_first(names: tuple[str, ...], data: st.DataObject) -> None:
    kinds = [KINDS[name] for name in names]
    rows = data.draw(st.lists(st.tuples(*(st.none() | kind.values for kind in kinds)), max_size=30))
    check(kinds, rows, nullable=True)


@given(rows_of([KINDS["ascii string"], KINDS["int64"]], max_size=40), st.integers(0, 40))
def test_a_key_does_not_depend_on_the_rest_of_the_batch(rows: list[tuple[str, int]],
                                                        cut: int) -> None:
    columns = [pa.array([r[0] for r in rows], pa.string()), pa.array([r[1] for r in rows], pa.int64())]
    whole = encode_keys(columns)
    halves = [encode_keys([c.slice(0, cut) for c in columns]),
              encode_keys([c.slice(cut) for c in columns])]
    assert [bytes(k) for k in whole] == [bytes(k) for half in halves for k in half]


@pytest.mark.parametrize("names", COMPOSITES[:2] + [("int64",), ("string",), ("decimal128(12, 2)",)],
                         ids=",".join)
@given(data=st.data())
def test_prefixes_are_whole_keys_that_longer_keys_extend(names: tuple[str, ...], data: st.DataObject) -> None:
    """`encode_prefixes` keeps the zero bytes a numpy `S` element drops (an int 0's key ends in
    seven), so a prefix of the first columns is the exact start of the longer key, and a range
    [prefix, prefix + 0x02) holds exactly the keys whose first columns are those values."""
    kinds = [KINDS[name] for name in names]
    rows = data.draw(st.lists(st.tuples(*(st.none() | kind.values for kind in kinds)), min_size=1, max_size=20))
    columns = [kind.build([row[i] for row in rows], kind.arrow) for i, kind in enumerate(kinds)]
    prefixes = encode_prefixes(columns, nullable=True)
    assert [p.rstrip(b"\0") for p in prefixes] == [bytes(k) for k in encode_keys(columns, nullable=True)]
    tail = pa.array(range(len(rows)), pa.int64())
    longer = encode_prefixes([*columns, tail], nullable=True)
    assert all(whole.startswith(prefix) for whole, prefix in zip(longer, prefixes))
    for prefix in prefixes:
        inside = [whole for whole in longer if prefix <= whole < prefix + b"\x02"]
        assert inside == [whole for whole, other in zip(longer, prefixes) if other == prefix]


def test_prefix_of_zero_keeps_its_zero_bytes() -> None:
    assert encode_prefixes([pa.array([0, 256], pa.int64())], nullable=True) == [
        b"\x01\x80" + b"\0" * 7, b"\x01\x80" + b"\0" * 5 + b"\x01\0"]
    assert encode_prefixes([pa.array(["a"])]) == [b"a\0\0"]
    assert encode_prefixes([pa.array([], pa.int64())]) == []


# --- nulls, types, arrays ----------------------------------------------------------------


def test_null_in_a_key_column_is_refused_with_its_name_and_row() -> None:
    with pytest.raises(InputError, match=r"primary key column region has a null value \(row 2\)"):
        encode_keys([pa.array([1, 2, 3]), pa.array(["a", "b", None])], names=["id", "region"])
    with pytest.raises(InputError, match="column #1 has a null"):
        encode_keys([pa.array([None], pa.float64())])


def test_nullable_markers() -> None:
    keys = encode_keys([pa.array([5, None, -3], pa.int8()), pa.array(["x", "y", None])], nullable=True)
    assert [bytes(k) for k in keys] == [b"\x01\x85\x01x", b"\x00\x01y", b"\x01\x7d"]
    assert list(np.argsort(keys)) == [1, 2, 0]


@pytest.mark.parametrize("kind", [pa.list_(pa.int64()), pa.struct([("a", pa.int8())]), pa.null(),
                                  pa.map_(pa.string(), pa.int8())], ids=str)
def test_unsupported_types_are_schema_errors_naming_the_type(kind: pa.DataType) -> None:
    with pytest.raises(SchemaError, match=f"key column k has type {str(kind)[:4]}"):
        encode_keys([pa.array([None], kind)], names=["k"], nullable=True)


def test_chunked_sliced_and_dictionary_arrays_encode_like_plain_ones() -> None:
    values = ["b", "a\x00", "é", "", "b"]
    plain = encode_keys([pa.array(values)])
    chunked = pa.chunked_array([pa.array(values[:2]), pa.array([], pa.string()), pa.array(values[2:])])
    assert np.array_equal(encode_keys([chunked]), plain)
    assert np.array_equal(encode_keys([pa.array(["z", *values]).slice(1)]), plain)
    assert np.array_equal(encode_keys([pa.array(values).dictionary_encode()]), plain)
    ints = pa.array(range(-5, 5), pa.int16())
    assert np.array_equal(encode_keys([ints.slice(3, 4)]), encode_keys([ints])[3:7])
    empty = pa.chunked_array([], pa.int64())
    assert encode_keys([empty]).shape == (0,)


def test_empty_and_mismatched_inputs() -> None:
    keys = encode_keys([pa.array([], pa.string()), pa.array([], pa.int32())])
    assert keys.shape == (0,) and keys.dtype == np.dtype("S1")
    with pytest.raises(ValueError, match="differ in length"):
        encode_keys([pa.array([1, 2]), pa.array([1])])


def test_encode_values_equals_the_batch_encoding() -> None:
    types = [pa.string(), pa.int64()]
    keys = encode_keys([pa.array(["a", "bc"]), pa.array([7, -7])])
    assert encode_values(["bc", -7], types) == bytes(keys[1])


def test_numpy_fallback_pads_like_arrow() -> None:
    raw = [b"", b"a\x00b", b"\xff\xfe", "é中".encode(), b"xyz"]
    data = np.frombuffer(b"".join(raw), dtype=np.uint8)
    offsets = np.cumsum([0, *map(len, raw)]).astype(np.int64)
    lengths = np.diff(offsets)
    padded = encoding._padded(data, offsets, lengths)
    assert [bytes(row) for row in padded] == [r.ljust(5, b"\x00") for r in raw]
    assert np.array_equal(encoding._scatter_padded(data, offsets, lengths, 5), padded)


@given(st.lists(st.binary(max_size=12), min_size=1, max_size=30))
def test_key_lengths_is_the_stripped_length(values: list[bytes]) -> None:
    keys = np.array(values, dtype=f"S{max(1, *map(len, values))}")
    assert list(key_lengths(keys)) == [len(bytes(k)) for k in keys]
    assert list(key_lengths(keys[::2])) == [len(bytes(k)) for k in keys[::2]]
