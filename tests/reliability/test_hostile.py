"""Hostile input: random and mutated bytes fed to every decoder only ever raise the project's
`IntegrityError` family, and what a decoder accepts is safe to use; commit-graph cycles,
absurd declared sizes and deeply nested trees end with a clear error, never a hang or a
`RecursionError`."""
from __future__ import annotations

import struct
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pytest
from dl.core.chunks import encode_json_chunk
from dl.core.errors import IntegrityError
from dl.core.hashing import Address, address_of
from dl.core.maintenance.fsck import fsck
from dl.core.maintenance.links import link_bytes, links
from dl.core.prolly.node import Entries, decode_internal, decode_leaf, encode_internal, encode_leaf
from dl.core.prolly.tree import NODE_CACHE, ProllyTree
from dl.core.repo import Repository
from dl.core.store.memory import MemoryStore
from dl.core.store.sqlite import RAW, SHUFFLED, decode_body, encode_body
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import TableValue
from dl.core.versioning.commit import Commit, Tag, merge_bases, walk_history
from dl.core.versioning.refs import HEAD, branch_ref, working_set_ref
from dl.core.versioning.root import RootValue
from dl.core.versioning.stash import Stash
from dl.core.versioning.workingset import WorkingSet
from hypothesis import given, settings
from hypothesis import strategies as st

A1, A2, A3 = (address_of(bytes([i])) for i in range(3))
SCHEMA = TableSchema((Column("id", pa.int64()), Column("s", pa.string()), Column("x", pa.float64())), ("id",))
BATCH = pa.record_batch({"id": pa.array([1, 2, 3], pa.int64()), "s": pa.array(["a", None, "ccc"]),
                         "x": pa.array([0.5, 1.5, None])}, schema=SCHEMA.arrow)
VALID = {
    "commit": Commit(A1, (A2, A3), "a", "a@x", 1.5, "m", 3).encode(),
    "tag": Tag("v1", A1, "msg", "t", "t@x", 2.0).encode(),
    "root": RootValue({"t": A1, "u": A2}).encode(),
    "table": TableValue(SCHEMA, A1).encode(),
    "working set": WorkingSet(A1, A2, {"their_commit": A3.hex, "conflicts_root": A1.hex,
                                       "conflicts": ["t"], "kind": "merge"}).encode(),
    "stash": Stash("main", A1, A2, A3, "wip", 3.0).encode(),
    "internal": encode_internal(1, Entries.of([b"a", b"b"], [A1, A2], [3, 4])),
    "leaf": encode_leaf(BATCH),
}


def _leaf(data: bytes) -> object:
    batch = decode_leaf(data, SCHEMA.arrow)
    return batch.to_pylist()  # what it accepts must be safe to read


DECODERS: dict[str, Callable[[bytes], object]] = {
    "commit": Commit.decode, "tag": Tag.decode, "root": RootValue.decode, "table": TableValue.decode,
    "working set": WorkingSet.decode, "stash": Stash.decode, "internal": decode_internal,
    "leaf": _leaf, "links": links, "link bytes": link_bytes,
}


def only_integrity_errors(decode: Callable[[bytes], object], data: bytes) -> None:
    try:
        decode(data)
    except IntegrityError:
        pass


def mutated(valid: bytes) -> st.SearchStrategy[bytes]:
    """`valid` with a few bytes flipped, inserted, deleted, or the tail cut off."""
    def mutate(draw_ops: list[tuple[int, int, int]]) -> bytes:
        data = bytearray(valid)
        for kind, where, value in draw_ops:
            at = where % (len(data) + 1)
            if kind == 0 and data:
                data[at % len(data)] ^= value or 1
            elif kind == 1:
                data.insert(at, value)
            elif kind == 2 and data:
                del data[at % len(data)]
            else:
                del data[at:]
        return bytes(data)
    ops = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1 << 16), st.integers(0, 255)),
                   min_size=1, max_size=6)
    return ops.map(mutate)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(1 << 70), 1 << 70) | st.floats(allow_nan=False)
    | st.text(max_size=45) | st.sampled_from([A1.hex, "zz" * 20, "", "0" * 39]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12)
FIELDS = ["root", "parents", "author", "email", "timestamp", "message", "height", "name", "commit",
          "tagger", "tables", "extra", "schema", "rows", "working", "staged", "merge", "branch",
          "head", "their_commit", "conflicts_root", "conflicts", "arrow", "not_null", "defaults",
          "primary_key"]


def json_chunk(tag: str) -> st.SearchStrategy[bytes]:
    """A well-formed header over hostile JSON: the right field names with any values."""
    objects = st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=8)
    return objects.map(lambda value: encode_json_chunk(tag, value))


TAGS = {"commit": "C", "tag": "G", "root": "R", "table": "T", "working set": "W", "stash": "S"}
NAMES = sorted(DECODERS)
hostile = settings(max_examples=150)


@pytest.mark.parametrize("name", NAMES)
@hostile
@given(data=st.binary(max_size=300))
def test_random_bytes_only_raise_integrity_errors(name: str, data: bytes) -> None:
    only_integrity_errors(DECODERS[name], data)


@pytest.mark.parametrize("name", NAMES)
@hostile
@given(data=st.data())
def test_mutated_chunks_only_raise_integrity_errors(name: str, data: st.DataObject) -> None:
    valid = VALID["internal" if name in ("links", "link bytes") else name]
    only_integrity_errors(DECODERS[name], data.draw(mutated(valid)))


@pytest.mark.parametrize("name", sorted(TAGS))
@hostile
@given(data=st.data())
def test_hostile_json_fields_only_raise_integrity_errors(name: str, data: st.DataObject) -> None:
    chunk = data.draw(json_chunk(TAGS[name]))
    only_integrity_errors(DECODERS[name], chunk)
    only_integrity_errors(links, chunk)


@hostile
@given(codec=st.integers(-1, 4), size=st.integers(-10, 1 << 62), body=st.binary(max_size=200))
def test_stored_rows_with_any_codec_size_and_body_only_raise_integrity_errors(
        codec: int, size: int, body: bytes) -> None:
    address = address_of(body)
    try:
        assert decode_body(address, codec, size, body) == body
    except IntegrityError:
        pass


def test_valid_chunks_decode() -> None:  # the fuzzing above starts from chunks that are good
    for name, data in VALID.items():
        DECODERS[name](data)
    assert links(VALID["working set"]) == [A1, A2, A1, A3]


# --- absurd sizes, deep nesting ------------------------------------------------------------


def test_absurd_declared_sizes_are_integrity_errors() -> None:
    huge_internal = struct.pack("<BBBxI", ord("I"), 1, 1, 0xFFFFFFFF) + A1.raw
    with pytest.raises(IntegrityError):
        decode_internal(huge_internal)
    with pytest.raises(IntegrityError):
        links(huge_internal)
    codec, packed = encode_body(b"x" * 5000)
    assert codec == SHUFFLED
    with pytest.raises(IntegrityError, match="implausible size"):
        decode_body(address_of(b"x" * 5000), codec, 1 << 40, packed)
    with pytest.raises(IntegrityError):
        decode_body(address_of(b"x" * 5000), codec, 10, packed)  # declared too small
    with pytest.raises(IntegrityError):
        decode_body(address_of(b"abc"), RAW, 3, b"abd")


def test_deeply_nested_json_and_trees_are_integrity_errors() -> None:
    deep = b"C" + bytes([1]) + b"\0" * 6 + b'{"parents":' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    with pytest.raises(IntegrityError):
        Commit.decode(deep)
    with pytest.raises(IntegrityError):
        decode_internal(struct.pack("<BBBxI", ord("I"), 1, 40, 1) + A1.raw + b"\0" * 16)


def _forge(store: MemoryStore, address: Address, data: bytes) -> None:
    """Stores `data` under an address that is not its hash (only a hostile store could)."""
    store._chunks[address] = data


def test_a_tree_that_loops_or_mixes_levels_is_an_integrity_error() -> None:
    store = MemoryStore()
    loop = Address(b"\x01" * 20)
    _forge(store, loop, encode_internal(1, Entries.of([b"k"], [loop], [1])))  # its own child
    tree = ProllyTree(store, SCHEMA.layout, loop)
    for read in (tree.leaf_addresses, tree.scan, lambda: tree.get_many(np.array([b"k"], dtype="S")),
                 lambda: tree.scan_range(b"a", b"z")):
        NODE_CACHE.clear()
        with pytest.raises(IntegrityError, match="level"):
            read()
    leaf = encode_leaf(BATCH)
    mixed = Address(b"\x02" * 20)
    _forge(store, address_of(leaf), leaf)
    _forge(store, mixed, encode_internal(2, Entries.of([b"k"], [address_of(leaf)], [3])))  # skips a level
    NODE_CACHE.clear()
    with pytest.raises(IntegrityError, match="level"):
        ProllyTree(store, SCHEMA.layout, mixed).scan()
    NODE_CACHE.clear()


class TrustingStore(MemoryStore):
    """Claims to verify reads (it does not), so fsck trusts the forged chunks and must find
    the cycle itself."""

    verifies_reads = True


def _cyclic_repository(store: MemoryStore) -> Repository:
    """Two commits that are each other's parent, under forged addresses, as main."""
    root = RootValue().encode()
    _forge(store, address_of(root), root)
    a, b = Address(b"\xaa" * 20), Address(b"\xbb" * 20)
    _forge(store, a, Commit(address_of(root), (b,), "x", "x@x", 2.0, "a", 2).encode())
    _forge(store, b, Commit(address_of(root), (a,), "x", "x@x", 1.0, "b", 3).encode())
    ws = WorkingSet(address_of(root), address_of(root)).encode()
    _forge(store, address_of(ws), ws)
    from dl.core.store.base import RefUpdate
    store.commit({}, [RefUpdate(HEAD, branch_ref("main"), None), RefUpdate(branch_ref("main"), a.hex, None),
                      RefUpdate(working_set_ref("main"), address_of(ws).hex, None)])
    from dl.core.config import Config
    return Repository(store, Config(None, None))


def test_a_cycle_in_the_commit_graph_is_a_clear_error_not_a_hang() -> None:
    repo = _cyclic_repository(TrustingStore())
    with pytest.raises(IntegrityError, match="not a DAG"):
        repo.log()
    a = repo.branch_head("main")
    assert merge_bases(repo.load_commit, a, Address(b"\xbb" * 20)) is not None  # terminates
    with pytest.raises(IntegrityError):
        list(walk_history(repo.load_commit, [a]))
    report = fsck(repo.store)
    assert not report.ok and any("not a DAG" in p for p in report.problems)
    assert all(isinstance(p, str) and "\n" not in p for p in report.problems)
    honest = fsck(_cyclic_repository(MemoryStore()).store)  # a store that does not verify: fsck re-hashes
    assert any("corrupt chunk" in p for p in honest.problems)


def test_fsck_names_broken_counts_and_key_order_in_a_well_hashed_tree() -> None:
    """Chunks that hash right but lie: a parent's row count, a leaf overlapping its sibling,
    and a second version whose parent lies about a leaf the first version already checked."""
    from dl.core.store.base import RefUpdate
    store = MemoryStore()

    def put(data: bytes) -> Address:
        store.put_many({address_of(data): data})
        return address_of(data)

    def leaf(ids: list[int]) -> tuple[Address, bytes]:
        batch = pa.record_batch({"id": pa.array(ids, pa.int64()), "s": pa.array(["x"] * len(ids)),
                                 "x": pa.array([1.0] * len(ids))}, schema=SCHEMA.arrow)
        return put(encode_leaf(batch)), bytes(SCHEMA.layout.keys_of(batch)[-1])

    (a, ka), (b, kb) = leaf([1, 2, 3]), leaf([2, 5])  # b starts below a's last key
    one = put(encode_internal(1, Entries.of([ka, kb], [a, b], [4, 2])))  # a holds 3, not 4
    two = put(encode_internal(1, Entries.of([ka], [a], [7])))  # another version, lying about a
    roots = [put(RootValue({"t": put(TableValue(SCHEMA, tree).encode())}).encode()) for tree in (one, two)]
    first = put(Commit(roots[0], (), "x", "x@x", 1.0, "one", 1).encode())
    second = put(Commit(roots[1], (first,), "x", "x@x", 2.0, "two", 2).encode())
    ws = put(WorkingSet(roots[1], roots[1]).encode())
    store.commit({}, [RefUpdate(HEAD, branch_ref("main"), None), RefUpdate(branch_ref("main"), second.hex, None),
                      RefUpdate(working_set_ref("main"), ws.hex, None)])
    problems = fsck(store).problems
    assert any(p.startswith(a.hex) and "holds 3 rows, the parent says 4" in p and one.hex in p for p in problems)
    assert any(p.startswith(a.hex) and "holds 3 rows, the parent says 7" in p and two.hex in p for p in problems)
    assert any(p.startswith(b.hex) and "key order" in p for p in problems)


@pytest.mark.parametrize("name", sorted(VALID))
def test_link_bytes_are_the_raw_bytes_of_links(name: str) -> None:
    """The commit's gc-safety check reads raw bytes (`link_bytes`); gc reads `links`."""
    assert link_bytes(VALID[name]) == [a.raw for a in links(VALID[name])]
