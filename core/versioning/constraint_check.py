"""CHECK and FOREIGN KEY constraints checked over a change from one root to another.

`find_violations(store, before, after, evaluate)` diffs the two roots table by table (cost
grows with the change, not the tables) and returns every `Violation`:
- CHECK: each changed or added row of a table is evaluated against its CHECK expressions by
  `evaluate` (a `CheckEvaluator`: the SQL layer's DuckDB over the changed rows; core holds
  no SQL engine). A row violates a check when the expression is FALSE (NULL passes, as in
  MySQL).
- FOREIGN KEY, child side: each changed or added child row whose key columns are all non-NULL
  must name a parent row: by primary-key lookups when the key references the parent's primary
  key, else by a vectorized semi-join over the parent's referenced columns.
- FOREIGN KEY, parent side: rows removed from a parent (or whose referenced values changed)
  must leave no child pointing at values no parent row holds any more.

Every path that writes a working root calls it: SQL statements (errors, after their
referential actions ran), imports (errors), merges and cherry-picks (recorded as Dolt's
constraint violations). `foreign_key_checks=False` is MySQL's `SET FOREIGN_KEY_CHECKS=0`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dl.core.errors import ConstraintViolation, DlError
from dl.core.store.base import ChunkStore
from dl.core.tables.constraints import (
    CheckConstraint,
    CheckEvaluator,
    ForeignKey,
    check_evaluator,
    set_check_evaluator,
)
from dl.core.tables.encoding import encode_keys
from dl.core.tables.table import Table, TableValue
from dl.core.versioning.diff import diff_tables
from dl.core.versioning.root import RootValue

FOREIGN_KEY = "foreign key"
CHECK = "check constraint"
UNIQUE = "unique index"
__all__ = ["ConstraintViolation", "Violation", "find_violations", "set_check_evaluator"]


@dataclass(frozen=True)
class Violation:
    """Rows of `table` that break one constraint (`kind` is Dolt's violation_type)."""

    table: str
    kind: str
    name: str
    rows: pa.Table
    info: dict[str, Any] = field(default_factory=dict)
    parent_side: bool = False  # a parent row went away under its children

    def message(self) -> str:
        row = _row_text(self.rows)
        if self.kind == CHECK:
            return f"Check constraint '{self.name}' is violated. (table {self.table}, row {row})"
        if self.kind == UNIQUE:
            return f"duplicate unique key given: {row} (index {self.name} of {self.table})"
        what = "delete or update a parent row" if self.parent_side else "add or update a child row"
        return (f"Cannot {what}: a foreign key constraint fails ({self.info['described']}) "
                f"(row {row} of {self.table})")

    def dolt_info(self) -> str:
        """Dolt's violation_info JSON."""
        value = {k: v for k, v in self.info.items() if k != "described"}
        return json.dumps(value)


def _row_text(rows: pa.Table) -> str:
    values = [rows.column(i)[0].as_py() for i in range(rows.num_columns)]
    return "(" + ", ".join(repr(v) for v in values) + ")"


_VALUES: dict[Any, TableValue] = {}  # decoded table values by address (an address fixes the bytes)


def _load(store: ChunkStore, root: RootValue, name: str) -> Table | None:
    address = root.tables.get(name)
    if address is None:
        return None
    value = _VALUES.get(address)
    if value is None:
        if len(_VALUES) > 4096:
            _VALUES.clear()
        value = _VALUES[address] = TableValue.decode(store.get(address), address)
    return Table(store, value)


load_table = _load


def has_constraints(store: ChunkStore, root: RootValue, changed: list[str]) -> bool:
    """Whether checking a change of `changed` tables in `root` can find anything: some table
    has a foreign key, or a changed table has a CHECK or new constraints."""
    for name in root.tables:
        table = _load(store, root, name)
        if table is not None and (table.schema.constraints.foreign_keys or
                                  (name in changed and table.schema.constraints.checks)):
            return True
    return False


def find_violations(store: ChunkStore, before: RootValue, after: RootValue,
                    evaluate: CheckEvaluator | None = None, *, foreign_key_checks: bool = True, first_only: bool = False) -> list[Violation]:
    """Every violation the change `before` -> `after` introduces (see the module docstring)."""
    found: list[Violation] = []
    evaluate = evaluate or check_evaluator()
    changed = after.changed_tables(before)
    for name in changed:
        new = _load(store, after, name)
        if new is None:
            continue
        constraints = new.schema.constraints
        if not (constraints.checks or (foreign_key_checks and constraints.foreign_keys)):
            continue
        rows = _changed_rows(_load(store, before, name), new)
        if rows.num_rows == 0:
            continue
        for check in constraints.checks:
            found += _check(name, check, rows, evaluate)
        if foreign_key_checks:
            for fk in constraints.foreign_keys:
                found += _child_side(store, after, name, fk, rows)
        if first_only and found:
            return found[:1]
    if foreign_key_checks:
        for name in changed:
            found += _parent_side(store, before, after, name)
            if first_only and found:
                return found[:1]
    return found


def _changed_rows(old: Table | None, new: Table) -> pa.Table:
    """The rows of `new` that are added or changed against `old` (all rows when new or re-shaped)."""
    if old is None or old.schema.layout != new.schema.layout or old.schema.constraints != new.schema.constraints:
        return new.scan()  # a new table, a new shape or new constraints: every row is checked
    diff = diff_tables("", old, new).rows
    return pa.concat_tables([diff.added.select(new.schema.names), diff.modified_to.select(new.schema.names)])


changed_rows = _changed_rows


def _check(name: str, check: CheckConstraint, rows: pa.Table, evaluate: CheckEvaluator | None) -> list[Violation]:
    if not check.enforced:
        return []
    if evaluate is None:
        raise DlError(f"table {name} has CHECK constraints, which need the SQL layer to evaluate "
                      "(open the repository through dl or dl.sql)")
    passed = evaluate(check.expression, rows)
    failed = pc.invert(pc.fill_null(passed, True))
    bad = rows.filter(failed)
    if bad.num_rows == 0:
        return []
    return [Violation(name, CHECK, check.name, bad, {"Name": check.name, "Expression": check.expression,
                                                     "Enforced": check.enforced})]


def fk_info(child: str, fk: ForeignKey) -> dict[str, Any]:
    """Dolt's violation_info for a foreign key (plus MySQL's description for messages)."""
    return {"Index": fk.name, "Table": child, "Columns": list(fk.columns), "OnDelete": fk.on_delete.value,
            "OnUpdate": fk.on_update.value, "ForeignKey": fk.name, "ReferencedIndex": ",".join(fk.parent_columns),
            "ReferencedTable": fk.parent, "ReferencedColumns": list(fk.parent_columns),
            "described": fk.describe(child)}


def _child_side(store: ChunkStore, root: RootValue, name: str, fk: ForeignKey, rows: pa.Table) -> list[Violation]:
    parent = _load(store, root, _stored_name(root, fk.parent))
    present = _all_valid(rows, fk.columns)
    candidates = rows.filter(present)
    if candidates.num_rows == 0:
        return []
    if parent is None:
        missing = np.ones(candidates.num_rows, bool)
    else:
        missing = ~has_parent(parent, fk, candidates.select(list(fk.columns)))
    if not missing.any():
        return []
    return [Violation(name, FOREIGN_KEY, fk.name, candidates.filter(pa.array(missing)), fk_info(name, fk))]


def _stored_name(root: RootValue, name: str) -> str:
    if name in root.tables:
        return name
    return next((n for n in root.tables if n.lower() == name.lower()), name)


def _all_valid(rows: pa.Table, columns: tuple[str, ...]) -> pa.Array:
    mask = None
    for column in columns:
        valid = pc.is_valid(rows.column(column))
        mask = valid if mask is None else pc.and_(mask, valid)
    return mask


def has_parent(parent: Table, fk: ForeignKey, values: pa.Table) -> np.ndarray:
    """Per row of `values` (the child's key columns, no NULLs): whether a parent row holds it."""
    typed = [values.column(i).cast(parent.schema.column(p).type) for i, p in enumerate(fk.parent_columns)]
    if tuple(fk.parent_columns) == parent.schema.primary_key:
        keys = encode_keys(typed)
        found = parent.tree.get_many(np.unique(keys))
        held = parent.keys_of(found) if found.num_rows else np.array([], keys.dtype)
        return np.isin(keys, held)
    held_rows = parent.scan().select(list(fk.parent_columns))
    held_rows = held_rows.filter(_all_valid(held_rows, fk.parent_columns))
    if held_rows.num_rows == 0:
        return np.zeros(values.num_rows, bool)
    return np.isin(encode_keys(typed), encode_keys(held_rows.columns))


def children_of(store: ChunkStore, root: RootValue, parent: str) -> list[tuple[str, Table, ForeignKey]]:
    """Every (child table name, child table, foreign key) in `root` that references `parent`."""
    found = []
    for name in root.tables:
        table = _load(store, root, name)
        if table is None:
            continue
        for fk in table.schema.constraints.foreign_keys:
            if fk.parent.lower() == parent.lower():
                found.append((name, table, fk))
    return found


def referencing_key(store: ChunkStore, root: RootValue,
                    parents: list[str]) -> tuple[ForeignKey, str] | None:
    """A foreign key of a table other than `parents` that references one of them, with that
    table's name: what stops a DROP or TRUNCATE of the parents (and an import that replaces
    one) while foreign key checks are on."""
    wanted = {p.lower() for p in parents}
    for parent in parents:
        for name, _, fk in children_of(store, root, parent):
            if name.lower() not in wanted:
                return fk, name
    return None


def truncate_refused(fk: ForeignKey, child: str) -> str:
    """Dolt's words for a TRUNCATE (or `table import -r`) of a table a foreign key references."""
    return f"cannot truncate table {fk.parent} as it is referenced in foreign key {fk.name} on table {child}"


def gone_values(old: Table | None, new: Table | None, columns: tuple[str, ...]) -> pa.Table:
    """Referenced values (`columns`) that rows removed or changed from `old` to `new` held and
    that no row of `new` holds any more."""
    if old is None:
        return pa.table({})
    if new is None:
        values = old.scan().select(list(columns))
    else:
        diff = diff_tables("", old, new).rows if old.schema.layout == new.schema.layout else None
        if diff is None:
            values = old.scan().select(list(columns))
        else:
            values = pa.concat_tables([diff.removed.select(list(columns)),
                                       diff.modified_from.select(list(columns))])
    values = values.filter(_all_valid(values, columns))
    if values.num_rows == 0 or new is None:
        return values
    fk = ForeignKey("_", columns, "_", columns)
    still = has_parent(new, fk, values)
    return values.filter(pa.array(~still))


def referencing(child: Table, fk: ForeignKey, gone: pa.Table) -> pa.Array:
    """A mask over `child.scan()` rows: those whose key columns name one of the `gone` values."""
    rows = child.scan()
    present = _all_valid(rows, fk.columns).to_numpy(zero_copy_only=False)
    if gone.num_rows == 0 or not present.any():
        return pa.array(np.zeros(rows.num_rows, bool))
    typed = [rows.column(c).cast(gone.column(i).type) for i, c in enumerate(fk.columns)]
    keys = encode_keys(typed, nullable=True)
    hits = np.isin(keys, encode_keys(gone.columns, nullable=True)) & present
    return pa.array(hits)


def _parent_side(store: ChunkStore, before: RootValue, after: RootValue, name: str) -> list[Violation]:
    old, new = _load(store, before, name), _load(store, after, name)
    if old is None:
        return []
    found = []
    for child_name, child, fk in children_of(store, after, name):
        gone = gone_values(old, new, fk.parent_columns)
        if gone.num_rows == 0:
            continue
        gone = gone.rename_columns(list(fk.parent_columns))
        hits = referencing(child, fk, gone)
        if pc.any(hits).as_py():
            found.append(Violation(child_name, FOREIGN_KEY, fk.name, child.scan().filter(hits),
                                   fk_info(child_name, fk), parent_side=True))
    return found
