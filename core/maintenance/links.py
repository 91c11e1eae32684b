"""What a chunk refers to: the addresses inside each kind of chunk, read without pyarrow.

`dl gc` marks what is reachable by following these links from the refs, and every write
checks, in its landing transaction, that the chunks its new chunks link to are still stored
(see `BufferedStore.commit`): together they make gc safe beside a concurrent writer. The
kinds: internal nodes link to their children, leaves to nothing, a table value to its row
tree and its index trees, a root value to its tables, a commit to its root and parents, a tag to its commit, a
working set to its working and staged roots and the roots and commit its merge state names,
a stash to the commit and roots it set aside. Malformed input is an `IntegrityError` naming
the chunk; an unknown kind links to nothing (leaves and future kinds alike).
"""
from __future__ import annotations

import struct
from typing import Any

from dl.core.chunks import HEADER_BYTES, chunk_tag, decode_json_chunk, parse_address
from dl.core.errors import IntegrityError
from dl.core.hashing import ADDRESS_BYTES, Address

_INTERNAL_HEAD = struct.Struct("<BBBxI")  # as core.prolly.node: tag, version, level, pad, count
MAX_LEVEL = 32
# A working set's merge state holds addresses under keys ending so (core.versioning.merge_commits writes
# pre_merge_root, pre_merge_staged_root, conflicts_root and their_commit).
MERGE_ADDRESS_SUFFIXES = ("_root", "_commit")


def internal_level(data: bytes) -> int | None:
    """The level of an internal node (1 = its children are leaves), or None for other kinds."""
    if chunk_tag(data) != "I" or len(data) < HEADER_BYTES:
        return None
    return data[2]


def links(data: bytes, address: Address | None = None) -> list[Address]:
    """Every address chunk `data` refers to, in a fixed order."""
    kind = chunk_tag(data)
    if kind == "I":
        return _internal_links(data, address)
    reader = _JSON_LINKS.get(kind)
    if reader is None:
        return []
    value = decode_json_chunk(kind, data, address)
    return reader(value, address)


def link_bytes(data: bytes, address: Address | None = None) -> list[bytes]:
    """`links` as raw address bytes: a commit's gc-safety check (`BufferedStore.commit`) takes
    the children of every internal node it writes, hundreds each, and needs only set algebra."""
    if chunk_tag(data) == "I":
        raw = _internal_child_bytes(data, address)
        return [raw[i:i + ADDRESS_BYTES] for i in range(0, len(raw), ADDRESS_BYTES)]
    return [a.raw for a in links(data, address)]


def _internal_links(data: bytes, address: Address | None) -> list[Address]:
    raw = _internal_child_bytes(data, address)
    return [Address(raw[i:i + ADDRESS_BYTES]) for i in range(0, len(raw), ADDRESS_BYTES)]


def _internal_child_bytes(data: bytes, address: Address | None) -> bytes:
    """The children's addresses of an internal node, concatenated (checked for shape)."""
    name = address.hex if address else "?"
    try:
        _, _, level, n = _INTERNAL_HEAD.unpack_from(data, 0)
    except struct.error:
        raise IntegrityError(f"chunk {name} is not a valid internal node: truncated header", name) from None
    end = HEADER_BYTES + n * ADDRESS_BYTES
    if n == 0 or not 1 <= level <= MAX_LEVEL or end > len(data):
        raise IntegrityError(f"chunk {name} is not a valid internal node "
                             f"(level {level}, {n} children in {len(data)} bytes)", name)
    return bytes(data[HEADER_BYTES:end])


def _table_links(value: dict[str, Any], address: Address | None) -> list[Address]:
    rows = value.get("rows")
    found = [] if rows is None else [parse_address(rows, address)]
    indexes = value.get("indexes") or {}
    if not isinstance(indexes, dict):
        name = address.hex if address else "?"
        raise IntegrityError(f"chunk {name}: malformed index roots", name)
    return found + [parse_address(root, address) for _, root in sorted(indexes.items())]


def _root_links(value: dict[str, Any], address: Address | None) -> list[Address]:
    tables = value.get("tables")
    if not isinstance(tables, dict):
        name = address.hex if address else "?"
        raise IntegrityError(f"chunk {name}: root value without tables", name)
    return [parse_address(a, address) for _, a in sorted(tables.items())]


def _commit_links(value: dict[str, Any], address: Address | None) -> list[Address]:
    parents = value.get("parents")
    if not isinstance(parents, list):
        name = address.hex if address else "?"
        raise IntegrityError(f"chunk {name}: commit without parents", name)
    return [parse_address(value.get("root"), address), *(parse_address(p, address) for p in parents)]


def _working_set_links(value: dict[str, Any], address: Address | None) -> list[Address]:
    out = [parse_address(value.get("working"), address), parse_address(value.get("staged"), address)]
    return out + merge_state_links(value.get("merge"), address)


def merge_state_links(merge: Any, address: Address | None) -> list[Address]:
    """The roots and commit a merge in progress records (nothing when there is none)."""
    if merge is None:
        return []
    if not isinstance(merge, dict):
        name = address.hex if address else "?"
        raise IntegrityError(f"chunk {name}: malformed merge state", name)
    return [parse_address(value, address) for key, value in sorted(merge.items())
            if key.endswith(MERGE_ADDRESS_SUFFIXES) and value is not None]


def _tag_links(value: dict[str, Any], address: Address | None) -> list[Address]:
    return [parse_address(value.get("commit"), address)]


def _stash_links(value: dict[str, Any], address: Address | None) -> list[Address]:
    return [parse_address(value.get(key), address) for key in ("head", "working", "staged")]


_JSON_LINKS = {"T": _table_links, "R": _root_links, "C": _commit_links, "W": _working_set_links,
               "G": _tag_links, "S": _stash_links}
