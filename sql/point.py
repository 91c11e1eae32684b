"""Running primary-key point statements straight on the tree: no sqlglot, no DuckDB.

A `PointStatement` (recognized by `point_shapes`) names its table's full primary key with
literals, so it reads or edits at most the rows those keys name: a lookup of one key per
level, or an in-place edit of one leaf per level. This module gives exactly the answers the
general path (`dml`, `resolve`: DuckDB over Arrow) gives, by taking only the cases where that is
plain to see and leaving every other case to it: `NotPoint` is raised, before anything is
written, whenever a name does not resolve (or is a system table, a view, a keyless table), a
literal would need a cast DuckDB might do differently (a string into an integer column, a
decimal with more than 15 significant digits, a value outside the column's range), arithmetic
could overflow, a key would move, or core refuses the edit (NOT NULL, duplicate key). The
general path then runs the statement and gives its answer or its error message.

Literal rules, as DuckDB casts them: integers into signed integer columns (in range) and into
float64 columns (exact below 2**53 significant digits: a value is kept to 15 digits so that
the decimal DuckDB reads converts to the same double as Python's float()); plain decimals
into float64 columns; quoted strings into string columns; NULL anywhere (NOT NULL is core's).
"""
from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
from dl.core.arrow_values import one_value
from dl.core.errors import DlError
from dl.core.tables.encoding import encode_values
from dl.core.tables.int_key_reads import row_at_int_key
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table
from dl.sql.pending_edits import PendingTable
from dl.sql.point_shapes import Literal, PointStatement, Value, Verb
from dl.sql.statement_view import View
from dl.sql.system_tables import system_table_name

_INT_BITS = {pa.int8(): 8, pa.int16(): 16, pa.int32(): 32, pa.int64(): 64}
_RESULT_TYPES = frozenset([*_INT_BITS, pa.float64(), pa.string(), pa.bool_()])
_EXACT_DIGITS = 15


class NotPoint(Exception):
    """The statement leaves the cases this module answers; run it the general way."""


def select(view: View, statement: PointStatement) -> pa.Table:
    """The rows of a point SELECT (DuckDB's result types and column names)."""
    _, table = _target(view, statement)
    schema = table.schema
    names = list(schema.names) if statement.columns is None else [_column(schema, c) for c in statement.columns]
    if len(set(names)) != len(names) or any(c != n for c, n in zip(statement.columns or (), names)):
        raise NotPoint  # DuckDB renames repeated columns; a differently-cased name keeps its spelling
    types = [schema.column(n).type for n in names]
    if any(t not in _RESULT_TYPES for t in types):
        raise NotPoint
    rows = _rows_at(table, statement)
    return pa.Table.from_arrays([rows.column(n) for n in names],
                                schema=pa.schema([pa.field(n, t) for n, t in zip(names, types)]))


def write(view: View, statement: PointStatement, mysql_counts: bool) -> tuple[str, Table | None, int]:
    """(stored table name, the new table or None if unchanged, the row count a client expects)."""
    name, table = _target(view, statement)
    new, count = write_to(table, statement, mysql_counts)
    return name, new, count  # type: ignore[return-value]


def target_name(view: View, statement: PointStatement) -> str:
    """The stored name of the table a point statement names (NotPoint: a system table, a view,
    no such table)."""
    if system_table_name(statement.table):
        raise NotPoint
    name = view.table_name(statement.table)
    if name is None:
        raise NotPoint
    return name


def write_to(table: Table | PendingTable, statement: PointStatement,
             mysql_counts: bool) -> tuple[Table | PendingTable | None, int]:
    """A point write to `table`, or recorded in its pending writes: (the table after it, or None
    if unchanged; the row count a client expects)."""
    try:
        if statement.verb is Verb.UPDATE:
            new, count = _update(table, statement, mysql_counts)
        elif statement.verb is Verb.DELETE:
            new, count = _delete(table, statement)
        else:
            new, count = _insert(table, statement, mysql_counts)
    except DlError:
        raise NotPoint from None  # core's refusal: the general path words it
    return new, count


# --- resolving names and keys ----------------------------------------------------------------

def _target(view: View, statement: PointStatement) -> tuple[str, Table]:
    name = target_name(view, statement)  # a view, or no such table: the general path says which
    table = view.table(name)
    if table.schema.is_keyless:
        raise NotPoint
    return name, table


def _column(schema: TableSchema, name: str) -> str:
    """The column `name` refers to, as `dml.column_of` finds it (exact, else case-insensitive)."""
    if schema.has_column(name):
        return name
    for column in schema.names:
        if column.lower() == name.lower():
            return str(column)
    raise NotPoint


def _key_values(table: Table | PendingTable, statement: PointStatement) -> tuple[list[object], list[pa.DataType]]:
    schema = table.schema
    given: dict[str, Literal] = {}
    for name, literal in statement.where:
        column = _column(schema, name)
        if column in given or column not in schema.primary_key:
            raise NotPoint
        given[column] = literal
    if len(given) != len(schema.primary_key):
        raise NotPoint
    types = [schema.column(k).type for k in schema.primary_key]
    values = [_value(given[k], t) for k, t in zip(schema.primary_key, types)]
    if any(v is None for v in values):
        raise NotPoint
    return values, types


def _rows_at(table: Table | PendingTable, statement: PointStatement) -> pa.Table:
    values, types = _key_values(table, statement)
    return _row_of(table, values, types)


def _row_of(table: Table | PendingTable, values: list[object], types: list[pa.DataType]) -> pa.Table:
    """The stored row (zero or one) of a full key's values. A one-column integer key not
    among the pending writes is found straight down the tree (`row_at_int_key`, as the point
    SELECT plan does), without encoding a batch of keys."""
    if len(types) == 1 and types[0] in _INT_BITS:
        bits = _INT_BITS[types[0]]
        encoded = (values[0] + (1 << (bits - 1))).to_bytes(bits // 8, "big")  # type: ignore[operator]
        if not (isinstance(table, PendingTable) and table.holds(encoded)):
            tree = table.table.tree if isinstance(table, PendingTable) else table.tree
            index = table.schema.names.index(table.schema.primary_key[0])
            found = row_at_int_key(tree, values[0], types[0], index)  # type: ignore[arg-type]
            return pa.Table.from_batches([found], schema=tree.layout.schema)
    return _get_many(table, np.array([encode_values(values, types)]))


def _get_many(table: Table | PendingTable, keys: np.ndarray) -> pa.Table:
    """The stored rows of these encoded keys (a transaction's pending writes included)."""
    return table.get_many(keys) if isinstance(table, PendingTable) else table.tree.get_many(keys)


# --- literals ------------------------------------------------------------------------------

def _value(literal: Literal, kind: pa.DataType) -> object:
    """The Python value `literal` stores as in a column of `kind` (NotPoint if not plain)."""
    if literal.kind == "null":
        return None
    sign = -1 if literal.negative else 1
    if kind in _INT_BITS and literal.kind == "int":
        return _in_range(sign * int(literal.text), kind)
    if kind == pa.float64() and literal.kind in ("int", "dec") and _digits(literal) <= _EXACT_DIGITS:
        return sign * float(literal.text) or 0.0  # a decimal has no -0
    if kind == pa.float64() and literal.kind == "int" and abs(int(literal.text)) < 2 ** 63:
        return sign * float(int(literal.text)) or 0.0  # an integer casts correctly rounded
    if kind == pa.string() and literal.kind == "str" and not literal.negative:
        return literal.text
    raise NotPoint


def _digits(literal: Literal) -> int:
    whole, _, fraction = literal.text.partition(".")
    return len(whole.lstrip("0")) + len(fraction)


def _scale(literal: Literal) -> int:
    return len(literal.text.partition(".")[2])


def _in_range(value: int, kind: pa.DataType) -> int:
    bits = _INT_BITS[kind]
    if not -(1 << (bits - 1)) <= value < (1 << (bits - 1)):
        raise NotPoint
    return value


# --- writes --------------------------------------------------------------------------------

def _update(table: Table | PendingTable, statement: PointStatement, mysql_counts: bool) -> tuple[Table | PendingTable | None, int]:
    schema = table.schema
    sets: dict[str, _Assignment] = {}
    for name, value in statement.sets:
        column = _column(schema, name)
        if column in sets or column in schema.primary_key:
            raise NotPoint  # assigned twice (an error), or a key that moves
        sets[column] = _assignment(schema, column, value)  # checked even when no row matches
    old = _rows_at(table, statement)
    if old.num_rows == 0:
        return None, 0
    row = old.slice(0, 1)
    changed = False
    for column, assignment in sets.items():
        before = row.column(column)[0].as_py()
        after = assignment.apply(row)
        changed = changed or not _same(before, after)
        index = row.schema.get_field_index(column)
        field = row.schema.field(index)
        row = row.set_column(index, field, one_value(after, field.type))  # no pandas probe
    new = table.apply(row, None)
    return new, (int(changed) if mysql_counts else 1)


class _Assignment:
    """`SET column = ...`, checked against the schema: a value, a column, or column +/- value."""

    def __init__(self, kind: pa.DataType, source: str | None, operand: object, op: str) -> None:
        self.kind, self.source, self.operand, self.op = kind, source, operand, op

    def apply(self, row: pa.Table) -> object:
        """The new value, from the row's old values (as SQL evaluates every SET on the old row)."""
        if self.source is None:
            return self.operand
        current = row.column(self.source)[0].as_py()
        if not self.op or current is None:
            return current
        result = current + self.operand if self.op == "+" else current - self.operand
        if self.kind in _INT_BITS:
            return _in_range(result, self.kind)
        if not (math.isfinite(current) and math.isfinite(result)):
            raise NotPoint  # DuckDB reports the overflow
        return result


def _assignment(schema: TableSchema, column: str, value: Value) -> _Assignment:
    kind = schema.column(column).type
    if value.column is None:
        return _Assignment(kind, None, _value(value.literal, kind), "")  # type: ignore[arg-type]
    source = _column(schema, value.column)
    if schema.column(source).type != kind:
        raise NotPoint
    if value.literal is None:
        return _Assignment(kind, source, None, "")
    if kind not in _INT_BITS and kind != pa.float64():
        raise NotPoint
    operand = _value(value.literal, kind)
    if operand is None:
        raise NotPoint
    return _Assignment(kind, source, operand, value.op)


def _same(a: object, b: object) -> bool:
    """Equal as DuckDB compares old and new values for MySQL's counts: NULLs and NaNs equal."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _delete(table: Table | PendingTable, statement: PointStatement) -> tuple[Table | PendingTable | None, int]:
    values, types = _key_values(table, statement)
    if _row_of(table, values, types).num_rows == 0:
        return None, 0
    keys = pa.table({k: one_value(v, t) for k, v, t in zip(table.schema.primary_key, values, types)})
    return table.delete(keys), 1


def _insert(table: Table | PendingTable, statement: PointStatement, mysql_counts: bool) -> tuple[Table | PendingTable | None, int]:
    schema = table.schema
    if schema.constraints.auto_increment is not None:
        raise NotPoint  # values to generate: `core.tables.auto_increment` on the general path
    names = list(schema.names) if statement.columns is None else [_column(schema, c) for c in statement.columns]
    if len(set(names)) != len(names) or any(len(row) != len(names) for row in statement.rows):
        raise NotPoint
    columns = {}
    for index, name in enumerate(names):
        literals = [row[index] for row in statement.rows]
        kind = schema.column(name).type
        if kind == pa.float64() and any(lit.kind == "dec" for lit in literals):
            whole = max(len(lit.text.partition(".")[0].lstrip("0")) for lit in literals if lit.kind != "null")
            if whole + max(_scale(lit) for lit in literals) > _EXACT_DIGITS:
                raise NotPoint  # DuckDB reads the column as one decimal type; keep it exact
        columns[name] = pa.array([_value(lit, kind) for lit in literals], kind)
    rows = pa.table(columns)
    keys = table.keys_of(rows)
    if len(np.unique(keys)) != len(keys):
        raise NotPoint  # a key twice in one statement: the general path decides
    if statement.verb is Verb.INSERT:
        return table.insert(rows), rows.num_rows
    count = rows.num_rows
    if mysql_counts:
        count += _get_many(table, keys).num_rows
    return table.upsert(rows), count
