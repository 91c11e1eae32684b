"""`dl blame`: for each row of a table, the commit that last changed it.

Walks the history from the revision newest first (by height), as git blame does over a DAG:
each row starts at the revision; at a commit, the row passes to the first parent in which it
is unchanged, and a row changed against every parent (or at a root commit) belongs to that
commit. So a row merged in from a branch is blamed on the branch's commit that made it, and a
row a merge combined or a user resolved is blamed on the merge. Each step is a tree diff of a
commit against a parent, so the cost follows the commits' changes, and the walk stops as soon
as every row has its commit.
"""
from __future__ import annotations

import heapq

import numpy as np
import pyarrow as pa
from dl.core.errors import DlError
from dl.core.hashing import Address
from dl.core.repo import Repository
from dl.core.versioning.commit import Commit
from dl.core.versioning.diff import diff_tables


def blame(repo: Repository, table: str, rev: str = "HEAD") -> pa.Table:
    """The table's key columns with the commit, date, committer, email and message that last
    changed each row (in key order)."""
    start = repo.resolve_commit(rev)
    current = repo.table_in(repo.load_root(repo.load_commit(start).root), table)
    if current.schema.is_keyless:
        raise DlError(f"cannot blame keyless table {table}: rows have no identity across commits")
    rows = current.scan().select(list(current.schema.primary_key))
    keys = current.keys_of(rows)
    owner = np.full(len(keys), -1, dtype=np.int64)
    commits: list[tuple[Address, Commit]] = []
    pending: dict[Address, np.ndarray] = {start: np.ones(len(keys), dtype=bool)}
    heap = [(-repo.load_commit(start).height, start.raw, start)]
    while heap and len(keys):
        _, _, address = heapq.heappop(heap)
        mine = pending.pop(address)
        commit = repo.load_commit(address)
        for parent in repo.present_parents(address, commit):  # a shallow boundary owns the rest
            unchanged = mine & ~_member(keys, _changed_keys(repo, table, parent, commit))
            if unchanged.any():
                if parent not in pending:
                    pending[parent] = np.zeros(len(keys), dtype=bool)
                    heapq.heappush(heap, (-repo.load_commit(parent).height, parent.raw, parent))
                pending[parent] |= unchanged
                mine &= ~unchanged
        if mine.any():
            owner[mine] = len(commits)
            commits.append((address, commit))
    return _result(rows, owner, commits)


def _changed_keys(repo: Repository, table: str, parent: Address | None, commit: Commit) -> np.ndarray:
    after_root = repo.load_root(commit.root)
    before_root = repo.load_root(repo.load_commit(parent).root) if parent else None
    after = repo.table_in(after_root, table) if table in after_root.tables else None
    before = repo.table_in(before_root, table) if before_root and table in before_root.tables else None
    if after is None:
        return np.array([], dtype="S1")
    if before is not None and before.value == after.value:
        return np.array([], dtype="S1")
    diff = diff_tables(table, before, after)
    if diff.from_schema is not None and diff.from_schema.primary_key != after.schema.primary_key:
        return after.keys_of(after.scan())
    changed = pa.concat_tables([diff.rows.added, diff.rows.modified_to]) if len(diff.rows) else None
    if changed is None or changed.num_rows == 0:
        return np.array([], dtype="S1")
    return np.sort(after.keys_of(changed))


def _member(keys: np.ndarray, sorted_probe: np.ndarray) -> np.ndarray:
    if not len(sorted_probe):
        return np.zeros(len(keys), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_probe, keys), len(sorted_probe) - 1)
    return sorted_probe[pos] == keys


def _result(rows: pa.Table, owner: np.ndarray, commits: list[tuple[Address, Commit]]) -> pa.Table:
    """Dolt's dolt_blame_<table> columns: the key columns, commit, commit_date, committer,
    email, message."""
    take = pa.array(owner, pa.int64())

    def pick(values: list, kind: pa.DataType) -> pa.Array:
        return pa.array(values, kind).take(take)
    # who wrote the change and when (git blame's author; Dolt means to show the author too), not
    # who committed it: the column keeps Dolt's name
    # to the millisecond, as Dolt keeps commit times (so it joins with dolt_log's dates)
    dates = [round(c.timestamp * 1000) * 1000 for _, c in commits]
    out = rows
    for name, values, kind in (("commit", [a.hex for a, _ in commits], pa.string()),
                               ("commit_date", dates, pa.timestamp("us", tz="UTC")),
                               ("committer", [c.author for _, c in commits], pa.string()),
                               ("email", [c.email for _, c in commits], pa.string()),
                               ("message", [c.message for _, c in commits], pa.string())):
        out = out.append_column(name, pick(values, kind))
    return out
