"""How a branch stands against its upstream: commits ahead and behind (for `dl status`), and
the remote-tracking branches (for `dl log`'s decorations and `dl branch -a`).

Counts by one walk of both histories in height order, marking which side reaches each commit,
and stops as soon as everything still queued is reached from both: the cost grows with the
commits since the fork, not with the length of history. Reads only commits (no pyarrow).
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

from dl.core.hashing import Address
from dl.core.remotes.settings import LOCAL, RemoteSettings
from dl.core.repo import DL_DIR, Repository
from dl.core.versioning.commit import CommitLoader
from dl.core.versioning.refs import REMOTE_PREFIX, branch_ref, ref_address
from dl.core.versioning.shallow import BeyondShallow


def remote_branches(repo: Repository) -> dict[str, Address]:
    """Remote-tracking branches as `origin/main` -> commit."""
    refs = repo.store.list_refs(REMOTE_PREFIX)
    return {name[len(REMOTE_PREFIX):]: ref_address(name, v) for name, v in refs.items()}  # type: ignore[misc]


@dataclass(frozen=True)
class Tracking:
    """The upstream (`origin/main`), and whether it is still there (fetched at least once)."""

    upstream: str
    ahead: int
    behind: int
    gone: bool = False


def tracking_of(repo: Repository, branch: str) -> Tracking | None:
    """The branch's standing against its upstream, or None when it has none."""
    if repo.directory is None:
        return None
    upstream = RemoteSettings(repo.directory / DL_DIR / "remotes.json").upstream(branch)
    if upstream is None:
        return None
    name = upstream.name
    ref = branch_ref(name) if upstream.remote == LOCAL else REMOTE_PREFIX + name
    theirs = ref_address(ref, repo.store.get_ref(ref))
    if theirs is None:
        return Tracking(name, 0, 0, gone=True)
    ahead, behind = count_ahead_behind(repo.load_commit, repo.branch_head(branch), theirs)
    return Tracking(name, ahead, behind)


def count_ahead_behind(load: CommitLoader, ours: Address, theirs: Address) -> tuple[int, int]:
    """(commits reachable from `ours` only, from `theirs` only; in a shallow clone, only
    among the commits it has)."""
    if ours == theirs:
        return 0, 0
    flags = {ours: 1, theirs: 2}
    heights = {ours: load(ours).height, theirs: load(theirs).height}
    heap = [(-heights[a], a.raw, a) for a in (ours, theirs)]
    heapq.heapify(heap)
    counts = {1: 0, 2: 0, 3: 0}
    mixed = 2  # queued commits not yet reached from both sides
    done: set[Address] = set()
    while heap and mixed:
        _, _, address = heapq.heappop(heap)
        if address in done:
            continue
        done.add(address)
        flag = flags[address]
        if flag != 3:
            mixed -= 1
        counts[flag] += 1
        for parent in load(address).parents:
            before = flags.get(parent, 0)
            after = before | flag
            if parent not in flags:
                try:
                    height = load(parent).height
                except BeyondShallow:
                    continue  # a shallow clone counts the commits it has
                heapq.heappush(heap, (-height, parent.raw, parent))
                mixed += after != 3
            elif before != 3 and after == 3:
                mixed -= 1
            flags[parent] = after
    return counts[1], counts[2]
