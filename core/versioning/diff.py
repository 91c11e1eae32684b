"""Diffs between two root values: per table, schema changes and row changes.

Tables whose address is equal are skipped without reading; tables with the same schema are
diffed by walking their trees together (cost follows the change); a schema change diffs the
rows on the union of the columns (a column only on one side reads as null on the other).
Keyless tables diff their hidden (row hash, count) trees and report copies added or removed.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from enum import Enum

import numpy as np
import pyarrow as pa
from dl.core.prolly.diff import TreeDiff, cells_differ, diff_rows, diff_trees, iter_diff
from dl.core.prolly.layout import RowLayout
from dl.core.prolly.tree import ProllyTree
from dl.core.store.base import ChunkStore
from dl.core.tables.schema import ROW_COUNT, TableSchema
from dl.core.tables.table import Table, TableValue
from dl.core.versioning.root import RootValue


class TableChange(Enum):
    """How a table changed between two roots."""

    ADDED = "added"
    DELETED = "deleted"
    MODIFIED = "modified"


@dataclass(frozen=True)
class DiffStat:
    """Counts for `dl diff --stat`."""

    rows_added: int
    rows_deleted: int
    rows_modified: int
    cells_modified: int
    old_rows: int
    new_rows: int


@dataclass(frozen=True)
class TableDiff:
    """One table's changes: its schema changes and its row changes (user columns)."""

    name: str
    change: TableChange
    from_schema: TableSchema | None
    to_schema: TableSchema | None
    schema_changes: list[str]
    rows: TreeDiff
    old_rows: int
    new_rows: int

    @property
    def columns(self) -> list[str]:
        """Columns of the row tables: the union, the old schema's order first."""
        return self.rows.added.schema.names

    def piece(self, rows: TreeDiff, first: bool) -> "TableDiff":
        """This diff with `rows`; a later piece (not `first`) is a plain row change (of a
        deleted table: more rows it held)."""
        if first:
            return replace(self, rows=rows)
        if self.change is TableChange.DELETED:
            return replace(self, schema_changes=[], rows=rows)
        return replace(self, change=TableChange.MODIFIED, from_schema=self.to_schema or self.from_schema,
                       to_schema=self.to_schema or self.from_schema, schema_changes=[], rows=rows)

    def skinny(self, columns: list[str]) -> "TableDiff":
        """This diff with its rows narrowed to `columns` (Dolt's `--skinny`)."""
        keep = [c for c in self.columns if c in columns]
        rows = TreeDiff(*(t.select(keep) for t in (self.rows.added, self.rows.removed,
                                                    self.rows.modified_from, self.rows.modified_to)))
        return replace(self, rows=rows)

    def stat(self) -> DiffStat:
        cells = 0
        before, after = self.rows.modified_from, self.rows.modified_to
        for name in before.column_names:
            cells += int(cells_differ(before.column(name), after.column(name)).sum())
        return DiffStat(self.rows.added.num_rows, self.rows.removed.num_rows,
                        self.rows.modified_to.num_rows, cells, self.old_rows, self.new_rows)


class DiffKind(Enum):
    """What Dolt's `diff --filter` keeps: additions (new tables, added rows), modifications
    (schema changes, updated rows), drops (dropped tables, deleted rows), renames."""

    ADDED = "added"
    MODIFIED = "modified"
    DROPPED = "dropped"
    RENAMED = "renamed"

    @classmethod
    def parse(cls, text: str) -> "DiffKind":
        """`text` as a kind; `removed` is Dolt's other name for `dropped`."""
        return cls("dropped" if text == "removed" else text)


def filter_kind(diff: TableDiff, kind: DiffKind) -> TableDiff | None:
    """The part of one table's diff (or piece of it) that `kind` keeps, None if nothing. dl
    records no table renames (a rename diffs as a drop and an add), so RENAMED keeps nothing."""
    rows, empty = diff.rows, diff.rows.added.schema.empty_table()
    whole = {DiffKind.ADDED: TableChange.ADDED, DiffKind.DROPPED: TableChange.DELETED,
             DiffKind.MODIFIED: TableChange.MODIFIED}.get(kind)
    if whole is None:
        return None
    if diff.change is not TableChange.MODIFIED:
        return diff if diff.change is whole else None
    if kind is DiffKind.ADDED:
        kept = TreeDiff(rows.added, empty, empty, empty)
    elif kind is DiffKind.DROPPED:
        kept = TreeDiff(empty, rows.removed, empty, empty)
    else:
        kept = TreeDiff(empty, empty, rows.modified_from, rows.modified_to)
    schema_changes = diff.schema_changes if kind is DiffKind.MODIFIED else []
    if kept.is_empty and not schema_changes:
        return None
    return replace(diff, rows=kept, schema_changes=schema_changes,
                   from_schema=diff.from_schema if schema_changes else diff.to_schema)


def skinny_columns(diffs: list[TableDiff]) -> list[str]:
    """The columns Dolt's `--skinny` keeps for one table's diff (given as its pieces): the
    primary key, every column of an added or removed row, and the columns whose value changed
    in a modified row."""
    first = diffs[0]
    schema = first.to_schema or first.from_schema
    keep = set(schema.primary_key if schema else ())
    for diff in diffs:
        if diff.rows.added.num_rows or diff.rows.removed.num_rows:
            keep |= set(diff.columns)
        before, after = diff.rows.modified_from, diff.rows.modified_to
        for name in before.column_names:
            if bool(cells_differ(before.column(name), after.column(name)).any()):
                keep.add(name)
    return [c for c in first.columns if c in keep]


def diff_roots(store: ChunkStore, old: RootValue, new: RootValue,
               tables: list[str] | None = None) -> list[TableDiff]:
    """Changes from `old` to `new`, one entry per changed table, by name."""
    changed = new.changed_tables(old)
    names = [n for n in changed if tables is None or n in tables]
    out = []
    for name in names:
        before = _table(store, old, name)
        after = _table(store, new, name)
        out.append(diff_tables(name, before, after))
    return out


STEP_WINDOW = 32  # differing leaves per side per piece of a diff shown as it is found


def diff_roots_in_steps(store: ChunkStore, old: RootValue, new: RootValue,
                        tables: list[str] | None = None) -> Iterator[Iterator[TableDiff]]:
    """`diff_roots`, each table's changes as a series of `TableDiff`s in key order (its
    `diff_table_pieces`, `STEP_WINDOW` leaves each), for output that shows a large diff as it
    is found. Each table's series starts with a part (maybe without rows) that carries its
    header."""
    for name, before, after in table_pairs(store, old, new, tables):
        yield diff_table_pieces(name, before, after, window=STEP_WINDOW)


def table_pairs(store: ChunkStore, old: RootValue, new: RootValue,
                tables: list[str] | None = None) -> list[tuple[str, Table | None, Table | None]]:
    """(name, before, after) of each changed table, by name: what `diff_roots` diffs, unread."""
    changed = new.changed_tables(old)
    return [(n, _table(store, old, n), _table(store, new, n))
            for n in changed if tables is None or n in tables]


DIFF_WINDOW = 256  # differing leaves per side held at a time by a diff in pieces


def summary(store: ChunkStore, old: RootValue, new: RootValue,
            tables: list[str] | None = None) -> list[tuple[TableDiff, bool]]:
    """Each changed table's diff without rows (`diff_tables(rows=False)`) and whether its data
    changed (`dl diff --summary`), mostly without reading a row: see `data_changed`."""
    return [(diff_tables(name, before, after, rows=False), data_changed(before, after))
            for name, before, after in table_pairs(store, old, new, tables)]


def data_changed(before: Table | None, after: Table | None) -> bool:
    """Whether any row differs between two versions of a table. Same schema: whether the row
    trees differ, from their roots alone (a tree is a function of its rows: the same rows
    always make the same root). An added or dropped table: whether it has rows (its root's
    count). Only a schema change compares rows, on the union of the columns, reading both."""
    if before is None or after is None:
        table = after if after is not None else before
        return table is not None and table.tree.root is not None
    if before.schema == after.schema:
        return before.value.rows != after.value.rows
    return len(_rows_by_scan(before, after)) > 0


def diff_table_pieces(name: str, before: Table | None, after: Table | None, *,
                      window: int | None = None) -> Iterator[TableDiff]:
    """`diff_tables` in pieces (at least one), in key order, each holding the changes among
    about `window` leaves per side: a diff larger than memory, for output that streams
    (`dl diff -r json|csv|sql`). The first piece is the table's diff with its first rows; the
    later ones carry rows only (a modified table with no schema change), so rendering each
    piece as it comes gives the whole diff. A schema change still reads both tables whole."""
    whole = diff_tables(name, before, after, rows=False)
    pieces: Iterator[TreeDiff]
    if before and after and before.schema == after.schema:
        pieces = iter_diff(before.tree, after.tree, window=window or DIFF_WINDOW)
        if before.schema.is_keyless:
            pieces = (_keyless_rows(before.schema, p) for p in pieces)
    elif before is None or after is None:
        pieces = _one_side(before, after, whole.rows.added.schema)
    else:
        pieces = iter([_rows_by_scan(before, after)])
    first = True
    for rows in pieces:
        if not first and not len(rows):
            continue
        yield whole.piece(rows, first)
        first = False
    if first:
        yield whole


def _one_side(before: Table | None, after: Table | None, union: pa.Schema) -> Iterator[TreeDiff]:
    """An added or deleted table's rows, leaf by leaf, as added or removed rows."""
    table = after if after is not None else before
    assert table is not None
    empty = union.empty_table()
    for leaf in table.tree.stream_leaves():
        rows = _project(table.user_rows(pa.Table.from_batches([leaf])), union)
        yield TreeDiff(rows, empty, empty, empty) if after is not None else TreeDiff(empty, rows, empty, empty)


def _table(store: ChunkStore, root: RootValue, name: str) -> Table | None:
    address = root.tables.get(name)
    return None if address is None else Table(store, TableValue.decode(store.get(address), address))


def diff_tables(name: str, before: Table | None, after: Table | None, *,
                rows: bool = True) -> TableDiff:
    """Row and schema changes of one table (either side may be absent); with `rows=False`,
    no rows are read and the row tables are empty (the shape of the diff only)."""
    change = TableChange.ADDED if before is None else TableChange.DELETED if after is None \
        else TableChange.MODIFIED
    old_schema = before.schema if before else None
    new_schema = after.schema if after else None
    if not rows:
        union = pa.schema(_union_fields(old_schema, new_schema)) if not (
            before and after and before.schema == after.schema) else _user_schema(before)
        empty = union.empty_table()
        return TableDiff(name, change, old_schema, new_schema, schema_changes(old_schema, new_schema),
                         TreeDiff(empty, empty, empty, empty), before.count() if before else 0,
                         after.count() if after else 0)
    if before and after and before.schema == after.schema:
        rows = _same_schema_rows(before, after)
    else:
        rows = _rows_by_scan(before, after)
    return TableDiff(name, change, old_schema, new_schema, schema_changes(old_schema, new_schema),
                     rows, before.count() if before else 0, after.count() if after else 0)


def _user_schema(table: Table) -> pa.Schema:
    """The columns users see of a table's rows (a keyless table's hidden ones dropped)."""
    arrow = table.schema.arrow
    return pa.schema([arrow.field(n) for n in table.schema.names])


def _same_schema_rows(before: Table, after: Table) -> TreeDiff:
    tree_diff = diff_trees(before.tree, after.tree)
    if not before.schema.is_keyless:
        return tree_diff
    return _keyless_rows(before.schema, tree_diff)


def _keyless_rows(schema: TableSchema, diff: TreeDiff) -> TreeDiff:
    """Keyless: every copy added or removed is one row; counts that changed add/remove copies."""
    names = schema.names
    old_counts = diff.modified_from.column(ROW_COUNT).to_numpy().astype(np.int64)
    new_counts = diff.modified_to.column(ROW_COUNT).to_numpy().astype(np.int64)
    grow, shrink = new_counts - old_counts, old_counts - new_counts
    added = pa.concat_tables([_expand(diff.added, diff.added.column(ROW_COUNT).to_numpy()),
                              _expand(diff.modified_to, np.maximum(grow, 0))]).select(names)
    removed = pa.concat_tables([_expand(diff.removed, diff.removed.column(ROW_COUNT).to_numpy()),
                                _expand(diff.modified_from, np.maximum(shrink, 0))]).select(names)
    empty = added.slice(0, 0)
    return TreeDiff(added, removed, empty, empty)


def _expand(table: pa.Table, counts: np.ndarray) -> pa.Table:
    return table.take(pa.array(np.repeat(np.arange(table.num_rows), counts.astype(np.int64))))


def _rows_by_scan(before: Table | None, after: Table | None) -> TreeDiff:
    """Diff on the union of columns, reading both tables (schema changed, or one side absent)."""
    fields = _union_fields(before.schema if before else None, after.schema if after else None)
    union = pa.schema(fields)
    old_rows = _project(before.scan(), union) if before else union.empty_table()
    new_rows = _project(after.scan(), union) if after else union.empty_table()
    keyed = [t for t in (after, before) if t is not None and not t.schema.is_keyless]
    renamed = renamed_key(before.schema, after.schema) if before and after else {}
    if keyed and (before is None or after is None or before.schema.primary_key == after.schema.primary_key
                  or renamed):
        layout = RowLayout(union, keyed[0].schema.primary_key)
        old_rows = _moved(old_rows, renamed)  # old keys under the new names, to pair rows by key
        old_rows, new_rows = _sorted(layout, old_rows), _sorted(layout, new_rows)
        found = diff_rows(ProllyTree(None, layout, None), old_rows, new_rows)  # type: ignore[arg-type]
        if not renamed:
            return found
        back = {new: old for old, new in renamed.items()}
        return TreeDiff(found.added, _moved(found.removed, back), _moved(found.modified_from, back),
                        found.modified_to)
    return TreeDiff(new_rows, old_rows, union.empty_table(), union.empty_table())


def renamed_key(old: TableSchema, new: TableSchema) -> dict[str, str]:
    """The key columns renamed between two schemas (old name -> new name), when the keys are
    otherwise the same (as many columns, each of the same type): rows still pair up by key
    value, as Dolt pairs them (its columns keep their tags across a rename). Empty when the
    keys have the same names or differ in more than names."""
    if old.primary_key == new.primary_key or len(old.primary_key) != len(new.primary_key) \
            or not old.primary_key:
        return {}
    types = {c.name: c.type for c in old.columns}, {c.name: c.type for c in new.columns}
    renamed = {}
    for was, now in zip(old.primary_key, new.primary_key):
        if was == now:
            continue
        if was in types[1] or now in types[0] or types[0][was] != types[1][now]:
            return {}
        renamed[was] = now
    return renamed


def keys_pair_up(old: TableSchema | None, new: TableSchema | None) -> bool:
    """Whether rows of two versions of a table pair up by key for a row diff: the same key, or
    one whose columns were only renamed (`renamed_key`)."""
    return old is None or new is None or old.primary_key == new.primary_key or bool(renamed_key(old, new))


def _moved(rows: pa.Table, moves: dict[str, str]) -> pa.Table:
    """`rows` with each column `a` of `moves` (a -> b) moved to `b`, `a` left NULL."""
    for source, target in moves.items():
        values = rows.column(source)
        rows = rows.set_column(rows.schema.get_field_index(target), target, values.cast(rows.schema.field(target).type))
        rows = rows.set_column(rows.schema.get_field_index(source), source, pa.nulls(rows.num_rows, values.type))
    return rows


def _sorted(layout: RowLayout, rows: pa.Table) -> pa.Table:
    if rows.num_rows == 0:
        return rows
    return rows.take(pa.array(np.argsort(layout.keys_of(rows), kind="stable")))


def _union_fields(old: TableSchema | None, new: TableSchema | None) -> list[pa.Field]:
    """The old schema's columns in its order, then the columns only the new one has (Dolt's
    order); a column on both sides whose type changed takes a type both sides' values fit
    (`_common_type`), so neither side's values turn NULL in the diff, whichever way it runs."""
    newer = {f.name: f.with_nullable(True) for f in (new.arrow if new else [])}
    fields = {}
    for field in (old.arrow if old else []):
        kept = newer.get(field.name)
        fields[field.name] = field.with_nullable(True) if kept is None else \
            kept.with_type(_common_type(field.type, kept.type))
    for name, field in newer.items():
        fields.setdefault(name, field)
    return list(fields.values())


def _common_type(old: pa.DataType, new: pa.DataType) -> pa.DataType:
    """A type for one column's values from two sides: Arrow's widening of the two (int and
    float: float; int and decimal: a decimal holding both), a timestamp over a date, else the
    new side's type."""
    if old == new:
        return new
    if pa.types.is_date(old) and pa.types.is_timestamp(new):
        return new
    if pa.types.is_timestamp(old) and pa.types.is_date(new):
        return old
    try:
        return pa.unify_schemas([pa.schema([("v", old)]), pa.schema([("v", new)])],
                                promote_options="permissive").field("v").type
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return new


def _project(rows: pa.Table, schema: pa.Schema) -> pa.Table:
    columns = []
    for field in schema:
        if field.name in rows.column_names:
            column = rows.column(field.name)
            try:
                column = _cast(column, field.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                column = pa.nulls(rows.num_rows, field.type)
            columns.append(column)
        else:
            columns.append(pa.nulls(rows.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def _cast(column: "pa.ChunkedArray", kind: pa.DataType) -> "pa.ChunkedArray":
    """`column` as `kind`; integers reach a narrow decimal through a wide one (Arrow refuses
    int64 -> decimal(p, s) for p < 19 + s even when every value fits)."""
    if pa.types.is_integer(column.type) and pa.types.is_decimal(kind) and kind.precision < 38:
        column = column.cast(pa.decimal128(38, kind.scale))
    return column.cast(kind)


def schema_changes(old: TableSchema | None, new: TableSchema | None) -> list[str]:
    """Human-readable schema changes (empty when equal)."""
    if old is None or new is None or old == new:
        return []
    out = []
    for column in new.columns:
        if not old.has_column(column.name):
            out.append(f"added column {column.name} {column.type}")
        else:
            prior = old.column(column.name)
            if prior.type != column.type:
                out.append(f"changed column {column.name} type {prior.type} -> {column.type}")
            if prior.not_null != column.not_null:
                out.append(f"changed column {column.name} {'NOT NULL' if column.not_null else 'NULL'}")
            if prior.default != column.default:
                out.append(f"changed column {column.name} default {prior.default!r} -> {column.default!r}")
    out += [f"dropped column {c.name}" for c in old.columns if not new.has_column(c.name)]
    if old.primary_key != new.primary_key:
        out.append(f"primary key ({', '.join(old.primary_key)}) -> ({', '.join(new.primary_key)})")
    out += index_changes(old, new)
    out += _constraint_changes(old, new)
    if not out and old.names != new.names:
        out.append("reordered columns")
    return out


def index_changes(old: TableSchema, new: TableSchema) -> list[str]:
    """Indexes added, dropped or redefined, as lines of `schema_changes`."""
    before = {i.name: i for i in old.indexes}
    after = {i.name: i for i in new.indexes}
    out = [f"dropped index {name}" for name in before if name not in after]
    for name, index in after.items():
        shown = f"{'unique ' if index.unique else ''}index {name} ({', '.join(index.columns)})"
        if name not in before:
            out.append(f"added {shown}")
        elif before[name] != index:
            out.append(f"changed {shown}")
    return out


def _constraint_changes(old: TableSchema, new: TableSchema) -> list[str]:
    """Constraints and declared MySQL types added, dropped or changed (by name)."""
    before, after = old.constraints, new.constraints
    if before == after:
        return []
    out = []
    for kind, mine, theirs in (("check", before.checks, after.checks),
                               ("foreign key", before.foreign_keys, after.foreign_keys)):
        was, now = {c.name: c for c in mine}, {c.name: c for c in theirs}
        out += [f"added {kind} {n}" for n in now if n not in was]
        out += [f"dropped {kind} {n}" for n in was if n not in now]
        out += [f"changed {kind} {n}" for n in now if n in was and was[n] != now[n]]
    declared_before, declared_after = dict(before.declared_types), dict(after.declared_types)
    for name in new.names:
        if old.has_column(name) and declared_before.get(name) != declared_after.get(name):
            out.append(f"changed column {name} declared type {declared_before.get(name)} -> {declared_after.get(name)}")
    if before.auto_increment != after.auto_increment:
        out.append(f"AUTO_INCREMENT {before.auto_increment} -> {after.auto_increment}")
    if before.auto_increment_start != after.auto_increment_start:
        out.append(f"table option AUTO_INCREMENT {before.auto_increment_start} -> {after.auto_increment_start}")
    return out


@dataclass(frozen=True)
class RowCounts:
    """Rows added, modified and deleted in one table between two roots (a merge's summary)."""

    name: str
    change: TableChange
    added: int
    modified: int
    deleted: int


def row_counts(store: ChunkStore, old: RootValue, new: RootValue) -> list[RowCounts]:
    """Per changed table, by name, the rows added, modified and deleted from `old` to `new`;
    summed over the diff's pieces, so the cost is that of the change, in bounded memory."""
    out = []
    for name, before, after in table_pairs(store, old, new):
        change = (TableChange.ADDED if before is None else TableChange.DELETED if after is None
                  else TableChange.MODIFIED)
        added = modified = deleted = 0
        for piece in diff_table_pieces(name, before, after):
            added += piece.rows.added.num_rows
            deleted += piece.rows.removed.num_rows
            modified += piece.rows.modified_to.num_rows
        out.append(RowCounts(name, change, added, modified, deleted))
    return out
