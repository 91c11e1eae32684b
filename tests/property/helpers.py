"""Builders shared by the prolly-tree property tests."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
from dl.core.prolly.layout import RowLayout

SCHEMA = pa.schema([pa.field("id", pa.int64(), nullable=False), ("a", pa.int64()), ("b", pa.string())])
LAYOUT = RowLayout(SCHEMA, ("id",))


def rows(model: dict[int, tuple[int, str | None]]) -> pa.Table:
    """An Arrow table of the model's rows (unsorted order is fine: builders sort)."""
    ids = list(model)
    return pa.table({"id": pa.array(ids, pa.int64()), "a": pa.array([model[i][0] for i in ids], pa.int64()),
                     "b": pa.array([model[i][1] for i in ids], pa.string())}, schema=SCHEMA)


def keys(ids: list[int]) -> np.ndarray:
    return LAYOUT.keys_of(pa.table({"id": pa.array(ids, pa.int64())}))


def as_model(table: pa.Table) -> dict[int, tuple[int, str | None]]:
    return {r["id"]: (r["a"], r["b"]) for r in table.to_pylist()}
