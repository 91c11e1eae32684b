"""The system tables that hold the user's own versioned data: `dolt_ignore` (table-name patterns,
core.versioning.ignore) and `dolt_tests` (Dolt's saved test queries: a name, a group, a query
and the assertion its result must meet).

Each is an ordinary table of the root under its reserved name: staged, committed, diffed and
merged like any other, shown by `status`. None exists until SQL first writes it; until then it
reads as empty, with the schema SQL gives it on that first write (`schema_of`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from dl.core.versioning.ignore import IGNORE_TABLE, ignore_schema

if TYPE_CHECKING:
    from dl.core.tables.schema import TableSchema

TESTS_TABLE = "dolt_tests"


def tests_schema() -> TableSchema:
    """Dolt's `dolt_tests`: every column text, keyed by test_name; group and expected value
    may be NULL."""
    import pyarrow as pa

    from dl.core.tables.schema import Column, TableSchema
    text = pa.string()
    return TableSchema((Column("test_name", text, True), Column("test_group", text),
                        Column("test_query", text, True), Column("assertion_type", text, True),
                        Column("assertion_comparator", text, True), Column("assertion_value", text)),
                       ("test_name",))


_SCHEMAS = {IGNORE_TABLE: ignore_schema, TESTS_TABLE: tests_schema}
NAMES = tuple(_SCHEMAS)


def schema_of(name: str) -> TableSchema | None:
    """The schema the user system table `name` (any case) gets on its first write; None for
    any other name."""
    made = _SCHEMAS.get(name.lower())
    return made() if made is not None else None
