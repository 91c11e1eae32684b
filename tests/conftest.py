"""Shared fixtures: small chunk sizes so small trees have several levels, and stores."""
from __future__ import annotations

import os

import pytest
from dl.core.prolly import splitter
from dl.core.prolly.tree import NODE_CACHE
from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=40,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=40,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny target sizes: a few hundred rows make trees three or four levels deep."""
    monkeypatch.setattr(splitter, "LEAF_POLICY", splitter.ChunkPolicy(target=256, min_size=64, max_size=1024))
    monkeypatch.setattr(splitter, "INTERNAL_POLICY", splitter.ChunkPolicy(target=192, min_size=64, max_size=768))
    NODE_CACHE.clear()
    yield
    NODE_CACHE.clear()
