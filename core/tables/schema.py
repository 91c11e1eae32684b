"""Table schemas: columns (Arrow types, NOT NULL, defaults) and the primary key.

A `TableSchema` is a value: it encodes to canonical JSON inside a table value chunk, with the
Arrow types carried as the Arrow IPC serialization of a schema (exact for every type, and
deterministic). Keyless tables (no primary key) are stored keyed by a hash of the row with a
duplicate count, as Dolt does; `storage_schema` and `layout` describe that hidden shape.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import pyarrow as pa
from dl.core.errors import DlError, IntegrityError, SchemaError
from dl.core.names import check_name
from dl.core.prolly.layout import RowLayout
from dl.core.tables.indexes import IndexDef, index_layout
from dl.core.tables.constraints import TableConstraints

ROW_HASH = "__dl_row_hash"
ROW_COUNT = "__dl_count"
ROW_HASH_TYPE = pa.binary(16)


_PARSED: dict[str, "TableSchema"] = {}  # by repr of the JSON value: see TableSchema.from_json
_PARSED_MAX = 1024


@dataclass(frozen=True)
class Column:
    """One column: name, Arrow type, NOT NULL, and a default (a JSON-able literal or None)."""

    name: str
    type: pa.DataType
    not_null: bool = False
    default: Any = None

    def field(self) -> pa.Field:
        return pa.field(self.name, self.type, nullable=not self.not_null)


@dataclass(frozen=True)
class TableSchema:
    """Columns in order plus the primary-key column names (empty for a keyless table)."""

    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    indexes: tuple[IndexDef, ...] = ()  # secondary indexes (core.tables.indexes), by name order
    constraints: TableConstraints = TableConstraints()

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if not names:
            raise SchemaError("a table needs at least one column")
        for name in names:
            check_name("column", name)
            if name.startswith("__dl_"):
                raise SchemaError(f"column name {name!r} is reserved (prefix __dl_)")
        dupes = sorted(n for n, count in Counter(names).items() if count > 1)  # linear: 100k columns
        if dupes:
            raise SchemaError(f"duplicate column name: {dupes[0]}")
        for key in self.primary_key:
            if key not in names:
                raise SchemaError(f"primary key column {key!r} is not a column")
        if len(set(self.primary_key)) != len(self.primary_key):
            raise SchemaError("a primary key names a column twice")
        if not self.constraints.empty:
            self.constraints.validate(names)
        self._check_indexes()

    def _check_indexes(self) -> None:
        if not self.indexes:
            return
        object.__setattr__(self, "indexes", tuple(sorted(self.indexes, key=lambda i: i.name.lower())))
        seen: set[str] = set()
        for index in self.indexes:
            if index.name.lower() in seen or index.name.lower() == "primary":
                raise SchemaError(f"Duplicate key name '{index.name}'")
            seen.add(index.name.lower())
            for name in index.columns:
                if name not in self.positions:
                    raise SchemaError(f"Key column '{name}' doesn't exist in table (index {index.name})")

    # --- views of the schema ---------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def is_keyless(self) -> bool:
        return not self.primary_key

    @cached_property
    def positions(self) -> dict[str, int]:
        """Column name -> position, so lookups by name stay O(1) for wide tables."""
        return {c.name: i for i, c in enumerate(self.columns)}

    def column(self, name: str) -> Column:
        position = self.positions.get(name)
        if position is None:
            raise SchemaError(f"no column {name!r} (columns: {', '.join(self.names)})")
        return self.columns[position]

    def has_column(self, name: str) -> bool:
        return name in self.positions

    @cached_property
    def arrow(self) -> pa.Schema:
        """The schema users see: columns in order, key columns NOT NULL."""
        return pa.schema([self._user_field(c) for c in self.columns])

    def _user_field(self, column: Column) -> pa.Field:
        return pa.field(column.name, column.type, nullable=not (column.not_null or column.name in self.primary_key))

    @cached_property
    def storage_schema(self) -> pa.Schema:
        """Leaf schema: user columns, plus a row hash and a count for keyless tables."""
        if not self.is_keyless:
            return self.arrow
        return pa.schema([pa.field(ROW_HASH, ROW_HASH_TYPE, nullable=False), *self.arrow,
                          pa.field(ROW_COUNT, pa.uint64(), nullable=False)])

    @cached_property
    def layout(self) -> RowLayout:
        return RowLayout(self.storage_schema, self.primary_key or (ROW_HASH,))

    # --- changes -------------------------------------------------------------------

    def with_columns(self, columns: list[Column]) -> "TableSchema":
        return replace(self, columns=tuple(columns))

    def with_indexes(self, indexes: tuple[IndexDef, ...] | list[IndexDef]) -> "TableSchema":
        return replace(self, indexes=tuple(indexes))

    def index(self, name: str) -> IndexDef | None:
        """The index of that name (case-insensitive, as MySQL's index names), or None."""
        return next((i for i in self.indexes if i.name.lower() == name.lower()), None)

    def index_layout(self, index: IndexDef) -> RowLayout:
        return index_layout(index, self.layout)
    def with_constraints(self, constraints: TableConstraints) -> "TableSchema":
        return replace(self, constraints=constraints)

    # --- canonical encoding ----------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        arrow = pa.schema([pa.field(c.name, c.type) for c in self.columns])
        value = {
            "arrow": arrow.serialize().to_pybytes().hex(),
            "not_null": [c.name for c in self.columns if c.not_null],
            "defaults": {c.name: c.default for c in self.columns if c.default is not None},
            "primary_key": list(self.primary_key),
            **({"indexes": [i.to_json() for i in self.indexes]} if self.indexes else {}),
        }
        if not self.constraints.empty:  # only then: schemas without constraints keep their bytes
            value["constraints"] = self.constraints.to_json()
        return value

    @staticmethod
    def from_json(value: Any, where: str = "?") -> "TableSchema":
        """The schema a table value's JSON holds. Every write makes a new table value with the
        same schema, so parsed schemas are kept by their JSON's text (schemas are immutable)."""
        key = repr(value)
        known = _PARSED.get(key)
        if known is None:
            known = TableSchema._parse_json(value, where)
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            _PARSED[key] = known
        return known

    @staticmethod
    def _parse_json(value: Any, where: str) -> "TableSchema":
        try:
            arrow = pa.ipc.read_schema(pa.py_buffer(bytes.fromhex(value["arrow"])))
            not_null = set(value["not_null"])
            defaults = dict(value["defaults"])
            columns = tuple(Column(f.name, f.type, f.name in not_null, defaults.get(f.name)) for f in arrow)
            indexes = tuple(IndexDef.from_json(i) for i in value.get("indexes", ()))
            return TableSchema(columns, tuple(value["primary_key"]), indexes,
                               TableConstraints.from_json(value.get("constraints")))
        except (KeyError, TypeError, ValueError, AttributeError, OSError, pa.ArrowException,
                SchemaError, DlError) as exc:  # what hostile bytes raise (Arrow: OSError)
            raise IntegrityError(f"chunk {where}: malformed table schema ({exc})", where) from None

    @staticmethod
    def from_arrow(schema: pa.Schema, primary_key: tuple[str, ...] | list[str] = ()) -> "TableSchema":
        """A schema from Arrow fields (non-nullable fields become NOT NULL)."""
        return TableSchema(tuple(Column(f.name, f.type, not f.nullable and f.name not in primary_key)
                                 for f in schema), tuple(primary_key))
