"""`dl blame`: for each row of a table, the commit that last changed it.

Walks first-parent history from the revision, newest first, diffing each commit against its
parent (a tree diff: cost follows each commit's change). Every key still unattributed that a
commit added or modified is attributed to it; the walk stops as soon as every row has its
commit, so recent tables blame in a few diffs however long the history.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from core.commit import Commit
from core.diff import diff_tables
from core.errors import DlError
from core.hashing import Address
from core.repo import Repository


def blame(repo: Repository, table: str, rev: str = "HEAD") -> pa.Table:
    """The table's key columns with commit, committer, email, date and message per row."""
    address = repo.resolve_commit(rev)
    current = repo.table_in(repo.load_root(repo.load_commit(address).root), table)
    if current.schema.is_keyless:
        raise DlError(f"cannot blame keyless table {table}: rows have no identity across commits")
    rows = current.scan().select(list(current.schema.primary_key))
    keys = current.keys_of(rows)
    owner = np.full(len(keys), -1, dtype=np.int64)
    commits: list[tuple[Address, Commit]] = []
    while address is not None and (owner < 0).any():
        commit = repo.load_commit(address)
        parent = commit.parents[0] if commit.parents else None
        changed = _changed_keys(repo, table, parent, commit)
        hit = (owner < 0) & _member(keys, changed)
        if parent is None:
            hit = owner < 0  # the first commit with the table owns the rest
        if hit.any():
            owner[hit] = len(commits)
            commits.append((address, commit))
        address = parent
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
    import datetime as dt
    def pick(values: list) -> list:
        return [values[i] if i >= 0 else None for i in owner]
    hashes = [a.hex for a, _ in commits]
    out = rows
    out = out.append_column("commit", pa.array(pick(hashes), pa.string()))
    out = out.append_column("committer", pa.array(pick([c.author for _, c in commits]), pa.string()))
    out = out.append_column("email", pa.array(pick([c.email for _, c in commits]), pa.string()))
    dates = [dt.datetime.fromtimestamp(c.timestamp, dt.timezone.utc) for _, c in commits]
    out = out.append_column("commit_date", pa.array(pick(dates), pa.timestamp("us", tz="UTC")))
    return out.append_column("message", pa.array(pick([c.message for _, c in commits]), pa.string()))
