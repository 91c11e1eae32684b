"""`dl gc`: delete chunks nothing reachable refers to, then compact the store.

Reachable means linked (`core.maintenance.links`) from a ref: branches, tags, every branch's working set
(working and staged roots, and the roots and commit of a merge in progress) and stashes.
Marking reads commits, roots, table values and internal nodes, never a leaf: the children of
a level-1 node are leaves, marked by address and only checked to exist.

Safe beside a concurrent writer, by mark, lock, re-mark and sweep, plus one check when a
writer lands (a lock on the sweep only, no grace period, no timing assumption):
1. note every chunk address in the store: the candidates. A writer's chunks land in the same
   transaction as its ref moves (`BufferedStore`), so nothing written later is a candidate.
2. mark everything reachable from the refs, without any lock (the slow part).
3. take the store's write lock (writers now wait on the busy timeout, they do not fail),
   re-read the refs and mark what the refs that moved meanwhile reach: fast, shared
   subtrees are already marked. Anything a writer landed before this point is reachable
   from the refs it moved, so it is kept.
4. still under the lock, delete the candidates left unmarked; release; remove the scan files
   (`core.store.scan_files`, decoded scans, and `core.store.twin_files`: derived data); VACUUM.
A writer that lands after step 4 may have built on a chunk that was deleted: one it also
wrote (it was stored already and skipped: the store re-inserts it, re-checking inside the
transaction), or one it only links to, read from a ref it does not move (e.g. merging a
branch that was deleted and collected meanwhile). For the latter the flush passes its links
(`requires`) and the transaction fails with a clear `MissingChunk` instead of landing a
dangling link; a ref never points at a missing chunk either. So no reachable chunk is ever
deleted and no writer's landed work is ever lost.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dl.core.errors import IntegrityError
from dl.core.hashing import Address
from dl.core.maintenance.links import internal_level, links
from dl.core.store.twin_files import twin_files_of
from dl.core.versioning.refs import HEAD, ref_address
from dl.core.versioning.shallow import boundary


@dataclass(frozen=True)
class GcResult:
    bytes_before: int
    bytes_after: int
    chunks_before: int
    chunks_deleted: int


class _Marker:
    """The set of reachable addresses, grown level by level with one `get_many` per level."""

    def __init__(self, store) -> None:  # type: ignore[no-untyped-def]
        self.store = store
        self.marked: set[Address] = set()
        self.edge = boundary(store)  # a shallow clone's boundary: its commits' parents are absent

    def mark_refs(self) -> None:
        starts = []
        for name, value in sorted(self.store.list_refs("").items()):
            if name != HEAD:
                starts.append(ref_address(name, value))
        self.mark_from(starts)  # type: ignore[arg-type]

    def mark_from(self, starts: Iterable[Address]) -> None:
        frontier = [a for a in dict.fromkeys(starts) if a not in self.marked]
        leaves: list[Address] = []
        while frontier:
            self.marked.update(frontier)
            found = self.store.get_many(frontier)
            following: list[Address] = []
            for address in frontier:
                data = found[address]
                children = [c for c in links(data, address) if c not in self.marked]
                if address in self.edge:
                    kept = self.store.has_many(children)
                    children = [c for c in children if c in kept]
                if internal_level(data) == 1:
                    leaves += children
                    self.marked.update(children)
                else:
                    following += children
            frontier = list(dict.fromkeys(following))
        present = self.store.has_many(leaves)
        if len(present) < len(set(leaves)):
            missing = next(a for a in leaves if a not in present)
            raise IntegrityError(f"missing chunk {missing.hex}", missing.hex)


def reachable(store) -> set[Address]:  # type: ignore[no-untyped-def]
    """Every address reachable from the refs of `store`."""
    marker = _Marker(store)
    _mark(marker)
    return marker.marked


def _mark(marker: _Marker) -> None:
    try:
        marker.mark_refs()
    except IntegrityError as exc:
        raise IntegrityError(f"cannot collect garbage in a damaged repository (run dl fsck): {exc}",
                             exc.address) from None


PHASES = ("marking", "sweeping", "compacting")


def collect_garbage(store, progress: Callable[[str], None] | None = None) -> GcResult:  # type: ignore[no-untyped-def]
    """Deletes unreachable chunks from `store` (a SqliteStore or MemoryStore) and compacts it.

    `progress`, if given, is called with the name of each of `PHASES` as it starts."""
    step = progress or (lambda phase: None)
    before = _size(store)
    step("marking")
    candidates = list(store.all_addresses())
    marker = _Marker(store)
    try:
        marker.mark_refs()
    except IntegrityError:  # another gc may have swept under this walk: redo it under the lock
        marker = _Marker(store)
    with store.write_lock():
        _mark(marker)  # the refs that moved meanwhile; everything marked already is skipped
        step("sweeping")
        garbage = [a for a in candidates if a not in marker.marked]
        store.delete_many(garbage)
    files = getattr(store, "scan_files", None)
    if files is not None:
        files.clear()  # derived data (`core.store.scan_files`): rebuilt by the next large scan
    twins = twin_files_of(store)
    if twins is not None:
        twins.clear()  # derived data (`core.store.twin_files`): rewritten by the next `dl sql -q`
    step("compacting")
    store.vacuum()
    return GcResult(before, _size(store), len(candidates), len(garbage))


def _size(store) -> int:  # type: ignore[no-untyped-def]
    return int(store.file_bytes() if hasattr(store, "file_bytes") else store.stats().stored_bytes)
