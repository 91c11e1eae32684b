"""MySQL value rules of declared column types (core.tables.column_rules) and the schema's
constraint encoding (core.tables.constraints): strict-mode errors naming column and row,
normalization as MySQL does it, and schemas without constraints keeping their bytes."""
from __future__ import annotations

import datetime

import pyarrow as pa
import pytest
from dl.core.errors import IntegrityError, SchemaError
from dl.core.repo import Repository
from dl.core.tables.column_rules import apply_rule
from dl.core.tables.constraints import (
    CheckConstraint,
    ForeignKey,
    ReferentialAction,
    TableConstraints,
)
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table


def test_enum_matches_case_insensitively_and_stores_the_member() -> None:
    out = apply_rule("enum('a','B')", "e", pa.array(["A", "b", None]))
    assert out.to_pylist() == ["a", "B", None]
    with pytest.raises(SchemaError, match=r"Data truncated for column 'e' at row 2 \(value 'zz'\)"):
        apply_rule("enum('a','B')", "e", pa.array(["a", "zz"]))


def test_set_members_are_checked_deduplicated_and_ordered() -> None:
    out = apply_rule("set('x','y','z')", "s", pa.array(["z,x,x", "", None, "Y"]))
    assert out.to_pylist() == ["x,z", "", None, "y"]
    with pytest.raises(SchemaError, match="Data truncated for column 's' at row 1"):
        apply_rule("set('x','y')", "s", pa.array(["x,w"]))


def test_binary_pads_to_its_width_and_varbinary_keeps_its_bytes() -> None:
    out = apply_rule("binary(3)", "b", pa.array([b"\x1e\xe4", None, b"abc", b""]))
    assert out.to_pylist() == [b"\x1e\xe4\x00", None, b"abc", b"\x00\x00\x00"]  # MySQL's zero padding
    assert apply_rule("varbinary(3)", "v", pa.array([b"\x0e"])).to_pylist() == [b"\x0e"]
    with pytest.raises(SchemaError, match="Data too long for column 'b' at row 2"):
        apply_rule("binary(2)", "b", pa.array([b"a", b"abc"], pa.large_binary()))
    with pytest.raises(SchemaError, match="Data too long for column 'v' at row 1"):
        apply_rule("varbinary(1)", "v", pa.array([b"ab"]))


def test_lengths_ranges_bits_and_json() -> None:
    assert apply_rule("varchar(3)", "v", pa.array(["abc", "é€a"])).to_pylist() == ["abc", "é€a"]
    with pytest.raises(SchemaError, match="Data too long for column 'v' at row 2"):
        apply_rule("varchar(3)", "v", pa.array(["abc", "abcd"]))
    with pytest.raises(SchemaError, match="Data too long for column 'c' at row 1"):
        apply_rule("char(1)", "c", pa.array(["ab"]))
    assert apply_rule("year", "y", pa.array([1901, 2155, 0], pa.int16())).to_pylist() == [1901, 2155, 0]
    with pytest.raises(SchemaError, match="Out of range value for column 'y' at row 1"):
        apply_rule("year", "y", pa.array([1900], pa.int16()))
    with pytest.raises(SchemaError, match="Out of range value for column 'm'"):
        apply_rule("mediumint", "m", pa.array([8388608], pa.int32()))
    with pytest.raises(SchemaError, match="Out of range value for column 'm'"):
        apply_rule("mediumint unsigned", "m", pa.array([16777216], pa.uint32()))
    assert apply_rule("bit(3)", "b", pa.array([7], pa.uint64())).to_pylist() == [7]
    with pytest.raises(SchemaError, match="Out of range value for column 'b'"):
        apply_rule("bit(3)", "b", pa.array([8], pa.uint64()))
    assert apply_rule("json", "j", pa.array(['{"a": [1]}', None])).to_pylist() == ['{"a": [1]}', None]
    with pytest.raises(SchemaError, match="Invalid JSON text for column 'j' at row 2"):
        apply_rule("json", "j", pa.array(["1", "{bad"]))


def test_datetime_fraction_is_rounded_to_the_declared_digits() -> None:
    value = datetime.datetime(2024, 1, 2, 3, 4, 5, 123456)
    out = apply_rule("datetime(3)", "d", pa.array([value], pa.timestamp("us")))
    assert out.to_pylist() == [datetime.datetime(2024, 1, 2, 3, 4, 5, 123000)]


def _schema(constraints: TableConstraints = TableConstraints()) -> TableSchema:
    return TableSchema((Column("id", pa.int64()), Column("p", pa.int64()), Column("e", pa.string())), ("id",),
                       constraints=constraints)


def test_schema_without_constraints_keeps_its_encoding_and_old_schemas_load() -> None:
    plain = _schema()
    assert "constraints" not in plain.to_json()
    old = {k: v for k, v in plain.to_json().items()}
    assert TableSchema.from_json(old) == plain


def test_constraints_round_trip_through_the_schema_json() -> None:
    constraints = TableConstraints(
        (CheckConstraint("t_chk_1", '"p" > 0'),),
        (ForeignKey("fk", ("p",), "parent", ("id",), ReferentialAction.CASCADE, ReferentialAction.SET_NULL),),
        "id", (("e", "enum('a','b')"),))
    schema = _schema(constraints)
    assert TableSchema.from_json(schema.to_json()) == schema
    assert schema.to_json() != _schema().to_json()
    with pytest.raises(IntegrityError):
        TableSchema.from_json({**schema.to_json(), "constraints": {"foreign_keys": [{"name": "x"}]}})


def test_constraints_are_validated_against_the_columns() -> None:
    with pytest.raises(SchemaError, match="is not a column"):
        _schema(TableConstraints(foreign_keys=(ForeignKey("fk", ("nope",), "p", ("id",)),)))
    with pytest.raises(SchemaError, match="Duplicate constraint name"):
        _schema(TableConstraints(checks=(CheckConstraint("c", "1"), CheckConstraint("C", "2"))))


def test_every_write_conforms_rows_to_the_declared_types() -> None:
    repo = Repository.in_memory()
    table = Table.empty(repo.store, _schema(TableConstraints(declared_types=(("e", "enum('a','b')"),))))
    table = table.insert(pa.table({"id": [1], "p": [1], "e": ["A"]}))
    assert table.scan().column("e").to_pylist() == ["a"]
    with pytest.raises(SchemaError, match="Data truncated for column 'e'"):
        table.upsert(pa.table({"id": [2], "e": ["c"]}))
    with pytest.raises(SchemaError, match="Data truncated"):
        table.replace_rows(pa.table({"id": [2], "e": ["c"]}))


def test_constraints_merge_three_ways_by_name() -> None:
    from dl.core.tables.constraints import merge_constraints
    base = TableConstraints((CheckConstraint("a", "x > 0"),))
    ours = TableConstraints((CheckConstraint("a", "x > 0"), CheckConstraint("b", "y > 0")))
    theirs = TableConstraints((CheckConstraint("a", "x > 1"),), declared_types=(("e", "json"),))
    merged = merge_constraints(base, ours, theirs, ["x", "y", "e"])
    assert merged.checks == (CheckConstraint("a", "x > 1"), CheckConstraint("b", "y > 0"))
    assert merged.declared_types == (("e", "json"),)
    assert merge_constraints(base, ours, theirs, ["x", "y"]).declared_types == ()
    with pytest.raises(SchemaError, match="changed differently"):
        merge_constraints(base, TableConstraints((CheckConstraint("a", "x > 2"),)), theirs, ["x"])


def test_diff_names_constraint_changes_as_schema_changes() -> None:
    from dl.core.versioning.diff import schema_changes
    old = _schema(TableConstraints(foreign_keys=(ForeignKey("fk", ("p",), "parent", ("id",)),),
                                   declared_types=(("e", "varchar(3)"),)))
    new = _schema(TableConstraints((CheckConstraint("pos", '"p" > 0'),), declared_types=(("e", "varchar(5)"),)))
    assert schema_changes(old, new) == ["added check pos", "dropped foreign key fk",
                                        "changed column e declared type varchar(3) -> varchar(5)"]


def test_declared_types_and_comments_encode_the_same_in_any_order() -> None:
    """A column declared `text` at CREATE and one retyped to `text` by ALTER set their texts in
    different orders; the constraints (and so the table's hash) must not remember which."""
    one = TableConstraints(declared_types=(("v", "int"), ("id", "text")), comments=(("v", "b"), ("id", "a")))
    two = TableConstraints(declared_types=(("id", "text"), ("v", "int")), comments=(("id", "a"), ("v", "b")))
    assert one == two and one.to_json() == two.to_json()
