"""Shallow fetches: which commits a `--depth N` clone or fetch brings, and the new boundary.

A full fetch walks every link from the remote's refs down to what the local store has
(`walk.find_missing`). A shallow one walks the commit graph first, generation by generation
(the tips are generation 1, their parents 2...): with a depth, to N generations; in a shallow
repository without one, down to what the store has and no further than the boundary's ghost
parents (a fetch stays as shallow as the clone); with `unshallow`, through the ghosts to the
root. Commits the store has are walked locally, only to reach a boundary commit that a deeper
fetch deepens. The roots of the fetched commits are then walked as a full fetch walks
(`find_missing`, started below the commits so that no parent is followed).

The boundary afterwards is every commit (fetched, or on the old boundary) with a parent that
is neither stored nor fetched: exactly the commits whose parents are absent.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dl.core.hashing import Address
from dl.core.remotes.walk import Checker, Missing, Reader, find_missing
from dl.core.versioning.commit import Commit


@dataclass
class ShallowFetch:
    """What a shallow fetch lands: the chunks (commits, then what their roots need), the
    chunks the walk stopped at (the store has them), and the boundary afterwards."""

    missing: Missing
    boundary: set[Address] = field(default_factory=set)


def shallow_fetch(starts: list[Address], read: Reader, has: Checker,
                  load_local: Callable[[Address], Commit], edge: set[Address], ghosts: set[Address],
                  depth: int | None, unshallow: bool = False) -> ShallowFetch:
    """The chunks to fetch for commits `starts` (the remote's tips) into a store whose
    boundary is `edge` (with absent parents `ghosts`), to `depth` generations (None: to what
    the store has; with `unshallow`, through the ghosts)."""
    fetched: dict[Address, Commit] = {}
    raw: dict[Address, bytes] = {}
    tips = set(starts)
    frontier = list(dict.fromkeys([*starts, *(ghosts if unshallow else ())]))
    seen: set[Address] = set()
    generation = 1
    while frontier and (depth is None or generation <= depth):
        seen.update(frontier)
        present = has(frontier)
        wanted = [a for a in frontier if a not in present  # a ghost only if asked for
                  and (a not in ghosts or a in tips or depth is not None or unshallow)]
        got = read(wanted) if wanted else {}
        following: list[Address] = []
        for address in frontier:
            if address in got:
                commit = Commit.decode(got[address], address)
                fetched[address], raw[address] = commit, got[address]
                following += commit.parents
            elif address in present and depth is not None and edge and generation < depth:
                following += load_local(address).parents  # on the way to a boundary to deepen
        frontier = [a for a in dict.fromkeys(following) if a not in seen]
        generation += 1
    parents = {p for c in fetched.values() for p in c.parents if p not in fetched}
    stored = has(sorted(parents | ghosts))
    candidates = {a: c.parents for a, c in fetched.items()}
    candidates.update({a: load_local(a).parents for a in edge})
    boundary = {a for a, ps in candidates.items()
                if any(p not in fetched and p not in stored for p in ps)}
    roots = [c.root for c in fetched.values()]
    below = find_missing(roots, read, has)
    missing = Missing({**raw, **below.chunks}, below.stopped | (parents & stored), below.leaves)
    return ShallowFetch(missing, boundary)
