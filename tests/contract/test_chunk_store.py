"""One contract, every chunk store: SQLite, memory, and the write buffer over memory."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import MissingChunk
from core.hashing import address_of
from core.store.base import RefUpdate
from core.store.buffered import BufferedStore
from core.store.memory import MemoryStore
from core.store.sqlite import SqliteStore


def make_sqlite(tmp_path_factory):
    return SqliteStore(tmp_path_factory.mktemp("s") / "store.db", create=True)


STORES = {
    "sqlite": make_sqlite,
    "memory": lambda _: MemoryStore(),
    "buffered": lambda _: BufferedStore(MemoryStore()),
}


@pytest.fixture(params=sorted(STORES))
def store(request, tmp_path_factory):
    made = STORES[request.param](tmp_path_factory)
    yield made
    made.close()


def chunk(text: str, size: int = 0) -> tuple:
    data = (text * (size // max(len(text), 1) + 1)).encode()[:max(size, len(text))] if size else text.encode()
    return address_of(data), data


def test_put_get_round_trip(store):
    pairs = dict([chunk("a"), chunk("bb"), chunk("big", 5000)])
    assert store.put_many(pairs) == 3
    assert store.put_many(pairs) == 0
    for address, data in pairs.items():
        assert store.get(address) == data
    assert store.get_many(list(pairs)) == pairs
    assert store.has_many(list(pairs) + [chunk("absent")[0]]) == set(pairs)


def test_missing_chunk_is_named(store):
    address, _ = chunk("nowhere")
    with pytest.raises(MissingChunk, match=address.hex):
        store.get(address)
    with pytest.raises(MissingChunk):
        store.get_many([address])


def test_refs_compare_and_swap(store):
    assert store.set_ref_if("refs/heads/main", "v1", None)
    assert not store.set_ref_if("refs/heads/main", "v2", None)
    assert not store.set_ref_if("refs/heads/main", "v2", "wrong")
    assert store.set_ref_if("refs/heads/main", "v2", "v1")
    assert store.get_ref("refs/heads/main") == "v2"
    assert store.set_ref_if("refs/tags/x", "t", None)
    assert store.list_refs("refs/heads/") == {"refs/heads/main": "v2"}
    assert store.set_ref_if("refs/tags/x", None, "t")
    assert store.get_ref("refs/tags/x") is None


def test_commit_is_all_or_nothing(store):
    store.set_ref_if("a", "1", None)
    address, data = chunk("payload")
    ok = store.commit({address: data}, [RefUpdate("b", "x", None), RefUpdate("a", "2", "wrong")])
    assert not ok
    assert store.get_ref("b") is None and store.get_ref("a") == "1"
    if isinstance(store, BufferedStore):
        store.discard()
    assert store.has_many([address]) == set()
    assert store.commit({address: data}, [RefUpdate("b", "x", None), RefUpdate("a", "2", "1")])
    assert store.get(address) == data and store.get_ref("a") == "2"


@given(ops=st.lists(st.tuples(st.sampled_from(["r1", "r2", "r3"]), st.sampled_from([None, "x", "y"]),
                              st.sampled_from([None, "x", "y"])), max_size=30))
def test_cas_sequences_match_a_dict(ops):
    store = MemoryStore()
    model: dict[str, str] = {}
    for name, new, expected in ops:
        ok = store.set_ref_if(name, new, expected)
        assert ok == (model.get(name) == expected)
        if ok:
            if new is None:
                model.pop(name, None)
            else:
                model[name] = new
    assert store.list_refs() == model
