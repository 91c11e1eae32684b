"""Chunk packs and their indexes: how chunks travel and rest on an object-store remote.

A pack is the bodies of many chunks back to back, each stored as the local store stores it
(zstd when that saves space, else raw), in the order a push found them (commits, roots,
tables, then tree nodes level by level), so what one fetch needs tends to lie together and is
read in a few range requests. Its index lists, sorted by address, each chunk's offset, stored
length, uncompressed size and codec: 37 bytes a chunk. A pack is named by a hash of its
index and bytes (`pack_name`), so packs are immutable and a name never means two things. Every chunk read from a pack
is verified against its address before anything uses it (`decode_body`).
"""
from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass

from dl.core.errors import IntegrityError
from dl.core.hashing import ADDRESS_BYTES, Address, address_of
from dl.core.store.sqlite import Row, decode_rows, encode_rows

MAGIC = b"DLPACK1\n"
_COUNT = struct.Struct("<I")
_ENTRY = struct.Struct(f"<{ADDRESS_BYTES}sQIIB")


@dataclass(frozen=True, slots=True)
class PackEntry:
    """Where one chunk lies in its pack."""

    pack: str
    offset: int
    stored: int  # bytes in the pack
    size: int  # bytes uncompressed
    codec: int


@dataclass(frozen=True)
class Pack:
    """A pack ready to upload: its name, bytes and index."""

    name: str
    data: bytes
    index: bytes


def pack_key(name: str) -> str:
    return f"packs/{name}.pack"


def index_key(name: str) -> str:
    return f"packs/{name}.idx"


def build_pack(chunks: list[tuple[Address, bytes]], stored: Iterable[Row] = ()) -> Pack:
    """Packs `chunks` in the given order, then the chunks already in stored form."""
    return _pack_rows(encode_rows(chunks) + list(stored))


def _pack_rows(rows: list[Row]) -> Pack:
    parts, entries, offset = [], [], 0
    for raw, codec, size, body in rows:
        entries.append((raw, offset, len(body), size, codec))
        parts.append(body)
        offset += len(body)
    data = b"".join(parts)
    index = MAGIC + _COUNT.pack(len(entries)) + b"".join(_ENTRY.pack(*e) for e in sorted(entries))
    return Pack(pack_name(data, index), data, index)


def pack_name(data: bytes, index: bytes) -> str:
    """A pack's name: SHA-256 over its index (every chunk's address, offset and lengths) and
    a 128-bit xxh3 of its bytes. Names never collide by accident, and naming a 250 MB pack
    costs a fast pass over it rather than a SHA-256 one (the chunks inside are verified against
    their own addresses when read; the name only has to be unique)."""
    import xxhash
    return address_of(index + xxhash.xxh3_128_digest(data)).hex


def build_packs(chunks: list[tuple[Address, bytes]], stored: list[Row], limit: int) -> list[Pack]:
    """`chunks` then `stored` in packs of about `limit` stored bytes at most (a chunk is never
    split; a pack holds at least one)."""
    rows = encode_rows(chunks) + stored
    packs, start, size = [], 0, 0
    for i, row in enumerate(rows):
        if size and size + len(row[3]) > limit:
            packs.append(_pack_rows(rows[start:i]))
            start, size = i, 0
        size += len(row[3])
    if start < len(rows):
        packs.append(_pack_rows(rows[start:]))
    return packs


def read_index(name: str, data: bytes) -> dict[Address, PackEntry]:
    """The entries of pack `name`'s index; `IntegrityError` naming it if malformed."""
    head = len(MAGIC) + _COUNT.size
    if len(data) < head or not data.startswith(MAGIC):
        raise IntegrityError(f"remote pack index {name} is not a dl pack index")
    (count,) = _COUNT.unpack_from(data, len(MAGIC))
    if len(data) != head + count * _ENTRY.size:
        raise IntegrityError(f"remote pack index {name} is truncated "
                             f"({len(data)} bytes for {count} chunks)")
    out = {}
    for raw, offset, stored, size, codec in _ENTRY.iter_unpack(data[head:]):
        out[Address(raw)] = PackEntry(name, offset, stored, size, codec)
    return out


def decode_entries(bodies: list[tuple[Address, PackEntry, bytes]]
                   ) -> tuple[dict[Address, bytes], dict[Address, Row]]:
    """The chunks' bytes from their stored bodies, each verified against its address
    (decompressed and hashed on the store's thread pool: zstd and SHA-256 release the GIL),
    and their stored forms."""
    check_lengths(bodies)
    rows = [(a.raw, e.codec, e.size, bytes(body)) for a, e, body in bodies]
    return dict(decode_rows(rows)), {Address(r[0]): r for r in rows}


def check_lengths(bodies: list[tuple[Address, PackEntry, bytes]]) -> None:
    """`IntegrityError` naming the first chunk whose body is shorter than its index says (a
    truncated pack)."""
    for address, entry, body in bodies:
        if len(body) != entry.stored:
            raise IntegrityError(f"chunk {address.hex} from remote pack {entry.pack} is truncated "
                                 f"({len(body)} of {entry.stored} bytes)", address.hex)
