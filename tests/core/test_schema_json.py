"""TableSchema's JSON form: parsed once per distinct text, and a parse is never confused."""
from __future__ import annotations

import pyarrow as pa
import pytest
from dl.core.errors import IntegrityError
from dl.core.tables.schema import Column, TableSchema


def _schema(*names: str) -> TableSchema:
    return TableSchema(tuple(Column(n, pa.int64(), n == "id") for n in names), ("id",))


def test_equal_json_gives_the_same_schema_and_different_json_a_different_one() -> None:
    one, two = _schema("id", "a"), _schema("id", "b")
    first = TableSchema.from_json(one.to_json())
    assert first == one and TableSchema.from_json(one.to_json()) is first  # parsed once
    assert TableSchema.from_json(two.to_json()) == two != one


def test_malformed_json_is_still_an_integrity_error_each_time() -> None:
    bad = {**_schema("id").to_json(), "arrow": "zz"}
    for _ in range(2):
        with pytest.raises(IntegrityError):
            TableSchema.from_json(bad, "x")
