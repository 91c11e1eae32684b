"""Constraints on a write: referential actions first, then every check, as MySQL.

`enforce(store, before, after, put, foreign_key_checks)` takes the working root before and
after one write (a SQL statement, an import). When rows of a parent table went away or changed their referenced values,
each child's ON DELETE / ON UPDATE action runs (CASCADE deletes the children or moves their
keys along, SET NULL clears their key columns, RESTRICT and NO ACTION leave them, so the check
below refuses the statement), recursively down to 15 levels as MySQL does. Then
`core.versioning.constraint_check` looks for violations; the first one is raised as
`ConstraintViolation` (MySQL's message, the constraint and the row), and nothing lands.
All of it is vectorized: a child table is scanned once per parent change, not row by row.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dl.core.hashing import Address
from dl.core.store.base import ChunkStore
from dl.core.tables.constraints import ForeignKey, ReferentialAction
from dl.core.tables.encoding import encode_keys
from dl.core.tables.table import Table
from dl.core.versioning.constraint_check import (
    ConstraintViolation,
    children_of,
    find_violations,
    has_constraints,
    load_table,
    referencing,
)
from dl.core.versioning.diff import diff_tables
from dl.core.versioning.root import RootValue
from dl.core.errors import SchemaError

MAX_DEPTH = 15  # MySQL's limit on cascading foreign key actions
Put = Callable[[Table], Address]


Moves = tuple[str, pa.Table, pa.Table]  # (table, old keys, new rows) of rows an UPDATE re-keyed


def enforce(store: ChunkStore, before: RootValue, after: RootValue, put: Put,
            foreign_key_checks: bool = True, moves: Moves | None = None) -> RootValue:
    """`after` with the referential actions applied; `ConstraintViolation` if a constraint fails.
    `moves` pairs the rows an UPDATE gave new primary keys (a tree diff sees a delete and an
    insert), so that their children follow ON UPDATE, not ON DELETE."""
    changed = list(after.changed_tables(before))
    if not (has_constraints(store, after, changed) or has_constraints(store, before, changed)):
        return after
    root = after
    if foreign_key_checks:
        for name in after.changed_tables(before):
            root = _cascade(store, before, root, name, put, 0, moves)
    violations = find_violations(store, before, root, foreign_key_checks=foreign_key_checks, first_only=True)
    if violations:
        raise ConstraintViolation(violations[0])
    return root


def _load(store: ChunkStore, root: RootValue, name: str) -> Table | None:
    return load_table(store, root, name)


def _cascade(store: ChunkStore, before: RootValue, root: RootValue, parent: str, put: Put, depth: int,
             moves: Moves | None = None) -> RootValue:
    old, new = _load(store, before, parent), _load(store, root, parent)
    if old is None or new is None or old.schema.layout != new.schema.layout:
        return root
    diff = diff_tables(parent, old, new).rows
    if not (diff.removed.num_rows or diff.modified_from.num_rows):
        return root
    removed, old_rows, new_rows = diff.removed, diff.modified_from, diff.modified_to
    key = list(old.schema.primary_key)
    if moves is not None and moves[0] == parent and moves[1].num_rows and key:
        moved_old = moves[1].select(key)
        gone = ~np.isin(old.keys_of(removed), old.keys_of(moved_old))  # removed, not re-keyed
        removed = removed.filter(pa.array(gone))
        shape = old.schema.arrow
        shape = pa.schema([shape.field(k) for k in key])
        old_rows = pa.concat_tables([old_rows.select(key).cast(shape), moved_old.cast(shape)])
        new_rows = pa.concat_tables([new_rows.select(key).cast(shape), moves[2].select(key).cast(shape)])
    for child_name, child, fk in children_of(store, root, parent):
        if not set(fk.parent_columns) <= set(old_rows.column_names):
            changed = _apply_action(child, fk, removed, diff.modified_from, diff.modified_to)
        else:
            changed = _apply_action(child, fk, removed, old_rows, new_rows)
        if changed is None:
            continue
        if depth >= MAX_DEPTH:
            raise SchemaError(f"Foreign key cascade delete/update exceeds max depth of {MAX_DEPTH}.")
        previous = root
        root = root.with_table(child_name, put(changed))
        root = _cascade(store, previous, root, child_name, put, depth + 1)
    return root


def _apply_action(child: Table, fk: ForeignKey, removed: pa.Table, old: pa.Table, new: pa.Table) -> Table | None:
    """The child after its ON DELETE action for `removed` parent rows and its ON UPDATE action for
    the parent rows changed from `old` to `new`; None when nothing changes."""
    cols = list(fk.parent_columns)
    moved = _moved(old.select(cols), new.select(cols))
    rows = child.scan()
    deleted = _mask(child, fk, removed.select(cols)) if fk.on_delete in _ACTING else None
    updated = _mask(child, fk, old.select(cols).filter(moved)) if fk.on_update in _ACTING else None
    drop = np.zeros(rows.num_rows, bool)
    nulls = np.zeros(rows.num_rows, bool)
    for mask, action in ((deleted, fk.on_delete), (updated, fk.on_update)):
        if mask is None or not mask.any():
            continue
        if action is ReferentialAction.SET_NULL:
            nulls |= mask
        elif mask is deleted:
            drop |= mask
    cascaded = updated is not None and updated.any() and fk.on_update is ReferentialAction.CASCADE
    if not (drop.any() or nulls.any() or cascaded):
        return None
    original = rows
    if cascaded:
        rows = _moved_keys(rows, fk, updated, old.select(cols).filter(moved), new.select(cols).filter(moved))
    for column in fk.columns:
        if nulls.any():
            index = rows.schema.get_field_index(column)
            values = pc.if_else(pa.array(nulls), pa.nulls(rows.num_rows, rows.schema.field(column).type),
                                rows.column(column))
            rows = rows.set_column(index, column, values)
    key = child.schema.primary_key
    if not key or set(key) & set(fk.columns):  # keyless, or keys move: rebuild from the rows
        return child.replace_rows(rows.filter(pa.array(~drop)))
    touched = (nulls | (updated if cascaded and updated is not None else False)) & ~drop
    upserts = rows.filter(pa.array(touched))
    deletes = original.filter(pa.array(drop)).select(list(key))
    return child.apply(upserts if upserts.num_rows else None, deletes if deletes.num_rows else None)


_ACTING = (ReferentialAction.CASCADE, ReferentialAction.SET_NULL)


def _moved(old: pa.Table, new: pa.Table) -> pa.Array:
    """Per changed parent row: whether its referenced values changed."""
    if old.num_rows == 0:
        return pa.array([], pa.bool_())
    return pa.array(encode_keys(old.columns, nullable=True) != encode_keys(new.columns, nullable=True))


def _mask(child: Table, fk: ForeignKey, gone: pa.Table) -> np.ndarray:
    if gone.num_rows == 0:
        return np.zeros(child.count(), bool)
    return referencing(child, fk, gone).to_numpy(zero_copy_only=False)


def _moved_keys(rows: pa.Table, fk: ForeignKey, hits: np.ndarray, old: pa.Table, new: pa.Table) -> pa.Table:
    """Child rows `hits` with their key columns moved from the `old` parent values to the `new`."""
    old_keys = encode_keys(old.columns, nullable=True)
    order = np.argsort(old_keys)
    typed = [rows.column(c).cast(old.column(i).type) for i, c in enumerate(fk.columns)]
    child_keys = encode_keys(typed, nullable=True)
    positions = np.zeros(rows.num_rows, np.int64)
    positions[hits] = order[np.searchsorted(old_keys[order], child_keys[hits])]
    for i, column in enumerate(fk.columns):
        index = rows.schema.get_field_index(column)
        moved = new.column(i).take(pa.array(positions)).cast(rows.schema.field(column).type)
        rows = rows.set_column(index, column, pc.if_else(pa.array(hits), moved, rows.column(column)))
    return rows
