"""`dl gc`: delete chunks nothing reachable refers to, then compact the store.

Safe beside a concurrent writer, by mark, lock, re-mark and sweep:
1. note every chunk address in the store (the candidates: nothing written later is one);
2. mark everything reachable from the refs (slow, without any lock);
3. take the store's write lock, re-read the refs, and mark what the refs that moved meanwhile
   reach (fast: shared subtrees are already marked);
4. still under the lock, delete the candidates left unmarked; release; then VACUUM.
A writer's chunks and ref moves land in one transaction (BufferedStore), so a chunk written
after step 1 is not a candidate, and any old chunk a writer re-used is reachable from the refs
read in step 3. Writers wait for the lock (busy timeout) during step 3-4, never lose work.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.fsck import _Checker
from core.errors import IntegrityError
from core.hashing import Address


@dataclass(frozen=True)
class GcResult:
    bytes_before: int
    bytes_after: int
    chunks_before: int
    chunks_deleted: int


def _mark(checker: _Checker) -> set[Address]:
    checker.check_refs()
    if checker.report.problems:
        raise IntegrityError("cannot collect garbage in a damaged repository (run dl fsck): "
                             + checker.report.problems[0])
    marked = checker.seen | set(checker.commit_heights)
    for name, value in checker.store.list_refs("").items():
        if name != "HEAD":
            marked.add(Address(bytes.fromhex(value)))
    return marked


def collect_garbage(store) -> GcResult:  # type: ignore[no-untyped-def]
    """Deletes unreachable chunks from `store` (a SqliteStore or MemoryStore) and compacts it."""
    before = store.file_bytes() if hasattr(store, "file_bytes") else store.stats().stored_bytes
    candidates = set(store.all_addresses())
    checker = _Checker(store, quick=True)
    _mark(checker)
    with store.write_lock():
        checker.report.problems.clear()
        marked = _mark(checker)  # refs that moved meanwhile; shared nodes are skipped
        garbage = [a for a in candidates if a not in marked]
        store.delete_many(garbage)
    store.vacuum()
    after = store.file_bytes() if hasattr(store, "file_bytes") else store.stats().stored_bytes
    return GcResult(before, after, len(candidates), len(garbage))
