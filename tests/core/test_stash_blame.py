"""Stash round trips and blame after several commits."""
from __future__ import annotations

import pytest
from dl.core.errors import DlError
from dl.core.repo import Repository
from dl.core.versioning.blame import blame
from dl.core.versioning.stash import clear, drop, list_stashes, pop, stash

from tests.core.test_merge import ME, commit, edit, rows


@pytest.fixture
def repo() -> Repository:
    repo = Repository.in_memory()
    edit(repo, "t", [(1, 10, "x"), (2, 20, "y")])
    commit(repo, "base")
    return repo


def test_stash_round_trip(repo):
    edit(repo, "t", [(3, 30, "new")])
    repo.add(["t"])
    edit(repo, "t", [(4, 40, "unstaged")])
    saved = stash(repo)
    assert repo.is_clean() and 3 not in rows(repo)
    assert [s.message for _, s in list_stashes(repo)] == [saved.message]
    pop(repo)
    assert 3 in rows(repo) and 4 in rows(repo) and 3 not in rows(repo, rev="STAGED")  # unstaged, as Dolt
    assert list_stashes(repo) == []
    repo.reset("HEAD", hard=True)
    with pytest.raises(DlError, match="No local changes"):
        stash(repo)


def test_stash_pop_on_a_moved_branch_and_drop_clear(repo):
    edit(repo, "t", [(3, 30, "stashed")])
    stash(repo)
    edit(repo, "t", [(5, 50, "committed later")])
    commit(repo, "moved on")
    pop(repo)
    assert {3, 5} <= set(rows(repo))
    repo.reset("HEAD", hard=True)
    edit(repo, "t", [(6, 1, "a")])
    stash(repo)
    edit(repo, "t", [(7, 1, "b")])
    stash(repo)
    assert len(list_stashes(repo)) == 2
    drop(repo, 0)
    assert len(list_stashes(repo)) == 1
    assert clear(repo) == 1 and list_stashes(repo) == []


def test_blame_names_the_last_commit_per_row(repo):
    edit(repo, "t", [(2, 21, "y")])
    second = commit(repo, "change 2")
    edit(repo, "t", [(3, 30, "z")])
    third = commit(repo, "add 3")
    result = {r["id"]: r for r in blame(repo, "t").to_pylist()}
    first = repo.resolve_commit("HEAD~2")
    assert result[1]["commit"] == first.hex
    assert result[2]["commit"] == second.hex and result[2]["message"] == "change 2"
    assert result[3]["commit"] == third.hex and result[3]["committer"] == ME.name


def test_stash_pop_over_conflicting_changes_keeps_the_entry_in_dolts_words(repo):
    edit(repo, "t", [(3, 30, "stashed")])
    stash(repo)
    edit(repo, "t", [(3, 31, "here")])
    with pytest.raises(DlError, match="^Your local changes to the following tables would be overwritten by "
                                      "applying stash 0: 't'.*The stash entry is kept in case you need it again"):
        pop(repo)
    assert len(list_stashes(repo)) == 1
