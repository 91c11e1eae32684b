"""Commits, annotated tags and the commit graph.

A commit records a root value, its parents (two for a merge), author, email, time and
message, plus its height (1 + the highest parent's), which orders logs and bounds merge-base
searches. As in git and Dolt, who committed may differ from who wrote the change (`--author`,
`DOLT_COMMITTER_NAME`, a cherry-pick): the committer and their time are then stored too; a
commit made by its author stores neither, so its encoding (and address) is the plain one. Walking history refuses cycles and absurd depths with a clear error instead of
hanging (a corrupt or hostile store must never loop dl forever).
"""
from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from dl.core.chunks import decode_json_chunk, encode_json_chunk, field, parse_address
from dl.core.errors import DlError, IntegrityError
from dl.core.hashing import Address, address_of
from dl.core.versioning.shallow import BeyondShallow

COMMIT_TAG = "C"
TAG_TAG = "G"


def check_empty_flags(allow_empty: bool, skip_empty: bool) -> None:
    """Refuses `--allow-empty` with `--skip-empty`, in Dolt's words (the CLI and dolt_commit both ask)."""
    if allow_empty and skip_empty:
        raise DlError("cannot use both --allow-empty and --skip-empty")


@dataclass(frozen=True)
class Commit:
    """One commit: a snapshot (root value) and how it came to be."""

    root: Address
    parents: tuple[Address, ...]
    author: str
    email: str
    timestamp: float  # seconds since the epoch, UTC
    message: str
    height: int = 1
    committer: str | None = None  # None: the author committed
    committer_email: str | None = None
    commit_timestamp: float | None = None  # None: committed at the author's time

    def encode(self) -> bytes:
        value = {"root": self.root.hex, "parents": [p.hex for p in self.parents],
                 "author": self.author, "email": self.email, "timestamp": self.timestamp,
                 "message": self.message, "height": self.height}
        if self.committer is not None:
            value["committer"], value["committer_email"] = self.committer, self.committer_email or ""
        if self.commit_timestamp is not None:
            value["commit_timestamp"] = self.commit_timestamp
        return encode_json_chunk(COMMIT_TAG, value)

    @property
    def committed_by(self) -> tuple[str, str]:
        """(name, email) of who made the commit: the committer if one is recorded, else the author."""
        if self.committer is None:
            return self.author, self.email
        return self.committer, self.committer_email or ""

    @property
    def committed_at(self) -> float:
        """When the commit was made (the author's time unless a commit time is recorded)."""
        return self.timestamp if self.commit_timestamp is None else self.commit_timestamp

    @staticmethod
    def decode(data: bytes, address: Address | None = None) -> "Commit":
        value = decode_json_chunk(COMMIT_TAG, data, address)
        parents = field(value, "parents", list, address)
        height = field(value, "height", int, address)
        if height < 1 or (parents and height < 2):
            raise IntegrityError(f"chunk {address.hex if address else '?'}: bad commit height", 
                                 address.hex if address else None)
        committer = value.get("committer")
        committer_email = value.get("committer_email")
        commit_timestamp = value.get("commit_timestamp")
        if not (committer is None or (isinstance(committer, str) and isinstance(committer_email, str))) \
                or not (commit_timestamp is None or isinstance(commit_timestamp, (int, float))):
            raise IntegrityError(f"chunk {address.hex if address else '?'}: bad committer",
                                 address.hex if address else None)
        return Commit(parse_address(value.get("root"), address),
                      tuple(parse_address(p, address) for p in parents),
                      field(value, "author", str, address), field(value, "email", str, address),
                      float(field(value, "timestamp", (int, float), address)),
                      field(value, "message", str, address), height, committer, committer_email,
                      None if commit_timestamp is None else float(commit_timestamp))

    @property
    def address(self) -> Address:
        return address_of(self.encode())

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


@dataclass(frozen=True)
class Tag:
    """An annotated tag: a name for a commit, with a message and who made it."""

    name: str
    commit: Address
    message: str
    tagger: str
    email: str
    timestamp: float

    def encode(self) -> bytes:
        return encode_json_chunk(TAG_TAG, {"name": self.name, "commit": self.commit.hex,
                                           "message": self.message, "tagger": self.tagger,
                                           "email": self.email, "timestamp": self.timestamp})

    @staticmethod
    def decode(data: bytes, address: Address | None = None) -> "Tag":
        value = decode_json_chunk(TAG_TAG, data, address)
        return Tag(field(value, "name", str, address), parse_address(value.get("commit"), address),
                   field(value, "message", str, address), field(value, "tagger", str, address),
                   field(value, "email", str, address),
                   float(field(value, "timestamp", (int, float), address)))


CommitLoader = Callable[[Address], Commit]


def walk_history(load: CommitLoader, starts: list[Address], limit: int | None = None
                 ) -> Iterator[tuple[Address, Commit]]:
    """Commits reachable from `starts`, newest first (by height, then time), each once.

    Heights strictly decrease from child to parent, so a parent claiming a height not below
    its child's is a cycle or corruption: refused with an `IntegrityError`. A parent beyond a
    shallow clone's boundary (`BeyondShallow` from `load`) ends that line of history there.
    """
    seen: set[Address] = set()
    heap: list[tuple[int, float, bytes, Address, Commit]] = []
    for start in starts:
        commit = load(start)
        heapq.heappush(heap, (-commit.height, -commit.timestamp, start.raw, start, commit))
    emitted = 0
    while heap and (limit is None or emitted < limit):
        _, _, _, address, commit = heapq.heappop(heap)
        if address in seen:
            continue
        seen.add(address)
        emitted += 1
        yield address, commit
        for parent in commit.parents:
            if parent in seen:
                continue
            try:
                loaded = load(parent)
            except BeyondShallow:
                continue
            if loaded.height >= commit.height:
                raise IntegrityError(f"commit graph is not a DAG at {address.hex} -> {parent.hex}",
                                     parent.hex)
            heapq.heappush(heap, (-loaded.height, -loaded.timestamp, parent.raw, parent, loaded))


def merge_bases(load: CommitLoader, a: Address, b: Address) -> list[Address]:
    """The best common ancestors of `a` and `b` (several on criss-cross histories).

    Walks both histories by height, marking which side reaches each commit; a commit reached
    from both is a common ancestor, and its own ancestors are then not "best". In a shallow
    clone, a walk that must go beyond the boundary to decide is `BeyondShallow` (the base may
    lie there); ancestors of a base already found are not needed and are skipped.
    """
    if a == b:
        return [a]
    flags: dict[Address, int] = {}
    heap: list[tuple[int, bytes, Address]] = []
    commits: dict[Address, Commit] = {}
    for address, flag in ((a, 1), (b, 2)):
        flags[address] = flags.get(address, 0) | flag
        commits[address] = load(address)
        heapq.heappush(heap, (-commits[address].height, address.raw, address))
    found: list[Address] = []
    stale = 4  # flag: ancestor of a found common ancestor
    queued = {a, b}
    while heap:
        _, _, address = heapq.heappop(heap)
        queued.discard(address)
        flag = flags[address]
        if flag & 3 == 3 and not flag & stale:
            found.append(address)
            flag |= stale
        if all(flags[x] & stale for x in queued) and queued:
            break
        for parent in commits[address].parents:
            before = flags.get(parent, 0)
            after = before | flag
            if after != before:
                if parent not in commits:
                    try:
                        commits[parent] = load(parent)
                    except BeyondShallow:
                        if after & stale:
                            continue
                        raise
                flags[parent] = after
                if parent not in queued:
                    queued.add(parent)
                    heapq.heappush(heap, (-commits[parent].height, parent.raw, parent))
    return found
