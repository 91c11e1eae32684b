"""The storage invariants of DESIGN.md, as hypothesis properties over prolly trees."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from dl.core.prolly import splitter
from dl.core.prolly.builder import build_tree
from dl.core.prolly.diff import diff_trees
from dl.core.prolly.edit import apply_edits
from dl.core.prolly.tree import ProllyTree
from dl.core.store.counting import CountingStore
from dl.core.store.memory import MemoryStore
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tests.property.helpers import LAYOUT, as_model, keys, rows

row_values = st.tuples(st.integers(-10**6, 10**6), st.one_of(st.none(), st.text(max_size=12)))
models = st.dictionaries(st.integers(-5000, 5000), row_values, max_size=400)


def tree_of(store, model) -> ProllyTree:
    return ProllyTree(store, LAYOUT, build_tree(store, LAYOUT, rows(model)))


@pytest.mark.usefixtures("small_chunks")
@given(model=models, extra=models, seed=st.integers(0, 2**32 - 1), parts=st.integers(1, 5))
def test_history_independence(model, extra, seed, parts):
    """Bulk build, shuffled batches of upserts, and inserts-then-deletes give one root."""
    store = MemoryStore()
    bulk = tree_of(store, model)
    ids = list(model)
    np.random.default_rng(seed).shuffle(ids)
    batched = ProllyTree(store, LAYOUT, None)
    for chunk in np.array_split(np.array(ids, dtype=np.int64), parts):
        batched = apply_edits(batched, rows({int(i): model[int(i)] for i in chunk}))
    assert batched.root == bulk.root
    extra = {k: v for k, v in extra.items() if k not in model}
    detour = apply_edits(bulk, rows(extra)) if extra else bulk
    detour = apply_edits(detour, None, keys(list(extra))) if extra else detour
    assert detour.root == bulk.root


@pytest.mark.usefixtures("small_chunks")
@given(a=models, b=models)
def test_diff_applied_gives_target(a, b):
    store = MemoryStore()
    ta, tb = tree_of(store, a), tree_of(store, b)
    diff = diff_trees(ta, tb)
    upserts = pa.concat_tables([diff.added, diff.modified_to])
    removed = [r["id"] for r in diff.removed.to_pylist()]
    patched = apply_edits(ta, upserts, keys(removed) if removed else None)
    assert patched.root == tb.root
    assert as_model(diff.added) == {k: v for k, v in b.items() if k not in a}
    assert as_model(diff.removed) == {k: v for k, v in a.items() if k not in b}
    assert as_model(diff.modified_to) == {k: v for k, v in b.items() if k in a and a[k] != v}


@pytest.mark.usefixtures("small_chunks")
@given(a=models)
def test_self_diff_reads_nothing(a):
    counting = CountingStore(MemoryStore())
    tree = tree_of(counting, a)
    counting.reset()
    assert diff_trees(tree, tree).is_empty
    assert counting.reads == 0


class TreeVersusDict(RuleBasedStateMachine):
    """Every sequence of upserts and deletes matches a dict, and the root of its bulk build."""

    def __init__(self) -> None:
        super().__init__()
        self._saved = (splitter.LEAF_POLICY, splitter.INTERNAL_POLICY)
        splitter.LEAF_POLICY = splitter.ChunkPolicy(target=256, min_size=64, max_size=1024)
        splitter.INTERNAL_POLICY = splitter.ChunkPolicy(target=192, min_size=64, max_size=768)
        self.store = MemoryStore()
        self.model: dict[int, tuple[int, str | None]] = {}
        self.tree = ProllyTree(self.store, LAYOUT, None)

    @rule(batch=st.dictionaries(st.integers(-3000, 3000), row_values, max_size=120))
    def upsert(self, batch):
        self.tree = apply_edits(self.tree, rows(batch))
        self.model.update(batch)

    @rule(ids=st.lists(st.integers(-3000, 3000), max_size=120, unique=True))
    def delete(self, ids):
        if ids:
            self.tree = apply_edits(self.tree, None, keys(ids))
        for i in ids:
            self.model.pop(i, None)

    @rule(batch=st.dictionaries(st.integers(-3000, 3000), row_values, max_size=120),
          data=st.data())
    def upsert_and_delete(self, batch, data):
        """One edit that upserts some keys and deletes others (existing or not) at once."""
        pool = sorted((set(self.model) | set(range(-3000, 3001, 97))) - set(batch))
        ids = data.draw(st.lists(st.sampled_from(pool), max_size=60, unique=True)) if pool else []
        self.tree = apply_edits(self.tree, rows(batch) if batch else None,
                                keys(ids) if ids else None)
        self.model.update(batch)
        for i in ids:
            self.model.pop(i, None)

    @rule(data=st.data())
    def delete_existing(self, data):
        if self.model:
            ids = data.draw(st.lists(st.sampled_from(sorted(self.model)), max_size=50, unique=True))
            if ids:
                self.tree = apply_edits(self.tree, None, keys(ids))
                for i in ids:
                    del self.model[i]

    def teardown(self) -> None:
        splitter.LEAF_POLICY, splitter.INTERNAL_POLICY = self._saved

    @invariant()
    def matches_model(self):
        assert as_model(self.tree.scan()) == self.model
        assert self.tree.count() == len(self.model)
        assert self.tree.root == build_tree(self.store, LAYOUT, rows(self.model))


TreeVersusDict.TestCase.settings = settings(max_examples=25, stateful_step_count=12, deadline=None)
test_tree_versus_dict = TreeVersusDict.TestCase
