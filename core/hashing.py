"""Chunk addresses: the first 20 bytes of SHA-256 over a chunk's bytes.

An `Address` is the identity of a chunk everywhere in dl: equal bytes, equal address. It is
shown as 40 hex digits; any unique prefix of 4 or more digits names a commit, as in git.
"""
from __future__ import annotations

import hashlib
import re

from dl.core.errors import InputError

ADDRESS_BYTES = 20
HEX_LENGTH = ADDRESS_BYTES * 2
MIN_PREFIX = 4
_HEX = re.compile(r"[0-9a-f]+")


class Address:
    """The 20-byte content address of a chunk: immutable, hashed and ordered by its bytes.

    A plain slotted class rather than a frozen dataclass: a commit checks the few hundred
    children of every internal node it writes (`BufferedStore.commit`), and the dataclass
    hashed and compared a fresh `(raw,)` tuple each time, where `bytes` caches its own hash."""

    __slots__ = ("raw",)
    raw: bytes

    def __init__(self, raw: bytes) -> None:
        if len(raw) != ADDRESS_BYTES:
            raise ValueError(f"an address has {ADDRESS_BYTES} bytes, got {len(raw)}")
        object.__setattr__(self, "raw", raw)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"an Address is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"an Address is immutable (cannot delete {name!r})")

    def __reduce__(self) -> tuple[type["Address"], tuple[bytes]]:
        return (Address, (self.raw,))

    def __hash__(self) -> int:
        return hash(self.raw)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is Address:
            return self.raw == other.raw  # type: ignore[attr-defined,no-any-return]
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        if other.__class__ is Address:
            return self.raw != other.raw  # type: ignore[attr-defined,no-any-return]
        return NotImplemented

    def __lt__(self, other: "Address") -> bool:
        return self.raw < other.raw

    def __le__(self, other: "Address") -> bool:
        return self.raw <= other.raw

    def __gt__(self, other: "Address") -> bool:
        return self.raw > other.raw

    def __ge__(self, other: "Address") -> bool:
        return self.raw >= other.raw

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
