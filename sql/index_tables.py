"""Indexes as rows: MySQL's SHOW INDEXES and information_schema.STATISTICS.

One row per indexed column, the primary key first (named PRIMARY), then the secondary indexes
by name. SHOW INDEXES shows what Dolt's does: no Collation (NULL) and a Cardinality of 0;
information_schema.STATISTICS keeps MySQL's "A" and NULL (no statistics kept: as MySQL before
ANALYZE TABLE).
"""
from __future__ import annotations

import pyarrow as pa
from dl.core.tables.schema import TableSchema
from dl.sql.statement_view import View

_SHOW = ["Table", "Non_unique", "Key_name", "Seq_in_index", "Column_name", "Collation", "Cardinality",
         "Sub_part", "Packed", "Null", "Index_type", "Comment", "Index_comment", "Visible", "Expression"]
_STATISTICS = ["TABLE_CATALOG", "TABLE_SCHEMA", "TABLE_NAME", "NON_UNIQUE", "INDEX_SCHEMA", "INDEX_NAME",
               "SEQ_IN_INDEX", "COLUMN_NAME", "COLLATION", "CARDINALITY", "SUB_PART", "PACKED", "NULLABLE",
               "INDEX_TYPE", "COMMENT", "INDEX_COMMENT", "IS_VISIBLE", "EXPRESSION"]
_INTEGERS = {"Non_unique", "Seq_in_index", "Cardinality", "Sub_part", "NON_UNIQUE", "SEQ_IN_INDEX",
             "CARDINALITY", "SUB_PART"}


def _keys(table: str, schema: TableSchema) -> list[tuple[str, str, int, str, bool, bool]]:
    """(table, index, position, column, unique, nullable) of every indexed column."""
    keys = ([("PRIMARY", schema.primary_key, True)] if schema.primary_key else []) + \
        [(i.name, i.columns, i.unique) for i in schema.indexes]
    return [(table, key, n + 1, column, unique,
             not (column in schema.primary_key or schema.column(column).not_null))
            for key, columns, unique in keys for n, column in enumerate(columns)]


def _table(names: list[str], rows: list[list[object]]) -> pa.Table:
    return pa.table({n: pa.array([r[i] for r in rows], pa.int64() if n in _INTEGERS else pa.string())
                     for i, n in enumerate(names)})


def show_indexes(table: str, schema: TableSchema) -> pa.Table:
    """SHOW INDEXES FROM t, with MySQL's columns."""
    return _table(_SHOW, [[t, 0 if unique else 1, key, n, column, None, 0, None, None,
                           "YES" if nullable else "", "BTREE", "", "", "YES", None]
                          for t, key, n, column, unique, nullable in _keys(table, schema)])


def statistics(view: View) -> pa.Table:
    """information_schema.STATISTICS over every table of the view's root."""
    database = view.repo.directory.name if view.repo.directory else "dl"
    rows = []
    for name in sorted(view.root.tables):
        if name.lower().startswith("dolt_"):
            continue
        for t, key, n, column, unique, nullable in _keys(name, view.table(name).schema):
            rows.append(["def", database, t, 0 if unique else 1, database, key, n, column, "A", None, None,
                         None, "YES" if nullable else "", "BTREE", "", "", "YES", None])
    return _table(_STATISTICS, rows)
