"""Dolt's system tables and table functions, built as Arrow tables from the repository.

Names and columns follow Dolt, so Dolt users' queries run unchanged:

    dolt_log, dolt_commits, dolt_commit_ancestors, dolt_branches, dolt_tags, dolt_status,
    dolt_merge_status, dolt_schema_conflicts,
    dolt_remotes, dolt_remote_branches (`sql.remote_tables`),
    dolt_schemas (the views, `sql.views`),
    dolt_diff (tables changed per commit), dolt_diff_<t>, dolt_history_<t>, dolt_conflicts,
    dolt_conflicts_<t>, dolt_blame_<t>; table functions dolt_log(['rev']), dolt_diff('from', 'to', 't')
    (also 'from..to' / 'from...to'), dolt_diff_stat(...), dolt_diff_summary(...),
    dolt_schema_diff(...) (`sql.schema_diff_function`).

The diff tables and functions (dolt_diff, dolt_diff_<t>, dolt_commit_diff_<t>, dolt_diff(),
dolt_diff_stat(), dolt_diff_summary()) are built by `sql.diff_tables`; this module dispatches a
name to its builder. A `commit_hash = '...'` equality in the WHERE clause of a query of
`dolt_history_<t>` reads only that commit.
Dates are UTC timestamps without a time zone, as Dolt shows them: commit times in dolt_log,
dolt_commits, dolt_branches and dolt_tags to the millisecond (Dolt's DATETIME(3)), the diff tables' to
the microsecond.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from dl.core.errors import DlError
from dl.core.tables.schema import TableSchema
from dl.core.versioning.ignore import split_ignored
from dl.sql import diff_tables, log_function, remote_tables, schema_diff_function, views
from dl.sql.diff_tables import TS, current_schema, project, table_at
from dl.sql.errors import SqlError, wrap

if TYPE_CHECKING:
    from dl.core.repo import Repository
    from dl.core.versioning.root import RootValue
    from dl.core.versioning.workingset import WorkingSet
    from dl.sql.statement_view import View
    from dl.sql.tree_source import TreeSource


def system_table(view: View, name: str, hints: dict[str, str]) -> pa.Table | TreeSource | None:
    """The system table `name`, or None when `name` is not one (a large dolt_conflicts_<t> is
    a `TreeSource`: a stream)."""
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


@functools.lru_cache(maxsize=4096)
def system_table_name(name: str) -> bool:
    """Whether `name` names a system table (they are read-only); asked by every planned
    statement of `dl sql-server`, so remembered per name."""
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

_ts = diff_tables.ts
_log_rows = log_function.log_rows
millis, COMMIT_TIME = log_function.millis, log_function.TS


def dolt_log(view: View) -> pa.Table:
    return _log_rows(view.repo.log(view.branch))


def dolt_commits(view: View) -> pa.Table:
    return _log_rows(list(view.repo.iter_all_commits())).drop_columns(["commit_order"])


def dolt_commit_ancestors(view: View) -> pa.Table:
    """One row per (commit, parent); the root commit has one row with a NULL parent, as in Dolt."""
    rows: list[tuple[str, str | None, int]] = []
    for address, commit in view.repo.iter_all_commits():
        rows += [(address.hex, p.hex, i) for i, p in enumerate(commit.parents)] or [(address.hex, None, 0)]
    return pa.table({"commit_hash": pa.array([r[0] for r in rows], pa.string()),
                     "parent_hash": pa.array([r[1] for r in rows], pa.string()),
                     "parent_index": pa.array([r[2] for r in rows], pa.int64())})


# --- refs and status ----------------------------------------------------------------------

def dolt_branches(view: View) -> pa.Table:
    repo = view.repo
    rows: dict[str, list[Any]] = {k: [] for k in ("name", "hash", "latest_committer", "latest_committer_email",
                                                  "latest_commit_date", "latest_commit_message", "remote",
                                                  "branch", "dirty", "latest_author", "latest_author_email",
                                                  "latest_author_date")}
    from dl.core.remotes.sync import settings_of
    settings = settings_of(repo)
    for name, address in sorted(repo.branches().items()):
        commit = repo.load_commit(address)
        upstream = settings.upstream(name)
        _, ws = repo.working_set(name) if name != view.branch else (None, view.ws)
        working = view.root.address if name == view.branch else ws.working
        dirty = working != commit.root or ws.staged != commit.root
        for key, value in (("name", name), ("hash", address.hex), ("latest_committer", commit.committed_by[0]),
                           ("latest_committer_email", commit.committed_by[1]),
                           ("latest_commit_date", millis(commit.committed_at)),
                           ("latest_author", commit.author), ("latest_author_email", commit.email),
                           ("latest_author_date", millis(commit.timestamp)),
                           ("latest_commit_message", commit.message),
                           ("remote", upstream.remote if upstream else ""),
                           ("branch", upstream.branch if upstream else ""),
                           ("dirty", dirty)):
            rows[key].append(value)
    types = {"latest_commit_date": COMMIT_TIME, "latest_author_date": COMMIT_TIME, "dirty": pa.bool_()}
    return pa.table({k: pa.array(v, types.get(k, pa.string())) for k, v in rows.items()})


def dolt_tags(view: View) -> pa.Table:
    tags = sorted(view.repo.tags().items())
    return pa.table({
        "tag_name": pa.array([n for n, _ in tags], pa.string()),
        "tag_hash": pa.array([t.commit.hex for _, t in tags], pa.string()),
        "tagger": pa.array([t.tagger for _, t in tags], pa.string()),
        "email": pa.array([t.email for _, t in tags], pa.string()),
        "date": pa.array([millis(t.timestamp) for _, t in tags], COMMIT_TIME),
        "message": pa.array([t.message for _, t in tags], pa.string()),
    })


_STATUS_WORDS = {"added": "new table", "modified": "modified", "deleted": "deleted"}


def _status_rows(newer: RootValue, older: RootValue, staged: int) -> list[tuple[str, int, str]]:
    """One dolt_status row per table changed from `older` to `newer`; a rename is one row named
    `old -> new`, as Dolt names it."""
    renamed = newer.renamed_tables(older)
    moved = set(renamed) | set(renamed.values())
    rows = [(name, staged, _STATUS_WORDS[change]) for name, change in newer.changed_tables(older).items()
            if name not in moved]
    return rows + [(f"{old} -> {new}", staged, "renamed") for new, old in renamed.items()]


def _status_with_ignored(view: View) -> list[tuple[str, int, str, bool]]:
    """Every dolt_status row, each with whether `dolt_ignore` ignores it (only a new table not
    yet staged can be ignored, as in Dolt)."""
    repo = view.repo
    head = repo.load_root(repo.load_commit(repo.branch_head(view.branch)).root, view.store)
    staged = repo.load_root(view.ws.staged, view.store)
    unstaged = _status_rows(view.root, staged, 0)
    new = [name for name, _, status in unstaged if status == "new table"]
    ignored = set(split_ignored(new, repo.ignore_patterns(view.root, view.store))[1]) if new else set()
    rows = _status_rows(staged, head, 1) + unstaged
    rows += [(name, 0, "conflict") for name in (view.ws.merge or {}).get("conflicts", [])]
    rows += [(name, 0, "schema conflict") for name in sorted((view.ws.merge or {}).get("schema_conflicts", {}))]
    rows += [(name, 0, "constraint violation") for name in (view.ws.merge or {}).get("violations", [])]
    return [(name, flag, status, flag == 0 and name in ignored) for name, flag, status in rows]


def _status_table(rows: list[tuple[str, int, str, bool]], with_ignored: bool) -> pa.Table:
    columns = {"table_name": pa.array([r[0] for r in rows], pa.string()),
               "staged": pa.array([r[1] for r in rows], pa.int8()),
               "status": pa.array([r[2] for r in rows], pa.string())}
    if with_ignored:
        columns["ignored"] = pa.array([r[3] for r in rows], pa.bool_())
    return pa.table(columns)


def dolt_status(view: View) -> pa.Table:
    """Dolt's dolt_status, without the new tables `dolt_ignore` ignores. `staged` is 1 or 0, as
    Dolt keeps it (a byte, where its other flags, such as dolt_diff's data_change, are booleans)."""
    return _status_table([r for r in _status_with_ignored(view) if not r[3]], with_ignored=False)


def dolt_status_ignored(view: View) -> pa.Table:
    """Dolt's dolt_status_ignored: dolt_status's rows, the ignored new tables too, and `ignored`."""
    return _status_table(_status_with_ignored(view), with_ignored=True)


# --- history and conflicts ------------------------------------------------------------------

def dolt_history_table(view: View, name: str, hints: dict[str, str]) -> pa.Table:
    schema = current_schema(view, name)
    parts = []
    want = hints.get("commit_hash")
    for address, commit in view.repo.log(view.branch):
        if want is not None and address.hex != want:
            continue
        table = table_at(view, view.repo.load_root(commit.root, view.store), name)
        if table is None:
            continue
        rows = table.scan()
        n = rows.num_rows
        columns = project(rows, schema) + [pa.array([address.hex] * n, pa.string()),
                                            pa.array([commit.committed_by[0]] * n, pa.string()),
                                            pa.array([_ts(commit.committed_at)] * n, TS)]
        parts.append(pa.Table.from_arrays(columns, schema=_history_schema(schema)))
    return pa.concat_tables(parts) if parts else _history_schema(schema).empty_table()


def _history_schema(schema: TableSchema) -> pa.Schema:
    return pa.schema([pa.field(c.name, c.type) for c in schema.columns]
                     + [pa.field("commit_hash", pa.string()), pa.field("committer", pa.string()),
                        pa.field("commit_date", TS)])


def dolt_conflicts_table(view: View, name: str, hints: dict[str, str]) -> pa.Table | TreeSource:
    """Dolt's dolt_conflicts_<t>: the conflicts tree the merge wrote, as it is stored; a large
    one reaches DuckDB as a stream of its leaves (`TreeSource`), never read whole."""
    from dl.core.versioning.merge_commits import conflict_schema, conflict_tables
    from dl.sql.tree_source import TreeSource, should_stream
    stored = view.table_name(name) or name
    found = conflict_tables(view.repo, stored).get(stored)
    if found is not None:
        return TreeSource(found, None) if should_stream(found) else found.scan()
    table = table_at(view, view.root, name)
    if table is None:
        raise SqlError(f"table not found: {name}")
    nullable = TableSchema.from_arrow(table.schema.arrow.remove_metadata())
    return conflict_schema(nullable, keyless=table.schema.is_keyless).arrow.empty_table()


def dolt_blame_table(view: View, name: str, hints: dict[str, str]) -> pa.Table:
    """Dolt's dolt_blame_<t>: per row of the table at the branch's HEAD, its key columns and the
    commit, commit_date, committer, email and message that last changed it."""
    from dl.core.versioning.blame import blame
    head = view.repo.load_root(view.repo.load_commit(view.repo.branch_head(view.branch)).root, view.store)
    stored = view.table_name(name, head)
    if stored is None:
        raise SqlError(f"table not found: {name} (dolt_blame_ reads the committed table at HEAD)")
    rows = blame(view.repo, stored, view.repo.branch_head(view.branch).hex)
    index = rows.schema.get_field_index("commit_date")
    return rows.set_column(index, pa.field("commit_date", TS), rows.column(index).cast(TS))


def dolt_constraint_violations_table(view: View, name: str, hints: dict[str, str]) -> pa.Table:
    """Dolt's dolt_constraint_violations_<t>: rows a merge left breaking a constraint."""
    from dl.core.versioning.merge_violations import violation_schema, violations_of
    stored = view.table_name(name) or name
    found = violations_of(view.repo, stored, view.ws)
    if stored in found:
        return found[stored]
    table = table_at(view, view.root, name)
    if table is None:
        raise SqlError(f"table not found: {name}")
    return violation_schema(table.schema).arrow.empty_table()


def dolt_constraint_violations(view: View) -> pa.Table:
    """Dolt's dolt_constraint_violations: (table, num_violations) per table with violations."""
    from dl.core.versioning.merge_violations import violations_of
    found = violations_of(view.repo, None, view.ws)
    names = sorted(found)
    return pa.table({"table": pa.array(names, pa.string()),
                     "num_violations": pa.array([found[n].num_rows for n in names], pa.uint64())})


def dolt_conflicts(view: View) -> pa.Table:
    from dl.core.versioning.merge_commits import conflict_counts
    found = conflict_counts(view.repo)  # from each conflicts tree's root: none is read
    for name in (view.ws.merge or {}).get("schema_conflicts", {}):  # as Dolt: those still in the working root
        if name in view.root.tables:
            found.setdefault(name, 0)
    names = sorted(found)
    return pa.table({"table": pa.array(names, pa.string()),
                     "num_conflicts": pa.array([found[n] for n in names], pa.uint64())})


def dolt_schema_conflicts(view: View) -> pa.Table:
    return schema_conflicts_table(view.repo, view.ws)


def schema_conflicts_table(repo: Repository, ws: WorkingSet | None = None) -> pa.Table:
    """Dolt's dolt_schema_conflicts: per table the merge in progress could not combine, its
    schema at the base, ours and theirs as MySQL CREATE TABLE text (`<deleted>` where that
    side has no such table), and Dolt's description of the conflict."""
    from dl.core.versioning.merge_commits import schema_conflicts_of
    from dl.sql.mysql_schema import create_table

    def text(name: str, schema: TableSchema | None) -> str:
        return "<deleted>" if schema is None else create_table(name, schema)

    found = schema_conflicts_of(repo, ws)
    columns = {"table_name": [c.table for c in found],
               "base_schema": [text(c.table, c.base) for c in found],
               "our_schema": [text(c.table, c.ours) for c in found],
               "their_schema": [text(c.table, c.theirs) for c in found],
               "description": [c.description for c in found]}
    return pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})


def dolt_merge_status(view: View) -> pa.Table:
    """Dolt's dolt_merge_status: one row, whether a merge is in progress and, if so, what is
    merged (`source`: the branch at the merged commit, else its hash), into which branch ref,
    and the tables it left unmerged (conflicts and constraint violations)."""
    merge = view.ws.merge
    their = (merge or {}).get("their_commit")
    if merge is None:
        values: list[Any] = [False, None, None, None, None]
    else:
        names = [n for n, a in sorted(view.repo.branches().items()) if their and a.hex == their]
        unmerged = sorted(set(merge.get("conflicts", [])) | set(merge.get("violations", []))
                          | set(merge.get("schema_conflicts", {})))
        values = [True, names[0] if names else their, their, f"refs/heads/{view.branch}", ", ".join(unmerged)]
    columns = ("is_merging", "source", "source_commit", "target", "unmerged_tables")
    return pa.table({c: pa.array([v], pa.bool_() if c == "is_merging" else pa.string())
                     for c, v in zip(columns, values)})


def _user_system_table(name: str) -> Callable[[View], pa.Table]:
    """The reader of `dolt_ignore` or `dolt_tests`: the stored rows, or none before the first
    write (core.versioning.user_system_tables)."""
    def read(view: View) -> pa.Table:
        from dl.core.versioning.user_system_tables import schema_of
        if view.table_name(name) is None:
            return schema_of(name).arrow.empty_table()  # type: ignore[union-attr]
        return view.table(name).scan()
    return read


dolt_ignore = _user_system_table("dolt_ignore")
dolt_tests = _user_system_table("dolt_tests")


_TABLES: dict[str, Callable[[View], pa.Table]] = {
    "dolt_log": dolt_log, "dolt_commits": dolt_commits, "dolt_commit_ancestors": dolt_commit_ancestors,
    "dolt_branches": dolt_branches, "dolt_tags": dolt_tags, "dolt_status": dolt_status,
    "dolt_status_ignored": dolt_status_ignored,
    "dolt_diff": diff_tables.dolt_diff_commits, "dolt_column_diff": diff_tables.dolt_column_diff,
    "dolt_conflicts": dolt_conflicts,
    "dolt_merge_status": dolt_merge_status, "dolt_schema_conflicts": dolt_schema_conflicts,
    "dolt_constraint_violations": dolt_constraint_violations,
    "dolt_schemas": views.schemas_rows, "dolt_ignore": dolt_ignore, "dolt_tests": dolt_tests, "dolt_remotes": remote_tables.dolt_remotes,
    "dolt_remote_branches": remote_tables.dolt_remote_branches,
}
_PER_TABLE: dict[str, Callable[[View, str, dict[str, str]], pa.Table | TreeSource]] = {
    "dolt_diff_": diff_tables.dolt_diff_table, "dolt_commit_diff_": diff_tables.dolt_commit_diff_table,
    "dolt_history_": dolt_history_table,
    "dolt_conflicts_": dolt_conflicts_table, "dolt_blame_": dolt_blame_table,
    "dolt_constraint_violations_": dolt_constraint_violations_table,
}
_FUNCTIONS: dict[str, Callable[[View, list[str]], pa.Table]] = {
    "dolt_diff": diff_tables.dolt_diff_function, "dolt_log": log_function.dolt_log_function,
    "dolt_diff_stat": diff_tables.dolt_diff_stat, "dolt_diff_summary": diff_tables.dolt_diff_summary,
    "dolt_preview_merge_conflicts": diff_tables.dolt_preview_merge_conflicts,
    "dolt_schema_diff": schema_diff_function.dolt_schema_diff,
}

SYSTEM_TABLE_NAMES = sorted(_TABLES)


def system_table_names(tables: list[str]) -> list[str]:
    """The system tables SQL can read beside user `tables` (`dl ls --system`): the repository's,
    then each table's own (dolt_diff_<t>, dolt_history_<t>, ...)."""
    return SYSTEM_TABLE_NAMES + sorted(prefix + t for t in tables for prefix in _PER_TABLE)
