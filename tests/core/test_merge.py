"""Merge, cherry-pick, revert and conflicts on the Python API."""
from __future__ import annotations

import pyarrow as pa
import pytest
from dl.core.errors import DlError, MergeConflict
from dl.core.repo import Author, Repository
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table
from dl.core.versioning.merge_commits import (
    MergeKind,
    abort_merge,
    cherry_pick,
    conflicts_of,
    merge,
    resolve_conflicts,
    schema_conflicts_of,
)
from dl.core.versioning.revert import revert
from dl.core.versioning.three_way_merge import SchemaConflict
from hypothesis import given
from hypothesis import strategies as st

ME = Author("Ada", "ada@example.com")
SCHEMA = TableSchema((Column("id", pa.int64()), Column("a", pa.int64()), Column("b", pa.string())), ("id",))


def edit(repo: Repository, name: str, upserts=(), deletes=(), schema=SCHEMA) -> None:
    def build(cur, buf):
        table = Table(buf, cur.value) if cur else Table.empty(buf, schema)
        up = pa.table({"id": pa.array([r[0] for r in upserts], pa.int64()),
                       "a": pa.array([r[1] for r in upserts], pa.int64()),
                       "b": pa.array([r[2] for r in upserts], pa.string())}) if upserts else None
        dl = pa.table({"id": pa.array(list(deletes), pa.int64())}) if deletes else None
        return table.apply(up, dl)
    repo.write_table(name, build)


def rows(repo: Repository, name: str = "t", rev: str = "WORKING") -> dict[int, tuple]:
    return {r["id"]: (r["a"], r["b"]) for r in repo.table(name, rev).scan().to_pylist()}


def commit(repo: Repository, msg: str):
    return repo.commit(msg, include_new=True, author=ME)


def base_repo() -> Repository:
    """An in-memory repository whose HEAD holds t = (1, 10, x), (2, 20, y), (3, 30, z)."""
    repo = Repository.in_memory()
    repo.config.get = lambda key: {"user.name": "Ada", "user.email": "ada@example.com"}.get(key)  # type: ignore[method-assign]
    edit(repo, "t", [(1, 10, "x"), (2, 20, "y"), (3, 30, "z")])
    commit(repo, "base")
    return repo


@pytest.fixture
def repo() -> Repository:
    return base_repo()


def test_fast_forward(repo):
    repo.create_branch("feat")
    repo.checkout("feat")
    edit(repo, "t", [(4, 40, "w")])
    head = commit(repo, "feat")
    repo.checkout("main")
    result = merge(repo, "feat")
    assert result.kind is MergeKind.FAST_FORWARD and repo.branch_head("main") == head
    assert 4 in rows(repo)
    assert merge(repo, "feat").kind is MergeKind.UP_TO_DATE


def test_no_ff_makes_a_merge_commit(repo):
    repo.create_branch("feat")
    repo.checkout("feat")
    edit(repo, "t", [(4, 40, "w")])
    commit(repo, "feat")
    repo.checkout("main")
    result = merge(repo, "feat", no_ff=True)
    assert result.kind is MergeKind.MERGED
    assert len(repo.load_commit(repo.branch_head("main")).parents) == 2


def test_cell_level_merge_and_conflict_resolved_theirs(repo):
    repo.create_branch("feat")
    repo.checkout("feat")
    edit(repo, "t", [(1, 11, "x"), (2, 20, "theirs"), (4, 40, "w")])
    commit(repo, "feat")
    repo.checkout("main")
    edit(repo, "t", [(1, 10, "xx"), (2, 20, "ours")])
    commit(repo, "main")
    result = merge(repo, "feat")
    assert result.kind is MergeKind.CONFLICTS and result.conflicts == {"t": 1}
    got = rows(repo)
    assert got[1] == (11, "xx") and got[4] == (40, "w") and got[2] == (20, "ours")
    conflicts = conflicts_of(repo)["t"].to_pylist()
    assert conflicts[0]["base_b"] == "y" and conflicts[0]["our_b"] == "ours" and conflicts[0]["their_b"] == "theirs"
    assert repo.status().conflicts == ["t"]
    with pytest.raises(MergeConflict):
        repo.commit("blocked", stage_all=True, author=ME)
    resolve_conflicts(repo, ["t"], theirs=True)
    assert rows(repo)[2] == (20, "theirs")
    merged = repo.commit("merged", stage_all=True, author=ME)
    assert len(repo.load_commit(merged).parents) == 2


def test_conflict_resolved_ours_and_abort(repo):
    repo.create_branch("feat")
    repo.checkout("feat")
    edit(repo, "t", deletes=[3])
    commit(repo, "feat deletes 3")
    repo.checkout("main")
    edit(repo, "t", [(3, 33, "z")])
    commit(repo, "main updates 3")
    before = repo.working_set()[1]
    assert merge(repo, "feat").kind is MergeKind.CONFLICTS
    abort_merge(repo)
    assert repo.working_set()[1].working == before.working and repo.working_set()[1].merge is None
    merge(repo, "feat")
    resolve_conflicts(repo, ["t"], theirs=False)
    assert rows(repo)[3] == (33, "z")


def test_same_change_on_both_sides_is_no_conflict(repo):
    repo.create_branch("feat")
    repo.checkout("feat")
    edit(repo, "t", [(1, 99, "x")])
    commit(repo, "feat")
    repo.checkout("main")
    edit(repo, "t", [(1, 99, "x"), (2, 21, "y")])
    commit(repo, "main")
    assert merge(repo, "feat").kind is MergeKind.MERGED
    assert rows(repo)[1] == (99, "x") and rows(repo)[2] == (21, "y")


def test_squash_stages_without_committing(repo):
    repo.create_branch("feat")
    repo.checkout("feat")
    edit(repo, "t", [(5, 50, "v")])
    commit(repo, "feat")
    repo.checkout("main")
    edit(repo, "t", [(6, 60, "u")])
    commit(repo, "main")
    head = repo.branch_head("main")
    assert merge(repo, "feat", squash=True).kind is MergeKind.SQUASHED
    assert repo.branch_head("main") == head and 5 in rows(repo, rev="STAGED")


def test_merge_refuses_dirty_touched_tables(repo):
    repo.create_branch("feat")
    repo.checkout("feat")
    edit(repo, "t", [(5, 50, "v")])
    commit(repo, "feat")
    repo.checkout("main")
    edit(repo, "t", [(6, 60, "u")])
    commit(repo, "main")
    edit(repo, "t", [(7, 70, "dirty")])
    with pytest.raises(DlError, match="local changes would be stomped by merge"):
        merge(repo, "feat")


def test_schema_merge_and_schema_conflict(repo):
    wider = TableSchema(SCHEMA.columns + (Column("c", pa.int64()),), ("id",))
    repo.create_branch("feat")
    repo.checkout("feat")
    repo.write_table("t", lambda cur, buf: Table.empty(buf, wider).replace_rows(Table(buf, cur.value).scan()))
    commit(repo, "add column c")
    repo.checkout("main")
    edit(repo, "t", [(9, 90, "n")])
    commit(repo, "main row")
    assert merge(repo, "feat").kind is MergeKind.MERGED
    table = repo.table("t")
    assert table.schema.names == ["id", "a", "b", "c"] and table.count() == 4

    def retype(kind):
        schema = TableSchema(SCHEMA.columns + (Column("c", kind),), ("id",))
        return lambda cur, buf: Table.empty(buf, schema).replace_rows(Table(buf, cur.value).scan().select(["id", "a", "b"]))
    repo.create_branch("x")
    repo.write_table("t", retype(pa.float64()))
    commit(repo, "c as float")
    repo.checkout("x")
    repo.write_table("t", retype(pa.string()))
    commit(repo, "c as text")
    before = repo.working_set()
    head = repo.resolve_commit("HEAD")
    result = merge(repo, "main")  # recorded, as Dolt: the table stays as ours has it
    assert result.kind is MergeKind.CONFLICTS and result.schema_conflicts == ["t"] and not result.conflicts
    assert repo.working_set()[1].working == before[1].working and repo.resolve_commit("HEAD") == head
    [found] = schema_conflicts_of(repo)
    assert found.description == "different column definitions for our column c and their column c"
    assert found.ours.column("c").type == pa.string() and found.theirs.column("c").type == pa.float64()
    assert found.base is not None and found.base.column("c").type == pa.int64()
    with pytest.raises(MergeConflict, match="the table\\(s\\) t have schema conflicts"):
        repo.commit("merged")
    with pytest.raises(MergeConflict, match="Unable to automatically resolve schema conflicts"):
        resolve_conflicts(repo, ["t"], theirs=True)
    abort_merge(repo)
    assert repo.working_set() == before and schema_conflicts_of(repo) == []


def test_cherry_pick_and_revert(repo):
    repo.create_branch("other")
    repo.checkout("other")
    edit(repo, "t", [(4, 4, "four")])
    commit(repo, "add 4")
    edit(repo, "t", [(1, 100, "x")])
    picked = commit(repo, "set 100")
    repo.checkout("main")
    result = cherry_pick(repo, picked.hex)
    assert result.kind is MergeKind.MERGED
    assert rows(repo)[1] == (100, "x") and 4 not in rows(repo)
    assert repo.log(limit=1)[0][1].message == "set 100"
    revert(repo, "HEAD")
    assert rows(repo)[1] == (10, "x")


@given(ours=st.sets(st.integers(0, 60), max_size=15), theirs=st.sets(st.integers(61, 120), max_size=15))
def test_disjoint_merges_commute(ours, theirs):
    """Merging disjoint changes gives the same table root whichever side merges which."""
    roots = []
    for first, second in (("a", "b"), ("b", "a")):
        repo = Repository.in_memory()
        edit(repo, "t", [(i, i, "base") for i in range(0, 121, 3)])
        commit(repo, "base")
        for name, keys in (("a", ours), ("b", theirs)):
            repo.create_branch(name, "main")
            repo.checkout(name)
            if keys:
                edit(repo, "t", [(k, -k, name) for k in sorted(keys)])
            repo.commit(name, include_new=True, author=ME, allow_empty=True)
            repo.checkout("main")
        repo.checkout(first)
        merge(repo, second, author=ME)
        roots.append(repo.resolve_root("HEAD").tables["t"])
    assert roots[0] == roots[1]
