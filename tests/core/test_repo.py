"""The repository core: commits, refs, working sets, revisions, branches, reset, tags."""
from __future__ import annotations

import pyarrow as pa
import pytest
from dl.core.errors import AlreadyExists, DlError, InvalidName, NotFound
from dl.core.repo import Author, Repository
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table

ME = Author("Ada", "ada@example.com")
SCHEMA = TableSchema((Column("id", pa.int64()), Column("v", pa.string())), ("id",))


def put(repo: Repository, name: str, rows: list[tuple[int, str]]) -> None:
    data = pa.table({"id": pa.array([r[0] for r in rows], pa.int64()), "v": [r[1] for r in rows]})
    repo.write_table(name, lambda cur, buf: (cur or Table.empty(buf, SCHEMA)).replace_rows(data)
                     if cur is None else Table(buf, cur.value).replace_rows(data))


def values(repo: Repository, name: str, rev: str = "WORKING") -> list[tuple[int, str]]:
    return [(r["id"], r["v"]) for r in repo.table(name, rev).scan().to_pylist()]


@pytest.fixture
def repo() -> Repository:
    return Repository.in_memory()


def test_init_has_main_and_an_initial_commit(repo):
    assert repo.current_branch() == "main"
    log = repo.log()
    assert len(log) == 1 and log[0][1].message == "Initialize data repository"
    assert repo.is_clean()


def test_status_add_commit_log(repo):
    put(repo, "t", [(1, "a")])
    assert repo.status().unstaged == {"t": "added"}
    with pytest.raises(DlError, match="nothing to commit"):
        repo.commit("empty", author=ME)
    repo.add(None)
    assert repo.status().staged == {"t": "added"}
    first = repo.commit("first", author=ME)
    assert repo.is_clean()
    put(repo, "t", [(1, "b")])
    second = repo.commit("second", stage_all=True, author=ME)
    assert [c.message for _, c in repo.log()] == ["second", "first", "Initialize data repository"]
    assert repo.resolve_commit("HEAD~1") == first
    assert repo.resolve_commit("HEAD") == second
    assert repo.resolve_commit(second.hex[:8]) == second
    assert values(repo, "t", "HEAD~1") == [(1, "a")]
    repo.commit("again", allow_empty=True, author=ME)
    amended = repo.commit("again, amended", amend=True, allow_empty=True, author=ME)
    assert repo.log(limit=1)[0][1].message == "again, amended"
    assert repo.load_commit(amended).parents == (second,)


def test_commit_a_skips_new_tables_but_capital_a_includes_them(repo):
    put(repo, "t", [(1, "a")])
    with pytest.raises(DlError, match="nothing to commit"):
        repo.commit("only new", stage_all=True, author=ME)
    repo.commit("with new", include_new=True, author=ME)
    assert "t" in repo.resolve_root("HEAD").tables


def test_commit_a_beside_an_unstaged_new_table_stores_the_root_it_commits(repo):
    put(repo, "t", [(1, "a")])
    repo.commit("base", include_new=True, author=ME)
    put(repo, "new", [(2, "x")])
    put(repo, "t", [(1, "b")])  # no root {t: b} alone was ever written: the commit must write it
    repo.commit("modify t only", stage_all=True, author=ME)
    head = repo.resolve_root("HEAD")
    assert sorted(head.tables) == ["t"] and values(repo, "t", "HEAD") == [(1, "b")]
    assert repo.status().unstaged == {"new": "added"}


def test_revisions_errors(repo):
    with pytest.raises(NotFound):
        repo.resolve_commit("nosuch")
    with pytest.raises(NotFound):
        repo.resolve_commit("HEAD~5")
    with pytest.raises(NotFound):
        repo.resolve_commit("HEAD@@")


def test_branch_checkout_carries_changes_and_refuses_losing_them(repo):
    put(repo, "t", [(1, "a")])
    repo.commit("base", include_new=True, author=ME)
    repo.create_branch("side")
    with pytest.raises(AlreadyExists):
        repo.create_branch("side")
    with pytest.raises(InvalidName):
        repo.create_branch("../x")
    repo.checkout("side")
    put(repo, "t", [(1, "side")])
    repo.commit("side change", stage_all=True, author=ME)
    repo.checkout("main")
    assert values(repo, "t") == [(1, "a")]
    put(repo, "t", [(1, "dirty")])
    with pytest.raises(DlError, match="would be overwritten"):
        repo.checkout("side")
    repo.create_branch("clean")
    repo.checkout("clean")  # same table contents at its head: the change comes along
    assert values(repo, "t") == [(1, "dirty")]
    assert repo.working_set("main")[1].working == repo.load_commit(repo.branch_head("main")).root


def test_reset_modes(repo):
    put(repo, "t", [(1, "a")])
    first = repo.commit("one", include_new=True, author=ME)
    put(repo, "t", [(1, "b")])
    repo.commit("two", stage_all=True, author=ME)
    put(repo, "t", [(1, "c")])
    repo.add(["t"])
    repo.reset_tables(["t"])
    assert repo.status().staged == {} and repo.status().unstaged == {"t": "modified"}
    repo.reset("HEAD~1", soft=True)
    assert repo.branch_head("main") == first
    assert values(repo, "t") == [(1, "c")]
    repo.reset("HEAD", hard=True)
    assert values(repo, "t") == [(1, "a")] and repo.is_clean()


def test_branch_delete_rename_copy(repo):
    repo.create_branch("a")
    repo.rename_branch("a", "b")
    assert "b" in repo.branches() and "a" not in repo.branches()
    repo.rename_branch("b", "c", copy=True)
    assert {"b", "c"} <= set(repo.branches())
    repo.delete_branch("b")
    with pytest.raises(DlError, match="Cannot delete checked out branch"):
        repo.delete_branch("main")
    put(repo, "t", [(1, "a")])
    repo.checkout("c")
    repo.commit("unmerged", include_new=True, author=ME)
    repo.checkout("main")
    with pytest.raises(DlError, match="not fully merged"):
        repo.delete_branch("c")
    repo.delete_branch("c", force=True)
    assert "c" not in repo.branches()


def test_tags(repo):
    tag = repo.create_tag("v1", message="first")
    assert repo.tags()["v1"].message == "first" and tag
    assert repo.resolve_commit("v1") == repo.branch_head("main")
    with pytest.raises(AlreadyExists):
        repo.create_tag("v1")
    repo.delete_tag("v1")
    with pytest.raises(NotFound):
        repo.delete_tag("v1")


def test_merge_base_on_criss_cross(repo):
    put(repo, "t", [(1, "a")])
    base = repo.commit("base", include_new=True, author=ME)
    repo.create_branch("b")
    put(repo, "t", [(1, "main")])
    repo.commit("m1", stage_all=True, author=ME)
    assert repo.merge_base("main", "b") == base
    assert repo.merge_base("main", "main") == repo.branch_head("main")
