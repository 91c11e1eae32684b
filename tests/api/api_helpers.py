"""Rows shared by the API tests."""
from __future__ import annotations

import pyarrow as pa

PEOPLE = pa.table({"id": pa.array([1, 2, 3, 4], pa.int64()),
                   "name": ["Ada", "Bo", "Cy", "Di"],
                   "age": pa.array([36, 17, 52, 70], pa.int64())})
