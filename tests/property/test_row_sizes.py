"""Row sizes drive chunk boundaries, so they must never change: the lengths of string and
binary values, read from the offsets (`layout._value_lengths`, which avoids pyarrow's pandas
probe), equal Arrow's `binary_length` with nulls as 0, for sliced arrays, nulls and bytes
left under null slots."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dl.core.prolly.layout import RowLayout, _value_lengths
from hypothesis import given
from hypothesis import strategies as st

TYPES = [pa.string(), pa.large_string(), pa.binary(), pa.large_binary()]


def expected(column: pa.Array) -> np.ndarray:
    return pc.binary_length(column).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)


@given(st.lists(st.one_of(st.none(), st.text(max_size=6))), st.integers(0, 8), st.integers(0, 8),
       st.sampled_from(TYPES))
def test_value_lengths_are_arrows_binary_length(values: list[str | None], start: int, drop: int,
                                                kind: pa.DataType) -> None:
    binary = pa.types.is_binary(kind) or pa.types.is_large_binary(kind)
    cells = [v.encode() if binary and v is not None else v for v in values]
    column = pa.array(cells, kind)
    column = column.slice(min(start, len(column)), max(len(column) - start - drop, 0))
    lengths = _value_lengths(column)
    assert lengths.dtype == np.int64
    assert lengths.tolist() == expected(column).tolist()


@given(st.lists(st.binary(max_size=5), min_size=1, max_size=20), st.data())
def test_bytes_under_a_null_count_nothing(values: list[bytes], data: st.DataObject) -> None:
    """A null slot whose offsets span bytes (DuckDB and others leave them) still sizes as 0."""
    nulls = data.draw(st.lists(st.booleans(), min_size=len(values), max_size=len(values)))
    offsets = np.concatenate([[0], np.cumsum([len(v) for v in values])]).astype(np.int32)
    validity = np.packbits(~np.array(nulls), bitorder="little")
    column = pa.Array.from_buffers(pa.binary(), len(values),
                                   [pa.py_buffer(validity.tobytes()), pa.py_buffer(offsets.tobytes()),
                                    pa.py_buffer(b"".join(values))])
    assert _value_lengths(column).tolist() == expected(column).tolist()
    batch = pa.record_batch([pa.array(np.arange(len(values))), column], names=["k", "v"])
    sizes = RowLayout(batch.schema, ("k",)).row_sizes(batch)
    assert sizes.tolist() == (8 + 4 + expected(column)).tolist()
