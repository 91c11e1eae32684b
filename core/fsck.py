"""`dl fsck`: checks that everything reachable from the refs is present and sound.

Walks every ref (HEAD, branches, tags, working sets, stashes, merge state) down through
commits, root values, table values and tree nodes, each chunk once. Checks that each chunk
exists and hashes to its address (the store verifies on read; `quick` skips reading leaf
bodies and only checks they exist), that every node decodes, that commits form a DAG (heights
strictly decrease along parents), and that each tree's row counts and key order hold. Problems
are collected, never raised: one line each, naming the chunk, what refers to it and what is
wrong.
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from core.chunks import chunk_tag
from core.commit import Commit, Tag
from core.errors import DlError, IntegrityError
from core.hashing import Address
from core.prolly.node import InternalNode, decode_internal, decode_leaf
from core.root import RootValue
from core.store.base import ChunkStore
from core.table import TableValue
from core.workingset import WorkingSet


@dataclass
class FsckReport:
    """What fsck found and how much it read."""

    problems: list[str] = field(default_factory=list)
    chunks: int = 0
    bytes: int = 0
    seconds: float = 0.0
    commits: int = 0
    tables: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


class _Checker:
    def __init__(self, store: ChunkStore, quick: bool) -> None:
        self.store = store
        self.quick = quick
        self.report = FsckReport()
        self.seen: set[Address] = set()
        self.commit_heights: dict[Address, int] = {}

    def problem(self, text: str) -> None:
        self.report.problems.append(text)

    def read(self, address: Address, referrer: str) -> bytes | None:
        try:
            data = self.store.get(address)
        except IntegrityError as exc:
            self.problem(f"{address.hex}: {exc} (referred to by {referrer})")
            return None
        except DlError as exc:
            self.problem(f"{address.hex}: {exc} (referred to by {referrer})")
            return None
        self.report.chunks += 1
        self.report.bytes += len(data)
        return data

    # --- refs ----------------------------------------------------------------------

    def check_refs(self) -> None:
        refs = self.store.list_refs("")
        head = refs.get("HEAD")
        if head is None or head not in refs:
            self.problem(f"HEAD names {head!r}, which is not a branch")
        for name, value in sorted(refs.items()):
            if name == "HEAD":
                continue
            try:
                address = Address(bytes.fromhex(value))
            except ValueError:
                self.problem(f"ref {name}: holds {value[:60]!r}, not an address")
                continue
            self.check_ref_target(name, address)

    def check_ref_target(self, ref: str, address: Address) -> None:
        data = self.read(address, f"ref {ref}")
        if data is None:
            return
        kind = chunk_tag(data)
        try:
            if kind == "C":
                self.check_commit(address, ref, data)
            elif kind == "G":
                tag = Tag.decode(data, address)
                self.check_commit(tag.commit, f"tag {tag.name}")
            elif kind == "W":
                self.check_working_set(address, ref, data)
            else:
                self.problem(f"{address.hex}: ref {ref} points at a chunk that is not a commit, "
                             "tag or working set")
        except IntegrityError as exc:
            self.problem(f"{address.hex}: {exc} (referred to by ref {ref})")

    def check_working_set(self, address: Address, ref: str, data: bytes) -> None:
        ws = WorkingSet.decode(data, address)
        self.check_root(ws.working, f"working set {ref} (working)")
        self.check_root(ws.staged, f"working set {ref} (staged)")
        for key, value in (ws.merge or {}).items():
            if isinstance(value, str) and len(value) == 40 and key.endswith(("commit", "root")):
                target = Address(bytes.fromhex(value))
                if key.endswith("commit"):
                    self.check_commit(target, f"merge state of {ref}")
                else:
                    self.check_root(target, f"merge state of {ref}")

    # --- commits -------------------------------------------------------------------

    def check_commit(self, start: Address, referrer: str, data: bytes | None = None) -> None:
        """Walks the commit graph from `start` iteratively (deep histories must not recurse)."""
        stack: list[tuple[Address, str, int | None, bytes | None]] = [(start, referrer, None, data)]
        while stack:
            address, who, child_height, raw = stack.pop()
            if address in self.commit_heights:
                self._check_height(address, who, child_height, self.commit_heights[address])
                continue
            raw = raw if raw is not None else self.read(address, who)
            if raw is None:
                continue
            try:
                commit = Commit.decode(raw, address)
            except IntegrityError as exc:
                self.problem(f"{address.hex}: {exc} (referred to by {who})")
                continue
            self.commit_heights[address] = commit.height
            self.report.commits += 1
            self._check_height(address, who, child_height, commit.height)
            self.check_root(commit.root, f"commit {address.hex}")
            for parent in commit.parents:
                stack.append((parent, f"commit {address.hex}", commit.height, None))

    def _check_height(self, address: Address, who: str, child_height: int | None, height: int) -> None:
        if child_height is not None and height >= child_height:
            self.problem(f"{address.hex}: commit graph is not a DAG (parent of {who} is not older)")

    # --- roots, tables, trees ---------------------------------------------------------

    def check_root(self, address: Address, referrer: str) -> None:
        if address in self.seen:
            return
        self.seen.add(address)
        data = self.read(address, referrer)
        if data is None:
            return
        try:
            root = RootValue.decode(data, address)
        except IntegrityError as exc:
            self.problem(f"{address.hex}: {exc} (referred to by {referrer})")
            return
        for name, table in sorted(root.tables.items()):
            self.check_table(table, f"table {name} of root {address.hex}")

    def check_table(self, address: Address, referrer: str) -> None:
        if address in self.seen:
            return
        self.seen.add(address)
        data = self.read(address, referrer)
        if data is None:
            return
        try:
            value = TableValue.decode(data, address)
        except IntegrityError as exc:
            self.problem(f"{address.hex}: {exc} (referred to by {referrer})")
            return
        self.report.tables += 1
        if value.rows is not None:
            self.check_tree(value, value.rows, f"table value {address.hex}")

    def check_tree(self, value: TableValue, root: Address, referrer: str) -> None:
        """Checks nodes level by level; each entry's count and last key against its child."""
        layout = value.schema.layout
        frontier: list[tuple[Address, str, int | None, bytes | None, int | None]] = [(root, referrer, None, None, None)]
        while frontier:
            next_level = []
            leaves = [f for f in frontier if f[4] == 0]
            if self.quick and leaves:
                self._check_leaves_exist(leaves)
                frontier = [f for f in frontier if f[4] != 0]
            for address, who, count, last_key, level in frontier:
                if address in self.seen:
                    continue
                self.seen.add(address)
                data = self.read(address, who)
                if data is None:
                    continue
                try:
                    if chunk_tag(data) == "I":
                        node = decode_internal(data, address)
                        next_level += self._internal(node, address, who, count, last_key, level)
                    else:
                        batch = decode_leaf(data, layout.schema, address)
                        self._leaf(layout, batch, address, who, count, last_key)
                except IntegrityError as exc:
                    self.problem(f"{address.hex}: {exc} (referred to by {who})")
            frontier = next_level

    def _internal(self, node: InternalNode, address: Address, who: str, count: int | None,
                  last_key: bytes | None, level: int | None) -> list:
        if level is not None and node.level != level:
            self.problem(f"{address.hex}: internal node at level {node.level}, expected {level} (from {who})")
        self._expect(address, who, count, node.count, last_key, bytes(node.entries.keys[-1]))
        entries = node.entries
        return [(entries.address(i), f"node {address.hex}", int(entries.counts[i]),
                 bytes(entries.keys[i]), node.level - 1) for i in range(len(entries))]

    def _leaf(self, layout, batch, address: Address, who: str, count: int | None,
              last_key: bytes | None) -> None:
        keys = layout.keys_of(batch)
        if len(keys) > 1 and not bool(np.all(keys[1:] > keys[:-1])):
            self.problem(f"{address.hex}: leaf keys are not in strictly increasing order (from {who})")
        self._expect(address, who, count, batch.num_rows, last_key, bytes(keys[-1]))

    def _expect(self, address: Address, who: str, count: int | None, actual_count: int,
                last_key: bytes | None, actual_key: bytes) -> None:
        if count is not None and count != actual_count:
            self.problem(f"{address.hex}: holds {actual_count} rows, {who} says {count}")
        if last_key is not None and last_key != actual_key:
            self.problem(f"{address.hex}: last key differs from the one {who} records")

    def _check_leaves_exist(self, leaves: Iterable) -> None:
        leaves = [f for f in leaves if f[0] not in self.seen]
        present = self.store.has_many([f[0] for f in leaves])
        for address, who, *_ in leaves:
            self.seen.add(address)
            if address not in present:
                self.problem(f"{address.hex}: missing chunk (referred to by {who})")


def fsck(store: ChunkStore, *, quick: bool = False) -> FsckReport:
    """Checks every reachable chunk; returns the problems found (never raises on them)."""
    started = time.perf_counter()
    checker = _Checker(store, quick)
    checker.check_refs()
    checker.report.seconds = time.perf_counter() - started
    return checker.report


def reachable(store: ChunkStore) -> set[Address]:
    """Every chunk address reachable from the refs, reading leaves only by address (for gc)."""
    checker = _Checker(store, quick=True)
    checker.check_refs()
    if checker.report.problems:
        raise IntegrityError("cannot collect garbage in a damaged repository: "
                             + checker.report.problems[0])
    return checker.seen | set(checker.commit_heights) | _ref_targets(store)


def _ref_targets(store: ChunkStore) -> set[Address]:
    out = set()
    for name, value in store.list_refs("").items():
        if name != "HEAD":
            out.add(Address(bytes.fromhex(value)))
    return out
