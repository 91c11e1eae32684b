"""Dolt's diff system tables and table functions: rows changed between two states of a table.

    dolt_diff_<t>          every commit of the branch against its first parent, and WORKING
                           against HEAD (a `to_commit = '...'` / `from_commit = '...'` equality
                           in the WHERE clause limits the work to that commit)
    dolt_commit_diff_<t>   the two-dot diff between any `from_commit` and `to_commit` (both
                           required in the WHERE clause, as in Dolt)
    dolt_diff              which tables each commit (and WORKING) changed
    dolt_diff('from', 'to', 't')   also 'from..to' and 'from...to' (from the merge base);
                           `from_` columns follow the table's schema at `from`, `to_` columns
                           its schema at `to`, as Dolt's table function does
    dolt_diff_stat(...), dolt_diff_summary(...)

Columns are Dolt's: `to_<col>`..., `to_commit`, `to_commit_date`, `from_<col>`...,
`from_commit`, `from_commit_date`, `diff_type` ('added', 'modified', 'removed'). The system
tables' columns follow the table's current schema (working set, else HEAD). Diffs walk the two
trees together (`core.versioning.diff`), so their cost follows the size of the change. Dates are UTC
timestamps without a time zone, as Dolt shows them. This module also holds the helpers the
history table shares: a table at a root, rows projected onto a schema.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa
from dl.core.hashing import Address
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table
from dl.core.versioning.commit import Commit
from dl.core.versioning.diff import diff_roots, diff_tables
from dl.core.versioning.root import RootValue
from dl.sql.errors import SqlError

if TYPE_CHECKING:
    from dl.sql.statement_view import View

TS = pa.timestamp("us")
WORKING = "WORKING"
STAGED = "STAGED"


def ts(seconds: float | None) -> int | None:
    """A commit time (seconds) as microseconds for a TS column, to the millisecond: Dolt keeps
    commit times so, and dolt_log's DATETIME(3) dates then equal these in a join."""
    return None if seconds is None else round(seconds * 1000) * 1000


def table_at(view: View, root: RootValue, name: str) -> Table | None:
    """Table `name` in `root` (matched as the view matches names), or None."""
    stored = view.table_name(name, root)
    return None if stored is None else view.repo.table_in(root, stored, view.store)


def _diff_schema(to_schema: TableSchema, from_schema: TableSchema) -> pa.Schema:
    fields = [pa.field("to_" + c.name, c.type) for c in to_schema.columns]
    fields += [pa.field("to_commit", pa.string()), pa.field("to_commit_date", TS)]
    fields += [pa.field("from_" + c.name, c.type) for c in from_schema.columns]
    fields += [pa.field("from_commit", pa.string()), pa.field("from_commit_date", TS),
               pa.field("diff_type", pa.string())]
    return pa.schema(fields)


def project(rows: pa.Table, schema: TableSchema) -> list[pa.Array | pa.ChunkedArray]:
    """`rows` on `schema`'s columns: cast where the types differ, null where absent. A value
    that does not fit its column now (a narrowed type: 420 in a TINYINT, 15 characters in a
    VARCHAR(10)) shows as NULL, as in Dolt; the other values of its column still show."""
    import pyarrow.compute as pc
    from dl.core.tables import column_rules
    out: list[pa.Array | pa.ChunkedArray] = []
    for column in schema.columns:
        if column.name not in rows.column_names:
            out.append(pa.nulls(rows.num_rows, column.type))
            continue
        values = _fitted(rows.column(column.name), column.type)
        declared = schema.constraints.declared_type(column.name)
        misfit = column_rules.misfits(declared, values) if declared and values.null_count < len(values) else None
        out.append(values if misfit is None else pc.if_else(misfit, pa.scalar(None, values.type), values))
    return out


def _fitted(values: pa.ChunkedArray, kind: pa.DataType) -> pa.ChunkedArray:
    """`values` cast to `kind`; integers out of its range become NULL, and a column that will
    not cast at all is all NULL."""
    import numpy as np
    import pyarrow.compute as pc
    if values.type == kind:
        return values
    try:
        return values.cast(kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    if pa.types.is_integer(kind) and (pa.types.is_integer(values.type) or pa.types.is_floating(values.type)):
        info = np.iinfo(kind.to_pandas_dtype())
        inside = pc.and_(pc.greater_equal(values, info.min), pc.less_equal(values, info.max))
        try:
            return pc.if_else(inside, values, pa.scalar(None, values.type)).cast(kind)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return pa.chunked_array([pa.nulls(len(values), kind)])


def _diff_part(schemas: tuple[TableSchema, TableSchema], to_rows: pa.Table | None,
               from_rows: pa.Table | None, n: int, kind: str, to: tuple[str, int | None],
               frm: tuple[str, int | None]) -> list[Any]:
    def side(rows: pa.Table | None, schema: TableSchema) -> list[Any]:
        if rows is None:
            return [pa.nulls(n, c.type) for c in schema.columns]
        return project(rows, schema)
    return [*side(to_rows, schemas[0]), pa.array([to[0]] * n, pa.string()), pa.array([to[1]] * n, TS),
            *side(from_rows, schemas[1]), pa.array([frm[0]] * n, pa.string()), pa.array([frm[1]] * n, TS),
            pa.array([kind] * n, pa.string())]


def diff_rows(schema: TableSchema, name: str, before: Table | None, after: Table | None,
              to: tuple[str, int | None], frm: tuple[str, int | None],
              from_schema: TableSchema | None = None) -> pa.Table:
    """Dolt's diff rows (to_*, to_commit, ..., diff_type) of one table between two states;
    the `to_` columns follow `schema`, the `from_` ones `from_schema` (default: the same)."""
    schemas = (schema, from_schema or schema)
    out_schema = _diff_schema(*schemas)
    if before is None and after is None:
        return out_schema.empty_table()
    if before is not None and after is not None and before.value == after.value:
        return out_schema.empty_table()
    rows = diff_tables(name, before, after).rows
    parts = []
    for to_rows, from_rows, kind in ((rows.added, None, "added"), (None, rows.removed, "removed"),
                                     (rows.modified_to, rows.modified_from, "modified")):
        sample = to_rows if to_rows is not None else from_rows
        n = sample.num_rows if sample is not None else 0
        if n:
            parts.append(pa.Table.from_arrays(_diff_part(schemas, to_rows, from_rows, n, kind, to, frm),
                                              schema=out_schema))
    return _in_key_order(pa.concat_tables(parts), schemas) if len(parts) > 1 else \
        parts[0] if parts else out_schema.empty_table()


def _in_key_order(table: pa.Table, schemas: tuple[TableSchema, TableSchema]) -> pa.Table:
    """Diff rows in primary-key order, each row at its key on whichever side has it, as Dolt lists
    them (not added, then removed, then modified). Keyless tables, or keys whose types changed
    between the sides, keep the grouped order."""
    import pyarrow.compute as pc
    keys = schemas[0].primary_key
    if not keys or list(keys) != list(schemas[1].primary_key):
        return table
    columns = {}
    for k in keys:
        to, frm = table.column(f"to_{k}"), table.column(f"from_{k}")
        if to.type != frm.type:
            return table
        columns[k] = pc.coalesce(to, frm)
    order = pc.sort_indices(pa.table(columns), sort_keys=[(k, "ascending") for k in keys])
    return table.take(order)


def current_schema(view: View, name: str) -> TableSchema:
    """The schema diff and history columns follow: the working table's, else HEAD's."""
    for root in (view.root, view.root_at("HEAD")):
        table = table_at(view, root, name)
        if table is not None:
            return table.schema
    for _, commit in view.repo.log(view.branch):
        table = table_at(view, view.repo.load_root(commit.root, view.store), name)
        if table is not None:
            return table.schema
    raise SqlError(f"table not found: {name}")


def dolt_diff_table(view: View, name: str, hints: dict[str, str]) -> pa.Table:
    schema = current_schema(view, name)
    repo = view.repo
    want_to, want_from = hints.get("to_commit"), hints.get("from_commit")
    head_address = repo.branch_head(view.branch)
    head = repo.load_commit(head_address)
    parts = []
    if want_to in (None, WORKING) and want_from in (None, head_address.hex):
        head_root = repo.load_root(head.root, view.store)
        parts.append(diff_rows(schema, name, table_at(view, head_root, name), table_at(view, view.root, name),
                               (WORKING, None), (head_address.hex, ts(head.timestamp))))
    if want_to != WORKING:
        for address, commit in repo.log(view.branch):
            if want_to is not None and address.hex != want_to:
                continue
            parent = commit.parents[0] if commit.parents else None
            if parent is not None and parent not in repo.present_parents(address, commit):
                continue  # a shallow clone's boundary: what it changed is beyond the clone
            if want_from is not None and (parent is None or parent.hex != want_from):
                continue
            parts.append(_commit_diff(view, schema, name, address, commit, parent))
    return pa.concat_tables(parts) if parts else _diff_schema(schema, schema).empty_table()


def _commit_diff(view: View, schema: TableSchema, name: str, address: Address, commit: Commit,
                 parent: Address | None) -> pa.Table:
    repo = view.repo
    after = table_at(view, repo.load_root(commit.root, view.store), name)
    if parent is None:
        return diff_rows(schema, name, None, after, (address.hex, ts(commit.timestamp)), ("", None))
    parent_commit = repo.load_commit(parent)
    before = table_at(view, repo.load_root(parent_commit.root, view.store), name)
    return diff_rows(schema, name, before, after, (address.hex, ts(commit.timestamp)),
                     (parent.hex, ts(parent_commit.timestamp)))


def _revision_date(view: View, rev: str) -> int | None:
    if rev.strip().upper() in (WORKING, "STAGED"):
        return None
    return ts(view.repo.load_commit(view.repo.resolve_commit(rev)).timestamp)


def two_revisions(view: View, args: list[str], function: str) -> tuple[str, str, list[str]]:
    """('from', 'to', rest) from ('from', 'to', ...), ('from..to', ...) or ('from...to', ...),
    where three dots diff from the merge base of the two (as every diff function of Dolt's)."""
    if args and ".." in args[0]:
        three = "..." in args[0]
        left, _, right = args[0].partition("...") if three else args[0].partition("..")
        frm, to = left or "HEAD", right or "HEAD"
        if three:
            base = view.repo.merge_base(frm, to)
            frm = base.hex if base else frm
        return frm, to, args[1:]
    if len(args) < 2:
        raise SqlError(f"{function}() takes a from and a to revision: {function}('HEAD~1', 'HEAD', ...)")
    return args[0], args[1], args[2:]


def dolt_diff_function(view: View, args: list[str]) -> pa.Table:
    frm, to, rest = two_revisions(view, args, "dolt_diff")
    if len(rest) != 1:
        raise SqlError("dolt_diff() takes the revisions and one table: dolt_diff('HEAD', 'WORKING', 't')")
    name = rest[0]
    before_root, after_root = view.root_at(frm), view.root_at(to)
    before, after = table_at(view, before_root, name), table_at(view, after_root, name)
    if before is None and after is None:
        raise SqlError(f"table not found: {name} (in neither {frm} nor {to})")
    to_schema = (after or before).schema  # type: ignore[union-attr]
    from_schema = (before or after).schema  # type: ignore[union-attr]
    return diff_rows(to_schema, name, before, after, (to, _revision_date(view, to)),
                     (frm, _revision_date(view, frm)), from_schema)


def dolt_commit_diff_table(view: View, name: str, hints: dict[str, str]) -> pa.Table:
    """`dolt_commit_diff_<t>`: the diff between the WHERE clause's from_commit and to_commit."""
    frm, to = hints.get("from_commit"), hints.get("to_commit")
    if frm is None or to is None:
        raise SqlError(f"dolt_commit_diff_{name} needs from_commit = '...' and to_commit = '...' "
                       "in the WHERE clause")
    schema = current_schema(view, name)
    before, after = table_at(view, view.root_at(frm), name), table_at(view, view.root_at(to), name)
    return diff_rows(schema, name, before, after, (to, _revision_date(view, to)),
                     (frm, _revision_date(view, frm)))


def dolt_diff_stat(view: View, args: list[str]) -> pa.Table:
    frm, to, rest = two_revisions(view, args, "dolt_diff_stat")
    before_root, after_root = view.root_at(frm), view.root_at(to)
    diffs = diff_roots(view.store, before_root, after_root, rest or None)
    names = ["table_name", "rows_unmodified", "rows_added", "rows_deleted", "rows_modified",
             "cells_added", "cells_deleted", "cells_modified", "old_row_count", "new_row_count",
             "old_cell_count", "new_cell_count"]
    rows: list[list[Any]] = []
    for d in diffs:
        s = d.stat()
        old_cols = len(d.from_schema.columns) if d.from_schema else 0
        new_cols = len(d.to_schema.columns) if d.to_schema else 0
        rows.append([d.name, s.old_rows - s.rows_deleted - s.rows_modified, s.rows_added, s.rows_deleted,
                     s.rows_modified, s.rows_added * new_cols, s.rows_deleted * old_cols, s.cells_modified,
                     s.old_rows, s.new_rows, s.old_rows * old_cols, s.new_rows * new_cols])
    return pa.table({n: pa.array([r[i] for r in rows], pa.string() if i == 0 else pa.int64())
                     for i, n in enumerate(names)})


def dolt_diff_summary(view: View, args: list[str]) -> pa.Table:
    frm, to, rest = two_revisions(view, args, "dolt_diff_summary")
    before_root, after_root = view.root_at(frm), view.root_at(to)
    rows = []
    for name, change in after_root.changed_tables(before_root).items():
        if rest and name not in rest:
            continue
        before, after = table_at(view, before_root, name), table_at(view, after_root, name)
        schema_change = before is None or after is None or before.schema != after.schema
        data_change = before is None or after is None or before.value.rows != after.value.rows
        rows.append((name if before else "", name if after else "", change, data_change, schema_change))
    return _summary_table(rows)


def _summary_table(rows: list[tuple[str, str, str, bool, bool]]) -> pa.Table:
    return pa.table({"from_table_name": pa.array([r[0] for r in rows], pa.string()),
                     "to_table_name": pa.array([r[1] for r in rows], pa.string()),
                     "diff_type": pa.array([r[2] for r in rows], pa.string()),
                     "data_change": pa.array([r[3] for r in rows], pa.bool_()),
                     "schema_change": pa.array([r[4] for r in rows], pa.bool_())})


def _rows_differ(old: Table | None, new: Table | None) -> bool:
    """dolt_diff's data_change: the rows differ (a table added or dropped empty changed none)."""
    before = old.value.rows if old is not None else None
    after = new.value.rows if new is not None else None
    return before != after


def dolt_diff_commits(view: View) -> pa.Table:
    """Dolt's `dolt_diff` system table: which tables each commit changed, and what is changed in
    the working set (WORKING, against the staged tables) and staged (STAGED, against HEAD)."""
    rows: list[tuple[Any, ...]] = []
    for label, after, before, made in _changes(view):
        for name in after.changed_tables(before):
            old, new = table_at(view, before, name), table_at(view, after, name)
            rows.append((label, name, *_made(made)[:4],
                         _rows_differ(old, new), old is None or new is None or old.schema != new.schema,
                         *_made(made)[4:]))
    names = ["commit_hash", "table_name", "committer", "email", "date", "message", "data_change", "schema_change",
             "author", "author_email", "author_date"]
    types = [pa.string()] * 4 + [TS, pa.string(), pa.bool_(), pa.bool_(), pa.string(), pa.string(), TS]
    return pa.table({n: pa.array([r[i] for r in rows], types[i]) for i, n in enumerate(names)})


def dolt_column_diff(view: View) -> pa.Table:
    """Dolt's `dolt_column_diff`: dolt_diff's changes one row per column (WORKING, STAGED, then
    each commit): a new table's columns are `added`, a dropped one's `deleted`; in a changed
    table, columns the schema added or dropped, and those whose values changed (`modified`)."""
    rows: list[tuple[Any, ...]] = []
    for label, after, before, made in _changes(view):
        for name in after.changed_tables(before):
            old, new = table_at(view, before, name), table_at(view, after, name)
            for column, kind in _changed_columns(name, old, new):
                rows.append((label, name, column, *_made(made)[:4], kind, *_made(made)[4:]))
    names = ["commit_hash", "table_name", "column_name", "committer", "email", "date", "message", "diff_type",
             "author", "author_email", "author_date"]
    types = [pa.string()] * 5 + [TS, pa.string(), pa.string(), pa.string(), pa.string(), TS]
    return pa.table({n: pa.array([r[i] for r in rows], types[i]) for i, n in enumerate(names)})


def _changed_columns(name: str, old: Table | None, new: Table | None) -> list[tuple[str, str]]:
    if old is None or new is None:
        table = new if new is not None else old
        assert table is not None
        return [(c.name, "added" if new is not None else "deleted") for c in table.schema.columns]
    before, after = [c.name for c in old.schema.columns], [c.name for c in new.schema.columns]
    out = [(c, "added") for c in after if c not in before]
    if old.value.rows != new.value.rows:
        from dl.core.versioning.diff import cells_differ
        rows = diff_tables(name, old, new).rows
        whole = rows.added.num_rows or rows.removed.num_rows  # a row added or removed changes every column
        for column in after:
            if column in before and (whole or (column in rows.modified_to.column_names and bool(
                    cells_differ(rows.modified_from.column(column), rows.modified_to.column(column)).any()))):
                out.append((column, "modified"))
    return out + [(c, "deleted") for c in before if c not in after]


def _changes(view: View) -> list[tuple[str, RootValue, RootValue, Commit | None]]:
    """(label, root after, root before, commit) for the working set (WORKING, against the staged
    root), the staged root (STAGED, against HEAD) and each commit of the branch's history."""
    repo = view.repo
    head = repo.load_commit(repo.branch_head(view.branch))
    staged = repo.load_root(view.ws.staged, view.store)
    states: list[tuple[str, RootValue, RootValue, Commit | None]] = [
        (WORKING, view.root, staged, None), (STAGED, staged, repo.load_root(head.root, view.store), None)]
    for address, commit in repo.log(view.branch):
        if commit.parents and commit.parents[0] not in repo.present_parents(address, commit):
            continue  # a shallow clone's boundary: what it changed is beyond the clone
        parent = repo.load_root(repo.load_commit(commit.parents[0]).root, view.store) if commit.parents \
            else RootValue()
        states.append((address.hex, repo.load_root(commit.root, view.store), parent, commit))
    return states


def _made(made: Commit | None) -> tuple[Any, ...]:
    """committer, email, date, message, author, author_email, author_date of a commit (NULLs for
    WORKING and STAGED)."""
    if made is None:
        return (None,) * 7
    return (*made.committed_by, ts(made.committed_at), made.message, made.author, made.email, ts(made.timestamp))


def dolt_preview_merge_conflicts(view: View, args: list[str]) -> pa.Table:
    """Dolt's dolt_preview_merge_conflicts('base_branch', 'merge_branch', 'table'): the conflict
    rows (dolt_conflicts_<table>'s shape) merging merge_branch into base_branch would leave,
    found by merging in a scratch buffer that is then thrown away: nothing is written."""
    from dl.core.store.buffered import BufferedStore
    from dl.core.versioning.commit import merge_bases
    from dl.core.versioning.merge_commits import _base_root, conflict_schema
    from dl.core.versioning.three_way_merge import merge_roots
    if len(args) != 3:
        raise SqlError("dolt_preview_merge_conflicts takes a base branch, a branch to merge and a table")
    repo = view.repo
    ours, theirs = repo.resolve_commit(args[0]), repo.resolve_commit(args[1])
    bases = merge_bases(repo.load_commit, ours, theirs)
    buffer = BufferedStore(repo.store)
    try:
        base = _base_root(repo, buffer, bases) if bases else RootValue()
        ours_root, theirs_root = (repo.load_root(repo.load_commit(c).root) for c in (ours, theirs))
        name = view.table_name(args[2], ours_root) or view.table_name(args[2], theirs_root)
        if name is None:
            raise SqlError(f"table not found: {args[2]}")
        found = merge_roots(buffer, base, ours_root, theirs_root, source=theirs.hex).conflicts.get(name)
        if found is not None and found.rows is not None:
            return found.scan()
        table = table_at(view, ours_root, name) or table_at(view, theirs_root, name)
        assert table is not None
        return conflict_schema(TableSchema.from_arrow(table.schema.arrow.remove_metadata())).arrow.empty_table()
    finally:
        buffer.discard()
