"""Leaf bytes are canonical: what lies under a null slot never changes them.

Arrow leaves the bytes under null slots undefined and producers differ (DuckDB leaves
uninitialized memory under a NULL int, a string column may keep bytes under a null), so the
same rows must encode to the same leaf whatever garbage sits there.
"""
from __future__ import annotations

import decimal

import numpy as np
import pyarrow as pa
from dl.core.prolly.node import decode_leaf, encode_leaf
from hypothesis import given
from hypothesis import strategies as st

FIXED_TYPES = [pa.int8(), pa.int32(), pa.int64(), pa.uint16(), pa.float64(), pa.date32(),
               pa.timestamp("us"), pa.decimal128(10, 2), pa.binary(3)]


def _with_garbage(column: pa.Array, seed: int) -> pa.Array:
    """The same values and nulls, with random bytes under the null slots."""
    rng = np.random.default_rng(seed)
    validity = column.buffers()[0]
    n = len(column)
    valid = np.array(column.is_valid().to_pylist(), bool)
    if pa.types.is_boolean(column.type):
        bits = np.packbits(np.where(valid, np.array(column.fill_null(False).to_pylist(), bool),
                                    rng.integers(0, 2, n).astype(bool)), bitorder="little")
        return pa.Array.from_buffers(column.type, n, [validity, pa.py_buffer(bits.tobytes())],
                                     null_count=column.null_count)
    if pa.types.is_string(column.type):
        texts = [v if ok else "junk" * int(rng.integers(1, 4))
                 for v, ok in zip(column.fill_null("").to_pylist(), valid)]
        filled = pa.array(texts, pa.string())
        return pa.Array.from_buffers(column.type, n, [validity, *filled.buffers()[1:]],
                                     null_count=column.null_count)
    width = column.type.bit_width // 8
    cells = np.frombuffer(column.buffers()[1], np.uint8, count=n * width).reshape(n, width).copy()
    cells[~valid] = rng.integers(0, 256, (int((~valid).sum()), width), dtype=np.uint8)
    return pa.Array.from_buffers(column.type, n, [validity, pa.py_buffer(cells.tobytes())],
                                 null_count=column.null_count)


def _values(kind: pa.DataType, n: int, seed: int) -> list[object]:
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 100, n)
    if pa.types.is_decimal(kind):
        return [decimal.Decimal(int(v)) / 4 for v in raw]
    if pa.types.is_fixed_size_binary(kind):
        return [bytes([int(v)] * 3) for v in raw]
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return pa.array(raw.astype(np.int32 if pa.types.is_date32(kind) else np.int64)).cast(kind).to_pylist()
    if pa.types.is_floating(kind):
        return [float(v) / 3 for v in raw]
    return [int(v) for v in raw]


@given(nulls=st.lists(st.booleans(), min_size=1, max_size=70), seed=st.integers(0, 2**31))
def test_garbage_under_nulls_never_changes_leaf_bytes(nulls, seed):
    n = len(nulls)
    mask = np.array(nulls, bool)
    columns = [pa.array(_values(kind, n, seed), kind, mask=mask) for kind in FIXED_TYPES]
    columns.append(pa.array([bool(v % 2) for v in range(n)], pa.bool_(), mask=mask))
    columns.append(pa.array([f"s{v}" for v in range(n)], pa.string(), mask=mask))
    schema = pa.schema([(f"c{i}", c.type) for i, c in enumerate(columns)])
    clean = pa.RecordBatch.from_arrays(columns, schema=schema)
    dirty = pa.RecordBatch.from_arrays([_with_garbage(c, seed + i) for i, c in enumerate(columns)],
                                       schema=schema)
    assert dirty.equals(clean)
    assert encode_leaf(dirty) == encode_leaf(clean)
    assert decode_leaf(encode_leaf(dirty), schema).equals(clean)
