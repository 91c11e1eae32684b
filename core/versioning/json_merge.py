"""Three-way merge of JSON documents, for a JSON cell both sides of a merge changed.

As Dolt merges JSON columns: when base, ours and theirs are all objects, the merge goes key by
key (recursively into nested objects), so that two branches adding or changing different keys
of one document both keep their change. A key changed on one side only takes that change; a
key changed alike on both sides is no conflict; a key changed differently on the two sides (or
any change below a value that is not an object on all three sides) is a conflict, and then the
cell stays in conflict as a whole. Documents are few (only cells already in conflict come
here), so this works on parsed values one cell at a time.
"""
from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa

_ABSENT = object()  # a key one side does not have


class _Unmergeable(Exception):
    """The two sides changed the same part of the document differently."""


def merge_json_cells(column: pa.ChunkedArray | pa.Array, base: pa.ChunkedArray, ours: pa.ChunkedArray,
                     theirs: pa.ChunkedArray, clash: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """A JSON column of merged rows with the cells both sides changed (`clash`) merged where
    they can be: the column, and which cells are still in conflict."""
    values = column.to_pylist()
    still = clash.copy()
    for i in np.flatnonzero(clash):
        merged = merge_json_text(base[i].as_py(), ours[i].as_py(), theirs[i].as_py())
        if merged is not None:
            values[i], still[i] = merged, False
    return pa.array(values, column.type), still


def merge_json_text(base: str | None, ours: str | None, theirs: str | None) -> str | None:
    """The merged document's text, or None when the two changes cannot be combined (or a side
    is not valid JSON, or a side removed the value)."""
    if base is None or ours is None or theirs is None:
        return None
    try:
        documents = [json.loads(text) for text in (base, ours, theirs)]
    except ValueError:
        return None
    try:
        merged = _merge(*documents)
    except _Unmergeable:
        return None
    return json.dumps(merged, ensure_ascii=False, separators=(", ", ": "))


def _merge(base: Any, ours: Any, theirs: Any) -> Any:
    if _same(ours, theirs) or _same(theirs, base):
        return ours
    if _same(ours, base):
        return theirs
    if not all(isinstance(d, dict) for d in (base, ours, theirs)):
        raise _Unmergeable
    merged: dict[str, Any] = {}
    for key in list(ours) + [k for k in theirs if k not in ours] + [k for k in base if k not in ours and k not in theirs]:
        value = _merge(base.get(key, _ABSENT), ours.get(key, _ABSENT), theirs.get(key, _ABSENT))
        if value is not _ABSENT:
            merged[key] = value
    return merged


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON values, at every depth, `true` and `1` told apart (Python's True == 1,
    and so {"a": True} == {"a": 1}, would not)."""
    if a is _ABSENT or b is _ABSENT:
        return a is b
    return _canonical(a) == _canonical(b)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
