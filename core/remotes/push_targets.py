"""What `dl push [-u] [--all] [REMOTE [REFSPEC...]]` pushes: the remote and each branch's target.

Dolt's (and git's) rules, from the arguments and the branches' upstreams:
- no argument: the current branch to its upstream; `--all`: every branch to the default remote;
- REMOTE alone: the current branch to its upstream there; else, if REMOTE is the default remote
  (`origin`, or the only remote) and `-u` is not given, the "no upstream branch" error; else
  the current branch to a branch of the same name;
- REMOTE REFSPEC...: each `SRC`, `SRC:DST`, or `:DST` (delete).
Resolving touches nothing; the push itself (`sync.push`) runs per target.
"""
from __future__ import annotations

from dataclasses import dataclass

from dl.core.errors import DlError, InputError
from dl.core.remotes.settings import RemoteSettings
from dl.core.repo import Repository


@dataclass(frozen=True)
class PushTarget:
    """One ref to push: local `source` to remote `target`, or delete `target`."""

    source: str
    target: str
    delete: bool = False


class NoUpstream(DlError):
    """Dolt's words for a push that names no branch from a branch with no upstream."""

    def __init__(self, branch: str, remote: str) -> None:
        super().__init__(f"fatal: The current branch {branch} has no upstream branch. To push the "
                         "current branch and set the remote as upstream, use: dl push "
                         f"--set-upstream {remote} {branch}")


def default_remote(settings: RemoteSettings) -> str | None:
    """Dolt's default remote: the only one, else `origin` if there is one."""
    names = list(settings.remotes())
    if len(names) == 1:
        return names[0]
    return "origin" if "origin" in names else None


def push_targets(repo: Repository, settings: RemoteSettings, args: list[str], *, delete: bool = False,
                 set_upstream: bool = False, all_branches: bool = False) -> tuple[str, list[PushTarget]]:
    """The remote and the targets a push with these arguments moves (see the module's rules)."""
    current = repo.current_branch()
    if all_branches:
        if len(args) > 1:
            raise InputError("fatal: --all can't be combined with refspecs")
        remote = args[0] if args else _default_or_refuse(settings)
        return remote, [PushTarget(b, b) for b in sorted(repo.branches())]
    if len(args) > 1:
        return args[0], [_target(spec, delete) for spec in args[1:]]
    upstream = settings.upstream(current)
    if not args:
        if not settings.remotes():
            _default_or_refuse(settings)
        if upstream is None or set_upstream:
            if set_upstream:
                return _default_or_refuse(settings), [PushTarget(current, current)]
            raise NoUpstream(current, default_remote(settings) or "origin")
        return upstream.remote, [PushTarget(current, upstream.branch, delete)]
    remote = args[0]
    if upstream is not None and upstream.remote == remote:
        return remote, [PushTarget(current, upstream.branch, delete)]
    if remote == default_remote(settings) and not set_upstream:
        raise NoUpstream(current, remote)
    return remote, [PushTarget(current, current, delete)]


def _target(spec: str, delete: bool) -> PushTarget:
    source, colon, target = spec.partition(":")
    if not spec or (colon and not source and not target):
        raise InputError(f"invalid ref spec: '{spec}'")
    if colon and not source:
        return PushTarget(target, target, True)
    return PushTarget(source, target or source, delete)


def _default_or_refuse(settings: RemoteSettings) -> str:
    remote = default_remote(settings)
    if remote is None:
        raise InputError("fatal: No configured push destination. Either give the remote, or add "
                         "one with dl remote add <name> <url> and push with dl push <name>.")
    return remote
