"""The splitter tests the window a block of items at a time (`splitter.block_items`): the block
size is speed only, the boundaries never depend on it."""
from __future__ import annotations

import numpy as np
import pytest
from dl.core.prolly import splitter
from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 3000), low=st.integers(1, 300), spread=st.integers(0, 300), seed=st.integers(0, 2**32 - 1),
       leaf=st.booleans())
def test_boundaries_do_not_depend_on_the_block_size(n: int, low: int, spread: int, seed: int, leaf: bool) -> None:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(low, low + spread + 1, n).astype(np.int64)
    hashes = rng.integers(0, 2**64 - 1, n, dtype=np.uint64)
    policy = splitter.LEAF_POLICY if leaf else splitter.INTERNAL_POLICY
    expected = splitter.split_points(sizes, hashes, policy)
    for block in (1, 5, 64, 10_000):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(splitter, "block_items", lambda *args, block=block: block)
            assert splitter.split_points(sizes, hashes, policy) == expected


def test_the_block_follows_the_mean_item_size() -> None:
    policy = splitter.ChunkPolicy(target=16384, min_size=2048, max_size=65536)
    assert splitter.block_items(policy, 1000, 40_000) == int(1.25 * 14336 / 40)
    assert splitter.block_items(policy, 1000, 8_000) == int(1.25 * 14336 / 8)
    assert splitter.block_items(policy, 10, 100_000) == splitter.MIN_BLOCK
    assert splitter.block_items(policy, 0, 0) > 0
