"""`dl fsck`: checks that everything reachable from the refs is present and sound.

Walks every ref (HEAD, branches, tags, working sets with their merge state, stashes) down
through commits, root values, table values and tree nodes, each chunk once. Checks that each
chunk exists and hashes to its address (re-hashed here unless the store verifies every read,
as the SQLite store does; `quick` does not read leaf bodies at all, only checks that they
exist), that every node decodes, that commits form a DAG (heights strictly decrease along
parents) whose roots and tables decode, and that each tree's levels, row counts and key order
hold: keys increase within a leaf and across siblings, and every entry's row count and last
key match its child. Problems are collected, never raised: one line each, naming the chunk,
what refers to it and what is wrong. Deep histories and trees are walked iteratively (no
recursion), each chunk at most once, so a damaged graph cannot loop or overflow the stack.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from dl.core.chunks import chunk_tag
from dl.core.errors import DlError, IntegrityError
from dl.core.hashing import Address, address_of
from dl.core.maintenance.links import merge_state_links
from dl.core.prolly.node import InternalNode, decode_internal, decode_leaf
from dl.core.store.base import ChunkStore
from dl.core.tables.table import TableValue
from dl.core.versioning.commit import Commit, Tag
from dl.core.versioning.refs import BRANCH_PREFIX, HEAD
from dl.core.versioning.root import RootValue
from dl.core.versioning.shallow import boundary, is_shallow_ref, shallow_ref
from dl.core.versioning.workingset import WorkingSet

READ_BATCH = 512  # chunks fetched per get_many while walking a tree level


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


@dataclass(frozen=True)
class _Visit:
    """A tree node to check, with what its parent says about it."""

    address: Address
    who: str
    level: int | None = None  # expected level (0 = leaf); None at a tree's root
    count: int | None = None  # rows the parent says it holds
    last_key: bytes | None = None  # its last key, per the parent
    low_key: bytes | None = None  # every key must be above this (the previous sibling's last)


def one_line(text: object) -> str:
    """A message as one line (Arrow's errors can span several)."""
    return " ".join(str(text).split())


class _Checker:
    def __init__(self, store: ChunkStore, quick: bool) -> None:
        self.store = store
        self.quick = quick
        self.rehash = not getattr(store, "verifies_reads", False)
        self.report = FsckReport()
        self.seen: set[Address] = set()
        self.commit_heights: dict[Address, int] = {}
        self.edge = boundary(store)  # a shallow clone's boundary: absent parents are expected
        # tree nodes by raw address (hashing bytes is cheaper than addresses, and a history
        # holds hundreds of thousands of entries): the ones checked, and for each its
        # (rows, first key, last key), so that a node shared by many versions is read once
        # and every further parent's claims about it are checked against these
        self.seen_nodes: set[bytes] = set()
        self.facts: dict[bytes, tuple[int, bytes, bytes]] = {}

    def problem(self, address: Address | str, who: str, what: object) -> None:
        name = address.hex if isinstance(address, Address) else address
        self.report.problems.append(one_line(f"{name}: {what} (referred to by {who})"))

    # --- reading -------------------------------------------------------------------

    def read(self, address: Address, referrer: str) -> bytes | None:
        try:
            data = self.store.get(address)
        except DlError as exc:
            self.problem(address, referrer, exc)
            return None
        return self._verified(address, referrer, data)

    def read_many(self, addresses: list[Address], referrers: list[str]) -> list[bytes | None]:
        """Chunks in one round trip; on any error, one by one, so each problem is named."""
        try:
            found = self.store.get_many(addresses)
        except DlError:
            return [self.read(a, who) for a, who in zip(addresses, referrers)]
        return [self._verified(a, who, found[a]) for a, who in zip(addresses, referrers)]

    def _verified(self, address: Address, referrer: str, data: bytes) -> bytes | None:
        if self.rehash and address_of(data) != address:
            self.problem(address, referrer, f"corrupt chunk: its bytes hash to {address_of(data).hex}")
            return None
        self.report.chunks += 1
        self.report.bytes += len(data)
        return data

    # --- refs ----------------------------------------------------------------------

    def check_refs(self) -> None:
        refs = self.store.list_refs("")
        head = refs.get(HEAD)
        if head is None or not head.startswith(BRANCH_PREFIX) or head not in refs:
            self.problem("HEAD", "the repository", f"names {head!r}, which is not a branch")
        for name, value in sorted(refs.items()):
            if name == HEAD:
                continue
            try:
                address = Address(bytes.fromhex(value))
                if len(address.raw) != 20:
                    raise ValueError(value)
            except ValueError:
                self.problem(f"ref {name}", "the refs table", f"holds {value[:60]!r}, not an address")
                continue
            if is_shallow_ref(name) and name != shallow_ref(address):
                self.problem(f"ref {name}", "the refs table", f"a shallow record holding {value}")
            self.check_ref_target(name, address)

    def check_ref_target(self, ref: str, address: Address) -> None:
        data = self.read(address, f"ref {ref}")
        if data is None:
            return
        kind = chunk_tag(data)
        try:
            if kind == "C":
                self.check_commit(address, f"ref {ref}", data)
            elif kind == "G":
                tag = Tag.decode(data, address)
                self.check_commit(tag.commit, f"tag {tag.name}")
            elif kind == "W":
                self.check_working_set(address, ref, data)
            elif kind == "S":
                self.check_stash(address, ref, data)
            else:
                self.problem(address, f"ref {ref}", "not a commit, tag, working set or stash")
        except IntegrityError as exc:
            self.problem(address, f"ref {ref}", exc)

    def check_working_set(self, address: Address, ref: str, data: bytes) -> None:
        ws = WorkingSet.decode(data, address)
        self.check_root(ws.working, f"working set {ref} (working)")
        self.check_root(ws.staged, f"working set {ref} (staged)")
        for target in merge_state_links(ws.merge, address):
            self.check_any(target, f"merge state of {ref}")

    def check_stash(self, address: Address, ref: str, data: bytes) -> None:
        from dl.core.chunks import decode_json_chunk, parse_address
        value = decode_json_chunk("S", data, address)
        self.check_commit(parse_address(value.get("head"), address), f"stash {ref} (head)")
        self.check_root(parse_address(value.get("working"), address), f"stash {ref} (working)")
        self.check_root(parse_address(value.get("staged"), address), f"stash {ref} (staged)")

    def check_any(self, address: Address, who: str) -> None:
        """A commit or a root value, whichever the chunk is."""
        if address in self.seen or address in self.commit_heights:
            return
        data = self.read(address, who)
        if data is None:
            return
        if chunk_tag(data) == "C":
            self.check_commit(address, who, data)
        else:
            self.check_root(address, who, data)

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
                self.problem(address, who, exc)
                continue
            self.commit_heights[address] = commit.height
            self.report.commits += 1
            self._check_height(address, who, child_height, commit.height)
            self.check_root(commit.root, f"commit {address.hex}")
            parents = commit.parents
            if address in self.edge:  # beyond a shallow clone's boundary: what is there is checked
                present = self.store.has_many(parents)
                parents = tuple(p for p in parents if p in present)
            for parent in parents:
                stack.append((parent, f"commit {address.hex}", commit.height, None))

    def _check_height(self, address: Address, who: str, child_height: int | None, height: int) -> None:
        if child_height is not None and height >= child_height:
            self.problem(address, who, "the commit graph is not a DAG here "
                                       f"(a parent of height {height} under a child of height {child_height})")

    # --- roots, tables, trees ---------------------------------------------------------

    def check_root(self, address: Address, referrer: str, data: bytes | None = None) -> None:
        if address in self.seen:
            return
        self.seen.add(address)
        data = data if data is not None else self.read(address, referrer)
        if data is None:
            return
        try:
            root = RootValue.decode(data, address)
        except IntegrityError as exc:
            self.problem(address, referrer, exc)
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
            self.problem(address, referrer, exc)
            return
        self.report.tables += 1
        if value.rows is not None:
            self.check_tree(value, _Visit(value.rows, f"table value {address.hex}"))
        for name, root in value.index_roots:  # every index tree, read with its own layout
            index = value.schema.index(name)
            if index is not None:
                self.check_tree(value, _Visit(root, f"index {name} of table value {address.hex}"),
                                value.schema.index_layout(index))

    def check_tree(self, value: TableValue, root: _Visit, layout=None) -> None:  # type: ignore[no-untyped-def]
        """Checks nodes level by level (bounded by the root's level: no loops); `layout`: the
        tree's, when it is not the table's row tree (an index)."""
        layout = layout or value.schema.layout
        frontier = [root]
        while frontier:
            unique = {v.address.raw: v for v in frontier if v.address.raw not in self.seen_nodes}
            self.seen_nodes.update(unique)
            frontier = list(unique.values())
            if self.quick and frontier and frontier[0].level == 0:
                self._check_leaves_exist(frontier)
                return
            following: list[_Visit] = []
            for start in range(0, len(frontier), READ_BATCH):
                part = frontier[start:start + READ_BATCH]
                for visit, data in zip(part, self.read_many([v.address for v in part], [v.who for v in part])):
                    if data is not None:
                        following += self._check_node(layout, visit, data)
            frontier = following

    def _check_node(self, layout, visit: _Visit, data: bytes) -> list[_Visit]:  # type: ignore[no-untyped-def]
        try:
            if chunk_tag(data) == "I":
                node = decode_internal(data, visit.address)
                if visit.level is not None and node.level != visit.level:
                    self.problem(visit.address, visit.who, f"internal node at level {node.level}, "
                                                           f"expected level {visit.level}")
                    return []
                return self._internal(node, visit)
            if visit.level not in (None, 0):
                self.problem(visit.address, visit.who, f"a leaf where a node of level {visit.level} belongs")
                return []
            self._leaf(layout, decode_leaf(data, layout.schema, visit.address), visit)
        except IntegrityError as exc:
            self.problem(visit.address, visit.who, exc)
        return []

    def _internal(self, node: InternalNode, visit: _Visit) -> list[_Visit]:
        entries = node.entries
        keys = [bytes(k) for k in entries.keys]
        self._expect(visit, node.count, keys[0], keys[-1])
        who = f"node {visit.address.hex}"
        packed = np.ascontiguousarray(entries.addrs, dtype="S20").tobytes()
        counts = entries.counts.tolist()
        seen, facts, level = self.seen_nodes, self.facts, node.level - 1
        out, low = [], visit.low_key
        for i, key in enumerate(keys):
            raw = packed[20 * i:20 * i + 20]
            if raw not in seen:
                out.append(_Visit(Address(raw), who, level, counts[i], key, low))
            else:  # checked already, under another parent: check this parent's claims about it
                known = facts.get(raw)
                if known and (known[0] != counts[i] or known[2] != key or (low is not None and known[1] <= low)):
                    self._expect(_Visit(Address(raw), who, level, counts[i], key, low), *known)
            low = key
        return out

    def _leaf(self, layout, batch, visit: _Visit) -> None:  # type: ignore[no-untyped-def]
        keys = layout.keys_of(batch)
        if len(keys) > 1 and not bool(np.all(keys[1:] > keys[:-1])):
            self.problem(visit.address, visit.who, "leaf keys are not in strictly increasing order")
        self._expect(visit, batch.num_rows, bytes(keys[0]), bytes(keys[-1]))

    def _expect(self, visit: _Visit, actual_count: int, first_key: bytes, last_key: bytes) -> None:
        self.facts[visit.address.raw] = (actual_count, first_key, last_key)
        if visit.count is not None and visit.count != actual_count:
            self.problem(visit.address, visit.who, f"holds {actual_count} rows, the parent says {visit.count}")
        if visit.last_key is not None and visit.last_key != last_key:
            self.problem(visit.address, visit.who, "its last key differs from the one the parent records")
        if visit.low_key is not None and first_key <= visit.low_key:
            self.problem(visit.address, visit.who, "its keys overlap the previous sibling's (key order broken)")

    def _check_leaves_exist(self, leaves: list[_Visit]) -> None:
        present = self.store.has_many([v.address for v in leaves])
        for visit in leaves:
            if visit.address not in present:
                self.problem(visit.address, visit.who, "missing chunk")


def fsck(store: ChunkStore, *, quick: bool = False) -> FsckReport:
    """Checks every reachable chunk; returns the problems found (never raises on them)."""
    started = time.perf_counter()
    checker = _Checker(store, quick)
    checker.check_refs()
    checker.report.seconds = time.perf_counter() - started
    return checker.report
