"""Three-way merge of root values: tables, schemas, rows, cells.

`merge_roots(base, ours, theirs)` combines two lines of change from a common base, table by
table. A table changed on one side only takes that side. A table changed on both merges its
schema (a column added on one side, or the same column added on both alike, merges;
incompatible changes raise `SchemaConflict` before anything is written) and then its rows by
primary key, from the two tree diffs base->ours and base->theirs, so the cost follows the size
of the diffs, not of the table; the diffs are read in pieces aligned by key (`_aligned`), so
memory holds a few windows of leaves even when the changes are larger than memory; a side
whose schema differs from the merged one is rewritten to it leaf by leaf
(`core.tables.rewrite`), and keyless tables merge their copy counts a window at a time (a count both sides changed
conflicts, as in Dolt). A row changed on both sides merges cell by cell; the same
cell changed to the same value is no conflict; the same cell changed differently, a delete
against an update, or one key inserted with different values are conflicts, kept as
(base, ours, theirs) rows per table for the user to resolve, written to a conflicts tree window
by window as they are found (`conflict_rows`), so they too are never held whole. Rows in conflict keep our values
in the merged table until resolved.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dl.core.errors import DlError, SchemaError, UniqueViolation
from dl.core.hashing import Address, address_of
from dl.core.prolly.diff import TreeDiff, cells_differ, iter_diff, iter_diff_covering
from dl.core.store.base import ChunkStore
from dl.core.tables.constraints import merge_constraints
from dl.core.tables.encoding import encode_keys
from dl.core.tables.indexes import IndexDef
from dl.core.tables.schema import ROW_COUNT, ROW_HASH, Column, TableSchema
from dl.core.tables.table import Table, TableValue
from dl.core.versioning.conflict_rows import ConflictWriter, TableConflicts
from dl.core.versioning.root import RootValue


class SchemaConflict(DlError):
    """The two sides changed a table's schema in ways that cannot be combined: `reasons` says
    how, one sentence each (Dolt's words where Dolt has them). A merge records these (Dolt's
    schema conflicts) when asked to (`keep_schema_conflicts`); cherry-pick and revert stop on
    them with Dolt's "merge aborted" message."""

    def __init__(self, table: str, reasons: list[str]) -> None:
        self.table, self.reasons = table, reasons
        super().__init__(f"merge aborted: schema conflict found for table {table}; please resolve schema "
                         f"conflicts before merging: {'; '.join(reasons)}")


class PrimaryKeyMismatch(SchemaConflict):
    """A table both sides changed has different primary keys on the two sides (or on ours and
    the base): no merge can line its rows up, so it is never recorded, only refused (as Dolt)."""

    def __init__(self, table: str, against_base: bool = False) -> None:
        self.table, self.reasons = table, []
        DlError.__init__(self, f"cannot merge because table {table} has different primary keys"
                         + (" in its common ancestor" if against_base else ""))


DELETED_AND_MODIFIED = "table was modified in one branch and deleted in the other"
"""Dolt's reason for a table one side deleted and the other changed."""


@dataclass(frozen=True)
class TableSchemaConflict:
    """A table the merge could not combine, kept as our side has it until the user settles it:
    `description` is Dolt's text for it (dolt_schema_conflicts.description)."""

    table: str
    description: str


class RowChange(Enum):
    """How one side changed a row relative to the base (Dolt's diff types)."""

    ADDED = "added"
    MODIFIED = "modified"
    REMOVED = "removed"


@dataclass
class MergeOutcome:
    """The merged root and the conflicts it holds."""

    root: RootValue
    conflicts: dict[str, TableConflicts] = field(default_factory=dict)
    tables_changed: list[str] = field(default_factory=list)
    schema_conflicts: dict[str, TableSchemaConflict] = field(default_factory=dict)
    schema_roots: dict[str, RootValue] = field(default_factory=dict)  # "base"/"ours"/"theirs", set by the caller


def merge_roots(store: ChunkStore, base: RootValue, ours: RootValue, theirs: RootValue, *,
                strict: bool = False, unique_checks: bool = True, source: str = "",
                keep_schema_conflicts: bool = False, merge_json: bool = True) -> MergeOutcome:
    """Three-way merge of every table; new chunks go to `store` (a buffered writer).

    `strict` (concurrent SQL transactions): a cell both sides changed is a conflict even when
    they changed it to the same value, since each computed its value from the base (two
    `n = n + 1` give equal values, and merging them would lose an increment).
    Without `unique_checks` (merge and cherry-pick, as Dolt) rows that collide on a UNIQUE
    index are merged anyway, index trees kept consistent with the rows, and the caller records
    the collisions (`unique_check.find_unique_violations`); with them, `UniqueViolation`.
    Conflicts are written to conflicts trees in `store` as they are found (`conflict_rows`),
    with `source` (the commit merged in) as their from_root_ish.
    A table whose schemas cannot be combined (deleted on one side and changed on the other,
    a column changed differently on both) raises `SchemaConflict`, or with
    `keep_schema_conflicts` (a merge, as Dolt's) is left as ours has it and listed in
    `outcome.schema_conflicts`; different primary keys always raise (`PrimaryKeyMismatch`).
    A JSON cell both sides changed merges key by key (`json_merge`) unless not `merge_json`
    (Dolt's `--dont-merge-json`)."""
    outcome = MergeOutcome(ours)
    plans = []
    for name in sorted(set(base.tables) | set(ours.tables) | set(theirs.tables)):
        b, o, t = base.tables.get(name), ours.tables.get(name), theirs.tables.get(name)
        alike_counts = strict or (o == t and o is not None and _keyless(store, o))  # Dolt: alike keyless changes conflict
        if t == b or (o == t and not (alike_counts and o != b and o is not None)):
            continue
        if o == b:
            plans.append((name, "take", t))
            continue
        if o is None or t is None:
            if not keep_schema_conflicts:
                raise SchemaConflict(name, [DELETED_AND_MODIFIED])
            kept = _schemas(store, base, ours, theirs, name)
            outcome.schema_conflicts[name] = TableSchemaConflict(name, _deletion_description(*kept))
            continue
        plans.append((name, "merge", None))
    merged_schemas = {}
    sides: dict[str, tuple[RootValue, RootValue, RootValue]] = {}
    for name, how, _ in plans:
        if how != "merge":
            continue
        sides[name] = _following_renames(store, name, base, ours, theirs)
        try:
            merged_schemas[name] = _merge_schema(name, *_schemas(store, *sides[name], name))
        except PrimaryKeyMismatch:
            raise
        except SchemaConflict as exc:
            if not keep_schema_conflicts:
                raise
            outcome.schema_conflicts[name] = TableSchemaConflict(name, "\n".join(exc.reasons))
    plans = [plan for plan in plans if plan[0] not in outcome.schema_conflicts]
    root = ours
    for name, how, address in plans:
        if how == "take":
            root = root.with_table(name, address)
        else:
            try:
                table, conflicts = _merge_table(store, name, merged_schemas[name], *sides[name], strict,
                                                unique_checks, source, merge_json)
            except UniqueViolation as exc:
                raise exc.in_table(name) from None
            except SchemaError as exc:  # a side's rows do not fit the merged column types
                if not keep_schema_conflicts:
                    raise SchemaConflict(name, [str(exc)]) from None
                outcome.schema_conflicts[name] = TableSchemaConflict(name, str(exc))
                continue
            root = root.with_table(name, _put(store, table.value.encode()))
            if len(conflicts):
                outcome.conflicts[name] = conflicts
        outcome.tables_changed.append(name)
    outcome.root = root
    return outcome


def _following_renames(store: ChunkStore, name: str, base: RootValue, ours: RootValue,
                       theirs: RootValue) -> tuple[RootValue, RootValue, RootValue]:
    """The three roots with table `name`'s columns renamed where one side renamed a column
    (`column_renames`) and the other left it as the base has it (or renamed it alike): the
    base and that other side take the new name, so that the rename is a schema change only
    and each side's row changes are compared column for column. Unchanged otherwise."""
    from dl.core.tables.column_renames import renamed_columns, with_renames
    tables = [_load(store, r, name) for r in (base, ours, theirs)]
    b, o, t = tables
    if b is None or o is None or t is None or b.schema.primary_key != o.schema.primary_key \
            or b.schema.primary_key != t.schema.primary_key:
        return base, ours, theirs
    by_ours = renamed_columns(b.schema, o.schema, redefined=True)
    by_theirs = renamed_columns(b.schema, t.schema, redefined=True)
    if not by_ours and not by_theirs:
        return base, ours, theirs

    def untouched(side: Table, column: str) -> bool:
        return side.schema.has_column(column) and side.schema.column(column) == b.schema.column(column)
    to_ours = {old: new for old, new in by_ours.items()
               if untouched(t, old) and not t.schema.has_column(new)}
    to_theirs = {old: new for old, new in by_theirs.items()
                 if untouched(o, old) and not o.schema.has_column(new)}
    alike = {old: new for old, new in by_ours.items() if by_theirs.get(old) == new}
    for_base = {**to_ours, **to_theirs, **alike}
    if not for_base:
        return base, ours, theirs

    def put(root: RootValue, table: Table, renames: dict[str, str]) -> RootValue:
        renamed = with_renames(table, renames)
        return root if renamed is table else root.with_table(name, _put(store, renamed.value.encode()))
    return put(base, b, for_base), put(ours, o, to_theirs), put(theirs, t, to_ours)


def _keyless(store: ChunkStore, address: Address) -> bool:
    return TableValue.decode(store.get(address), address).schema.is_keyless


def _put(store: ChunkStore, data: bytes) -> Address:
    address = address_of(data)
    store.put_many({address: data})
    return address


def _load(store: ChunkStore, root: RootValue, name: str) -> Table | None:
    address = root.tables.get(name)
    return None if address is None else Table(store, TableValue.decode(store.get(address), address))


def _schemas(store: ChunkStore, base: RootValue, ours: RootValue, theirs: RootValue, name: str):
    tables = [_load(store, r, name) for r in (base, ours, theirs)]
    return tuple(t.schema if t else None for t in tables)


def _merge_schema(name: str, base: TableSchema | None, ours: TableSchema, theirs: TableSchema) -> TableSchema:
    """Column-wise three-way merge of schemas; `SchemaConflict` when it cannot be combined.

    As in Dolt: a column added on one side, or added alike on both, merges; a column dropped on
    one side and left alone on the other is dropped. The same column changed (or added)
    differently on the two sides, a column dropped on one side and changed on the other, and
    a primary key changed on either side of a table both sides changed, are conflicts.
    """
    if ours == theirs:
        return ours
    if ours.primary_key != theirs.primary_key:  # Dolt's checks, in Dolt's order
        raise PrimaryKeyMismatch(name)
    if base is not None and ours.primary_key != base.primary_key:
        raise PrimaryKeyMismatch(name, against_base=True)
    if base == ours:
        return theirs
    if base == theirs:
        return ours
    base_cols = {c.name: c for c in (base.columns if base else ())}
    columns: list[Column] = []
    for column in ours.columns:
        other = next((c for c in theirs.columns if c.name == column.name), None)
        prior = base_cols.get(column.name)
        if other is None:
            if prior is None:
                columns.append(column)  # added on our side
            elif prior != column:
                raise SchemaConflict(name, [f"column {column.name} was changed on ours and dropped on theirs"])
            continue  # dropped on their side, unchanged on ours
        if other == column or other == prior:
            columns.append(column)
        elif column == prior:
            columns.append(other)
        else:
            reason = f"different column definitions for our column {column.name} and their column {other.name}"
            raise SchemaConflict(name, [reason])
    for column in theirs.columns:
        if ours.has_column(column.name):
            continue
        prior = base_cols.get(column.name)
        if prior is None:
            columns.append(column)  # added on their side
        elif prior != column:
            raise SchemaConflict(name, [f"column {column.name} was dropped on ours and changed on theirs"])
    kept = {c.name for c in columns}
    indexes = [i for i in _merge_indexes(name, base, ours, theirs) if all(c in kept for c in i.columns)]
    try:
        constraints = merge_constraints(base.constraints if base else None, ours.constraints,
                                        theirs.constraints, [c.name for c in columns])
    except SchemaError as exc:
        raise SchemaConflict(name, [str(exc)]) from None
    return TableSchema(tuple(columns), ours.primary_key, tuple(indexes), constraints)


def _merge_indexes(name: str, base: TableSchema | None, ours: TableSchema,
                   theirs: TableSchema) -> list[IndexDef]:
    """Indexes merged by name as columns are: added on either side or both alike, dropped on
    one side and untouched on the other; one name defined differently on the two sides (or
    dropped on one and changed on the other) is a `SchemaConflict`."""
    sides = [{i.name.lower(): i for i in s.indexes} if s is not None else {} for s in (base, ours, theirs)]
    merged = []
    for key in sorted(set(sides[0]) | set(sides[1]) | set(sides[2])):
        b, o, t = (side.get(key) for side in sides)
        if o == t or t == b:
            chosen = o
        elif o == b:
            chosen = t
        else:
            shown = (o or t).name  # type: ignore[union-attr]
            raise SchemaConflict(name, [f"index {shown} is {_index_text(o)} on ours and {_index_text(t)} on theirs"])
        if chosen is not None:
            merged.append(chosen)
    return merged


def _deletion_description(base: TableSchema | None, ours: TableSchema | None,
                          theirs: TableSchema | None) -> str:
    """Dolt's description of a table deleted on one side: what the other side changed."""
    kept = ours if theirs is None else theirs
    what = "data" if kept == base else "schema"
    return f"cannot merge a table deletion with {what} modification"


def _index_text(index: IndexDef | None) -> str:
    return "dropped" if index is None else index.describe()


def _as_schema(store: ChunkStore, table: Table | None, schema: TableSchema, unique_checks: bool = True) -> Table:
    """`table` converted to `schema` (added columns take defaults/null); empty if absent. A
    UNIQUE index the other side added takes this side's duplicates without `unique_checks`
    (recorded by the caller); a change of columns too still checks them."""
    if table is None:
        return Table.empty(store, schema)
    if table.schema == schema:
        return table
    if table.schema.columns == schema.columns and table.schema.primary_key == schema.primary_key:
        rebuilt = Table(store, TableValue(schema, table.value.rows))  # indexes differ only
        return rebuilt.with_indexes_rebuilt(unique_checks=unique_checks)
    from dl.core.tables.rewrite import rewritten
    keep = [n for n in schema.names if n in table.schema.names]
    return rewritten(Table(store, table.value), schema, lambda rows, first: rows.select(keep))


def _merge_table(store: ChunkStore, name: str, schema: TableSchema, base: RootValue,
                 ours: RootValue, theirs: RootValue, strict: bool = False,
                 unique_checks: bool = True, source: str = "",
                 merge_json: bool = True) -> tuple[Table, TableConflicts]:
    b = _as_schema(store, _load(store, base, name), schema, unique_checks)
    o = _as_schema(store, _load(store, ours, name), schema, unique_checks)
    t = _as_schema(store, _load(store, theirs, name), schema, unique_checks)
    found = ConflictWriter(store, name, schema, source)
    if schema.is_keyless:
        return _merge_keyless(b, o, t, found), found.finish()
    result = o
    for ours_part, theirs_part in _aligned(b, o, t):
        upserts, deletes = _merge_rows(schema, ours_part, theirs_part, found, strict, merge_json)
        result = result.apply(upserts, deletes, unique_checks=unique_checks)
    return result, found.finish()


Changes = tuple[np.ndarray, pa.Table, pa.Table, np.ndarray]
"""One side's changed keys (sorted), their base rows, their new rows and change kinds."""


def _aligned(base: Table, ours: Table, theirs: Table) -> Iterator[tuple[Changes, Changes]]:
    """Both sides' changes from the base, a window of the key range at a time: each tree diff
    is read in pieces (`iter_diff_covering`), and after each piece the changes of both sides
    up to the key both diffs have covered are merged, so a merge of changes larger than memory
    holds a few windows of leaves, not the diffs."""
    sides = [iter_diff_covering(base.tree, ours.tree, window=MERGE_WINDOW),
             iter_diff_covering(base.tree, theirs.tree, window=MERGE_WINDOW)]
    held = [_changes(TreeDiff(*[ours.schema.arrow.empty_table()] * 4), ours)] * 2
    covered: list[bytes | None] = [b"", b""]
    done = [False, False]
    while True:
        behind = 0 if not done[0] and (done[1] or covered[0] <= covered[1]) else 1  # type: ignore[operator]
        piece = next(sides[behind], None)
        if piece is None:
            done[behind] = True
        else:
            held[behind] = _concat(held[behind], _changes(piece[0], ours))
            covered[behind] = piece[1]
            done[behind] = piece[1] is None
        if all(done):
            yield held[0], held[1]
            return
        cutoff = min(c for c, d in zip(covered, done) if not d)  # type: ignore[type-var]
        heads = [_split(h, cutoff) for h in held]
        held = [tail for _, tail in heads]
        if len(heads[0][0][0]) or len(heads[1][0][0]):
            yield heads[0][0], heads[1][0]


MERGE_WINDOW = 64
"""Differing leaves per side read at a time. Measured on a merge of two 10% changes of 10^7 rows
(10^6 conflicts), in one process: 64 leaves against 256 took the same CPU time (18.0 s) and
peaked 45 MB lower in anonymous memory (234 against 279 MB); 32 cost a quarter more CPU at
3x10^6 rows for 12 MB less."""


def _split(changes: Changes, cutoff: bytes) -> tuple[Changes, Changes]:
    keys, base, new, kinds = changes
    n = int(np.searchsorted(keys, cutoff, side="right")) if len(keys) else 0
    return ((keys[:n], base.slice(0, n), new.slice(0, n), kinds[:n]),
            (keys[n:], base.slice(n), new.slice(n), kinds[n:]))


def _concat(a: Changes, b: Changes) -> Changes:
    if not len(a[0]):
        return b
    if not len(b[0]):
        return a
    return (np.concatenate([a[0], b[0]]), pa.concat_tables([a[1], b[1]]),
            pa.concat_tables([a[2], b[2]]), np.concatenate([a[3], b[3]]))


_KINDS = np.array([RowChange.ADDED.value, RowChange.MODIFIED.value, RowChange.REMOVED.value])
ADDED, MODIFIED, REMOVED = 0, 1, 2  # codes of `_KINDS`, so kinds compare as numpy arrays


def _changes(diff: TreeDiff, table: Table) -> Changes:
    """One side's changed keys (sorted), their base rows, their new rows, and change kinds
    (ADDED / MODIFIED / REMOVED codes).

    Absent rows (the base of an added row, the new side of a removed one) are all-null rows.
    """
    schema = pa.schema([f.with_nullable(True) for f in table.schema.arrow])

    def cast(rows: pa.Table) -> pa.Table:
        return rows.select(schema.names).cast(schema)

    def nulls(n: int) -> pa.Table:
        return pa.Table.from_arrays([pa.nulls(n, f.type) for f in schema], schema=schema)

    added, before, after, removed = (cast(diff.added), cast(diff.modified_from),
                                     cast(diff.modified_to), cast(diff.removed))
    base_rows = pa.concat_tables([nulls(added.num_rows), before, removed])
    new_rows = pa.concat_tables([added, after, nulls(removed.num_rows)])
    key_rows = pa.concat_tables([added, after, removed])
    kinds = np.repeat(np.array([ADDED, MODIFIED, REMOVED], dtype=np.int8),
                      [added.num_rows, after.num_rows, removed.num_rows])
    keys = table.keys_of(key_rows) if key_rows.num_rows else np.array([], dtype="S1")
    order = np.argsort(keys, kind="stable")
    take = pa.array(order, pa.int64())
    return keys[order], base_rows.take(take), new_rows.take(take), kinds[order]


def _merge_rows(schema: TableSchema, ours_changes: Changes, theirs_changes: Changes,
                conflicts: ConflictWriter, strict: bool = False,
                merge_json: bool = True) -> tuple[pa.Table | None, pa.Table | None]:
    """Merges both sides' changes of some keys: the upserts and deletes to apply to ours (None
    when there are none); the conflicting rows go to `conflicts`."""
    ok, o_base, o_new, o_kind = ours_changes
    tk, t_base, t_new, t_kind = theirs_changes
    pos = np.searchsorted(ok, tk) if len(ok) else np.zeros(len(tk), dtype=np.int64)
    pos = np.minimum(pos, max(len(ok) - 1, 0))
    both = (ok[pos] == tk) if len(ok) else np.zeros(len(tk), dtype=bool)
    only = np.flatnonzero(~both)
    upserts = [t_new.take(pa.array(only[t_kind[only] != REMOVED], pa.int64()))]
    deletes = [t_base.take(pa.array(only[t_kind[only] == REMOVED], pa.int64()))]
    oi = ti = np.zeros(0, dtype=np.int64)
    shared = np.flatnonzero(both)
    if len(shared):
        merged, oi, ti = _merge_cells(schema, o_base, o_new, o_kind, t_new, t_kind, pos[shared], shared, strict,
                                      merge_json)
        upserts.append(merged)
    names = schema.names
    up = pa.concat_tables([u.select(names) for u in upserts])
    dl = pa.concat_tables([d.select(list(schema.primary_key)) for d in deletes])
    o_take, t_take = pa.array(oi, pa.int64()), pa.array(ti, pa.int64())
    conflicts.add(o_base.take(o_take), o_new.take(o_take), t_new.take(t_take), _KINDS[o_kind[oi]],
                  _KINDS[t_kind[ti]])
    return up if up.num_rows else None, dl if dl.num_rows else None


def _merge_cells(schema: TableSchema, o_base: pa.Table, o_new: pa.Table, o_kind: np.ndarray,
                 t_new: pa.Table, t_kind: np.ndarray, o_idx: np.ndarray,
                 t_idx: np.ndarray, strict: bool = False,
                 merge_json: bool = True) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """Rows changed on both sides: merged cell by cell (vectorized per column). Returns the
    rows to write and, for the conflicting ones, their positions in ours' and theirs' changes."""
    base = o_base.take(pa.array(o_idx))
    mine = o_new.take(pa.array(o_idx))
    their = t_new.take(pa.array(t_idx))
    kinds_o, kinds_t = o_kind[o_idx], t_kind[t_idx]
    removed_o, removed_t = kinds_o == REMOVED, kinds_t == REMOVED
    conflict = removed_o ^ removed_t  # delete against a change
    both_added = (kinds_o == ADDED) & (kinds_t == ADDED)
    merged_cols = []
    for name in schema.names:
        b, o, t = base.column(name), mine.column(name), their.column(name)
        o_changed = cells_differ(o, b)
        t_changed = cells_differ(t, b)
        disagree = np.ones(len(o_changed), dtype=bool) if strict else cells_differ(o, t)
        clash = o_changed & t_changed & disagree & ~both_added
        take_theirs = t_changed & ~o_changed
        column = pc.if_else(pa.array(take_theirs), t, o)
        if merge_json and not strict and clash.any() and schema.constraints.declared_type(name) == "json":
            from dl.core.versioning.json_merge import merge_json_cells
            column, clash = merge_json_cells(column, b, o, t, clash & ~removed_o & ~removed_t)
        conflict |= clash
        conflict |= both_added & disagree
        merged_cols.append(column)
    merged = pa.Table.from_arrays(merged_cols, schema=base.schema)
    both_removed = removed_o & removed_t
    apply = ~conflict & ~both_removed & ~removed_o
    return merged.filter(pa.array(apply)), o_idx[conflict], t_idx[conflict]


def _merge_keyless(base: Table, ours: Table, theirs: Table, found: ConflictWriter) -> Table:
    """Keyless rows are counted multisets, merged as Dolt does: per distinct row, a count that
    one side changed takes that side's count; a count both sides changed is a conflict, even
    when both changed it alike (two branches inserting the same row conflict: without a key
    nothing says they are the same row), and keeps our count until resolved. Theirs' changed
    rows come from the diff base->theirs a window of leaves at a time; our count of each is
    looked up by its hash."""
    result = ours
    for piece in iter_diff(base.tree, theirs.tree, window=MERGE_WINDOW):
        rows, base_n, their_n = _keyless_counts(piece)
        stored = ours.tree.get_many(encode_keys([rows.column(ROW_HASH)]))
        at = pc.index_in(rows.column(ROW_HASH), value_set=stored.column(ROW_HASH))
        hit = pc.is_valid(at).to_numpy(zero_copy_only=False)
        our_n = np.zeros(len(base_n), dtype=np.int64)
        positions = pc.drop_null(at).to_numpy().astype(np.int64)
        our_n[hit] = stored.column(ROW_COUNT).to_numpy().astype(np.int64)[positions]
        clash = our_n != base_n
        values = rows.select(ours.schema.names)
        take = np.flatnonzero(~clash)
        result = result.with_copies(values.take(pa.array(take, pa.int64())), their_n[take])
        _keyless_conflicts(found, values.filter(pa.array(clash)), base_n[clash], our_n[clash], their_n[clash])
    return result


def _keyless_counts(piece: TreeDiff) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """The distinct rows a keyless tree diff touches (stored form: hash, columns, count) with
    each one's count before and after."""
    def counts(rows: pa.Table) -> np.ndarray:
        return rows.column(ROW_COUNT).to_numpy().astype(np.int64)
    none = [np.zeros(piece.added.num_rows, np.int64), np.zeros(piece.removed.num_rows, np.int64)]
    rows = pa.concat_tables([piece.added, piece.modified_to, piece.removed])
    before = np.concatenate([none[0], counts(piece.modified_from), counts(piece.removed)])
    after = np.concatenate([counts(piece.added), counts(piece.modified_to), none[1]])
    return rows, before, after


def _keyless_conflicts(found: ConflictWriter, rows: pa.Table, base_n: np.ndarray, our_n: np.ndarray,
                       their_n: np.ndarray) -> None:
    """Conflicting keyless rows as Dolt records them: the row's values on each side that holds
    it (null where a side has no copy), each side's diff type and the three counts."""
    def present(n: np.ndarray) -> pa.Table:
        mask = pa.array(n > 0)
        return pa.table({c: pc.if_else(mask, rows.column(c), pa.nulls(rows.num_rows, rows.schema.field(c).type))
                         for c in rows.column_names})

    def kinds(n: np.ndarray) -> np.ndarray:
        return _KINDS[np.where(n == 0, REMOVED, np.where(base_n == 0, ADDED, MODIFIED))]
    found.add(present(base_n), present(our_n), present(their_n), kinds(our_n), kinds(their_n),
              (base_n, our_n, their_n))
