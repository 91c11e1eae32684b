"""`core.arrow_values` builds the same arrays as `pa.array`, without its pandas probe."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from dl.core.arrow_values import indices, mask, one_value, strings
from hypothesis import given
from hypothesis import strategies as st

INT_TYPES = [pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64()]


@given(st.sampled_from(INT_TYPES), st.integers(-(2**65), 2**65))
def test_one_integer_is_pa_array_or_its_error(kind: pa.DataType, value: int) -> None:
    try:
        expected = pa.array([value], kind)
    except (pa.ArrowInvalid, OverflowError) as exc:
        with pytest.raises(type(exc)):
            one_value(value, kind)
        return
    got = one_value(value, kind)
    assert got.equals(expected) and got.type == kind


@given(st.one_of(st.none(), st.text(), st.booleans(), st.floats(allow_nan=False), st.integers(-5, 5)),
       st.sampled_from([pa.string(), pa.int64(), pa.float64(), pa.bool_(), pa.large_string()]))
def test_one_value_of_any_kind_is_pa_array(value: object, kind: pa.DataType) -> None:
    try:
        expected = pa.array([value], kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError) as exc:
        with pytest.raises(type(exc)):
            one_value(value, kind)
        return
    assert one_value(value, kind).equals(expected)


@given(st.lists(st.text()))
def test_strings_are_pa_array(texts: list[str]) -> None:
    got = strings(texts)
    assert got.equals(pa.array(texts, pa.string()))
    got.validate(full=True)


@given(st.lists(st.integers(0, 10**6)), st.lists(st.booleans()))
def test_indices_and_mask_are_pa_array(positions: list[int], flags: list[bool]) -> None:
    assert indices(np.array(positions, dtype=np.int64)).equals(pa.array(np.array(positions, dtype=np.int64)))
    assert indices(np.array(positions, dtype=np.intp)[::2]).equals(pa.array(positions[::2], pa.int64()))
    assert mask(np.array(flags, dtype=bool)).equals(pa.array(flags, pa.bool_()))
