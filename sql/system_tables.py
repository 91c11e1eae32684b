"""Dolt's system tables and table functions, built as Arrow tables from the repository.

Names and columns follow Dolt, so Dolt users' queries run unchanged:

    dolt_log, dolt_commits, dolt_commit_ancestors, dolt_branches, dolt_tags, dolt_status,
    dolt_diff (tables changed per commit), dolt_diff_<t>, dolt_history_<t>, dolt_conflicts,
    dolt_conflicts_<t>; table functions dolt_log(['rev']), dolt_diff('from', 'to', 't')
    (also 'from..to' / 'from...to'), dolt_diff_stat(...), dolt_diff_summary(...).

Diffs walk the two trees together (`core.diff`), so their cost follows the size of the
change. `dolt_diff_<t>` covers the uncommitted changes (to_commit = 'WORKING', from HEAD) and
every commit of the current branch against its first parent; a `to_commit = '...'` or
`from_commit = '...'` equality in the WHERE clause limits the work to that commit.
Dates are UTC timestamps without a time zone, as Dolt shows them.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from core.commit import Commit
from core.diff import diff_tables
from core.errors import DlError
from core.hashing import Address
from core.root import RootValue
from core.schema import TableSchema
from core.table import Table
from sql.errors import SqlError, wrap

if TYPE_CHECKING:
    from sql.resolve import View

TS = pa.timestamp("us")
WORKING = "WORKING"


def system_table(view: View, name: str, hints: dict[str, str]) -> pa.Table | None:
    """The system table `name`, or None when `name` is not one."""
    lower = name.lower()
    builder = _TABLES.get(lower)
    try:
        if builder is not None:
            return builder(view)
        for prefix, table_builder in _PER_TABLE.items():
            if lower.startswith(prefix) and len(lower) > len(prefix):
                return table_builder(view, name[len(prefix):], hints)
    except SqlError:
        raise
    except DlError as exc:
        raise wrap(exc) from None
    return None


def system_table_name(name: str) -> bool:
    """Whether `name` names a system table (they are read-only)."""
    lower = name.lower()
    return lower in _TABLES or any(lower.startswith(p) and len(lower) > len(p) for p in _PER_TABLE)


def table_function(view: View, name: str, args: list[str]) -> pa.Table:
    """A table function call such as dolt_diff('HEAD', 'WORKING', 't')."""
    function = _FUNCTIONS.get(name)
    if function is None:
        raise SqlError(f"unknown table function {name}(); known: {', '.join(sorted(_FUNCTIONS))}")
    try:
        return function(view, args)
    except SqlError:
        raise
    except DlError as exc:
        raise wrap(exc) from None


# --- commits ----------------------------------------------------------------------------

def _ts(seconds: float | None) -> int | None:
    return None if seconds is None else int(round(seconds * 1_000_000))


def _log_rows(commits: list[tuple[Address, Commit]]) -> pa.Table:
    return pa.table({
        "commit_hash": pa.array([a.hex for a, _ in commits], pa.string()),
        "committer": pa.array([c.author for _, c in commits], pa.string()),
        "email": pa.array([c.email for _, c in commits], pa.string()),
        "date": pa.array([_ts(c.timestamp) for _, c in commits], TS),
        "message": pa.array([c.message for _, c in commits], pa.string()),
        "commit_order": pa.array([c.height for _, c in commits], pa.int64()),
    })


def dolt_log(view: View) -> pa.Table:
    return _log_rows(view.repo.log(view.branch))


def dolt_log_function(view: View, args: list[str]) -> pa.Table:
    flags = [a for a in args if a.startswith("-")]
    if flags:
        raise SqlError(f"dolt_log(): unknown option {flags[0]}")
    if len(args) > 1:
        raise SqlError("dolt_log() takes at most one revision")
    return _log_rows(view.repo.log(args[0] if args else view.branch))


def dolt_commits(view: View) -> pa.Table:
    return _log_rows(list(view.repo.iter_all_commits())).drop_columns(["commit_order"])


def dolt_commit_ancestors(view: View) -> pa.Table:
    rows = [(a.hex, p.hex, i) for a, c in view.repo.iter_all_commits() for i, p in enumerate(c.parents)]
    return pa.table({"commit_hash": pa.array([r[0] for r in rows], pa.string()),
                     "parent_hash": pa.array([r[1] for r in rows], pa.string()),
                     "parent_index": pa.array([r[2] for r in rows], pa.int64())})


# --- refs and status ----------------------------------------------------------------------

def dolt_branches(view: View) -> pa.Table:
    repo = view.repo
    rows: dict[str, list[Any]] = {k: [] for k in ("name", "hash", "latest_committer", "latest_committer_email",
                                                  "latest_commit_date", "latest_commit_message", "remote",
                                                  "branch", "dirty")}
    for name, address in sorted(repo.branches().items()):
        commit = repo.load_commit(address)
        _, ws = repo.working_set(name) if name != view.branch else (None, view.ws)
        working = view.root.address if name == view.branch else ws.working
        dirty = working != commit.root or ws.staged != commit.root
        for key, value in (("name", name), ("hash", address.hex), ("latest_committer", commit.author),
                           ("latest_committer_email", commit.email), ("latest_commit_date", _ts(commit.timestamp)),
                           ("latest_commit_message", commit.message), ("remote", ""), ("branch", ""),
                           ("dirty", dirty)):
            rows[key].append(value)
    types = {"latest_commit_date": TS, "dirty": pa.bool_()}
    return pa.table({k: pa.array(v, types.get(k, pa.string())) for k, v in rows.items()})


def dolt_tags(view: View) -> pa.Table:
    tags = sorted(view.repo.tags().items())
    return pa.table({
        "tag_name": pa.array([n for n, _ in tags], pa.string()),
        "tag_hash": pa.array([t.commit.hex for _, t in tags], pa.string()),
        "tagger": pa.array([t.tagger for _, t in tags], pa.string()),
        "email": pa.array([t.email for _, t in tags], pa.string()),
        "date": pa.array([_ts(t.timestamp) for _, t in tags], TS),
        "message": pa.array([t.message for _, t in tags], pa.string()),
    })


_STATUS_WORDS = {"added": "new table", "modified": "modified", "deleted": "deleted"}


def dolt_status(view: View) -> pa.Table:
    repo = view.repo
    head = repo.load_root(repo.load_commit(repo.branch_head(view.branch)).root, view.store)
    staged = repo.load_root(view.ws.staged, view.store)
    rows = [(name, True, _STATUS_WORDS[change]) for name, change in staged.changed_tables(head).items()]
    rows += [(name, False, _STATUS_WORDS[change]) for name, change in view.root.changed_tables(staged).items()]
    rows += [(name, False, "conflict") for name in (view.ws.merge or {}).get("conflicts", [])]
    return pa.table({"table_name": pa.array([r[0] for r in rows], pa.string()),
                     "staged": pa.array([r[1] for r in rows], pa.bool_()),
                     "status": pa.array([r[2] for r in rows], pa.string())})


# --- diffs ------------------------------------------------------------------------------

def _table_at(view: View, root: RootValue, name: str) -> Table | None:
    stored = view.table_name(name, root)
    return None if stored is None else view.repo.table_in(root, stored, view.store)


def _diff_schema(schema: TableSchema) -> pa.Schema:
    fields = [pa.field("to_" + c.name, c.type) for c in schema.columns]
    fields += [pa.field("to_commit", pa.string()), pa.field("to_commit_date", TS)]
    fields += [pa.field("from_" + c.name, c.type) for c in schema.columns]
    fields += [pa.field("from_commit", pa.string()), pa.field("from_commit_date", TS),
               pa.field("diff_type", pa.string())]
    return pa.schema(fields)


def _project(rows: pa.Table, schema: TableSchema) -> list[pa.Array | pa.ChunkedArray]:
    """`rows` on `schema`'s columns: cast where the types differ, null where absent."""
    out: list[pa.Array | pa.ChunkedArray] = []
    for column in schema.columns:
        if column.name in rows.column_names:
            values = rows.column(column.name)
            try:
                out.append(values if values.type == column.type else values.cast(column.type))
                continue
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
        out.append(pa.nulls(rows.num_rows, column.type))
    return out


def _diff_part(schema: TableSchema, to_rows: pa.Table | None, from_rows: pa.Table | None, n: int,
               kind: str, to: tuple[str, int | None], frm: tuple[str, int | None]) -> list[Any]:
    def side(rows: pa.Table | None) -> list[Any]:
        if rows is None:
            return [pa.nulls(n, c.type) for c in schema.columns]
        return _project(rows, schema)
    return [*side(to_rows), pa.array([to[0]] * n, pa.string()), pa.array([to[1]] * n, TS),
            *side(from_rows), pa.array([frm[0]] * n, pa.string()), pa.array([frm[1]] * n, TS),
            pa.array([kind] * n, pa.string())]


def diff_rows(schema: TableSchema, name: str, before: Table | None, after: Table | None,
              to: tuple[str, int | None], frm: tuple[str, int | None]) -> pa.Table:
    """Dolt's diff rows (to_*, to_commit, ..., diff_type) of one table between two states."""
    out_schema = _diff_schema(schema)
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
            parts.append(pa.Table.from_arrays(_diff_part(schema, to_rows, from_rows, n, kind, to, frm),
                                              schema=out_schema))
    return pa.concat_tables(parts) if parts else out_schema.empty_table()


def _current_schema(view: View, name: str) -> TableSchema:
    """The schema diff and history columns follow: the working table's, else HEAD's."""
    for root in (view.root, view.root_at("HEAD")):
        table = _table_at(view, root, name)
        if table is not None:
            return table.schema
    for _, commit in view.repo.log(view.branch):
        table = _table_at(view, view.repo.load_root(commit.root, view.store), name)
        if table is not None:
            return table.schema
    raise SqlError(f"table not found: {name}")


def dolt_diff_table(view: View, name: str, hints: dict[str, str]) -> pa.Table:
    schema = _current_schema(view, name)
    repo = view.repo
    want_to, want_from = hints.get("to_commit"), hints.get("from_commit")
    head_address = repo.branch_head(view.branch)
    head = repo.load_commit(head_address)
    parts = []
    if want_to in (None, WORKING) and want_from in (None, head_address.hex):
        head_root = repo.load_root(head.root, view.store)
        parts.append(diff_rows(schema, name, _table_at(view, head_root, name), _table_at(view, view.root, name),
                               (WORKING, None), (head_address.hex, _ts(head.timestamp))))
    if want_to != WORKING:
        for address, commit in repo.log(view.branch):
            if want_to is not None and address.hex != want_to:
                continue
            parent = commit.parents[0] if commit.parents else None
            if want_from is not None and (parent is None or parent.hex != want_from):
                continue
            parts.append(_commit_diff(view, schema, name, address, commit, parent))
    return pa.concat_tables(parts) if parts else _diff_schema(schema).empty_table()


def _commit_diff(view: View, schema: TableSchema, name: str, address: Address, commit: Commit,
                 parent: Address | None) -> pa.Table:
    repo = view.repo
    after = _table_at(view, repo.load_root(commit.root, view.store), name)
    if parent is None:
        return diff_rows(schema, name, None, after, (address.hex, _ts(commit.timestamp)), ("", None))
    parent_commit = repo.load_commit(parent)
    before = _table_at(view, repo.load_root(parent_commit.root, view.store), name)
    return diff_rows(schema, name, before, after, (address.hex, _ts(commit.timestamp)),
                     (parent.hex, _ts(parent_commit.timestamp)))


def _revision_date(view: View, rev: str) -> int | None:
    if rev.strip().upper() in (WORKING, "STAGED"):
        return None
    return _ts(view.repo.load_commit(view.repo.resolve_commit(rev)).timestamp)


def _two_revisions(args: list[str], function: str) -> tuple[str, str, list[str]]:
    """('from', 'to', rest) from ('from', 'to', ...) or ('from..to', ...)."""
    if args and ".." in args[0]:
        left, _, right = args[0].partition("...") if "..." in args[0] else args[0].partition("..")
        return left or "HEAD", right or "HEAD", args[1:]
    if len(args) < 2:
        raise SqlError(f"{function}() takes a from and a to revision: {function}('HEAD~1', 'HEAD', ...)")
    return args[0], args[1], args[2:]


def dolt_diff_function(view: View, args: list[str]) -> pa.Table:
    frm, to, rest = _two_revisions(args, "dolt_diff")
    if "..." in (args[0] if args else ""):
        base = view.repo.merge_base(frm, to)
        frm = base.hex if base else frm
    if len(rest) != 1:
        raise SqlError("dolt_diff() takes the revisions and one table: dolt_diff('HEAD', 'WORKING', 't')")
    name = rest[0]
    before_root, after_root = view.root_at(frm), view.root_at(to)
    before, after = _table_at(view, before_root, name), _table_at(view, after_root, name)
    if before is None and after is None:
        raise SqlError(f"table not found: {name} (in neither {frm} nor {to})")
    schema = (after or before).schema  # type: ignore[union-attr]
    return diff_rows(schema, name, before, after, (to, _revision_date(view, to)),
                     (frm, _revision_date(view, frm)))


def dolt_diff_stat(view: View, args: list[str]) -> pa.Table:
    frm, to, rest = _two_revisions(args, "dolt_diff_stat")
    before_root, after_root = view.root_at(frm), view.root_at(to)
    from core.diff import diff_roots
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
    frm, to, rest = _two_revisions(args, "dolt_diff_summary")
    before_root, after_root = view.root_at(frm), view.root_at(to)
    rows = []
    for name, change in after_root.changed_tables(before_root).items():
        if rest and name not in rest:
            continue
        before, after = _table_at(view, before_root, name), _table_at(view, after_root, name)
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


def dolt_diff_commits(view: View) -> pa.Table:
    """Dolt's `dolt_diff` system table: which tables each commit (and WORKING) changed."""
    repo = view.repo
    rows: list[tuple[Any, ...]] = []
    head = repo.load_commit(repo.branch_head(view.branch))
    states: list[tuple[str, RootValue, RootValue, Commit | None]] = [
        (WORKING, view.root, repo.load_root(head.root, view.store), None)]
    for address, commit in repo.log(view.branch):
        parent = repo.load_root(repo.load_commit(commit.parents[0]).root, view.store) if commit.parents \
            else RootValue()
        states.append((address.hex, repo.load_root(commit.root, view.store), parent, commit))
    for label, after, before, made in states:
        for name in after.changed_tables(before):
            old, new = _table_at(view, before, name), _table_at(view, after, name)
            rows.append((label, name, made.author if made else None, made.email if made else None,
                         _ts(made.timestamp) if made else None, made.message if made else None,
                         old is None or new is None or old.value.rows != new.value.rows,
                         old is None or new is None or old.schema != new.schema))
    names = ["commit_hash", "table_name", "committer", "email", "date", "message", "data_change", "schema_change"]
    types = [pa.string()] * 4 + [TS, pa.string(), pa.bool_(), pa.bool_()]
    return pa.table({n: pa.array([r[i] for r in rows], types[i]) for i, n in enumerate(names)})


# --- history and conflicts ------------------------------------------------------------------

def dolt_history_table(view: View, name: str, hints: dict[str, str]) -> pa.Table:
    schema = _current_schema(view, name)
    parts = []
    want = hints.get("commit_hash")
    for address, commit in view.repo.log(view.branch):
        if want is not None and address.hex != want:
            continue
        table = _table_at(view, view.repo.load_root(commit.root, view.store), name)
        if table is None:
            continue
        rows = table.scan()
        n = rows.num_rows
        columns = _project(rows, schema) + [pa.array([address.hex] * n, pa.string()),
                                            pa.array([commit.author] * n, pa.string()),
                                            pa.array([_ts(commit.timestamp)] * n, TS)]
        parts.append(pa.Table.from_arrays(columns, schema=_history_schema(schema)))
    return pa.concat_tables(parts) if parts else _history_schema(schema).empty_table()


def _history_schema(schema: TableSchema) -> pa.Schema:
    return pa.schema([pa.field(c.name, c.type) for c in schema.columns]
                     + [pa.field("commit_hash", pa.string()), pa.field("committer", pa.string()),
                        pa.field("commit_date", TS)])


def dolt_conflicts_table(view: View, name: str, hints: dict[str, str]) -> pa.Table:
    from core.merging import conflict_schema, conflicts_of
    stored = view.table_name(name) or name
    found = conflicts_of(view.repo, stored)
    if stored in found:
        return found[stored]
    table = _table_at(view, view.root, name)
    if table is None:
        raise SqlError(f"table not found: {name}")
    nullable = TableSchema.from_arrow(table.schema.arrow.remove_metadata())
    return conflict_schema(nullable).arrow.empty_table()


def dolt_conflicts(view: View) -> pa.Table:
    from core.merging import conflicts_of
    found = conflicts_of(view.repo)
    names = sorted(found)
    return pa.table({"table": pa.array(names, pa.string()),
                     "num_conflicts": pa.array([found[n].num_rows for n in names], pa.uint64())})


_TABLES: dict[str, Callable[[View], pa.Table]] = {
    "dolt_log": dolt_log, "dolt_commits": dolt_commits, "dolt_commit_ancestors": dolt_commit_ancestors,
    "dolt_branches": dolt_branches, "dolt_tags": dolt_tags, "dolt_status": dolt_status,
    "dolt_diff": dolt_diff_commits, "dolt_conflicts": dolt_conflicts,
}
_PER_TABLE: dict[str, Callable[[View, str, dict[str, str]], pa.Table]] = {
    "dolt_diff_": dolt_diff_table, "dolt_history_": dolt_history_table,
    "dolt_conflicts_": dolt_conflicts_table,
}
_FUNCTIONS: dict[str, Callable[[View, list[str]], pa.Table]] = {
    "dolt_diff": dolt_diff_function, "dolt_log": dolt_log_function,
    "dolt_diff_stat": dolt_diff_stat, "dolt_diff_summary": dolt_diff_summary,
}

SYSTEM_TABLE_NAMES = sorted(_TABLES)
