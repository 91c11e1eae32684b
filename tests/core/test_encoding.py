"""Key encoding: sorting encoded bytes sorts the keys; equal bytes iff equal keys."""
from __future__ import annotations

import datetime as dt
import decimal
import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.encoding import encode_keys, key_lengths
from core.errors import InputError, SchemaError


def float_key(x: float) -> tuple:
    """The order the encoding promises: -0.0 == 0.0, every NaN equal and after +inf."""
    return (1, 0.0) if math.isnan(x) else (0, x + 0.0)


def assert_orders(columns: list[list], types: list[pa.DataType], key=lambda row: row) -> None:
    arrays = [pa.array(values, t) for values, t in zip(columns, types)]
    encoded = encode_keys(arrays)
    rows = list(zip(*columns))
    by_bytes = [key(rows[i]) for i in np.argsort(encoded, kind="stable")]
    assert by_bytes == sorted(key(r) for r in rows)
    as_bytes = [bytes(e) for e in encoded]
    assert [key(rows[i]) for i in sorted(range(len(rows)), key=lambda i: as_bytes[i])] == sorted(key(r) for r in rows)
    distinct_keys = {key(r) for r in rows}
    assert len(set(as_bytes)) == len(distinct_keys)


INTS = [(pa.int8(), 8, True), (pa.int16(), 16, True), (pa.int32(), 32, True), (pa.int64(), 64, True),
        (pa.uint8(), 8, False), (pa.uint16(), 16, False), (pa.uint32(), 32, False), (pa.uint64(), 64, False)]


@pytest.mark.parametrize("kind,bits,signed", INTS)
@given(data=st.data())
def test_integers_of_every_width(kind, bits, signed, data):
    lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2 ** bits - 1)
    values = data.draw(st.lists(st.integers(lo, hi), max_size=60))
    assert_orders([values], [kind])


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=60))
def test_floats(values):
    assert_orders([values], [pa.float64()], key=lambda r: float_key(r[0]))


@given(st.lists(st.floats(width=32, allow_nan=False), max_size=60))
def test_float32(values):
    assert_orders([values], [pa.float32()], key=lambda r: float_key(r[0]))


@given(st.lists(st.text(max_size=8), max_size=60))
def test_strings_including_nul_and_unicode(values):
    assert_orders([values], [pa.string()], key=lambda r: r[0].encode())


@given(st.lists(st.binary(max_size=8), max_size=60))
def test_binary(values):
    assert_orders([values], [pa.binary()])


@given(st.lists(st.tuples(st.integers(-1000, 1000), st.text(max_size=4), st.booleans()), max_size=60))
def test_composite_int_string_bool(rows):
    cols = [list(c) for c in zip(*rows)] if rows else [[], [], []]
    assert_orders(cols, [pa.int32(), pa.string(), pa.bool_()], key=lambda r: (r[0], r[1].encode(), r[2]))


@given(st.lists(st.tuples(st.text(max_size=4), st.integers(-(2**63), 2**63 - 1)), max_size=60))
def test_composite_string_first(rows):
    cols = [list(c) for c in zip(*rows)] if rows else [[], []]
    assert_orders(cols, [pa.string(), pa.int64()], key=lambda r: (r[0].encode(), r[1]))


@given(st.lists(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False), max_size=60))
def test_decimals(values):
    assert_orders([values], [pa.decimal128(12, 2)])


@given(st.lists(st.dates(), max_size=40), st.lists(st.datetimes(), max_size=40))
def test_dates_and_timestamps(dates, stamps):
    assert_orders([dates], [pa.date32()])
    assert_orders([stamps], [pa.timestamp("us")])


def test_nulls_refused_unless_nullable_then_first():
    with pytest.raises(InputError, match="null"):
        encode_keys([pa.array([1, None])], names=["id"])
    encoded = encode_keys([pa.array([5, None, -3])], nullable=True)
    assert list(np.argsort(encoded)) == [1, 2, 0]


def test_unsupported_type_is_a_schema_error():
    with pytest.raises(SchemaError):
        encode_keys([pa.array([[1], [2]])])


def test_key_lengths_match_numpy_elements():
    encoded = encode_keys([pa.array(["", "a", "ab\x00"]), pa.array([0, -(2**63), 7])])
    assert list(key_lengths(encoded)) == [len(bytes(e)) for e in encoded]
    assert decimal and dt  # imported for strategies' types
