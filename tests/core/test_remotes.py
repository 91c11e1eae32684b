"""Remotes in core: push, fetch, clone over a bare directory and over a repository directory;
transfer proportional to change; CAS on the remote ref; verification of received chunks."""
from __future__ import annotations

from pathlib import Path

import pytest
from dl.core.errors import AlreadyExists, InputError, IntegrityError, NotFound
from dl.core.maintenance.fsck import fsck
from dl.core.remotes.clone import clone
from dl.core.remotes.objects import DirectoryObjects
from dl.core.remotes.packed import MANIFEST, PackedRemote
from dl.core.remotes.sync import PushRejected, RefChangeKind, add_remote, fetch, push
from dl.core.remotes.url import parse_url
from dl.core.repo import Repository
from remote_helpers import commit_rows, make_repo, value_of


@pytest.fixture
def origin(tmp_path: Path) -> tuple[Repository, Path]:
    repo = make_repo(tmp_path / "a", rows=2000)
    bare = tmp_path / "bare"
    add_remote(repo, "origin", f"file://{bare}")
    return repo, bare


def test_push_then_clone_reads_the_same_rows(origin, tmp_path):
    repo, bare = origin
    result = push(repo, "origin", "main", set_upstream=True)
    assert result.changes[0].kind is RefChangeKind.NEW and (bare / MANIFEST).is_file()
    cloned = clone(f"file://{bare}", tmp_path / "b")
    b = Repository.open(cloned.directory)
    assert cloned.branch == "main"
    assert b.branch_head("main") == repo.branch_head("main")
    assert value_of(b, 1999) == 19990
    assert b.resolve_commit("origin/main") == repo.branch_head("main")
    assert repo.resolve_commit("origin/main") == repo.branch_head("main")
    assert fsck(b.store).problems == []


def test_one_row_change_transfers_little(origin, tmp_path):
    repo, bare = origin
    push(repo, "origin", "main")
    b = Repository.open(clone(f"file://{bare}", tmp_path / "b").directory)
    commit_rows(repo, {1000: -1}, "one row")
    pushed = push(repo, "origin", "main")
    assert pushed.stats.requests <= 6 and pushed.stats.bytes_sent < 16_000, pushed.stats
    fetched = fetch(b, "origin")
    assert fetched.stats.requests <= 4 and fetched.stats.bytes_received < 16_000, fetched.stats
    assert fetched.changes[0].kind is RefChangeKind.FAST_FORWARD
    assert value_of(b, 1000, "origin/main") == -1


def test_non_fast_forward_and_fetch_first_are_rejected(origin, tmp_path):
    repo, bare = origin
    push(repo, "origin", "main")
    b = Repository.open(clone(f"file://{bare}", tmp_path / "b").directory)
    commit_rows(b, {1: 1}, "b")
    push(b, "origin", "main")
    commit_rows(repo, {2: 2}, "a")
    with pytest.raises(PushRejected, match=r"fetch first"):
        push(repo, "origin", "main")
    fetch(repo, "origin")
    with pytest.raises(PushRejected, match=r"\[rejected\] main -> main \(non-fast-forward\)"):
        push(repo, "origin", "main")
    assert PackedRemote(DirectoryObjects(bare)).list_refs()["refs/heads/main"] == b.branch_head("main").hex
    forced = push(repo, "origin", "main", force=True)
    assert forced.changes[0].kind is RefChangeKind.FORCED


def test_push_to_a_repository_directory_moves_its_clean_working_set(tmp_path):
    a = make_repo(tmp_path / "a", rows=100)
    b = Repository.open(clone(str(tmp_path / "a"), tmp_path / "b").directory)
    commit_rows(b, {5: 55}, "b edits")
    a.create_branch("side")
    a.checkout("side")
    push(b, "origin", "main")
    a2 = Repository.open(tmp_path / "a")
    assert value_of(a2, 5, "main") == 55
    assert a2.table("t", "WORKING").count() == 100
    a2.checkout("main")
    assert [r["v"] for r in a2.table("t").scan().to_pylist() if r["id"] == 5] == [55]


def test_a_tampered_remote_is_an_integrity_error_and_nothing_lands(origin, tmp_path):
    repo, bare = origin
    push(repo, "origin", "main")
    pack = next((bare / "packs").glob("*.pack"))
    data = bytearray(pack.read_bytes())
    data[len(data) // 2] ^= 0xFF
    pack.write_bytes(bytes(data))
    with pytest.raises(IntegrityError):
        clone(f"file://{bare}", tmp_path / "b")
    assert not (tmp_path / "b").exists()
    c = make_repo(tmp_path / "c")
    add_remote(c, "origin", str(bare))
    before = c.store.stats().chunk_count
    with pytest.raises(IntegrityError):
        fetch(c, "origin")
    assert c.store.stats().chunk_count == before and not c.store.list_refs("refs/remotes/")


def test_bad_urls_and_names(tmp_path):
    with pytest.raises(InputError, match="unknown remote URL scheme 'ftp'"):
        parse_url("ftp://x/y")
    repo = make_repo(tmp_path / "a")
    add_remote(repo, "origin", str(tmp_path / "r"))
    with pytest.raises(AlreadyExists):
        add_remote(repo, "origin", str(tmp_path / "r2"))
    with pytest.raises(NotFound, match="src refspec nope"):
        push(repo, "origin", "nope")
    with pytest.raises(NotFound):
        clone(f"file://{tmp_path / 'missing'}", tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_remote_gc_deletes_only_old_packs_no_manifest_names(origin, tmp_path):
    import time

    from dl.core.remotes.sync import prune_remote
    repo, bare = origin
    push(repo, "origin", "main")
    commit_rows(repo, {3: 3}, "three")
    remote = PackedRemote(DirectoryObjects(bare))
    from dl.core.remotes.packs import build_pack, index_key, pack_key
    stray = build_pack([(repo.branch_head("main"), repo.store.get(repo.branch_head("main")))])
    remote.objects.put(pack_key(stray.name), stray.data)  # as a push killed before its manifest
    remote.objects.put(index_key(stray.name), stray.index)
    assert prune_remote(repo, "origin", time.time()) == []  # young: perhaps a running push's
    assert prune_remote(repo, "origin", time.time() + 7200) == [stray.name]
    assert not (bare / "packs" / f"{stray.name}.pack").exists()
    assert len(list((bare / "packs").glob("*.pack"))) == 1
    assert Repository.open(clone(f"file://{bare}", tmp_path / "b").directory).branch_head("main") \
        == repo.resolve_commit("main~1")


def test_a_truncated_pack_names_the_chunk_and_nothing_lands(origin, tmp_path):
    repo, bare = origin
    push(repo, "origin", "main")
    c = make_repo(tmp_path / "c")
    add_remote(c, "origin", str(bare))
    pack = next((bare / "packs").glob("*.pack"))
    pack.write_bytes(pack.read_bytes()[:-100])
    with pytest.raises(IntegrityError, match=r"chunk [0-9a-f]{40} from remote pack [0-9a-f]{40} is truncated"):
        fetch(c, "origin")
    assert not c.store.list_refs("refs/remotes/")


def test_ahead_and_behind_count_commits_since_the_fork(origin, tmp_path):
    from dl.core.remotes.tracking import count_ahead_behind, tracking_of
    repo, bare = origin
    push(repo, "origin", "main", set_upstream=True)
    b = Repository.open(clone(f"file://{bare}", tmp_path / "b").directory)
    commit_rows(b, {1: 1}, "b1")
    push(b, "origin", "main")
    for k in range(3):
        commit_rows(repo, {10 + k: k}, f"a{k}")
    fetch(repo, "origin")
    assert count_ahead_behind(repo.load_commit, repo.branch_head("main"),
                              repo.resolve_commit("origin/main")) == (3, 1)
    t = tracking_of(repo, "main")
    assert t is not None and (t.upstream, t.ahead, t.behind) == ("origin/main", 3, 1)
    assert count_ahead_behind(repo.load_commit, repo.resolve_commit("main~3"),
                              repo.branch_head("main")) == (0, 3)


def test_leaves_travel_in_their_stored_form_and_are_verified_on_arrival(origin, tmp_path):
    from dl.core.remotes.packs import index_key, pack_key, read_index
    repo, bare = origin
    result = push(repo, "origin", "main")
    remote = PackedRemote(DirectoryObjects(bare))
    name = remote._load()["packs"][0]
    index = read_index(name, (bare / index_key(name)).read_bytes())
    data = (bare / pack_key(name)).read_bytes()
    local = repo.store.get_rows(index)
    assert len(index) == result.chunks
    same = [a for a, e in index.items() if data[e.offset:e.offset + e.stored] == local[a][3]]
    assert len(same) == len(index)  # every chunk as the local store keeps it (leaves never re-encoded)
    b = Repository.open(clone(f"file://{bare}", tmp_path / "b").directory)
    assert b.store.get_rows(index) == local  # and stored so on arrival
    assert fsck(b.store).problems == []


def test_a_corrupt_local_leaf_pushed_is_refused_by_the_receiver(origin, tmp_path):
    import sqlite3
    repo, bare = origin
    leaf = max(repo.store.get_rows(repo.store.all_addresses()).values(), key=lambda r: r[2])
    db = sqlite3.connect(repo.store.path)
    db.execute("UPDATE chunks SET body = ? WHERE address = ?", (leaf[3][:-8] + b"\0" * 8, leaf[0]))
    db.commit()
    db.close()
    push(repo, "origin", "main")  # the sender does not decode leaves it sends as they are
    with pytest.raises(IntegrityError):
        clone(f"file://{bare}", tmp_path / "b")
    assert not (tmp_path / "b").exists()


def test_a_big_push_is_split_into_packs_of_bounded_size(origin, tmp_path, monkeypatch):
    from dl.core.remotes import packed
    monkeypatch.setattr(packed, "PACK_BYTES", 1_000)
    repo, bare = origin
    push(repo, "origin", "main")
    packs = list((bare / "packs").glob("*.pack"))
    assert len(packs) > 2 and all(p.stat().st_size < 4_000 for p in packs)
    b = Repository.open(clone(f"file://{bare}", tmp_path / "b").directory)
    assert value_of(b, 1999) == 19990 and fsck(b.store).problems == []


@pytest.mark.parametrize("manifest", [
    {"format": "dl-remote-1", "refs": {}, "packs": ["../../etc/passwd"]},
    {"format": "dl-remote-1", "refs": {"refs/heads/main": "not-hex"}, "packs": []},
    {"format": "dl-remote-1", "refs": {"HEAD": "0" * 40}, "packs": []},
    {"format": "other", "refs": {}, "packs": []},
])
def test_a_hostile_manifest_is_refused(tmp_path, manifest):
    import json
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IntegrityError):
        clone(f"file://{bare}", tmp_path / "b")
    assert not (tmp_path / "b").exists()


def test_push_to_a_repository_branch_with_uncommitted_changes_is_refused(tmp_path):
    from dl.core.errors import DlError
    from remote_helpers import put_rows
    a = make_repo(tmp_path / "a", rows=10)
    b = Repository.open(clone(str(tmp_path / "a"), tmp_path / "b").directory)
    commit_rows(b, {1: 111}, "b edits")
    put_rows(a, {2: 222})  # uncommitted in a, on main
    head = a.branch_head("main")
    with pytest.raises(DlError, match="refusing to update branch main of file://.*uncommitted changes"):
        push(b, "origin", "main")
    a2 = Repository.open(tmp_path / "a")
    assert a2.branch_head("main") == head and value_of(a2, 2, "WORKING") == 222
    assert b.resolve_commit("origin/main") == head
