"""Pushing several targets as one command, and the lines git and Dolt print for it.

`push_all` tries every target of a push (`push_targets`), as Dolt does: a rejected branch does
not stop the others, and is reported after them. `report_lines` gives the text both `dl push`
(stdout) and `dolt_push` (its `message` column) show: `To URL`, one line per moved ref, the
rejected ones, then the upstreams set; or `Everything up-to-date`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from dl.core.remotes.push_targets import PushTarget
from dl.core.remotes.sync import PushRejected, RefChange, RefChangeKind, SyncResult, push
from dl.core.repo import Repository


@dataclass
class PushReport:
    """What a push of several targets did: the ref changes, the rejections, upstreams set."""

    url: str = ""
    changes: list[RefChange] = field(default_factory=list)
    rejected: list[PushRejected] = field(default_factory=list)
    tracked: list[str] = field(default_factory=list)  # "branch 'b' set up to track 'origin/b'."


def push_all(repo: Repository, remote: str, targets: list[PushTarget], *, force: bool = False,
             set_upstream: bool = False) -> PushReport:
    """Pushes each target in turn (each one atomic on its own); rejections are collected."""
    report = PushReport()
    for t in targets:
        try:
            result: SyncResult = push(repo, remote, t.source, t.target, force=force, delete=t.delete,
                                      set_upstream=set_upstream)
        except PushRejected as exc:
            report.url = report.url or exc.url
            report.rejected.append(exc)
            continue
        report.url = result.url
        report.changes += result.changes
        if set_upstream and not t.delete:
            report.tracked.append(f"branch '{t.source}' set up to track '{remote}/{t.target}'.")
    return report


def change_line(c: RefChange) -> str:
    """git's line for one moved ref (` * [new branch]          main -> main`, ...)."""
    arrow = f"{c.source} -> {c.target}"
    if c.kind is RefChangeKind.NEW:
        return f" * [new branch]          {arrow}"
    if c.kind is RefChangeKind.NEW_TAG:
        return f" * [new tag]             {arrow}"
    if c.kind is RefChangeKind.DELETED:
        return f" - [deleted]             {c.target}"
    if c.kind is RefChangeKind.FORCED:
        return f" + {(c.old or '')[:8]}...{(c.new or '')[:8]} {arrow} (forced update)"
    return f"   {(c.old or '')[:8]}..{(c.new or '')[:8]}  {arrow}"


def report_lines(report: PushReport) -> list[str]:
    """The lines a push prints (see the module docstring)."""
    moved = [c for c in report.changes if c.kind is not RefChangeKind.UP_TO_DATE]
    if not moved and not report.rejected:
        return ["Everything up-to-date", *report.tracked]
    lines = [f"To {report.url}", *map(change_line, moved)]
    lines += [f" ! [rejected]            {r.branch} -> {r.target} ({r.reason})" for r in report.rejected]
    return lines + report.tracked
