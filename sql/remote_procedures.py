"""Dolt's remote procedures: dolt_remote, dolt_fetch, dolt_pull, dolt_push, dolt_clone.

Each parses its arguments like the command line it mirrors (unknown flags are errors) and
makes one call into `dl.core.remotes.sync`, as the CLI does.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
from dl.core.repo import Author
from dl.sql.errors import SqlError
from dl.sql.procedure_args import FlagSpec, parse_flags, status_table

if TYPE_CHECKING:
    from dl.sql.statement_view import View


def dolt_remote(view: View, args: list[str], author: Author | None) -> pa.Table:
    from dl.core.remotes.sync import add_remote, remove_remote
    if len(args) == 3 and args[0] == "add":
        add_remote(view.repo, args[1], args[2])
    elif len(args) == 2 and args[0] in ("remove", "rm"):
        remove_remote(view.repo, args[1])
    else:
        raise SqlError("dolt_remote: use ('add', name, url) or ('remove', name)")
    return status_table()


FETCH = FlagSpec({"--prune": False}, {"-p": "--prune"})


def dolt_fetch(view: View, args: list[str], author: Author | None) -> pa.Table:
    from dl.core.remotes.sync import fetch
    p = parse_flags("dolt_fetch", args, FETCH)
    remote = p.args[0] if p.args else "origin"
    fetch(view.repo, remote, p.args[1:] or None, prune=bool(p.flags.get("--prune")))
    return status_table()


def dolt_pull(view: View, args: list[str], author: Author | None) -> pa.Table:
    from dl.core.remotes.sync import pull
    from dl.core.versioning.merge_commits import MergeKind
    p = parse_flags("dolt_pull", args, FlagSpec({}))
    if len(p.args) > 2:
        raise SqlError("dolt_pull: ([remote], [branch])")
    _, merged = pull(view.repo, *(p.args + [None, None])[:2], author=author)
    message = {MergeKind.UP_TO_DATE: "Everything up-to-date", MergeKind.FAST_FORWARD: "fast-forward",
               MergeKind.MERGED: "merge successful", MergeKind.SQUASHED: "squashed",
               MergeKind.CONFLICTS: "conflicts found"}[merged.kind]
    return pa.table({"fast_forward": pa.array([int(merged.kind is MergeKind.FAST_FORWARD)], pa.int64()),
                     "conflicts": pa.array([sum(merged.conflicts.values())], pa.int64()),
                     "message": pa.array([message], pa.string())})


PUSH = FlagSpec({"--set-upstream": False, "--force": False, "--delete": False},
                {"-u": "--set-upstream", "-f": "--force", "-d": "--delete"})


def dolt_push(view: View, args: list[str], author: Author | None) -> pa.Table:
    from dl.core.remotes.sync import push
    p = parse_flags("dolt_push", args, PUSH)
    if len(p.args) != 2:
        raise SqlError("dolt_push: ([--set-upstream], [--force], remote, branch)")
    remote, spec = p.args
    source, colon, target = spec.partition(":")
    delete = bool(p.flags.get("--delete")) or (bool(colon) and not source)
    result = push(view.repo, remote, source or target, target or source, force=bool(p.flags.get("--force")),
                  delete=delete, set_upstream=bool(p.flags.get("--set-upstream")))
    moved = [c for c in result.changes if c.old != c.new]
    return status_table(f"pushed to {result.url}" if moved else "Everything up-to-date")


CLONE = FlagSpec({"--branch": True, "--remote": True, "--depth": True, "--single-branch": False},
                 {"-b": "--branch"})


def dolt_clone(view: View, args: list[str], author: Author | None) -> pa.Table:
    """Clones into a directory beside this repository (Dolt makes a new database there)."""
    from dl.core.remotes.clone import clone
    p = parse_flags("dolt_clone", args, CLONE)
    if len(p.args) not in (1, 2) or view.repo.directory is None:
        raise SqlError("dolt_clone: (url, [directory]) in a repository on disk")
    url = p.args[0]
    name = p.args[1] if len(p.args) > 1 else url.rstrip("/").rsplit("/", 1)[-1]
    if "/" in name or name in ("", ".", ".."):
        raise SqlError(f"dolt_clone: {name!r} is not a directory name")
    depth = p.flags.get("--depth")
    if depth is not None and not (isinstance(depth, str) and depth.isdigit()):
        raise SqlError(f"dolt_clone: --depth takes a positive number, not {depth!r}")
    clone(url, view.repo.directory.parent / name, branch=p.flags.get("--branch"),
          remote_name=p.flags.get("--remote") or "origin",
          depth=int(depth) if depth is not None else None,
          single_branch=bool(p.flags.get("--single-branch")))
    return status_table()


PROCEDURES = {"dolt_remote": dolt_remote, "dolt_fetch": dolt_fetch, "dolt_pull": dolt_pull,
              "dolt_push": dolt_push, "dolt_clone": dolt_clone}
