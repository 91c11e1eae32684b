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
from dl.core.maintenance.links import links

Reader = Callable[[list[Address]], dict[Address, bytes]]
Checker = Callable[[list[Address]], set[Address]]


@dataclass
class Missing:
    """The chunks to send, in walk order, and the chunks the walk stopped at (the destination
    has them, and the sent chunks link to them)."""

    chunks: dict[Address, bytes] = field(default_factory=dict)
    stopped: set[Address] = field(default_factory=set)

    def bytes(self) -> int:
        return sum(len(data) for data in self.chunks.values())


def find_missing(starts: Iterable[Address], read: Reader, has: Checker) -> Missing:
    """The closure of `starts` that `has` does not report, read through `read`."""
    found = Missing()
    frontier = list(dict.fromkeys(starts))
    while frontier:
        present = has(frontier)
        found.stopped |= present
        need = [a for a in frontier if a not in present]
        got = read(need) if need else {}
        nxt: list[Address] = []
        for address in need:
            data = got[address]
            found.chunks[address] = data
            nxt += [a for a in links(data, address) if a not in found.chunks]
        frontier = [a for a in dict.fromkeys(nxt) if a not in found.stopped and a not in found.chunks]
    return found
