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
    """`dl fetch`'s arguments: [remote] [refspec...] (`b`, `refs/heads/b:refs/remotes/r/b`)."""
    from dl.core.remotes.sync import fetch
    p = parse_flags("dolt_fetch", args, FETCH)
    remote = p.args[0] if p.args else "origin"
    fetch(view.repo, remote, p.args[1:] or None, prune=bool(p.flags.get("--prune")))
    return status_table()


PULL = FlagSpec({"--no-ff": False, "--squash": False, "--no-commit": False, "--no-edit": False,
                 "--prune": False}, {"-p": "--prune"})


def dolt_pull(view: View, args: list[str], author: Author | None) -> pa.Table:
    from dl.core.remotes.sync import pull
    from dl.core.versioning.merge_commits import MergeKind
    p = parse_flags("dolt_pull", args, PULL)
    if len(p.args) > 2:
        raise SqlError("dolt_pull: ([remote], [branch])")
    _, merged = pull(view.repo, *(p.args + [None, None])[:2], author=author,
                     no_ff=bool(p.flags.get("--no-ff")), squash=bool(p.flags.get("--squash")),
                     no_commit=bool(p.flags.get("--no-commit")), prune=bool(p.flags.get("--prune")))
    message = {MergeKind.UP_TO_DATE: "Everything up-to-date", MergeKind.FAST_FORWARD: "fast-forward",
               MergeKind.MERGED: "merge successful", MergeKind.SQUASHED: "squashed",
               MergeKind.CONFLICTS: "conflicts found",
               MergeKind.NOT_COMMITTED: "changes staged; not committed"}[merged.kind]
    return pa.table({"fast_forward": pa.array([int(merged.kind is MergeKind.FAST_FORWARD)], pa.int64()),
                     "conflicts": pa.array([sum(merged.conflicts.values())], pa.int64()),
                     "message": pa.array([message], pa.string())})


PUSH = FlagSpec({"--set-upstream": False, "--force": False, "--delete": False, "--all": False},
                {"-u": "--set-upstream", "-f": "--force", "-d": "--delete"})


def dolt_push(view: View, args: list[str], author: Author | None) -> pa.Table:
    """`dl push`'s arguments and rules (`push_targets`); `message` holds the lines the command
    prints (`To URL`, ` * [new branch] ...`, or `Everything up-to-date`), as Dolt's."""
    from dl.core.remotes.push_report import push_all, report_lines
    from dl.core.remotes.push_targets import push_targets
    from dl.core.remotes.sync import settings_of
    p = parse_flags("dolt_push", args, PUSH)
    set_upstream = bool(p.flags.get("--set-upstream"))
    remote, targets = push_targets(view.repo, settings_of(view.repo), p.args,
                                   delete=bool(p.flags.get("--delete")), set_upstream=set_upstream,
                                   all_branches=bool(p.flags.get("--all")))
    report = push_all(view.repo, remote, targets, force=bool(p.flags.get("--force")),
                      set_upstream=set_upstream)
    if report.rejected:
        raise report.rejected[0]
    return status_table("\n".join(report_lines(report)))


CLONE = FlagSpec({"--branch": True, "--remote": True, "--depth": True, "--single-branch": False},
                 {"-b": "--branch"})


def dolt_clone(view: View, args: list[str], author: Author | None) -> pa.Table:
    """Clones into a directory beside this repository (Dolt makes a new database there)."""
    from dl.core.remotes.clone import clone
    p = parse_flags("dolt_clone", args, CLONE)
    if not p.args:  # Dolt's words
        raise SqlError("invalid number of arguments: dolt_clone(url, [directory])")
    if len(p.args) > 2:
        raise SqlError("clone has too many positional arguments. dolt_clone(url, [directory])")
    if view.repo.directory is None:
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
