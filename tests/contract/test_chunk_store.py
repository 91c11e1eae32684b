"""One contract, every chunk store: SQLite, memory, the write buffer and the counter over memory.

Each test runs against every store; a few at the end pin what only the wrappers promise
(the buffer keeps chunks pending across a lost CAS, the counter counts).
"""
from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from dl.core.errors import MissingChunk
from dl.core.hashing import Address, address_of
from dl.core.store import (
    BufferedStore,
    ChunkStore,
    CountingStore,
    MemoryStore,
    RefUpdate,
    SqliteStore,
)
from hypothesis import given, settings
from hypothesis import strategies as st

MAKERS: dict[str, Callable[[Path], ChunkStore]] = {
    "sqlite": lambda d: SqliteStore(d / "store.db", create=True),
    "memory": lambda d: MemoryStore(),
    "buffered": lambda d: BufferedStore(MemoryStore()),
    "counting": lambda d: CountingStore(MemoryStore()),
}
THREAD_SAFE = ["sqlite", "memory"]


@pytest.fixture(params=sorted(MAKERS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ChunkStore]:
    made = MAKERS[request.param](tmp_path)
    yield made
    made.close()


def chunk(text: str, size: int = 0) -> tuple[Address, bytes]:
    data = (text * (size // len(text) + 1)).encode()[:size] if size else text.encode()
    return address_of(data), data


def chunks(*texts: str) -> dict[Address, bytes]:
    return dict(chunk(t) for t in texts)


def test_satisfies_the_protocol(store: ChunkStore) -> None:
    assert isinstance(store, ChunkStore)


def test_put_get_round_trip(store: ChunkStore) -> None:
    pairs = dict([chunk("a"), chunk("bb"), chunk("big", 5000), chunk("", 0)])
    assert store.put_many(pairs) == 4
    for address, data in pairs.items():
        got = store.get(address)
        assert got == data and isinstance(got, bytes)
    assert store.get_many(list(pairs)) == pairs


def test_put_many_counts_only_new_chunks(store: ChunkStore) -> None:
    first, second = chunks("a", "b"), chunks("b", "c", "d")
    assert store.put_many(first) == 2
    assert store.put_many(first) == 0
    assert store.put_many(second) == 2
    assert store.put_many({}) == 0
    if isinstance(store, BufferedStore):
        assert store.flush()
        assert store.put_many(second) == 0  # now held by the inner store


def test_missing_chunk_is_named(store: ChunkStore) -> None:
    present, data = chunk("here")
    store.put_many({present: data})
    address, _ = chunk("nowhere")
    with pytest.raises(MissingChunk, match=address.hex):
        store.get(address)
    with pytest.raises(MissingChunk, match=address.hex):
        store.get_many([present, address])


def test_get_many_and_has_many(store: ChunkStore) -> None:
    stored = dict(chunk(f"chunk {i}") for i in range(1200))  # more than one SQL batch
    store.put_many(stored)
    absent = [chunk(f"absent {i}")[0] for i in range(3)]
    wanted = list(stored)[::-1] + list(stored)[:5]  # reversed, with repeats
    assert store.get_many(wanted) == stored
    assert store.get_many([]) == {}
    assert store.has_many(list(stored) + absent) == set(stored)
    assert store.has_many(absent) == set() and store.has_many([]) == set()


def test_refs_compare_and_swap(store: ChunkStore) -> None:
    assert store.get_ref("refs/heads/main") is None
    assert store.set_ref_if("refs/heads/main", "v1", None)
    assert not store.set_ref_if("refs/heads/main", "v2", None)
    assert not store.set_ref_if("refs/heads/main", "v2", "wrong")
    assert store.get_ref("refs/heads/main") == "v1"
    assert store.set_ref_if("refs/heads/main", "v2", "v1")
    assert store.get_ref("refs/heads/main") == "v2"


def test_delete_ref_and_list_by_prefix(store: ChunkStore) -> None:
    for name in ["refs/heads/main", "refs/heads/dev", "refs/tags/v1", "HEAD", "refs/heads_x"]:
        assert store.set_ref_if(name, f"to {name}", None)
    assert store.list_refs("refs/heads/") == {"refs/heads/dev": "to refs/heads/dev",
                                              "refs/heads/main": "to refs/heads/main"}
    assert len(store.list_refs()) == 5 and store.list_refs("nothing/") == {}
    assert not store.set_ref_if("refs/tags/v1", None, "other")
    assert store.set_ref_if("refs/tags/v1", None, "to refs/tags/v1")
    assert store.get_ref("refs/tags/v1") is None and "refs/tags/v1" not in store.list_refs()
    assert not store.set_ref_if("refs/tags/v1", None, "to refs/tags/v1")  # already gone


def test_prefix_is_literal(store: ChunkStore) -> None:
    store.set_ref_if("a%b", "1", None)
    store.set_ref_if("axb", "2", None)
    store.set_ref_if("a_c", "3", None)
    assert store.list_refs("a%") == {"a%b": "1"}
    assert store.list_refs("a_") == {"a_c": "3"}


def test_commit_is_all_or_nothing(store: ChunkStore) -> None:
    assert store.set_ref_if("a", "1", None)
    address, data = chunk("payload")
    losing = [RefUpdate("b", "x", None), RefUpdate("a", "2", "wrong")]
    assert not store.commit({address: data}, losing)
    assert store.get_ref("b") is None and store.get_ref("a") == "1"
    assert store.has_many([address]) == set()
    with pytest.raises(MissingChunk):
        store.get(address)
    assert store.commit({address: data}, [RefUpdate("b", "x", None), RefUpdate("a", "2", "1")])
    assert store.get(address) == data
    assert store.list_refs() == {"a": "2", "b": "x"}


def test_commit_without_updates_stores_chunks(store: ChunkStore) -> None:
    pairs = chunks("p", "q")
    assert store.commit(pairs, [])
    assert store.get_many(list(pairs)) == pairs


@pytest.mark.parametrize("kind", THREAD_SAFE)
def test_threads_never_lose_an_increment(kind: str, tmp_path: Path) -> None:
    store = MAKERS[kind](tmp_path)
    store.set_ref_if("counter", "0", None)
    wins = [0] * 4

    def work(i: int) -> None:
        for _ in range(50):
            current = store.get_ref("counter")
            assert current is not None
            if store.set_ref_if("counter", str(int(current) + 1), current):
                wins[i] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert int(store.get_ref("counter") or "") == sum(wins) > 0
    store.close()


# --- a property: any sequence of operations behaves like two dicts ---------------------

BLOBS = st.one_of(
    st.binary(max_size=40),
    st.builds(lambda unit, n: unit * n, st.binary(min_size=1, max_size=6), st.integers(200, 900)),
    st.binary(min_size=1024, max_size=2000),
)
NAMES = st.sampled_from(["main", "dev", "tag"])
VALUES = st.sampled_from([None, "x", "y"])
UPDATES = st.lists(st.builds(RefUpdate, NAMES, VALUES, VALUES), max_size=3)
OPS = st.lists(st.one_of(
    st.tuples(st.just("put"), st.lists(st.integers(0, 7), max_size=5)),
    st.tuples(st.just("commit"), st.lists(st.integers(0, 7), max_size=5), UPDATES),
    st.tuples(st.just("cas"), st.builds(RefUpdate, NAMES, VALUES, VALUES)),
), max_size=12)


class Model:
    """What a store must look like: a dict of chunks and a dict of refs."""

    def __init__(self) -> None:
        self.chunks: dict[Address, bytes] = {}
        self.refs: dict[str, str] = {}

    def put(self, batch: dict[Address, bytes]) -> int:
        new = len(set(batch) - set(self.chunks))
        self.chunks.update(batch)
        return new

    def commit(self, batch: dict[Address, bytes], updates: list[RefUpdate]) -> bool:
        if any(self.refs.get(u.name) != u.expected for u in updates):
            return False
        self.put(batch)
        for u in updates:
            if u.new is None:
                self.refs.pop(u.name, None)
            else:
                self.refs[u.name] = u.new
        return True


def run_ops(store: ChunkStore, pool: list[bytes], ops: list[tuple]) -> None:  # type: ignore[type-arg]
    model = Model()
    for op in ops:
        picked = [pool[i % len(pool)] for i in op[1]] if op[0] != "cas" else []
        batch = {address_of(data): data for data in picked}
        if op[0] == "put":
            assert store.put_many(batch) == model.put(batch)
        elif op[0] == "commit":
            assert store.commit(batch, op[2]) == model.commit(batch, op[2])
        else:
            u = op[1]
            assert store.set_ref_if(u.name, u.new, u.expected) == model.commit({}, [u])
        assert store.list_refs() == model.refs
    assert store.get_many(list(model.chunks)) == model.chunks
    others = {address_of(b) for b in pool} - set(model.chunks)
    assert store.has_many(list(model.chunks) + list(others)) == set(model.chunks)


@pytest.mark.parametrize("kind", sorted(MAKERS))
@settings(max_examples=30)
@given(pool=st.lists(BLOBS, min_size=1, max_size=8), ops=OPS)
def test_operations_match_a_dict_model(kind: str, pool: list[bytes], ops: list[tuple]) -> None:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as directory:
        store = MAKERS[kind](Path(directory))
        try:
            run_ops(store, pool, ops)
        finally:
            store.close()


# --- what only the wrappers promise ------------------------------------------------------


def test_buffer_holds_chunks_until_flush_and_keeps_them_after_a_lost_cas() -> None:
    inner = MemoryStore()
    buffer = BufferedStore(inner)
    pairs = chunks("one", "two")
    buffer.put_many(pairs)
    assert buffer.get_many(list(pairs)) == pairs and inner.has_many(list(pairs)) == set()
    inner.set_ref_if("main", "theirs", None)
    assert not buffer.flush([RefUpdate("main", "mine", None)])
    assert inner.has_many(list(pairs)) == set() and buffer.has_many(list(pairs)) == set(pairs)
    assert buffer.flush([RefUpdate("main", "mine", "theirs")])  # retry with fresh updates
    assert inner.get_many(list(pairs)) == pairs and inner.get_ref("main") == "mine"
    assert buffer.pending == {}


def test_buffer_discard_drops_pending_chunks() -> None:
    inner = MemoryStore()
    buffer = BufferedStore(inner)
    pairs = chunks("gone")
    buffer.put_many(pairs)
    buffer.discard()
    assert buffer.has_many(list(pairs)) == set()
    assert buffer.flush([RefUpdate("main", "v", None)])
    assert inner.stats().chunk_count == 0 and inner.get_ref("main") == "v"


def test_buffer_reads_pass_through_to_the_inner_store() -> None:
    inner = MemoryStore()
    old = chunks("old")
    inner.put_many(old)
    inner.set_ref_if("main", "v", None)
    buffer = BufferedStore(inner)
    new = chunks("new")
    buffer.put_many(new)
    assert buffer.get_many(list(old) + list(new)) == {**old, **new}
    assert buffer.get_ref("main") == "v" and buffer.list_refs() == {"main": "v"}


def test_counting_store_counts_chunks_read_and_written() -> None:
    counting = CountingStore(MemoryStore())
    pairs = chunks("a", "b", "c")
    counting.put_many(pairs)
    counting.commit(chunks("d"), [])
    assert counting.writes == 4 and counting.reads == 0
    counting.get_many(list(pairs))
    counting.get(next(iter(pairs)))
    assert counting.reads == 4
    with pytest.raises(MissingChunk):
        counting.get(chunk("absent")[0])
    assert counting.reads == 4
    counting.reset()
    assert counting.reads == counting.writes == 0


def test_memory_store_counts_reads_and_new_writes() -> None:
    store = MemoryStore()
    pairs = chunks("a", "b")
    store.put_many(pairs)
    store.put_many(pairs)
    store.get_many(list(pairs))
    assert store.writes == 2 and store.reads == 2
