"""A stateful model test: hypothesis drives the Python API (write, commit, branch, checkout,
reset --hard, merge of disjoint changes, gc) beside a plain model of branches, commits and
snapshots (dicts). After every step the current branch, every branch's log, and every table
of every branch's HEAD and working set match the model, and fsck is clean."""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
from dl.core.hashing import Address
from dl.core.maintenance.fsck import fsck
from dl.core.maintenance.gc import collect_garbage
from dl.core.repo import Author, Repository
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table
from dl.core.versioning.merge_commits import MergeKind, merge
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

ME = Author("Model", "model@example.com")
SCHEMA = TableSchema((Column("id", pa.int64()), Column("v", pa.int64())), ("id",))
TABLES = ("t1", "t2")
BRANCHES = ("main", "b1", "b2", "b3")
Snapshot = dict[str, dict[int, int]]


@dataclass(frozen=True)
class ModelCommit:
    snapshot: tuple[tuple[str, tuple[tuple[int, int], ...]], ...]
    parents: tuple[Address, ...]

    def tables(self) -> Snapshot:
        return {name: dict(rows) for name, rows in self.snapshot}


def frozen(snapshot: Snapshot) -> tuple[tuple[str, tuple[tuple[int, int], ...]], ...]:
    return tuple(sorted((name, tuple(sorted(rows.items()))) for name, rows in snapshot.items()))


class RepositoryModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="dl-model-"))
        self.repo = Repository.init(self.dir, author=ME)
        for name in TABLES:
            self.repo.write_table(name, lambda cur, buf: Table.empty(buf, SCHEMA))
        head = self.repo.commit("tables", include_new=True, author=ME)
        init = self.repo.load_commit(head).parents[0]
        self.commits = {init: ModelCommit(frozen({}), ()),
                        head: ModelCommit(frozen({n: {} for n in TABLES}), (init,))}
        self.heads = {"main": head}
        self.working: dict[str, Snapshot] = {"main": {n: {} for n in TABLES}}
        self.current = "main"
        self.serial = 0

    def teardown(self) -> None:
        self.repo.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- the model's own graph ---------------------------------------------------------

    def ancestors(self, start: Address) -> set[Address]:
        seen, stack = set(), [start]
        while stack:
            c = stack.pop()
            if c not in seen:
                seen.add(c)
                stack += self.commits[c].parents
        return seen

    def clean(self) -> bool:
        return self.working[self.current] == self.commits[self.heads[self.current]].tables()

    def message(self, what: str) -> str:
        self.serial += 1
        return f"{what} #{self.serial}"

    # --- rules -------------------------------------------------------------------------

    @initialize()
    def two_branches(self) -> None:
        """b1 and b2 exist from the start, so that merges have something to merge."""
        for name in ("b1", "b2"):
            self.repo.create_branch(name)
            self.heads[name] = self.heads["main"]
            self.working[name] = self.commits[self.heads[name]].tables()

    @rule(table=st.sampled_from(TABLES),
          upserts=st.dictionaries(st.integers(0, 40), st.integers(-5, 5), max_size=6),
          deletes=st.sets(st.integers(0, 40), max_size=4))
    def write(self, table: str, upserts: dict[int, int], deletes: set[int]) -> None:
        deletes = deletes - upserts.keys()
        rows = pa.table({"id": pa.array(list(upserts), pa.int64()), "v": pa.array(list(upserts.values()), pa.int64())})
        gone = pa.table({"id": pa.array(sorted(deletes), pa.int64())})
        self.repo.write_table(table, lambda cur, buf: (cur or Table.empty(buf, SCHEMA)).apply(rows, gone))
        state = self.working[self.current][table]
        state.update(upserts)
        for key in deletes:
            state.pop(key, None)

    @rule()
    def commit(self) -> None:
        address = self.repo.commit(self.message("commit"), stage_all=True, allow_empty=True, author=ME)
        self.commits[address] = ModelCommit(frozen(self.working[self.current]), (self.heads[self.current],))
        self.heads[self.current] = address

    @precondition(lambda self: len(self.heads) < len(BRANCHES))
    @rule(data=st.data())
    def branch(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(set(BRANCHES) - set(self.heads))))
        self.repo.create_branch(name)
        self.heads[name] = self.heads[self.current]
        self.working[name] = self.commits[self.heads[name]].tables()

    @rule(table=st.sampled_from(TABLES),
          upserts=st.dictionaries(st.integers(0, 40), st.integers(-5, 5), min_size=1, max_size=4))
    def write_and_commit(self, table: str, upserts: dict[int, int]) -> None:
        """A commit of keys of the branch's own range (so merges of branches are mostly disjoint)."""
        own = 100 * (1 + BRANCHES.index(self.current))
        self.write(table, {own + k: v for k, v in upserts.items()}, set())
        self.commit()

    @precondition(lambda self: self.clean() and len(self.heads) > 1)
    @rule(data=st.data())
    def checkout(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.heads)))
        self.repo.checkout(name)
        self.current = name

    @rule(steps=st.integers(0, 2))
    def reset_hard(self, steps: int) -> None:
        target = self.heads[self.current]
        for _ in range(steps):
            parents = self.commits[target].parents
            if len(self.commits[parents[0]].parents) == 0 if parents else True:
                return  # never reset onto the initial commit (it has no tables)
            target = parents[0]
        self.repo.reset(f"HEAD~{steps}", hard=True)
        self.heads[self.current] = target
        self.working[self.current] = self.commits[target].tables()

    @precondition(lambda self: self.clean() and len(self.heads) > 1)
    @rule(data=st.data())
    def merge_disjoint(self, data: st.DataObject) -> None:
        other = data.draw(st.sampled_from(sorted(set(self.heads) - {self.current})))
        ours, theirs = self.heads[self.current], self.heads[other]
        common = self.ancestors(ours) & self.ancestors(theirs)
        best = [c for c in common if not any(c != d and c in self.ancestors(d) for d in common)]
        if len(best) != 1:
            event("merge: several bases, skipped")
            return  # criss-cross histories: not this model's business
        base = best[0]
        if base == theirs:
            assert merge(self.repo, other, author=ME).kind is MergeKind.UP_TO_DATE
            event("merge: up to date")
            return
        if base == ours:
            assert merge(self.repo, other, author=ME).kind is MergeKind.FAST_FORWARD
            event("merge: fast-forward")
            self.heads[self.current] = theirs
            self.working[self.current] = self.commits[theirs].tables()
            return
        merged = three_way(self.commits[base].tables(), self.commits[ours].tables(),
                           self.commits[theirs].tables())
        if merged is None:
            event("merge: conflicting, skipped")
            return  # both sides changed a key differently: a conflict, not a disjoint merge
        result = merge(self.repo, other, message=self.message("merge"), author=ME)
        assert result.kind is MergeKind.MERGED and result.commit is not None, result
        event("merge: three-way")
        self.commits[result.commit] = ModelCommit(frozen(merged), (ours, theirs))
        self.heads[self.current] = result.commit
        self.working[self.current] = merged

    @precondition(lambda self: self.clean())
    @rule(data=st.data(), table=st.sampled_from(TABLES),
          upserts=st.dictionaries(st.integers(0, 15), st.integers(-5, 5), min_size=1, max_size=3))
    def work_on_another_branch(self, data: st.DataObject, table: str, upserts: dict[int, int]) -> None:
        self.checkout(data)
        self.write_and_commit(table, upserts)

    @precondition(lambda self: self.clean() and len(self.heads) > 1)
    @rule(data=st.data())
    def merge_back(self, data: st.DataObject) -> None:  # a second rule: merges twice as often
        self.merge_disjoint(data)

    @rule()
    def gc(self) -> None:
        collect_garbage(self.repo.store)

    # --- what must hold after every step -------------------------------------------------

    @invariant()
    def matches_the_model(self) -> None:
        repo = self.repo
        assert repo.current_branch() == self.current
        assert set(repo.branches()) == set(self.heads)
        for name, head in self.heads.items():
            assert repo.branch_head(name) == head
            assert {a for a, _ in repo.log(name)} == self.ancestors(head)
            assert read_root(repo, repo.load_commit(head).root) == self.commits[head].tables()
            assert read_root(repo, repo.working_set(name)[1].working) == self.working[name]
        assert fsck(repo.store).ok


def three_way(base: Snapshot, ours: Snapshot, theirs: Snapshot) -> Snapshot | None:
    """The merge of two snapshots' changes since `base`, or None if a key conflicts."""
    out: Snapshot = {}
    for name in TABLES:
        b, o, t = base.get(name, {}), ours.get(name, {}), theirs.get(name, {})
        merged = dict(o)
        for key in set(b) | set(o) | set(t):
            mine, yours, was = o.get(key), t.get(key), b.get(key)
            if yours == was or yours == mine:
                continue
            if mine != was:
                return None
            if yours is None:
                merged.pop(key, None)
            else:
                merged[key] = yours
        out[name] = merged
    return out


def read_root(repo: Repository, address: Address) -> Snapshot:
    root = repo.load_root(address)
    out = {}
    for name in root.tables:
        rows = repo.table_in(root, name).scan()
        out[name] = dict(zip(rows.column("id").to_pylist(), rows.column("v").to_pylist()))
    return out


RepositoryModel.TestCase.settings = settings(max_examples=20, stateful_step_count=30, deadline=None)
test_repository_matches_the_model = RepositoryModel.TestCase
assert np  # numpy is imported for pyarrow's conversions
