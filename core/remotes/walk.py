"""Finding what the other side lacks: a walk from refs that stops at chunks it has.

Both sides keep their stores closed under links (a chunk lands only with, or after,
everything it links to), so a chunk the destination has brings its whole subgraph: the walk
never descends below it. It goes level by level (commits and their roots, tables, tree nodes),
asking the destination about a whole level at once and reading the source's missing chunks
of that level in one batch: the number of round trips grows with the depth of the graph, the
bytes with the size of the change, never with the size of the repository.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from dl.core.hashing import Address
from dl.core.maintenance.links import internal_level, links

Reader = Callable[[list[Address]], dict[Address, bytes]]
Checker = Callable[[list[Address]], set[Address]]
Row = tuple[bytes, int, int, bytes]  # a chunk as a store keeps it: address, codec, size, body
RawReader = Callable[[list[Address]], dict[Address, Row]]


@dataclass
class Missing:
    """The chunks to send, in walk order, and the chunks the walk stopped at (the destination
    has them, and the sent chunks link to them)."""

    chunks: dict[Address, bytes] = field(default_factory=dict)
    stopped: set[Address] = field(default_factory=set)
    leaves: dict[Address, Row] = field(default_factory=dict)  # read in stored form (`read_raw`)
    deferred: list[Address] = field(default_factory=list)  # leaves not read (`defer_leaves`)

    def count(self) -> int:
        return len(self.chunks) + len(self.leaves) + len(self.deferred)

    def bytes(self) -> int:
        return sum(len(data) for data in self.chunks.values()) + sum(r[2] for r in self.leaves.values())


def find_missing(starts: Iterable[Address], read: Reader, has: Checker,
                 read_raw: RawReader | None = None, *, defer_leaves: bool = False) -> Missing:
    """The closure of `starts` that `has` does not report, read through `read`. With
    `read_raw`, leaves (the children of level-1 tree nodes, which link to nothing) are read in
    their stored form instead and never decoded: a push sends them as they are stored. With
    `defer_leaves`, they are not read at all but listed (`Missing.deferred`), for the caller to
    receive as they are (a fetch: `receive`), checking there that they link to nothing."""
    found = Missing()
    frontier = list(dict.fromkeys(starts))
    leaves: set[Address] = set()
    deferred: set[Address] = set()
    while frontier:
        present = has(frontier)
        found.stopped |= present
        need = [a for a in frontier if a not in present]
        raw = [a for a in need if a in leaves] if read_raw is not None or defer_leaves else []
        if raw:
            if defer_leaves:
                found.deferred += raw
                deferred.update(raw)
            else:
                assert read_raw is not None
                found.leaves.update(read_raw(raw))
            need = [a for a in need if a not in leaves]
        got = read(need) if need else {}
        nxt: list[Address] = []
        for address in need:
            data = got[address]
            found.chunks[address] = data
            children = links(data, address)
            if internal_level(data) == 1:
                leaves.update(children)
            nxt += [a for a in children if a not in found.chunks]
        frontier = [a for a in dict.fromkeys(nxt) if a not in found.stopped
                    and a not in found.chunks and a not in found.leaves and a not in deferred]
    return found
