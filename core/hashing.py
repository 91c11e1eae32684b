"""Chunk addresses: the first 20 bytes of SHA-256 over a chunk's bytes.

An `Address` is the identity of a chunk everywhere in dl: equal bytes, equal address. It is
shown as 40 hex digits; any unique prefix of 4 or more digits names a commit, as in git.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from dl.core.errors import InputError

ADDRESS_BYTES = 20
HEX_LENGTH = ADDRESS_BYTES * 2
MIN_PREFIX = 4
_HEX = re.compile(r"[0-9a-f]+")


@dataclass(frozen=True, order=True, slots=True)
class Address:
    """The 20-byte content address of a chunk."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != ADDRESS_BYTES:
            raise ValueError(f"an address has {ADDRESS_BYTES} bytes, got {len(self.raw)}")

    @property
    def hex(self) -> str:
        return self.raw.hex()

    def short(self, length: int = 8) -> str:
        """The abbreviated form shown in logs (`dl log --oneline`)."""
        return self.raw.hex()[:length]

    def __str__(self) -> str:
        return self.raw.hex()

    def __repr__(self) -> str:
        return f"Address({self.raw.hex()[:12]})"

    @classmethod
    def parse(cls, text: str) -> "Address":
        """Parses 40 hex digits; anything else is an `InputError`."""
        text = text.strip().lower()
        if len(text) != HEX_LENGTH or not _HEX.fullmatch(text):
            raise InputError(f"not a chunk address: {text!r} (expected {HEX_LENGTH} hex digits)")
        return cls(bytes.fromhex(text))


def address_of(data: bytes | bytearray | memoryview) -> Address:
    """The address of a chunk: SHA-256 truncated to 20 bytes."""
    return Address(hashlib.sha256(data).digest()[:ADDRESS_BYTES])


def is_hex_prefix(text: str) -> bool:
    """True for text that could abbreviate an address (4-40 lowercase hex digits)."""
    return MIN_PREFIX <= len(text) <= HEX_LENGTH and bool(_HEX.fullmatch(text.lower()))
