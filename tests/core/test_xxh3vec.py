"""The numpy XXH3 equals the library, for every short length and beyond."""
from __future__ import annotations

import numpy as np
import pytest
import xxhash
from hypothesis import given
from hypothesis import strategies as st

from core.prolly.xxh3vec import xxh3_64_of_keys


def as_keys(values: list[bytes]) -> np.ndarray:
    return np.array(values, dtype="S") if any(values) else np.zeros(len(values), dtype="S1")


@pytest.mark.parametrize("length", range(0, 20))
def test_every_length(length):
    rng = np.random.default_rng(length)
    values = [bytes(rng.integers(1, 256, length).astype(np.uint8)) for _ in range(200)]
    keys = as_keys(values)
    assert [int(h) for h in xxh3_64_of_keys(keys)] == [xxhash.xxh3_64_intdigest(bytes(k)) for k in keys]


@given(st.lists(st.binary(max_size=40), min_size=1, max_size=50))
def test_random_keys_as_numpy_holds_them(values):
    keys = as_keys(values)
    assert [int(h) for h in xxh3_64_of_keys(keys)] == [xxhash.xxh3_64_intdigest(bytes(k)) for k in keys]
