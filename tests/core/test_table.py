"""Table values, schemas, keyless tables and root values."""
from __future__ import annotations

import pyarrow as pa
import pytest
from dl.core.errors import DuplicateKey, IntegrityError, SchemaError
from dl.core.store.memory import MemoryStore
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table, TableValue
from dl.core.versioning.root import RootValue

SCHEMA = TableSchema((Column("id", pa.int64()), Column("name", pa.string(), not_null=True),
                      Column("score", pa.float64(), default=1.5)), ("id",))


def people() -> pa.Table:
    return pa.table({"id": [3, 1, 2], "name": ["c", "a", "b"], "score": [3.0, 1.0, None]})


def test_replace_scan_lookup_roundtrip():
    table = Table.empty(MemoryStore(), SCHEMA).replace_rows(people())
    assert table.scan().column("id").to_pylist() == [1, 2, 3]
    assert table.count() == 3
    found = table.lookup(pa.table({"id": [2, 9]}))
    assert found.to_pylist() == [{"id": 2, "name": "b", "score": None}]


def test_conform_fills_defaults_and_refuses_nulls():
    table = Table.empty(MemoryStore(), SCHEMA)
    filled = table.upsert(pa.table({"id": [1], "name": ["x"]}))
    assert filled.scan().column("score").to_pylist() == [1.5]
    with pytest.raises(SchemaError, match="NOT NULL"):
        table.upsert(pa.table({"id": [1], "name": pa.array([None], pa.string())}))
    with pytest.raises(SchemaError, match="primary key"):
        table.upsert(pa.table({"id": pa.array([None], pa.int64()), "name": ["x"]}))
    with pytest.raises(SchemaError, match="unknown column"):
        table.upsert(pa.table({"id": [1], "name": ["x"], "nope": [1]}))
    with pytest.raises(SchemaError, match="cannot store"):
        table.upsert(pa.table({"id": ["seven"], "name": ["x"]}))


def test_insert_refuses_existing_keys_and_upsert_replaces():
    table = Table.empty(MemoryStore(), SCHEMA).replace_rows(people())
    with pytest.raises(DuplicateKey, match="2"):
        table.insert(pa.table({"id": [2], "name": ["again"]}))
    replaced = table.upsert(pa.table({"id": [2], "name": ["B"]}))
    assert replaced.lookup(pa.table({"id": [2]})).column("name").to_pylist() == ["B"]
    deleted = replaced.delete(pa.table({"id": [1, 3]}))
    assert deleted.scan().column("id").to_pylist() == [2]


def test_keyless_tables_count_duplicates():
    schema = TableSchema((Column("a", pa.int64()), Column("b", pa.string())))
    store = MemoryStore()
    rows = pa.table({"a": [1, 1, 2, None], "b": ["x", "x", "y", None]})
    table = Table.empty(store, schema).upsert(rows)
    assert table.count() == 4
    assert sorted(table.scan().to_pylist(), key=str) == sorted(rows.to_pylist(), key=str)
    assert table.tree.count() == 3  # three distinct rows stored
    fewer = table.delete(pa.table({"a": [1], "b": ["x"]}))
    assert fewer.count() == 3
    gone = fewer.delete(pa.table({"a": [1, 2], "b": ["x", "y"]}))
    assert gone.scan().to_pylist() == [{"a": None, "b": None}]
    # same rows, another route: same address
    bulk = Table.empty(store, schema).replace_rows(pa.table({"a": [None], "b": pa.array([None], pa.string())}))
    assert bulk.value.rows == gone.value.rows


def test_table_and_root_values_are_canonical():
    value = TableValue(SCHEMA, None)
    again = TableValue.decode(value.encode())
    assert again == value and again.encode() == value.encode()
    root = RootValue().with_table("b", value.address).with_table("a", value.address)
    other = RootValue().with_table("a", value.address).with_table("b", value.address)
    assert root.encode() == other.encode()
    assert RootValue.decode(root.encode()) == root
    assert root.with_table("a", None).changed_tables(root) == {"a": "deleted"}


def test_renamed_tables_pair_a_gone_name_with_a_new_name_of_the_same_value():
    one, two = (RootValue().with_table("x", RootValue(extra={"n": n}).address).tables["x"] for n in (1, 2))
    old = RootValue().with_table("a", one).with_table("b", two)
    assert old.with_table("a", None).with_table("c", one).renamed_tables(old) == {"c": "a"}
    assert old.with_table("a", None).with_table("c", two).renamed_tables(old) == {}  # other content
    assert old.with_table("c", one).renamed_tables(old) == {}  # a copy: `a` is still there
    both = old.with_table("a", None).with_table("c", one).with_table("d", one)
    assert both.renamed_tables(old) == {}  # two candidates: neither is the rename


def test_schema_checks_names():
    with pytest.raises(SchemaError, match="duplicate"):
        TableSchema((Column("a", pa.int64()), Column("a", pa.int64())))
    with pytest.raises(SchemaError, match="primary key"):
        TableSchema((Column("a", pa.int64()),), ("b",))


@pytest.mark.parametrize("data", [b"", b"T", b"T\x01\0\0\0\0\0\0{", b"T\x01\0\0\0\0\0\0[]",
                                  b"T\x01\0\0\0\0\0\0{\"schema\": 1}", b"R\x01\0\0\0\0\0\0{}"])
def test_decoders_raise_integrity_errors(data):
    with pytest.raises(IntegrityError):
        TableValue.decode(data)


def test_keyless_apply_deletes_and_adds_in_one_edit():
    schema = TableSchema((Column("a", pa.int64()), Column("b", pa.string())))
    table = Table.empty(MemoryStore(), schema).upsert(pa.table({"a": [1, 1, 2], "b": ["x", "x", "y"]}))
    edited = table.apply(pa.table({"a": [3], "b": ["z"]}), pa.table({"a": [1], "b": ["x"]}))
    assert sorted(edited.scan().to_pylist(), key=str) == sorted(
        [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}, {"a": 3, "b": "z"}], key=str)
