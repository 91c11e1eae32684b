"""Dolt's remote system tables: `dolt_remotes` (name, url, fetch_specs, params) and
`dolt_remote_branches` (the remote-tracking branches, with dolt_branches' columns)."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from dl.core.remotes.sync import remote_branches, settings_of
from dl.sql.diff_tables import TS, ts

if TYPE_CHECKING:
    from dl.sql.statement_view import View


def dolt_remotes(view: View) -> pa.Table:
    specs = list(settings_of(view.repo).remotes().values())
    return pa.table({
        "name": pa.array([s.name for s in specs], pa.string()),
        "url": pa.array([s.url for s in specs], pa.string()),
        "fetch_specs": pa.array([json.dumps([f"refs/heads/*:refs/remotes/{s.name}/*"]) for s in specs],
                                pa.string()),
        "params": pa.array([s.shown_params() for s in specs], pa.string()),
    })


def dolt_remote_branches(view: View) -> pa.Table:
    repo = view.repo
    columns = ("name", "hash", "latest_committer", "latest_committer_email", "latest_commit_date",
               "latest_commit_message", "remote", "branch", "dirty")
    rows: dict[str, list[Any]] = {k: [] for k in columns}
    for name, address in sorted(remote_branches(repo).items()):
        commit = repo.load_commit(address)
        remote, _, branch = name.partition("/")
        values = (f"remotes/{name}", address.hex, *commit.committed_by, ts(commit.committed_at),
                  commit.message, remote, branch, False)
        for key, value in zip(columns, values):
            rows[key].append(value)
    types = {"latest_commit_date": TS, "dirty": pa.bool_()}
    return pa.table({k: pa.array(v, types.get(k, pa.string())) for k, v in rows.items()})
