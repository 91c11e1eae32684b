"""The importer's primary-key check (`importer._check_keys`): a file in key order passes
without a sort, and a repeated key is named with both lines whether or not the file is in order."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from dl.core.errors import DuplicateKey
from dl.core.tables.importer import _check_keys
from dl.core.tables.schema import Column, TableSchema

SCHEMA = TableSchema((Column("id", pa.int64()), Column("s", pa.string())), ("id",))
PAIR = TableSchema((Column("id", pa.int64()), Column("s", pa.string())), ("s", "id"))


def rows(ids: list[int], names: list[str] | None = None) -> pa.Table:
    return pa.table({"id": pa.array(ids, pa.int64()), "s": names or [f"n{i}" for i in ids]})


@pytest.mark.parametrize("ids", [[1, 2, 3, 10, 11], [-5, 0, 7], [3, 1, 2]])
def test_distinct_keys_pass(ids: list[int]) -> None:
    _check_keys("t", SCHEMA, rows(ids), None)


@pytest.mark.parametrize("ids, lines", [
    ([1, 2, 2, 3], (3, 4)),        # in key order but for one repeat
    ([1, 2, 3, 4, 4], (5, 6)),     # the repeat at the end
    ([5, 1, 9, 1], (3, 5)),        # out of order
])
def test_a_repeated_key_is_named_with_its_lines(ids: list[int], lines: tuple[int, int]) -> None:
    with pytest.raises(DuplicateKey) as caught:
        _check_keys("t", SCHEMA, rows(ids), np.arange(2, len(ids) + 2))
    assert caught.value.key == ids[lines[0] - 2]
    assert "lines " + ", ".join(map(str, lines)) in str(caught.value)


def test_a_repeated_composite_key_in_key_order_is_found() -> None:
    with pytest.raises(DuplicateKey):
        _check_keys("t", PAIR, rows([1, 2, 2], ["a", "a", "a"]), None)
    _check_keys("t", PAIR, rows([1, 2, 2], ["a", "a", "b"]), None)
