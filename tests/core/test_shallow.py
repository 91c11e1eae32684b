"""Shallow clones (`clone --depth N`): the boundary record, and everything that walks history
honouring it: log, revisions, merge-base, ahead/behind, fsck, gc, fetch (staying shallow,
deepening, unshallowing), pull, and push (allowed where the remote has the boundary's parents)."""
from __future__ import annotations

from pathlib import Path

import pytest
from dl.core.errors import BadInput, DlError
from dl.core.maintenance.fsck import fsck
from dl.core.maintenance.gc import collect_garbage
from dl.core.remotes.clone import clone
from dl.core.remotes.sync import add_remote, fetch, pull, push
from dl.core.remotes.tracking import tracking_of
from dl.core.repo import Repository
from dl.core.versioning.shallow import BeyondShallow, boundary
from remote_helpers import ME, commit_rows, make_repo, value_of


@pytest.fixture
def serial(tmp_path: Path) -> tuple[Repository, Path]:
    """Commits c1..c6 on main (c1 the import of 10 rows, then one row changed each), pushed."""
    repo = make_repo(tmp_path / "a", rows=10)
    for k in range(2, 7):
        commit_rows(repo, {k: 100 * k}, f"c{k}")
    bare = tmp_path / "bare"
    add_remote(repo, "origin", f"file://{bare}")
    push(repo, "origin", "main")
    return repo, bare


def shallow(bare: Path, target: Path, depth: int, branch: str | None = None) -> Repository:
    return Repository.open(clone(f"file://{bare}", target, depth=depth, branch=branch).directory)


def messages(repo: Repository, rev: str = "HEAD") -> list[str]:
    return [c.message for _, c in repo.log(rev)]


def test_a_depth_two_clone_has_two_commits_and_the_whole_table(serial, tmp_path):
    repo, bare = serial
    b = shallow(bare, tmp_path / "b", 2)
    assert messages(b) == ["c6", "c5"]
    assert boundary(b.store) == {repo.resolve_commit("HEAD~1")}
    assert b.table("t").count() == 10 and value_of(b, 6) == 600 and value_of(b, 5, "HEAD~1") == 500
    assert b.store.stats().chunk_count < repo.store.stats().chunk_count
    assert fsck(b.store).problems == []


def test_depth_beyond_the_history_is_a_full_clone(serial, tmp_path):
    repo, bare = serial
    b = shallow(bare, tmp_path / "b", 42)
    assert len(messages(b)) == len(messages(repo)) and boundary(b.store) == set()


def test_a_revision_beyond_the_boundary_says_shallow_clone(serial, tmp_path):
    _, bare = serial
    b = shallow(bare, tmp_path / "b", 2)
    for rev in ("HEAD~2", "HEAD~3", "HEAD~1^"):
        with pytest.raises(BeyondShallow, match="You are using a shallow clone"):
            b.resolve_commit(rev)


def test_merge_base_inside_the_clone_works_and_beyond_it_is_a_clear_error(serial, tmp_path):
    repo, bare = serial
    repo.create_branch("side", "HEAD~3")  # forks at c3
    repo.checkout("side")
    commit_rows(repo, {9: -9}, "side work")
    push(repo, "origin", "side")
    repo.checkout("main")
    b = shallow(bare, tmp_path / "b", 2)
    b.create_branch("mine")
    b.checkout("mine")
    commit_rows(b, {1: -1}, "mine")
    assert b.merge_base("main", "mine") == b.resolve_commit("main")
    edge = boundary(b.store)
    fetch(b, "origin", ["side"])
    # as git: a new line of history is fetched whole; only the boundary's ghosts stay out
    assert messages(b, "origin/side") == messages(repo, "side") and boundary(b.store) == edge
    with pytest.raises(BeyondShallow, match="shallow clone"):
        b.merge_base("main", "origin/side")


def test_fsck_and_gc_accept_the_boundary(serial, tmp_path):
    _, bare = serial
    b = shallow(bare, tmp_path / "b", 1)
    collect_garbage(b.store)
    assert fsck(b.store).problems == []
    assert b.table("t").count() == 10 and messages(b) == ["c6"]


def test_fsck_still_reports_a_missing_parent_of_a_commit_off_the_boundary(serial, tmp_path):
    repo, bare = serial
    b = shallow(bare, tmp_path / "b", 3)
    ghost_child = repo.resolve_commit("HEAD~1")  # not on the boundary: its parent must be there
    b.store._db.execute("DELETE FROM chunks WHERE address = ?", (repo.resolve_commit("HEAD~2").raw,))
    problems = fsck(b.store).problems
    assert problems and any(ghost_child.hex in p for p in problems)


def test_fetch_stays_shallow_pull_fast_forwards_and_depth_deepens(serial, tmp_path):
    repo, bare = serial
    b = shallow(bare, tmp_path / "b", 2)
    commit_rows(repo, {7: 700}, "c7")
    push(repo, "origin", "main")
    _, merged = pull(b, author=ME)
    assert merged.kind.name == "FAST_FORWARD" and messages(b) == ["c7", "c6", "c5"]
    assert tracking_of(b, "main").ahead == 0
    fetch(b, "origin", depth=5)
    assert messages(b) == ["c7", "c6", "c5", "c4", "c3"]
    assert boundary(b.store) == {repo.resolve_commit("HEAD~4")} and fsck(b.store).problems == []
    fetch(b, "origin", unshallow=True)
    assert messages(b) == messages(repo) and boundary(b.store) == set()
    assert fsck(b.store).problems == []


def test_a_new_branch_stops_at_the_ghosts_and_a_disconnected_one_comes_whole(serial, tmp_path):
    """As git: a fetch into a shallow clone does not go past the boundary's ghost parents, but
    a line of history that meets the clone nowhere else is fetched whole."""
    repo, bare = serial
    b = shallow(bare, tmp_path / "b", 2)  # c6, c5; c4 is the ghost
    repo.create_branch("on-ghost", "HEAD~2")
    repo.checkout("on-ghost")
    commit_rows(repo, {8: 800}, "on the ghost")
    push(repo, "origin", "on-ghost")
    repo.create_branch("old", "HEAD~4")
    repo.checkout("old")
    commit_rows(repo, {9: 900}, "old work")
    push(repo, "origin", "old")
    fetch(b, "origin", ["on-ghost"])
    assert messages(b, "origin/on-ghost") == ["on the ghost"]
    assert repo.resolve_commit("on-ghost") in boundary(b.store)
    fetch(b, "origin", ["old"])
    assert messages(b, "origin/old") == messages(repo, "old")
    assert fsck(b.store).problems == []


def test_push_from_a_shallow_clone(serial, tmp_path):
    _, bare = serial
    b = shallow(bare, tmp_path / "b", 1)
    commit_rows(b, {3: 33}, "from shallow")
    push(b, "origin", "main")  # the remote has the boundary's parents
    full = Repository.open(clone(f"file://{bare}", tmp_path / "full").directory)
    assert messages(full)[:2] == ["from shallow", "c6"] and value_of(full, 3) == 33
    assert fsck(full.store).problems == []
    add_remote(b, "other", f"file://{tmp_path / 'other'}")
    with pytest.raises(DlError, match="shallow repository missing chunks to complete push"):
        push(b, "other", "main")


def test_a_merge_history_at_depth_two_has_both_parents(serial, tmp_path):
    repo, bare = serial
    repo.create_branch("side", "HEAD~2")
    repo.checkout("side")
    commit_rows(repo, {10: 1}, "side")
    repo.checkout("main")
    from dl.core.versioning.merge_commits import merge
    merge(repo, "side", message="merge side", author=ME)
    push(repo, "origin", "main")
    b = shallow(bare, tmp_path / "b", 2)
    assert sorted(messages(b)) == sorted(["merge side", "c6", "side"])
    assert fsck(b.store).problems == []


def test_depth_must_be_positive(serial, tmp_path):
    _, bare = serial
    with pytest.raises(BadInput, match="depth 0"):
        clone(f"file://{bare}", tmp_path / "b", depth=0)
    assert not (tmp_path / "b").exists()


def test_a_shallow_clone_takes_only_the_tags_inside_its_history(serial, tmp_path):
    repo, bare = serial
    repo.create_tag("old", "HEAD~4", author=ME)
    repo.create_tag("new", "HEAD", author=ME)
    push(repo, "origin", "old")
    push(repo, "origin", "new")
    b = shallow(bare, tmp_path / "b", 2)
    assert set(b.tags()) == {"new"} and fsck(b.store).problems == []
    fetch(b, "origin", unshallow=True)
    assert set(b.tags()) == {"new", "old"} and fsck(b.store).problems == []


def test_a_shallow_clone_of_a_repository_directory(serial, tmp_path):
    repo, _ = serial
    b = Repository.open(clone(str(repo.directory), tmp_path / "b", depth=1).directory)
    assert messages(b) == ["c6"] and b.table("t").count() == 10
    commit_rows(b, {4: 44}, "back")
    push(b, "origin", "main")
    assert value_of(Repository.open(repo.directory), 4) == 44


def test_a_remote_branch_moved_onto_a_ghost_is_fetched(serial, tmp_path):
    repo, bare = serial
    b = shallow(bare, tmp_path / "b", 2)
    ghost = repo.resolve_commit("HEAD~2")
    repo.create_branch("back", "HEAD~2")
    push(repo, "origin", "back")
    fetch(b, "origin")
    assert b.resolve_commit("origin/back") == ghost and fsck(b.store).problems == []
    assert value_of(b, 2, "origin/back") == 200


def test_a_failed_shallow_clone_leaves_nothing(serial, tmp_path):
    from dl.core.errors import IntegrityError
    _, bare = serial
    for pack in (bare / "packs").glob("*.pack"):
        data = bytearray(pack.read_bytes())
        for at in range(0, len(data), 97):
            data[at] ^= 0x5A
        pack.write_bytes(bytes(data))
    with pytest.raises(IntegrityError):
        clone(f"file://{bare}", tmp_path / "b", depth=1)
    assert not (tmp_path / "b").exists()


def test_cloning_a_shallow_clone_needs_a_depth(serial, tmp_path):
    _, bare = serial
    b = shallow(bare, tmp_path / "b", 2)
    with pytest.raises(DlError, match="is a shallow clone: .* with --depth N"):
        clone(str(b.directory), tmp_path / "c")
    assert not (tmp_path / "c").exists()
    c = shallow(b.directory, tmp_path / "c", 2)
    assert messages(c) == messages(b) and fsck(c.store).problems == []
