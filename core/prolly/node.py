"""Prolly-tree nodes and their canonical bytes.

Every node chunk starts with an 8-byte header (tag, format version, level, zero padding) so
that an Arrow message after it stays 8-byte aligned and every decoder can refuse bytes that
are not the node it expects.

- A leaf holds a slice of rows sorted by key as one Arrow record-batch message
  (`RecordBatch.serialize()`); the schema is stored once per table, not per leaf. The bytes
  must be canonical (same rows, same bytes): `canonical_batch` rebuilds buffers so that slicing,
  chunking and absent-versus-all-valid null bitmaps never change them.
- An internal node holds, per child, the child's last key, its address and its row count:
  counts give `count(*)` and offsets without reading leaves.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from dl.core.arrow_values import indices
from dl.core.errors import IntegrityError
from dl.core.hashing import ADDRESS_BYTES, Address

LEAF_TAG = ord("L")
INTERNAL_TAG = ord("I")
FORMAT_VERSION = 1
HEADER_BYTES = 8
MAX_LEVEL = 32
_INTERNAL_HEAD = struct.Struct("<BBBxI")  # tag, version, level, pad, child count


@dataclass(frozen=True, slots=True)
class Entries:
    """Child entries of internal nodes: last key, child address, subtree row count (parallel arrays)."""

    keys: np.ndarray  # numpy S array of encoded last keys
    addrs: np.ndarray  # numpy S20 array of child addresses
    counts: np.ndarray  # uint64 subtree row counts

    def __len__(self) -> int:
        return len(self.counts)

    def slice(self, start: int, stop: int) -> "Entries":
        return Entries(self.keys[start:stop], self.addrs[start:stop], self.counts[start:stop])

    def address(self, index: int) -> Address:
        return Address(_fixed20(self.addrs, index))

    @staticmethod
    def empty() -> "Entries":
        return Entries(np.array([], dtype="S1"), np.array([], dtype="S20"), np.array([], dtype=np.uint64))

    @staticmethod
    def concat(parts: list["Entries"]) -> "Entries":
        parts = [p for p in parts if len(p)]
        if not parts:
            return Entries.empty()
        if len(parts) == 1:
            return parts[0]
        return Entries(np.concatenate([p.keys for p in parts]),
                       np.concatenate([p.addrs for p in parts]),
                       np.concatenate([p.counts for p in parts]))

    @staticmethod
    def of(keys: list[bytes], addrs: list[Address], counts: list[int]) -> "Entries":
        return Entries(np.array(keys, dtype="S") if keys else np.array([], dtype="S1"),
                       np.array([a.raw for a in addrs], dtype="S20"),
                       np.array(counts, dtype=np.uint64))


def _fixed20(addrs: np.ndarray, index: int) -> bytes:
    """The 20 raw bytes of an address element (numpy strips trailing NULs from S elements)."""
    return addrs[index].tobytes().ljust(ADDRESS_BYTES, b"\0") if addrs.dtype.itemsize == ADDRESS_BYTES \
        else bytes(addrs[index]).ljust(ADDRESS_BYTES, b"\0")


@dataclass(frozen=True, slots=True)
class InternalNode:
    """An internal node: children one level down, with their last keys and row counts."""

    level: int
    entries: Entries

    @property
    def count(self) -> int:
        return int(self.entries.counts.sum())


def encode_internal(level: int, entries: Entries) -> bytes:
    """Canonical bytes of an internal node."""
    n = len(entries)
    keys = [bytes(k) for k in entries.keys]
    offsets = np.zeros(n + 1, dtype="<u4")
    np.cumsum([len(k) for k in keys], out=offsets[1:])
    addrs = np.ascontiguousarray(entries.addrs, dtype="S20").view(np.uint8)
    return b"".join((
        _INTERNAL_HEAD.pack(INTERNAL_TAG, FORMAT_VERSION, level, n),
        addrs.tobytes(),
        entries.counts.astype("<u8").tobytes(),
        offsets.tobytes(),
        b"".join(keys),
    ))


def decode_internal(data: bytes, address: Address | None = None) -> InternalNode:
    """Decodes an internal node; any malformed input is an `IntegrityError` naming the chunk."""
    try:
        tag, version, level, n = _INTERNAL_HEAD.unpack_from(data, 0)
        if tag != INTERNAL_TAG or version != FORMAT_VERSION or not 1 <= level <= MAX_LEVEL:
            raise ValueError("not an internal node")
        pos = HEADER_BYTES
        end_addrs = pos + n * ADDRESS_BYTES
        end_counts = end_addrs + n * 8
        end_offsets = end_counts + (n + 1) * 4
        if n == 0 or end_offsets > len(data):
            raise ValueError("truncated")
        addrs = np.frombuffer(data, dtype="S20", count=n, offset=pos)
        counts = np.frombuffer(data, dtype="<u8", count=n, offset=end_addrs).astype(np.uint64)
        offsets = np.frombuffer(data, dtype="<u4", count=n + 1, offset=end_counts).astype(np.int64)
        body = data[end_offsets:]
        if offsets[0] != 0 or offsets[-1] != len(body) or np.any(np.diff(offsets) < 0):
            raise ValueError("bad key offsets")
        keys = np.array([body[offsets[i]:offsets[i + 1]] for i in range(n)], dtype="S")
        if n > 1 and not np.all(keys[1:] > keys[:-1]):
            raise ValueError("keys out of order")
    except (ValueError, struct.error, TypeError) as exc:
        raise _corrupt(address, "internal node", exc) from None
    return InternalNode(level, Entries(keys, addrs, counts))


def _corrupt(address: Address | None, what: str, exc: Exception) -> IntegrityError:
    name = address.hex if address else "?"
    return IntegrityError(f"chunk {name} is not a valid {what}: {exc}", name)


_LEAF_HEADER = bytes([LEAF_TAG, FORMAT_VERSION]) + b"\0" * (HEADER_BYTES - 2)


def encode_leaf(batch: pa.RecordBatch) -> bytes:
    """Canonical bytes of a leaf: header plus the Arrow message of the canonical batch."""
    return _LEAF_HEADER + canonical_batch(batch).serialize().to_pybytes()


def decode_leaf(data: bytes, schema: pa.Schema, address: Address | None = None) -> pa.RecordBatch:
    """Decodes a leaf against the table's schema, zero-copy where alignment allows."""
    if len(data) < HEADER_BYTES or data[:HEADER_BYTES] != _LEAF_HEADER:
        raise _corrupt(address, "leaf", ValueError("bad header"))
    try:
        buf = pa.py_buffer(data).slice(HEADER_BYTES)
        batch = pa.ipc.read_record_batch(buf, schema)
        batch.validate(full=True)  # ~7 us per 1,000-row leaf: hostile bytes never reach a reader
    except (pa.ArrowException, ValueError, OSError, EOFError, TypeError, IndexError) as exc:
        raise _corrupt(address, "leaf", exc) from None
    if batch.num_rows == 0:
        raise _corrupt(address, "leaf", ValueError("empty leaf"))
    return batch


def canonical_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """The same rows in fresh, minimal buffers: offsets from zero, no all-valid bitmaps.

    A sliced batch serializes to other bytes than the same rows in fresh buffers;
    `concat_batches` copies into fresh ones (an IPC round trip or `combine_chunks` do not).
    """
    fresh = pa.concat_batches([batch])
    columns = [_clear_null_slots(_drop_empty_validity(column)) for column in fresh.columns]
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)


def _clear_null_slots(column: pa.Array) -> pa.Array:
    """Zeroes what lies under null slots, which Arrow leaves undefined.

    Producers differ there: DuckDB leaves uninitialized memory under a NULL int, pyarrow's
    builders write zeros, a string column may keep bytes under a null. Two tables with the
    same rows must serialize to the same bytes, so fixed-width values and the bits of booleans
    under nulls become zero and null strings become empty. Nested types are left as they are.
    """
    if not column.null_count or column.type.num_fields:
        return column
    kind = column.type
    validity, values = column.buffers()[0], column.buffers()[1]
    n = len(column)
    valid_bits = np.frombuffer(validity, dtype=np.uint8, count=(n + 7) // 8)
    if pa.types.is_boolean(kind):
        bits = np.frombuffer(values, dtype=np.uint8, count=(n + 7) // 8) & valid_bits
        return pa.Array.from_buffers(kind, n, [validity, pa.py_buffer(bits.tobytes())],
                                     null_count=column.null_count)
    if pa.types.is_string(kind) or pa.types.is_binary(kind) or pa.types.is_large_string(kind) \
            or pa.types.is_large_binary(kind):
        width = 8 if pa.types.is_large_string(kind) or pa.types.is_large_binary(kind) else 4
        offsets = np.frombuffer(values, dtype=f"<i{width}", count=n + 1)
        holds_bytes = np.diff(offsets) != 0
        if np.any(holds_bytes & ~np.unpackbits(valid_bits, bitorder="little", count=n).astype(bool)):
            return column.take(indices(np.arange(n)))  # take copies only the valid values
        return column
    if not _is_byte_width(kind):
        return column
    width = kind.bit_width // 8
    cells = np.frombuffer(values, dtype=np.uint8, count=n * width).reshape(n, width).copy()
    cells[~np.unpackbits(valid_bits, bitorder="little", count=n).astype(bool)] = 0
    return pa.Array.from_buffers(kind, n, [validity, pa.py_buffer(cells.tobytes())],
                                 null_count=column.null_count)


def _is_byte_width(kind: pa.DataType) -> bool:
    try:
        return kind.bit_width > 0 and kind.bit_width % 8 == 0
    except ValueError:
        return False


def _drop_empty_validity(column: pa.Array) -> pa.Array:
    """Drops a validity bitmap that marks every value valid (flat types only)."""
    if column.null_count or column.buffers()[0] is None or column.type.num_fields:
        return column
    return pa.Array.from_buffers(column.type, len(column), [None, *column.buffers()[1:]],
                                 null_count=0, offset=column.offset)
