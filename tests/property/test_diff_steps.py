"""A diff read in steps (for output that streams) is the whole diff, cut in key order."""
from __future__ import annotations

import pyarrow as pa
import pytest
from dl.core.prolly.builder import build_tree
from dl.core.prolly.diff import diff_trees, iter_diff
from dl.core.prolly.tree import NODE_CACHE, ProllyTree
from dl.core.store.counting import CountingStore
from dl.core.store.memory import MemoryStore
from hypothesis import given
from hypothesis import strategies as st

from tests.property.helpers import LAYOUT, keys, rows

row_values = st.tuples(st.integers(-10**6, 10**6), st.one_of(st.none(), st.text(max_size=12)))
models = st.dictionaries(st.integers(-5000, 5000), row_values, max_size=400)
PARTS = ("added", "removed", "modified_from", "modified_to")


def tree_of(store, model) -> ProllyTree:
    return ProllyTree(store, LAYOUT, build_tree(store, LAYOUT, rows(model)))


@pytest.mark.usefixtures("small_chunks")
@given(a=models, b=models, step=st.integers(1, 4))
def test_steps_concatenate_to_the_whole_diff_in_key_order(a, b, step):
    store = MemoryStore()
    ta, tb = tree_of(store, a), tree_of(store, b)
    whole = diff_trees(ta, tb)
    steps = list(iter_diff(ta, tb, window=step))
    for part in PARTS:
        pieces = [getattr(s, part) for s in steps]
        got = pa.concat_tables(pieces) if pieces else getattr(whole, part).slice(0, 0)
        assert got.to_pylist() == getattr(whole, part).to_pylist(), part
    firsts = [keys([min(r["id"] for p in PARTS for r in getattr(s, p).to_pylist())])[0]
              for s in steps if len(s)]
    assert firsts == sorted(firsts)  # each step's keys come after the previous step's


@pytest.mark.usefixtures("small_chunks")
def test_the_first_step_reads_a_few_leaves_not_the_whole_change() -> None:
    store = MemoryStore()
    ta = tree_of(store, {i: (i, "x") for i in range(3000)})
    tb = tree_of(store, {i: (i + 1, "x") for i in range(3000)})  # every row changed

    def reads(run) -> int:
        NODE_CACHE.clear()
        counting = CountingStore(store)
        run(ProllyTree(counting, LAYOUT, ta.root), ProllyTree(counting, LAYOUT, tb.root))
        return counting.reads
    whole = reads(diff_trees)
    first = reads(lambda a, b: next(iter_diff(a, b, window=2)))
    assert first * 4 < whole, (first, whole)  # the internal nodes above the changed leaves, and two leaves
    assert 0 < len(next(iter_diff(ta, tb, window=2))) < 3000 / 5
