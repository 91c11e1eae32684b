"""Receiving leaves (`core.remotes.receive`): large packs read level by level in one request
and their leaves in parts, each part verified before it is written; a wrong, truncated or
linking "leaf" is an integrity error naming it, and nothing lands; the store's
`commit_received` lands all parts or none."""
from __future__ import annotations

from pathlib import Path

import pytest
from dl.core.errors import IntegrityError
from dl.core.hashing import Address, address_of
from dl.core.maintenance.fsck import fsck
from dl.core.remotes import packed, receive
from dl.core.remotes.clone import clone
from dl.core.remotes.objects import DirectoryObjects
from dl.core.remotes.packed import PackedRemote
from dl.core.remotes.packs import index_key, pack_key, read_index
from dl.core.remotes.sync import add_remote, fetch, push
from dl.core.remotes.walk import find_missing
from dl.core.repo import Repository
from dl.core.store.base import RefUpdate
from dl.core.store.bodies import encode_row
from dl.core.store.sqlite import SqliteStore
from remote_helpers import make_repo, value_of

ROWS = 20_000


@pytest.fixture
def large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Repository, Path]:
    """A pushed repository whose pack counts as large (read by ranges), leaves read in ~2 KB
    parts and verified in ~700-byte ones, two verified ahead."""
    monkeypatch.setattr(packed, "WHOLE_PACK", 0)
    monkeypatch.setattr(receive, "PART_BYTES", 2_000)
    monkeypatch.setattr(receive, "VERIFY_BYTES", 700)
    monkeypatch.setattr(receive, "AHEAD", 2)
    repo = make_repo(tmp_path / "a", rows=ROWS)
    bare = tmp_path / "bare"
    add_remote(repo, "origin", f"file://{bare}")
    push(repo, "origin", "main")
    return repo, bare


def _pack(bare: Path) -> tuple[str, dict[Address, packed.PackEntry], bytes]:
    name = PackedRemote(DirectoryObjects(bare))._load()["packs"][0]
    return name, read_index(name, (bare / index_key(name)).read_bytes()), (bare / pack_key(name)).read_bytes()


def _leaves(repo: Repository) -> list[Address]:
    head = repo.branch_head("main")
    return find_missing([head], repo.store.get_many, lambda a: set(), defer_leaves=True).deferred


def test_a_large_pack_is_read_in_one_request_above_the_leaves_and_in_parts_below(
        large, tmp_path, monkeypatch):
    repo, bare = large
    _, index, _ = _pack(bare)
    leaves = _leaves(repo)
    leaf_bytes = sum(index[a].stored for a in leaves)
    assert len(leaves) > 20 and leaf_bytes > 5 * receive.PART_BYTES
    front = max(e.offset + e.stored for a, e in index.items() if a not in leaves)
    assert all(index[a].offset >= front for a in leaves)  # a push packs the leaves last
    monkeypatch.setattr(packed, "READ_AHEAD", front)  # the read-ahead ends where leaves begin
    cloned = clone(f"file://{bare}", tmp_path / "b")
    b = Repository.open(cloned.directory)
    assert value_of(b, ROWS - 1) == (ROWS - 1) * 10 and fsck(b.store).problems == []
    assert b.store.get_rows(index) == repo.store.get_rows(index)  # stored as they came
    parts = list(receive.split_rows([(a.raw, 0, 0, b"x" * index[a].stored) for a in
                                     sorted(leaves, key=lambda a: index[a].offset)],
                                    receive.PART_BYTES))
    # the manifest, the index, one read-ahead for every level above the leaves, one per part
    assert cloned.fetched.stats.requests == 3 + len(parts), cloned.fetched.stats
    assert cloned.fetched.chunks == len(index)
    assert cloned.fetched.chunk_bytes == sum(e.size for e in index.values())


def test_a_flipped_byte_in_one_leaf_names_it_and_nothing_lands(large, tmp_path):
    repo, bare = large
    name, index, data = _pack(bare)
    victim = _leaves(repo)[len(index) // 2]
    entry = index[victim]
    flipped = bytearray(data)
    flipped[entry.offset + entry.stored // 2] ^= 0xFF
    (bare / pack_key(name)).write_bytes(bytes(flipped))
    with pytest.raises(IntegrityError, match=victim.hex):
        clone(f"file://{bare}", tmp_path / "b")
    assert not (tmp_path / "b").exists()
    c = make_repo(tmp_path / "c")
    add_remote(c, "origin", str(bare))
    before = c.store.stats().chunk_count
    with pytest.raises(IntegrityError, match=victim.hex):
        fetch(c, "origin")
    assert c.store.stats().chunk_count == before and not c.store.list_refs("refs/remotes/")


def test_a_failing_part_stops_the_reading_of_later_parts(large, tmp_path):
    repo, bare = large
    name, index, data = _pack(bare)
    first = min(_leaves(repo), key=lambda a: index[a].offset)
    flipped = bytearray(data)
    flipped[index[first].offset + 10] ^= 0xFF
    (bare / pack_key(name)).write_bytes(bytes(flipped))
    remote = PackedRemote(DirectoryObjects(bare))
    remote._load()
    before = remote.stats.requests
    with pytest.raises(IntegrityError, match=first.hex):
        for _ in remote.stream_leaves(_leaves(repo)):
            pass
    read = remote.stats.requests - before
    total = len(list(remote._pack_parts(name, sorted(((a, index[a]) for a in _leaves(repo)),
                                                      key=lambda x: x[1].offset), receive.PART_BYTES)))
    assert read <= receive.AHEAD < total


def test_a_truncated_large_pack_names_the_chunk(large, tmp_path):
    _repo, bare = large
    name, index, data = _pack(bare)
    (bare / pack_key(name)).write_bytes(data[:-100])
    last = max(index, key=lambda a: index[a].offset)
    with pytest.raises(IntegrityError, match=rf"chunk {last.hex} from remote pack {name} is truncated"):
        clone(f"file://{bare}", tmp_path / "b")
    assert not (tmp_path / "b").exists()


def test_a_chunk_received_as_a_leaf_must_link_to_nothing(large):
    repo, _bare = large
    head = repo.branch_head("main")
    internal = next(a for a in find_missing([head], repo.store.get_many, lambda a: set()).chunks
                    if repo.store.get(a)[:1] == b"I")
    row = encode_row(internal, repo.store.get(internal))
    with pytest.raises(IntegrityError, match=f"chunk {internal.hex} was received as a tree leaf"):
        receive.verify_leaves([row])
    leaf = _leaves(repo)[0]
    assert receive.verify_leaves([encode_row(leaf, repo.store.get(leaf))])


def test_a_wrong_body_is_refused_by_verify_leaves():
    data = b"L" + b"\x01" * 5000
    address = address_of(data)
    good = encode_row(address, data)
    with pytest.raises(IntegrityError, match=address.hex):
        receive.verify_leaves([encode_row(address, data[:-1] + b"\x02")])
    with pytest.raises(IntegrityError, match=address.hex):
        receive.verify_leaves([(good[0], good[1], good[2], good[3][:-5])])


def test_verified_parts_keep_their_order_and_raise_the_first_failure():
    rows = []
    for k in range(40):
        data = b"L" + bytes([k]) * 3000
        rows.append(encode_row(address_of(data), data))
    parts = [rows[k:k + 3] for k in range(0, 40, 3)]
    assert list(receive.verified_parts(iter(parts))) == parts
    bad = list(parts)
    bad[5] = [(bad[5][0][0], 0, 3001, b"L" + b"\x00" * 3000)] + bad[5][1:]
    got: list[object] = []
    with pytest.raises(IntegrityError, match=Address(bad[5][0][0]).hex):
        got.extend(receive.verified_parts(iter(bad)))  # extend keeps what came before the raise
    assert got == parts[:5]


def test_split_rows_bounds_each_part():
    rows = [(bytes(20), 0, n, b"x" * n) for n in (5, 5, 5, 30, 1, 1)]
    assert [[len(r[3]) for r in p] for p in receive.split_rows(rows, 10)] == [[5, 5], [5], [30], [1, 1]]


def test_defer_leaves_reads_no_leaf(large):
    repo, _ = large
    head = repo.branch_head("main")
    asked: list[Address] = []
    def read(addresses: list[Address]) -> dict[Address, bytes]:
        asked.extend(addresses)
        return repo.store.get_many(addresses)
    full = find_missing([head], repo.store.get_many, lambda a: set())
    deferred = find_missing([head], read, lambda a: set(), defer_leaves=True)
    assert set(deferred.chunks) | set(deferred.deferred) == set(full.chunks)
    assert not set(asked) & set(deferred.deferred) and len(deferred.deferred) > 20
    assert deferred.count() == full.count()
    assert all(repo.store.get(a)[:1] == b"L" for a in deferred.deferred)


def test_commit_received_lands_every_part_or_none(tmp_path):
    store = SqliteStore(tmp_path / "s.db", create=True)
    rows = []
    for k in range(6):
        data = b"L" + bytes([k]) * 2000
        rows.append(encode_row(address_of(data), data))
    commit = b"C" + b"commit"
    caddr = address_of(commit)
    def failing():
        yield rows[:3]
        raise IntegrityError("chunk x is wrong")
    with pytest.raises(IntegrityError):
        store.commit_received({caddr: commit}, failing(), [RefUpdate("refs/heads/main", caddr.hex, None)])
    assert store.stats().chunk_count == 0 and store.get_ref("refs/heads/main") is None
    consumed = []
    def watched():
        consumed.append(1)
        yield rows
    assert not store.commit_received({caddr: commit}, watched(),
                                     [RefUpdate("refs/heads/main", caddr.hex, "0" * 40)])
    assert consumed == [] and store.stats().chunk_count == 0  # a lost CAS reads nothing
    assert store.commit_received({caddr: commit}, iter([rows[:3], rows[3:]]),
                                 [RefUpdate("refs/heads/main", caddr.hex, None)])
    assert store.stats().chunk_count == 7 and store.get_ref("refs/heads/main") == caddr.hex
    assert store.get_many([Address(r[0]) for r in rows]) == {
        Address(r[0]): b"L" + bytes([k]) * 2000 for k, r in enumerate(rows)}
    store.close()


def test_a_clone_reads_no_byte_of_a_large_pack_twice(large, tmp_path, monkeypatch):
    repo, bare = large
    name, index, data = _pack(bare)
    front = max(e.offset + e.stored for a, e in index.items() if a not in _leaves(repo))
    monkeypatch.setattr(packed, "READ_AHEAD", front + 3_000)  # the read-ahead holds a few leaves
    cloned = clone(f"file://{bare}", tmp_path / "b")
    sizes = [(bare / packed.MANIFEST).stat().st_size, (bare / index_key(name)).stat().st_size, len(data)]
    assert cloned.fetched.stats.bytes_received == sum(sizes)


def test_a_fetch_reads_the_remote_before_taking_the_write_lock(large, tmp_path, monkeypatch):
    import sqlite3
    _repo, bare = large
    monkeypatch.setattr(packed, "READ_AHEAD", 1)  # leaves read by the stream, part by part
    c = make_repo(tmp_path / "c")
    add_remote(c, "origin", str(bare))
    free: list[bool] = []
    original = DirectoryObjects.get_range
    def watched(self: DirectoryObjects, key: str, start: int, length: int) -> bytes:
        other = sqlite3.connect(c.store.path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            free.append(True)
        except sqlite3.OperationalError:
            free.append(False)
        finally:
            other.close()
        return original(self, key, start, length)
    monkeypatch.setattr(DirectoryObjects, "get_range", watched)
    index = _pack(bare)[1]
    had = c.store.has_many(index)  # an empty repository's first commit shares a chunk or so
    fetched = fetch(c, "origin")
    assert len(free) > 3 and all(free)  # other writers never wait on the network
    assert value_of(c, ROWS - 1, "origin/main") == (ROWS - 1) * 10
    assert fetched.chunk_bytes == sum(e.size for a, e in index.items() if a not in had)
