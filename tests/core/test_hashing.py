"""Addresses: 20 bytes of SHA-256, hex in text, parsed strictly, abbreviated for display."""
from __future__ import annotations

import hashlib

import pytest
from dl.core.errors import DlError
from dl.core.hashing import ADDRESS_BYTES, Address, address_of, is_hex_prefix
from hypothesis import given
from hypothesis import strategies as st


@given(st.binary(max_size=4096))
def test_address_is_the_first_20_bytes_of_sha256(data: bytes) -> None:
    address = address_of(data)
    assert address.raw == hashlib.sha256(data).digest()[:ADDRESS_BYTES]
    assert address == address_of(bytearray(data)) == address_of(memoryview(data))


@given(st.binary(min_size=20, max_size=20))
def test_hex_round_trips_and_short_is_a_prefix(raw: bytes) -> None:
    address = Address(raw)
    assert len(address.hex) == 40 and str(address) == address.hex
    assert Address.parse(address.hex) == address
    assert Address.parse(address.hex.upper() + "\n") == address
    assert address.hex.startswith(address.short()) and len(address.short()) == 8
    assert address.short(12) == address.hex[:12]


@pytest.mark.parametrize("text", ["", "abc", "g" * 40, "a" * 39, "a" * 41, "0x" + "a" * 38])
def test_parse_refuses_anything_but_40_hex_digits(text: str) -> None:
    with pytest.raises(DlError, match="not a chunk address"):
        Address.parse(text)


def test_an_address_has_exactly_20_bytes() -> None:
    with pytest.raises(ValueError):
        Address(b"\0" * 19)


@pytest.mark.parametrize(("text", "ok"), [("abcd", True), ("ABCD12", True), ("abc", False),
                                          ("a" * 40, True), ("a" * 41, False), ("main", False),
                                          ("HEAD~1", False)])
def test_hex_prefixes_need_four_to_forty_digits(text: str, ok: bool) -> None:
    assert is_hex_prefix(text) is ok


def test_address_is_an_immutable_value_hashed_and_ordered_by_its_bytes() -> None:
    import copy
    import pickle

    low, high = Address(b"\x00" * 20), Address(b"\x01" + b"\x00" * 19)
    same = Address(bytes(low.raw))
    assert same == low and hash(same) == hash(low) and not same != low and {low: 1}[same] == 1
    assert low < high and low <= same and high > low and high >= low and sorted([high, low]) == [low, high]
    assert low != high and (low == low.raw) is False
    assert pickle.loads(pickle.dumps(low)) == low and copy.deepcopy(high) == high
    with pytest.raises(AttributeError):
        low.raw = high.raw  # type: ignore[misc]
    with pytest.raises(ValueError):
        Address(b"short")
