"""Small Arrow arrays built from Python values without pyarrow's pandas probe.

`pa.array` and `pa.scalar` of Python values (and `pa.array` of a numpy array) first ask
whether pandas is installed, and import it if so: ~0.3 s of CPU, more than reading a 1M-row
CSV or answering a point query. The paths a terminal command takes on every run (`dl table
import` of a CSV, a point select or update by key) build their few constant arrays here
instead, from buffers; anything else still goes through `pa.array`, so results never differ.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa


def strings(texts: Sequence[str]) -> pa.Array:
    """A string array of `texts`, built from its offsets and bytes."""
    encoded = [t.encode() for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return pa.Array.from_buffers(pa.string(), len(encoded),
                                 [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(b"".join(encoded))])


def one_value(value: object, kind: pa.DataType) -> pa.Array:
    """A one-element array of `value` as `kind`: from buffers for a null, an integer that fits
    its integer type, or a string; `pa.array` (its checks and errors) for anything else."""
    if value is None:
        return pa.nulls(1, kind)
    if pa.types.is_integer(kind) and type(value) is int:
        dtype = np.dtype(f"{'u' if pa.types.is_unsigned_integer(kind) else ''}int{kind.bit_width}")
        bounds = np.iinfo(dtype)
        if bounds.min <= value <= bounds.max:
            return pa.Array.from_buffers(kind, 1, [None, pa.py_buffer(np.array([value], dtype).tobytes())])
    if pa.types.is_string(kind) and type(value) is str:
        return strings([value])
    return pa.array([value], type=kind)


def indices(positions: np.ndarray) -> pa.Array:
    """Row positions (for `take`) as an int64 array over the same numbers."""
    values = np.ascontiguousarray(positions, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


def mask(selected: np.ndarray) -> pa.Array:
    """A boolean array (for `filter`) of a numpy boolean array."""
    flags = np.asarray(selected, dtype=bool)
    bits = np.packbits(flags, bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(flags), [None, pa.py_buffer(bits.tobytes())])
