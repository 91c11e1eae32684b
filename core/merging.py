"""Merge, cherry-pick and revert on a repository, and conflict resolution.

The row-level work is `core.merge.merge_roots`; this module decides what to merge with what
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

from core.commit import Commit, merge_bases
from core.errors import ConcurrentUpdate, DlError, NotFound
from core.hashing import Address
from core.merge import MergeOutcome, TableConflicts, merge_roots
from core.refs import branch_ref
from core.repo import Author, Repository
from core.root import RootValue
from core.schema import Column, TableSchema
from core.store.base import RefUpdate
from core.store.buffered import BufferedStore
from core.table import Table, TableValue
from core.workingset import WorkingSet

CONFLICT_ID = "dolt_conflict_id"


class MergeKind(Enum):
    UP_TO_DATE = "up to date"
    FAST_FORWARD = "fast-forward"
    MERGED = "merged"
    SQUASHED = "squashed"
    CONFLICTS = "conflicts"


@dataclass
class MergeResult:
    kind: MergeKind
    commit: Address | None = None
    conflicts: dict[str, int] = field(default_factory=dict)  # table -> conflicting rows
    tables: list[str] = field(default_factory=list)


def merge(repo: Repository, rev: str, *, no_ff: bool = False, squash: bool = False,
          message: str | None = None, author: Author | None = None) -> MergeResult:
    """Merges `rev` into the current branch (fast-forward when possible)."""
    branch = repo.current_branch()
    ws_address, ws = repo.working_set(branch)
    if ws.merge:
        raise DlError("a merge is already in progress; resolve and commit it, or dl merge --abort")
    ours = repo.branch_head(branch)
    theirs = repo.resolve_commit(rev)
    base = _merge_base(repo, ours, theirs, rev)
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
    outcome = merge_roots(buffer, repo.load_root(repo.load_commit(base).root), head_root, their_root)
    _refuse_dirty(dirty, outcome.tables_changed)
    text = message or f"Merge {'branch' if rev in repo.branches() else 'commit'} '{rev}' into {branch}"
    return _finish(repo, buffer, branch, ws_address, ws, ours, outcome, dirty,
                   parent=theirs, message=text, author=author, squash=squash, kind="merge")


def cherry_pick(repo: Repository, rev: str, *, author: Author | None = None) -> MergeResult:
    """Applies the change `rev` made (against its first parent) and commits it as it was."""
    picked_address = repo.resolve_commit(rev)
    picked = repo.load_commit(picked_address)
    if not picked.parents:
        raise DlError(f"cannot cherry-pick {rev}: it has no parent")
    if picked.is_merge:
        raise DlError(f"cannot cherry-pick merge commit {rev}")
    parent_root = repo.load_root(repo.load_commit(picked.parents[0]).root)
    return _apply_change(repo, parent_root, repo.load_root(picked.root), picked.message,
                         Author(picked.author, picked.email), "cherry-pick")


def revert(repo: Repository, rev: str, *, author: Author | None = None) -> MergeResult:
    """Commits the inverse of the change `rev` made."""
    address = repo.resolve_commit(rev)
    commit = repo.load_commit(address)
    if not commit.parents:
        raise DlError(f"cannot revert {rev}: it has no parent")
    parent_root = repo.load_root(repo.load_commit(commit.parents[0]).root)
    message = f'Revert "{commit.message}"\n\nThis reverts commit {address.hex}.'
    return _apply_change(repo, repo.load_root(commit.root), parent_root, message,
                         author or repo.author(), "revert")


def _apply_change(repo: Repository, before: RootValue, after: RootValue, message: str,
                  author: Author, kind: str) -> MergeResult:
    branch = repo.current_branch()
    ws_address, ws = repo.working_set(branch)
    if ws.merge:
        raise DlError("a merge is in progress; resolve and commit it, or dl merge --abort")
    ours = repo.branch_head(branch)
    head_root = repo.load_root(repo.load_commit(ours).root)
    buffer = BufferedStore(repo.store)
    outcome = merge_roots(buffer, before, head_root, after)
    dirty = _dirty(repo, ws, head_root)
    _refuse_dirty(dirty, outcome.tables_changed)
    if outcome.root == head_root and not outcome.conflicts:
        raise DlError(f"nothing to {kind}: the change is already on {branch}")
    return _finish(repo, buffer, branch, ws_address, ws, ours, outcome, dirty, parent=None,
                   message=message, author=author, squash=False, kind=kind)


def _merge_base(repo: Repository, ours: Address, theirs: Address, rev: str) -> Address:
    bases = merge_bases(repo.load_commit, ours, theirs)
    if not bases:
        raise DlError(f"no common ancestor with {rev}: refusing to merge unrelated histories")
    if len(bases) == 1:
        return bases[0]
    return max(bases, key=lambda b: (repo.load_commit(b).height, b.raw))


def _dirty(repo: Repository, ws: WorkingSet, head_root: RootValue) -> list[str]:
    working, staged = repo.load_root(ws.working), repo.load_root(ws.staged)
    return sorted(set(working.changed_tables(head_root)) | set(staged.changed_tables(head_root)))


def _refuse_dirty(dirty: list[str], touched: list[str]) -> None:
    clash = sorted(set(dirty) & set(touched))
    if clash:
        raise DlError(f"your uncommitted changes to {', '.join(clash)} would be overwritten by the "
                      "merge; commit them or discard them (dl reset --hard) first")


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
            message: str, author: Author | None, squash: bool, kind: str) -> MergeResult:
    working, staged = _overlay(repo, ws, outcome.root, dirty)
    counts = {name: len(c) for name, c in outcome.conflicts.items()}
    if outcome.conflicts:
        conflicts_root = _conflicts_root(buffer, outcome.conflicts)
        head_root = repo.load_root(repo.load_commit(ours).root)
        for name in outcome.conflicts:
            staged = staged.with_table(name, head_root.tables.get(name))
        state = {"kind": kind, "pre_merge_root": ws.working.hex, "pre_merge_staged_root": ws.staged.hex,
                 "conflicts_root": repo.put_root(buffer, conflicts_root).hex,
                 "conflicts": sorted(outcome.conflicts), "message": message}
        if parent is not None and not squash:
            state["their_commit"] = parent.hex
        new_ws = WorkingSet(repo.put_root(buffer, working), repo.put_root(buffer, staged), state)
        _land(repo, buffer, branch, ws_address, new_ws, [])
        return MergeResult(MergeKind.CONFLICTS, None, counts, outcome.tables_changed)
    if squash:
        new_ws = WorkingSet(repo.put_root(buffer, working), repo.put_root(buffer, staged))
        _land(repo, buffer, branch, ws_address, new_ws, [])
        return MergeResult(MergeKind.SQUASHED, None, tables=outcome.tables_changed)
    author = author or repo.author()
    parents = (ours,) + ((parent,) if parent is not None else ())
    height = 1 + max(repo.load_commit(p).height for p in parents)
    commit = Commit(repo.put_root(buffer, outcome.root), parents, author.name, author.email,
                    time.time(), message, height)
    address = repo._put(buffer, commit.encode())
    new_ws = WorkingSet(repo.put_root(buffer, working), repo.put_root(buffer, staged))
    _land(repo, buffer, branch, ws_address, new_ws, [RefUpdate(branch_ref(branch), address.hex, ours.hex)])
    return MergeResult(MergeKind.MERGED, address, tables=outcome.tables_changed)


def _land(repo: Repository, buffer: BufferedStore, branch: str, ws_address: Address,
          ws: WorkingSet, extra: list[RefUpdate]) -> None:
    if not repo.write_working_set(branch, ws_address, ws, buffer, extra):
        raise ConcurrentUpdate(f"working set of {branch}")


# --- conflicts ---------------------------------------------------------------------------

def conflict_schema(schema: TableSchema) -> TableSchema:
    """Dolt's dolt_conflicts_<table> columns: base_, our_, their_ per column and the diff types."""
    columns = [Column(CONFLICT_ID, pa.string())]
    for prefix in ("base_", "our_", "their_"):
        columns += [Column(prefix + c.name, c.type) for c in schema.columns]
    columns += [Column("our_diff_type", pa.string()), Column("their_diff_type", pa.string())]
    return TableSchema(tuple(columns), (CONFLICT_ID,))


def _conflicts_root(buffer: BufferedStore, conflicts: dict[str, TableConflicts]) -> RootValue:
    root = RootValue()
    for name, c in conflicts.items():
        schema = TableSchema.from_arrow(c.ours.schema)  # nullable views of the user columns
        rows = {CONFLICT_ID: pa.array([f"{i:08d}" for i in range(len(c))])}
        for prefix, part in (("base_", c.base), ("our_", c.ours), ("their_", c.theirs)):
            for column in part.column_names:
                rows[prefix + column] = part.column(column)
        rows["our_diff_type"] = pa.array(c.our_change, pa.string())
        rows["their_diff_type"] = pa.array(c.their_change, pa.string())
        table = Table.empty(buffer, conflict_schema(schema)).replace_rows(pa.table(rows))
        address = Repository._put(buffer, table.value.encode())
        root = root.with_table(name, address)
    return root


def conflicts_of(repo: Repository, table: str | None = None) -> dict[str, pa.Table]:
    """Unresolved conflict rows per table (Dolt's dolt_conflicts_<table> shape)."""
    _, ws = repo.working_set()
    if not ws.merge or not ws.merge.get("conflicts"):
        return {}
    root = repo.load_root(Address(bytes.fromhex(ws.merge["conflicts_root"])))
    out = {}
    for name in ws.merge["conflicts"]:
        if table is None or name == table:
            out[name] = repo.table_in(root, name).scan()
    return out


def resolve_conflicts(repo: Repository, tables: list[str], *, theirs: bool) -> None:
    """Resolves every conflict of `tables` by keeping our rows or taking theirs."""
    branch = repo.current_branch()
    ws_address, ws = repo.working_set(branch)
    pending = list((ws.merge or {}).get("conflicts", []))
    for name in tables:
        if name not in pending:
            raise NotFound("conflicts for table", name)
    buffer = BufferedStore(repo.store)
    working = repo.load_root(ws.working)
    conflicts_root = repo.load_root(Address(bytes.fromhex(ws.merge["conflicts_root"])))  # type: ignore[index]
    for name in tables:
        if theirs:
            rows = repo.table_in(conflicts_root, name).scan()
            table = repo.table_in(working, name, buffer)
            table = _take_theirs(table, rows)
            working = working.with_table(name, repo._put(buffer, table.value.encode()))
        conflicts_root = conflicts_root.with_table(name, None)
        pending.remove(name)
    merge_state = dict(ws.merge or {})
    merge_state["conflicts"] = pending
    merge_state["conflicts_root"] = repo.put_root(buffer, conflicts_root).hex
    new_ws = WorkingSet(repo.put_root(buffer, working), ws.staged, merge_state)
    _land(repo, buffer, branch, ws_address, new_ws, [])


def _take_theirs(table: Table, rows: pa.Table) -> Table:
    names = table.schema.names
    kinds = np.array(rows.column("their_diff_type").to_pylist())
    gone = rows.filter(pa.array(kinds == "removed"))
    kept = rows.filter(pa.array(kinds != "removed"))
    upserts = pa.table({n: kept.column("their_" + n) for n in names})
    deletes = pa.table({k: gone.column("base_" + k) for k in table.schema.primary_key}) \
        if not table.schema.is_keyless else None
    return table.apply(upserts if upserts.num_rows else None,
                       deletes if deletes is not None and deletes.num_rows else None)


def abort_merge(repo: Repository) -> None:
    """Restores the working set as it was before the merge started."""
    branch = repo.current_branch()
    ws_address, ws = repo.working_set(branch)
    if not ws.merge:
        raise DlError("no merge in progress")
    restored = WorkingSet(Address(bytes.fromhex(ws.merge["pre_merge_root"])),
                          Address(bytes.fromhex(ws.merge["pre_merge_staged_root"])))
    _land(repo, BufferedStore(repo.store), branch, ws_address, restored, [])
