"""Canonical JSON chunks for the small values of version control (tables, roots, commits...).

Each kind starts with an 8-byte header (tag and format version) followed by JSON with sorted
keys and no spaces, so equal values give equal bytes and equal addresses. Decoding checks the
tag and wraps every malformed input in an `IntegrityError` naming the chunk.
"""
from __future__ import annotations

import json
from typing import Any

from dl.core.errors import IntegrityError
from dl.core.hashing import Address

FORMAT_VERSION = 1
HEADER_BYTES = 8
MAX_JSON_BYTES = 64 << 20


def encode_json_chunk(tag: str, value: dict[str, Any]) -> bytes:
    """Header plus canonical JSON of `value`."""
    body = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return _header(tag) + body.encode()


def decode_json_chunk(tag: str, data: bytes, address: Address | None = None) -> dict[str, Any]:
    """The JSON object of a chunk of kind `tag`; `IntegrityError` if it is anything else."""
    name = address.hex if address else "?"
    if len(data) < HEADER_BYTES or data[:HEADER_BYTES] != _header(tag):
        raise IntegrityError(f"chunk {name} is not a {_KINDS.get(tag, tag)} (bad header)", name)
    if len(data) > MAX_JSON_BYTES:
        raise IntegrityError(f"chunk {name} is too large for a {_KINDS.get(tag, tag)}", name)
    try:
        value = json.loads(data[HEADER_BYTES:].decode())
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise IntegrityError(f"chunk {name} is not a valid {_KINDS.get(tag, tag)}: {exc}", name) from None
    if not isinstance(value, dict):
        raise IntegrityError(f"chunk {name} is not a valid {_KINDS.get(tag, tag)}", name)
    return value


def chunk_tag(data: bytes) -> str:
    """The one-letter kind of a chunk ('L' leaf, 'I' internal, 'T' table, ...), or '' if unknown."""
    return chr(data[0]) if data else ""


def field(value: dict[str, Any], key: str, kind: type | tuple[type, ...], address: Address | None) -> Any:
    """`value[key]` if present and of `kind`, else an `IntegrityError` naming the chunk."""
    found = value.get(key)
    if not isinstance(found, kind) or (kind is int and isinstance(found, bool)):
        name = address.hex if address else "?"
        raise IntegrityError(f"chunk {name}: field {key!r} missing or malformed", name)
    return found


def parse_address(text: Any, address: Address | None) -> Address:
    """An address stored as hex inside a chunk; `IntegrityError` if malformed."""
    try:
        if not isinstance(text, str) or len(text) != 40:
            raise ValueError(text)
        return Address(bytes.fromhex(text))
    except ValueError:
        name = address.hex if address else "?"
        raise IntegrityError(f"chunk {name}: malformed address {str(text)[:50]!r}", name) from None


def _header(tag: str) -> bytes:
    return tag.encode() + bytes([FORMAT_VERSION]) + b"\0" * (HEADER_BYTES - 2)


_KINDS = {"T": "table value", "R": "root value", "C": "commit", "W": "working set", "G": "tag",
          "S": "stash", "M": "merge state"}
