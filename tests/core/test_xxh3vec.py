"""The numpy XXH3 equals the library on every key as numpy holds it, for every short length."""
from __future__ import annotations

import numpy as np
import pytest
import xxhash
from dl.core.prolly import xxh3vec
from dl.core.prolly.xxh3vec import xxh3_64_of_keys
from hypothesis import given
from hypothesis import strategies as st


def library(keys: np.ndarray) -> list[int]:
    return [xxhash.xxh3_64_intdigest(bytes(key)) for key in keys]


def random_keys(rng: np.random.Generator, count: int, length: int, width: int) -> np.ndarray:
    """Keys of exactly `length` bytes (zeros inside, never last) in an `S{width}` array."""
    matrix = np.zeros((count, width), dtype=np.uint8)
    matrix[:, :length] = rng.integers(0, 256, (count, length))
    matrix[:, :length][matrix[:, :length] == 7] = 0  # plenty of inner zero bytes
    if length:
        matrix[:, length - 1] = rng.integers(1, 256, count)
    return matrix.reshape(-1).view(f"S{width}")


@pytest.fixture(autouse=True, params=["numpy", "library"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs on both paths: numpy's (many keys) and the library's per key (few)."""
    monkeypatch.setattr(xxh3vec, "LIBRARY_MAX_ROWS", 0 if request.param == "numpy" else 10**9)
    return str(request.param)


@pytest.mark.parametrize("length", range(21))
def test_every_length_alone_and_in_wider_arrays(length: int) -> None:
    rng = np.random.default_rng(length)
    for width in (max(length, 1), 16, 24):
        keys = random_keys(rng, 300, length, max(width, length, 1))
        assert all(len(bytes(key)) == length for key in keys)
        assert xxh3_64_of_keys(keys).tolist() == library(keys)


@given(st.lists(st.binary(max_size=40), min_size=1, max_size=50))
def test_random_keys_as_numpy_holds_them(values: list[bytes]) -> None:
    """Trailing zero bytes are stripped by numpy; the hash is of the element it returns."""
    keys = np.array(values, dtype=f"S{max(1, *map(len, values))}")
    assert xxh3_64_of_keys(keys).tolist() == library(keys)
    assert xxh3_64_of_keys(keys[::-2]).tolist() == library(keys[::-2])


def test_mixed_lengths_across_blocks() -> None:
    rng = np.random.default_rng(1)
    lengths = rng.integers(0, 20, xxh3vec._BLOCK_ROWS * 2 + 5)
    keys = np.concatenate([random_keys(rng, 1, int(n), 20) for n in lengths[:200]]
                          + [random_keys(rng, len(lengths) - 200, 8, 8).astype("S20")])
    keys[-1000:] = np.array([bytes([n] * n) for n in lengths[-1000:]], dtype="S20")
    assert xxh3_64_of_keys(keys).tolist() == library(keys)


def test_short_keys_are_hashed_in_numpy_unless_few(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    calls: list[bytes] = []

    class CountingLibrary:
        @staticmethod
        def xxh3_64_intdigest(data: bytes) -> int:
            calls.append(data)
            return xxhash.xxh3_64_intdigest(data)

    monkeypatch.setattr(xxh3vec, "xxhash", CountingLibrary)
    keys = np.array([b"a" * 16, b"b" * 17, b"", b"c" * 40], dtype="S40")
    assert xxh3_64_of_keys(keys).tolist() == library(keys)
    assert calls == ([b"b" * 17, b"c" * 40] if path == "numpy" else [b"a" * 16, b"b" * 17, b"", b"c" * 40])


def test_few_keys_take_the_library_and_many_take_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xxh3vec, "LIBRARY_MAX_ROWS", 512)
    rng = np.random.default_rng(5)
    for count in (1, 511, 512, 513, 2000):
        keys = random_keys(rng, count, 8, 8)
        assert xxh3_64_of_keys(keys).tolist() == library(keys)


def test_empty() -> None:
    assert xxh3_64_of_keys(np.zeros(0, dtype="S8")).dtype == np.uint64
    assert len(xxh3_64_of_keys(np.zeros(0, dtype="S8"))) == 0
