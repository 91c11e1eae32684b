"""Merge and cherry-pick on a repository, and conflict resolution (revert series, built on
this module's one-commit replay, are `core.versioning.revert`).

The row-level work is `core.versioning.three_way_merge.merge_roots`; this module decides what to merge with what
(merge base, fast-forward, a commit's parent for cherry-pick and revert), refuses to merge over
uncommitted changes in the tables the merge touches, and records a merge in progress in the
working set: the commit being merged, the state to return to on `--abort`, and the conflicts
(one conflict table per user table, with Dolt's columns) that block `commit` until resolved.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dl.core.errors import ConcurrentUpdate, DlError, MergeConflict, NotFound
from dl.core.hashing import Address
from dl.core.repo import Author, Repository, authored_commit
from dl.core.store.base import RefUpdate
from dl.core.store.buffered import BufferedStore
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table
from dl.core.versioning.commit import Commit, merge_bases
from dl.core.versioning.conflict_rows import (  # conflict_schema: re-exported for sql
    CONFLICT_ID,
    TableConflicts,
    conflict_batches,
    conflict_schema,  # noqa: F401
)
from dl.core.versioning.constraint_check import find_violations
from dl.core.versioning.merge_violations import violations_root, without_state_rows
from dl.core.versioning.refs import branch_ref
from dl.core.versioning.root import RootValue
from dl.core.versioning.shallow import BeyondShallow
from dl.core.versioning.three_way_merge import (
    MergeOutcome,
    SchemaConflict,
    merge_roots,
)
from dl.core.versioning.unique_check import find_unique_violations
from dl.core.versioning.workingset import WorkingSet


class MergeKind(Enum):
    UP_TO_DATE = "up to date"
    FAST_FORWARD = "fast-forward"
    MERGED = "merged"
    SQUASHED = "squashed"
    CONFLICTS = "conflicts"
    NOT_COMMITTED = "not committed"  # --no-commit: merged and staged, the merge still in progress


@dataclass
class MergeResult:
    kind: MergeKind
    commit: Address | None = None
    conflicts: dict[str, int] = field(default_factory=dict)  # table -> conflicting rows
    tables: list[str] = field(default_factory=list)
    violations: dict[str, int] = field(default_factory=dict)  # table -> rows breaking a constraint
    schema_conflicts: list[str] = field(default_factory=list)  # tables left as ours has them


def merge(repo: Repository, rev: str, *, no_ff: bool = False, squash: bool = False,
          message: str | None = None, author: Author | None = None,
          no_commit: bool = False, timestamp: float | None = None, merge_json: bool = True) -> MergeResult:
    """Merges `rev` into the current branch (fast-forward when possible). `no_commit` stops
    before the merge commit, as git and Dolt do: the result is staged and the merge stays in
    progress, so the next commit has both parents. `--squash` never commits, so `no_commit`
    adds nothing to it (Dolt accepts both). `timestamp` dates the merge commit (default now).
    Without `merge_json` (Dolt's `--dont-merge-json`) a JSON cell both sides changed is a
    conflict even where the two documents could be merged key by key."""
    if squash and no_ff:
        raise DlError("--squash and --no-ff cannot be used together")
    branch = repo.current_branch()
    ws_address, ws = repo.working_set(branch)
    if ws.merge:
        raise DlError("a merge is already in progress; resolve and commit it, or dl merge --abort")
    ours = repo.branch_head(branch)
    theirs = merge_target(repo, rev)
    bases = merge_bases(repo.load_commit, ours, theirs)
    if not bases:
        raise DlError(f"no common ancestor with {rev}: refusing to merge unrelated histories")
    base = bases[0] if len(bases) == 1 else None
    if base == theirs:
        return MergeResult(MergeKind.UP_TO_DATE)
    head_root = repo.load_root(repo.load_commit(ours).root)
    their_root = repo.load_root(repo.load_commit(theirs).root)
    dirty = _dirty(repo, ws, head_root)
    buffer = BufferedStore(repo.store)
    if base == ours and not no_ff and not squash:
        touched = list(their_root.changed_tables(head_root))
        _refuse_dirty(dirty, touched)
        working, staged = _overlay(repo, ws, their_root, dirty)
        new_ws = WorkingSet(repo.put_root(buffer, working), repo.put_root(buffer, staged))
        _land(repo, buffer, branch, ws_address, new_ws, [RefUpdate(branch_ref(branch), theirs.hex, ours.hex)])
        return MergeResult(MergeKind.FAST_FORWARD, theirs, tables=touched)
    base_root = _base_root(repo, buffer, bases)
    outcome = merge_roots(buffer, base_root, head_root, their_root, unique_checks=False,
                          source=theirs.hex, keep_schema_conflicts=True, merge_json=merge_json)
    _refuse_dirty(dirty, outcome.tables_changed + sorted(outcome.schema_conflicts))
    if outcome.schema_conflicts:  # the schemas a dolt_schema_conflicts row shows
        outcome.schema_roots = {"base": base_root, "ours": head_root, "theirs": their_root}
    text = message or f"Merge {'branch' if rev in repo.branches() else 'commit'} '{rev}' into {branch}"
    return _finish(repo, buffer, branch, ws_address, ws, ours, outcome, dirty, parent=theirs,
                   source=theirs, message=text, author=author, squash=squash, kind="merge",
                   no_commit=no_commit, timestamp=timestamp)


def merge_target(repo: Repository, rev: str) -> Address:
    """The commit `rev` names, for a merge; Dolt's "branch not found" when it names none."""
    try:
        return repo.resolve_commit(rev)
    except NotFound:
        raise NotFound("branch", rev) from None


def _single_parent(repo: Repository, rev: str, verb: str) -> tuple[Address, Commit, RootValue]:
    """The commit `rev` names, and its parent's root; a clear error for a root or merge commit
    (cherry-pick and revert replay one commit's change against its one parent)."""
    try:
        address = repo.resolve_commit(rev)
    except BeyondShallow:
        raise  # its own words: the history is there, just not in this clone
    except NotFound as exc:  # Dolt's words
        if "~" in rev or "^" in rev:
            raise NotFound("commit", rev, exc.hint, message=f"invalid ancestor spec: {rev}") from None
        raise NotFound("commit", rev, message=f"target commit not found: {rev}") from None
    commit = repo.load_commit(address)
    if not commit.parents:
        raise DlError(f"cannot {verb} commit with no parents ({rev})")
    if commit.is_merge:  # Dolt's words for cherry-pick
        raise DlError("cherry-picking a merge commit is not supported" if verb == "cherry-pick"
                      else f"cannot {verb} merge commit {rev}")
    return address, commit, repo.load_root(repo.load_commit(commit.parents[0]).root)


def cherry_pick(repo: Repository, rev: str, *, allow_empty: bool = False, merge_json: bool = True, committer: Author | None = None,
                commit_timestamp: float | None = None) -> MergeResult:
    """Applies the change `rev` made (against its first parent) and commits it as it was: its
    message, author and author's time (as Dolt's cherry-pick). The committer is `committer`
    (default: the configured user) at `commit_timestamp` (default: now). A commit that
    changed nothing is refused unless `allow_empty` (as Dolt: then its empty copy is
    committed). `merge_json` as for `merge`."""
    picked_address, picked, parent_root = _single_parent(repo, rev, "cherry-pick")
    original = Author(picked.author, picked.email)
    by = committer or _configured_or(repo, original)
    at = time.time() if commit_timestamp is None else commit_timestamp
    if repo.load_root(picked.root) == parent_root:
        if not allow_empty:
            raise DlError("The previous cherry-pick commit is empty. Use --allow-empty to cherry-pick empty commits.")
        return MergeResult(MergeKind.MERGED, repo.commit(picked.message, allow_empty=True, author=original,
                                                         timestamp=picked.timestamp, committer=by,
                                                         commit_timestamp=at))
    return _apply_changes(repo, [(parent_root, repo.load_root(picked.root))], picked.message,
                          original, "cherry-pick", picked_address, merge_json,
                          timestamp=picked.timestamp, committer=by, commit_timestamp=at)


def _configured_or(repo: Repository, fallback: Author) -> Author:
    """The configured user (who commits by default), or `fallback` where none is configured."""
    configured = repo.config.get("user.name") and repo.config.get("user.email")
    return repo.author() if configured else fallback


CHERRY_PICK_STOPPED = ("Unable to apply commit cleanly due to conflicts or constraint violations. Please resolve "
                       "the conflicts and/or constraint violations, then use `dl add` to add the tables to the "
                       "staged set, and `dl cherry-pick --continue` to complete the cherry-pick. To undo all "
                       "changes from this cherry-pick operation, use `dl cherry-pick --abort`.")


def abort_cherry_pick(repo: Repository) -> None:
    """Gives up a cherry-pick that stopped on conflicts (Dolt's error when there is none)."""
    _, ws = repo.working_set()
    if (ws.merge or {}).get("kind") != "cherry-pick":
        raise DlError("There is no cherry-pick merge to abort")
    abort_merge(repo)


def continue_cherry_pick(repo: Repository, *, committer: Author | None = None,
                         commit_timestamp: float | None = None) -> Address:
    """Commits a cherry-pick whose conflicts the user resolved, with the picked commit's message,
    author and author's time (as Dolt's `cherry-pick --continue`); the changed tables are staged
    first. Committer and commit time as for `cherry_pick`."""
    _, ws = repo.working_set()
    state = ws.merge or {}
    if state.get("kind") != "cherry-pick":
        raise DlError("There is no cherry-pick merge to continue")
    if state.get("conflicts") or state.get("violations"):
        raise MergeConflict(CHERRY_PICK_STOPPED)
    author = Author(state["author"], state["email"]) if "author" in state else None
    if committer is None and author is not None:
        committer = _configured_or(repo, author)
    return repo.commit(str(state.get("message", "")), stage_all=True, allow_empty=True, author=author,
                       timestamp=state.get("timestamp"), committer=committer,
                       commit_timestamp=time.time() if commit_timestamp is None else commit_timestamp)


def _apply_changes(repo: Repository, changes: list[tuple[RootValue, RootValue]], message: str,
                   author: Author, kind: str, source: Address, merge_json: bool = True, *,
                   timestamp: float | None = None, committer: Author | None = None,
                   commit_timestamp: float | None = None) -> MergeResult:
    """Applies each (before, after) change to HEAD in turn by three-way merge, then commits;
    the first change that conflicts stops there and leaves its conflicts in the working set."""
    branch = repo.current_branch()
    ws_address, ws = repo.working_set(branch)
    if ws.merge:
        raise DlError("a merge is in progress; resolve and commit it, or dl merge --abort")
    ours = repo.branch_head(branch)
    head_root = repo.load_root(repo.load_commit(ours).root)
    dirty = _dirty(repo, ws, head_root)
    buffer = BufferedStore(repo.store)
    root, touched = head_root, set()
    for before, after in changes:
        outcome = merge_roots(buffer, before, root, after, unique_checks=False, source=source.hex,
                              merge_json=merge_json)
        touched |= set(outcome.tables_changed)
        _refuse_dirty(dirty, sorted(touched))
        root = outcome.root
        if outcome.conflicts:
            break
    outcome.root, outcome.tables_changed = root, sorted(touched)
    if root == head_root and not outcome.conflicts:
        raise DlError(f"nothing to {kind}: the change is already on {branch}")
    return _finish(repo, buffer, branch, ws_address, ws, ours, outcome, dirty, parent=None,
                   source=source, message=message, author=author, squash=False, kind=kind,
                   timestamp=timestamp, committer=committer, commit_timestamp=commit_timestamp)


def _base_root(repo: Repository, buffer: BufferedStore, bases: list[Address], depth: int = 0) -> RootValue:
    """The root to merge from. One best common ancestor: its root. Several (a criss-cross
    history): as git's recursive strategy, the bases merged together into a virtual base
    (recursively, from their own merge bases), so that a change both sides already share
    through either base is not seen as a change; rows the bases themselves conflict on keep
    the first base's values. If the bases cannot be merged (a schema conflict), the highest
    base alone is used, as Dolt does."""
    ordered = sorted(bases, key=lambda b: (-repo.load_commit(b).height, b.raw))
    root = repo.load_root(repo.load_commit(ordered[0]).root)
    if len(ordered) == 1 or depth > 8:
        return root
    try:
        for other in ordered[1:]:
            inner = merge_bases(repo.load_commit, ordered[0], other)
            inner_root = _base_root(repo, buffer, inner, depth + 1) if inner else RootValue()
            root = merge_roots(buffer, inner_root, root, repo.load_root(repo.load_commit(other).root)).root
    except SchemaConflict:
        return repo.load_root(repo.load_commit(ordered[0]).root)
    return root


def _dirty(repo: Repository, ws: WorkingSet, head_root: RootValue) -> list[str]:
    working, staged = repo.load_root(ws.working), repo.load_root(ws.staged)
    return sorted(set(working.changed_tables(head_root)) | set(staged.changed_tables(head_root)))


def _refuse_dirty(dirty: list[str], touched: list[str]) -> None:
    clash = sorted(set(dirty) & set(touched))
    if clash:
        raise DlError(f"local changes would be stomped by merge: {', '.join(clash)}. Please commit "
                      "your changes before you merge. (Or discard them: dl reset --hard.)")


def _overlay(repo: Repository, ws: WorkingSet, root: RootValue, dirty: list[str]) -> tuple[RootValue, RootValue]:
    """`root` as working and staged, with the uncommitted tables kept as they are."""
    working, staged = root, root
    old_working, old_staged = repo.load_root(ws.working), repo.load_root(ws.staged)
    for name in dirty:
        working = working.with_table(name, old_working.tables.get(name))
        staged = staged.with_table(name, old_staged.tables.get(name))
    return working, staged


def _finish(repo: Repository, buffer: BufferedStore, branch: str, ws_address: Address, ws: WorkingSet,
            ours: Address, outcome: MergeOutcome, dirty: list[str], *, parent: Address | None,
            source: Address, message: str, author: Author | None, squash: bool, kind: str,
            no_commit: bool = False, timestamp: float | None = None, merge_json: bool = True,
            committer: Author | None = None, commit_timestamp: float | None = None) -> MergeResult:
    working, staged = _overlay(repo, ws, outcome.root, dirty)
    counts = {name: len(c) for name, c in outcome.conflicts.items()}
    head_root = repo.load_root(repo.load_commit(ours).root)
    violations = find_violations(buffer, head_root, outcome.root)
    violations += find_unique_violations(buffer, head_root, outcome.root)
    if outcome.conflicts or violations or outcome.schema_conflicts:
        conflicts_root = _conflicts_root(buffer, outcome.conflicts)
        for name in outcome.conflicts:
            staged = staged.with_table(name, head_root.tables.get(name))
        state = {"kind": kind, "pre_merge_root": ws.working.hex, "pre_merge_staged_root": ws.staged.hex,
                 "conflicts_root": repo.put_root(buffer, conflicts_root).hex,
                 "conflicts": sorted(outcome.conflicts), "message": message}
        if outcome.schema_conflicts:
            state.update(_schema_conflict_state(repo, buffer, outcome))
        found: dict[str, int] = {}
        if violations:
            def schema_of(name: str) -> TableSchema:
                return repo.table_in(outcome.root, name, buffer).schema
            root = violations_root(buffer, schema_of, violations, source)
            state["violations_root"] = repo.put_root(buffer, root).hex
            state["violations"] = sorted(root.tables)
            for violation in violations:
                found[violation.table] = found.get(violation.table, 0) + violation.rows.num_rows
        if parent is not None and not squash:
            state["their_commit"] = parent.hex
        if kind == "cherry-pick" and author is not None:  # for `cherry-pick --continue`
            state["author"], state["email"] = author.name, author.email
            if timestamp is not None:
                state["timestamp"] = timestamp
        new_ws = WorkingSet(repo.put_root(buffer, working), repo.put_root(buffer, staged), state)
        _land(repo, buffer, branch, ws_address, new_ws, [])
        return MergeResult(MergeKind.CONFLICTS, None, counts, outcome.tables_changed, found,
                           sorted(outcome.schema_conflicts))
    if squash:
        new_ws = WorkingSet(repo.put_root(buffer, working), repo.put_root(buffer, staged))
        _land(repo, buffer, branch, ws_address, new_ws, [])
        return MergeResult(MergeKind.SQUASHED, None, tables=outcome.tables_changed)
    if no_commit:
        state = {"kind": kind, "pre_merge_root": ws.working.hex, "pre_merge_staged_root": ws.staged.hex,
                 "conflicts": [], "message": message}
        if parent is not None:
            state["their_commit"] = parent.hex
        new_ws = WorkingSet(repo.put_root(buffer, working), repo.put_root(buffer, staged), state)
        _land(repo, buffer, branch, ws_address, new_ws, [])
        return MergeResult(MergeKind.NOT_COMMITTED, None, tables=outcome.tables_changed)
    author = author or repo.author()
    parents = (ours,) + ((parent,) if parent is not None else ())
    height = 1 + max(repo.load_commit(p).height for p in parents)
    commit = authored_commit(repo.put_root(buffer, outcome.root), parents, author,
                             time.time() if timestamp is None else timestamp, message, height,
                             committer, commit_timestamp)
    address = repo._put(buffer, commit.encode())
    new_ws = WorkingSet(repo.put_root(buffer, working), repo.put_root(buffer, staged))
    _land(repo, buffer, branch, ws_address, new_ws, [RefUpdate(branch_ref(branch), address.hex, ours.hex)])
    return MergeResult(MergeKind.MERGED, address, tables=outcome.tables_changed)


def _schema_conflict_state(repo: Repository, buffer: BufferedStore, outcome: MergeOutcome) -> dict[str, object]:
    """The merge state's record of schema conflicts: each table's description, and the base,
    our and their roots the conflicting schemas are read from (kept alive through gc by the
    `_root` suffix of their keys)."""
    roots = outcome.schema_roots
    state: dict[str, object] = {f"schema_{side}_root": repo.put_root(buffer, roots[side]).hex
                                for side in ("base", "ours", "theirs")}
    state["schema_conflicts"] = {name: c.description for name, c in sorted(outcome.schema_conflicts.items())}
    return state


def _land(repo: Repository, buffer: BufferedStore, branch: str, ws_address: Address,
          ws: WorkingSet, extra: list[RefUpdate]) -> None:
    if not repo.write_working_set(branch, ws_address, ws, buffer, extra):
        raise ConcurrentUpdate(f"working set of {branch}")


# --- conflicts ---------------------------------------------------------------------------

def _conflicts_root(buffer: BufferedStore, conflicts: dict[str, TableConflicts]) -> RootValue:
    """The working set's conflicts root: each table's conflicts tree, as the merge wrote it."""
    root = RootValue()
    for name, c in conflicts.items():
        if c.rows is not None:
            root = root.with_table(name, Repository._put(buffer, c.rows.value.encode()))
    return root


def conflict_tables(repo: Repository, table: str | None = None) -> dict[str, Table]:
    """The conflicts tables (Dolt's dolt_conflicts_<table> shape) of the merge in progress, per
    table with unresolved conflicts; read them a window at a time (`conflict_batches`)."""
    _, ws = repo.working_set()
    if not ws.merge or not ws.merge.get("conflicts"):
        return {}
    root = repo.load_root(Address(bytes.fromhex(ws.merge["conflicts_root"])))
    return {name: repo.table_in(root, name) for name in ws.merge["conflicts"]
            if table is None or name == table}


@dataclass(frozen=True)
class SchemaConflictRecord:
    """One table a merge could not combine (a row of Dolt's dolt_schema_conflicts): its
    schema at the merge base, on our side and on theirs (None where that side has no such
    table), and Dolt's description of the conflict."""

    table: str
    base: TableSchema | None
    ours: TableSchema | None
    theirs: TableSchema | None
    description: str


def schema_conflicts_of(repo: Repository, ws: WorkingSet | None = None) -> list[SchemaConflictRecord]:
    """The schema conflicts of the merge in progress (of `ws`, default the current branch's),
    by table name."""
    if ws is None:
        _, ws = repo.working_set()
    state = ws.merge or {}
    found = state.get("schema_conflicts") or {}
    if not found:
        return []
    roots = {side: repo.load_root(Address(bytes.fromhex(state[f"schema_{side}_root"])))
             for side in ("base", "ours", "theirs")}

    def schema(side: str, name: str) -> TableSchema | None:
        return repo.table_in(roots[side], name).schema if name in roots[side].tables else None

    return [SchemaConflictRecord(name, schema("base", name), schema("ours", name), schema("theirs", name), text)
            for name, text in sorted(found.items())]


def conflict_counts(repo: Repository) -> dict[str, int]:
    """Unresolved conflicting rows per table, from each conflicts tree's root alone."""
    return {name: found.count() for name, found in conflict_tables(repo).items()}


def conflicts_of(repo: Repository, table: str | None = None) -> dict[str, pa.Table]:
    """Unresolved conflict rows per table (Dolt's dolt_conflicts_<table> shape), read whole:
    for the Python API, which returns an Arrow table, and tests. `dl conflicts cat` and SQL's
    dolt_conflicts_<t> read `conflict_tables` a window at a time (`conflict_batches`)."""
    return {name: found.scan() for name, found in conflict_tables(repo, table).items()}


SCHEMA_CONFLICTS_UNRESOLVABLE = (
    "Unable to automatically resolve schema conflicts since data changes may not have been fully merged yet. "
    "To continue, abort this merge (dl merge --abort) then apply ALTER TABLE statements to one side of this "
    "merge to get the two schemas in sync with the desired schema, then rerun the merge.")
"""Dolt's refusal to settle schema conflicts by taking a side (its issue 6616): a table left
as ours has it has not had their rows merged in, so taking either schema would lose changes."""


def resolve_conflicts(repo: Repository, tables: list[str], *, theirs: bool) -> None:
    """Resolves every conflict of `tables` by keeping our rows or taking theirs."""
    branch = repo.current_branch()
    ws_address, ws = repo.working_set(branch)
    if (ws.merge or {}).get("schema_conflicts"):
        raise MergeConflict(SCHEMA_CONFLICTS_UNRESOLVABLE)
    pending = list((ws.merge or {}).get("conflicts", []))
    working = repo.load_root(ws.working)
    for name in tables:
        if name not in pending and name not in working.tables:
            raise NotFound("table", name)
    tables = [name for name in dict.fromkeys(tables) if name in pending]  # as Dolt: others ignored
    if not tables:
        return
    buffer = BufferedStore(repo.store)
    conflicts_root = repo.load_root(Address(bytes.fromhex(ws.merge["conflicts_root"])))  # type: ignore[index]
    for name in tables:
        if theirs:  # their rows taken a window of conflicts at a time
            table = repo.table_in(working, name, buffer)
            for rows in conflict_batches(repo.table_in(conflicts_root, name, buffer)):
                table = _take_theirs(table, rows)
            working = working.with_table(name, repo._put(buffer, table.value.encode()))
        conflicts_root = conflicts_root.with_table(name, None)
        pending.remove(name)
    merge_state = dict(ws.merge or {})
    merge_state["conflicts"] = pending
    merge_state["conflicts_root"] = repo.put_root(buffer, conflicts_root).hex
    new_ws = WorkingSet(repo.put_root(buffer, working), ws.staged, merge_state)
    _land(repo, buffer, branch, ws_address, new_ws, [])


def delete_conflict_rows(repo: Repository, table: str, ids: list[str]) -> int:
    """Marks the conflicts `ids` (dolt_conflict_id values) of `table` resolved, keeping the
    table's working rows as they are: SQL's `DELETE FROM dolt_conflicts_<table>`, after the
    user has put the rows they want into the table. Returns how many were removed; a table
    whose last conflict goes is no longer listed as unmerged."""
    branch = repo.current_branch()
    ws_address, ws = repo.working_set(branch)
    pending = list((ws.merge or {}).get("conflicts", []))
    if table not in pending or not ids:
        return 0
    buffer = BufferedStore(repo.store)
    keys = pa.table({CONFLICT_ID: pa.array(sorted(set(ids)), pa.string())})
    merge_state, removed = without_state_rows(repo, buffer, ws.merge or {}, "conflicts", table, keys)
    if removed == 0:
        return 0
    _land(repo, buffer, branch, ws_address, WorkingSet(ws.working, ws.staged, merge_state), [])
    return removed


def _take_theirs(table: Table, rows: pa.Table) -> Table:
    names = table.schema.names
    if table.schema.is_keyless:
        return _take_their_copies(table, rows)
    removed = pc.equal(rows.column("their_diff_type"), "removed")
    gone = rows.filter(removed)
    kept = rows.filter(pc.invert(removed))
    upserts = pa.table({n: kept.column("their_" + n) for n in names})
    deletes = pa.table({k: gone.column("base_" + k) for k in table.schema.primary_key}) \
        if not table.schema.is_keyless else None
    return table.apply(upserts if upserts.num_rows else None,
                       deletes if deletes is not None and deletes.num_rows else None)


def _take_their_copies(table: Table, rows: pa.Table) -> Table:
    """Keyless conflicts resolved to theirs: each row held as many times as theirs holds it
    (their_cardinality), its values read from whichever side holds a copy."""
    their_n = rows.column("their_cardinality").to_numpy().astype(np.int64)
    our_n = rows.column("our_cardinality").to_numpy().astype(np.int64)
    on_theirs, on_ours = pa.array(their_n > 0), pa.array(our_n > 0)
    values = pa.table({n: pc.if_else(on_theirs, rows.column("their_" + n),
                                     pc.if_else(on_ours, rows.column("our_" + n), rows.column("base_" + n)))
                       for n in table.schema.names})
    return table.with_copies(values, their_n)


def abort_merge(repo: Repository) -> None:
    """Restores the working set as it was before the merge started."""
    branch = repo.current_branch()
    ws_address, ws = repo.working_set(branch)
    if not ws.merge:
        raise DlError("no merge in progress")
    restored = WorkingSet(Address(bytes.fromhex(ws.merge["pre_merge_root"])),
                          Address(bytes.fromhex(ws.merge["pre_merge_staged_root"])))
    _land(repo, BufferedStore(repo.store), branch, ws_address, restored, [])
