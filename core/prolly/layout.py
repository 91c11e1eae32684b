"""What a tree needs to know about its rows: the Arrow schema of leaves and the key columns.

A `RowLayout` turns batches of rows into encoded keys (order-preserving bytes), per-row sizes
(for size-aware chunking) and boundary hashes. Sizes are a function of the row's values only,
never of buffer layout, so the same rows always chunk the same way.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from dl.core.prolly.xxh3vec import xxh3_64_of_keys
from dl.core.tables.encoding import encode_keys

_OFFSET_BYTES = 4
_NESTED_ROW_BYTES = 16


@dataclass(frozen=True)
class RowLayout:
    """Leaf schema plus the names of the primary-key columns (in key order)."""

    schema: pa.Schema
    key_columns: tuple[str, ...]
    nullable_keys: bool = False  # secondary-index trees: key values may be NULL (sorted first)
    fingerprint: bytes = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        missing = [c for c in self.key_columns if self.schema.get_field_index(c) < 0]
        if missing or not self.key_columns:
            raise ValueError(f"key columns {missing or '(none)'} not in schema {self.schema.names}")
        digest = hashlib.sha256(self.schema.serialize().to_pybytes() + repr(self.key_columns).encode()
                                + (b"?" if self.nullable_keys else b""))
        object.__setattr__(self, "fingerprint", digest.digest()[:16])

    def keys_of(self, batch: pa.RecordBatch | pa.Table) -> np.ndarray:
        """Encoded keys of every row (numpy S array, sorted iff the rows are sorted by key)."""
        return encode_keys([batch.column(name) for name in self.key_columns], names=self.key_columns,
                           nullable=self.nullable_keys)

    def row_sizes(self, batch: pa.RecordBatch) -> np.ndarray:
        """Approximate stored bytes per row, from values only (deterministic for chunking)."""
        sizes = np.zeros(batch.num_rows, dtype=np.int64)
        for column in batch.columns:
            sizes += _column_sizes(column)
        return sizes

    def empty_batch(self) -> pa.RecordBatch:
        # from typed empty arrays: `from_pylist` would make pyarrow import pandas (`core.arrow_values`)
        return pa.RecordBatch.from_arrays([pa.nulls(0, f.type) for f in self.schema], schema=self.schema)


def _column_sizes(column: pa.Array) -> np.ndarray | int:
    kind = column.type
    if pa.types.is_boolean(kind):
        return 1
    if kind.num_fields == 0 and _is_fixed_width(kind):
        return kind.bit_width // 8
    if pa.types.is_string(kind) or pa.types.is_binary(kind) or pa.types.is_large_string(kind) \
            or pa.types.is_large_binary(kind):
        return _value_lengths(column) + _OFFSET_BYTES
    return _NESTED_ROW_BYTES


def _value_lengths(column: pa.Array) -> np.ndarray:
    """Bytes of each string or binary value (0 for a null), from the offsets: the same as
    `binary_length(...).fill_null(0)` without a Python scalar, whose conversion makes pyarrow
    import pandas when it is installed (~0.3 s of CPU in `dl table import`)."""
    wide = pa.types.is_large_string(column.type) or pa.types.is_large_binary(column.type)
    n = len(column)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int64 if wide else np.int32,
                            count=column.offset + n + 1)[column.offset:]
    lengths = np.diff(offsets).astype(np.int64)
    if column.null_count:
        valid = np.unpackbits(np.frombuffer(column.buffers()[0], dtype=np.uint8), bitorder="little",
                              count=column.offset + n)[column.offset:].astype(bool)
        lengths[~valid] = 0
    return lengths


def _is_fixed_width(kind: pa.DataType) -> bool:
    try:
        return kind.bit_width > 0
    except ValueError:
        return False


def key_hashes(keys: np.ndarray) -> np.ndarray:
    """Boundary hashes of leaf rows: xxh3_64 of each encoded key."""
    return xxh3_64_of_keys(keys)


def address_hashes(addrs: np.ndarray) -> np.ndarray:
    """Boundary hashes of internal entries: the first 8 bytes of each child address.

    Addresses are already uniform hashes, so re-hashing them would add nothing.
    """
    matrix = np.ascontiguousarray(addrs, dtype="S20").view(np.uint8).reshape(-1, 20)
    return np.ascontiguousarray(matrix[:, :8]).view("<u8").reshape(-1).astype(np.uint64)
