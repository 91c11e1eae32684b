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


@pytest.fixture(autouse=True)
def no_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests read dl's output as a script that opted out of colour does (`dl log` colours its
    commit lines even into a pipe, as Dolt's does); a test of colour unsets NO_COLOR."""
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny target sizes: a few hundred rows make trees three or four levels deep."""
    monkeypatch.setattr(splitter, "LEAF_POLICY", splitter.ChunkPolicy(target=256, min_size=64, max_size=1024))
    monkeypatch.setattr(splitter, "INTERNAL_POLICY", splitter.ChunkPolicy(target=192, min_size=64, max_size=768))
    NODE_CACHE.clear()
    yield
    NODE_CACHE.clear()


@pytest.fixture(scope="session")
def s3_server():  # type: ignore[no-untyped-def]
    """moto's S3 server on 127.0.0.1 (a free port), for the whole session; stopped after."""
    import s3_server as s3
    server = s3.start()
    yield server
    s3.stop(server)


@pytest.fixture
def s3_env(s3_server, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Test credentials and the server's endpoint in the environment, as a user would set them."""
    import s3_server as s3
    for key, value in s3.CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server.endpoint)
    return s3_server
