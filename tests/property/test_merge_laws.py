"""The merge laws of issue 6, as hypothesis properties over repositories with small chunks (so
a few hundred rows make trees several levels deep):

- merging a branch that made no changes of its own since the merge base is a fast-forward;
- merging two branches that changed disjoint keys gives the same table root whichever side
  merges which, and that root is the base with both diffs applied (a bulk build of the result);
- merging a commit into itself, or one already merged, changes nothing.
"""
from __future__ import annotations

import pyarrow as pa
import pytest
from dl.core.repo import Author, Repository
from dl.core.store.buffered import BufferedStore
from dl.core.tables.table import Table
from dl.core.versioning.merge_commits import MergeKind, merge
from dl.core.versioning.three_way_merge import merge_roots
from hypothesis import given
from hypothesis import strategies as st

from tests.core.test_merge import SCHEMA

ME = Author("Prop", "prop@example.com")
values = st.tuples(st.integers(-1000, 1000), st.one_of(st.none(), st.text(max_size=8)))
bases = st.dictionaries(st.integers(0, 600), values, max_size=300)
# one side's change: key -> new row (upsert) or None (delete)
changes = st.dictionaries(st.integers(0, 700), st.one_of(st.none(), values), max_size=40)


def arrow(model: dict[int, tuple]) -> pa.Table:
    ids = sorted(model)
    return pa.table({"id": pa.array(ids, pa.int64()), "a": pa.array([model[i][0] for i in ids], pa.int64()),
                     "b": pa.array([model[i][1] for i in ids], pa.string())})


def apply_change(repo: Repository, change: dict[int, tuple | None]) -> None:
    ups = {k: v for k, v in change.items() if v is not None}
    gone = [k for k, v in change.items() if v is None]

    def build(cur, buf):
        table = Table(buf, cur.value)
        deletes = pa.table({"id": pa.array(gone, pa.int64())}) if gone else None
        return table.apply(arrow(ups) if ups else None, deletes)
    repo.write_table("t", build)


def with_base(model: dict[int, tuple]) -> Repository:
    repo = Repository.in_memory()
    repo.write_table("t", lambda cur, buf: Table.empty(buf, SCHEMA).replace_rows(arrow(model)))
    repo.commit("base", include_new=True, author=ME)
    return repo


def branch_with(repo: Repository, name: str, change: dict[int, tuple | None]) -> None:
    repo.create_branch(name, "main")
    repo.checkout(name)
    apply_change(repo, change)
    repo.commit(name, stage_all=True, allow_empty=True, author=ME)
    repo.checkout("main")


@pytest.mark.usefixtures("small_chunks")
@given(model=bases, change=changes)
def test_merging_a_branch_with_no_changes_of_its_own_is_a_fast_forward(model, change):
    repo = with_base(model)
    branch_with(repo, "feat", change)
    feat = repo.branch_head("feat")
    result = merge(repo, "feat", author=ME)
    assert result.kind is MergeKind.FAST_FORWARD and repo.branch_head("main") == feat
    _, ws = repo.working_set()
    assert ws.working == ws.staged == repo.load_commit(feat).root
    # and the other way round: main has nothing feat lacks
    repo.checkout("feat")
    assert merge(repo, "main", author=ME).kind is MergeKind.UP_TO_DATE


@pytest.mark.usefixtures("small_chunks")
@given(model=bases, ours=changes, theirs=changes)
def test_disjoint_changes_merge_to_one_root_either_way_and_equal_both_diffs_applied(model, ours, theirs):
    theirs = {k: v for k, v in theirs.items() if k not in ours}
    expected = dict(model)
    for change in (ours, theirs):
        for key, row in change.items():
            if row is None:
                expected.pop(key, None)
            else:
                expected[key] = row
    roots = []
    for first, second in (("a", "b"), ("b", "a")):
        repo = with_base(model)
        branch_with(repo, "a", ours)
        branch_with(repo, "b", theirs)
        repo.checkout(first)
        result = merge(repo, second, author=ME)
        assert result.kind in (MergeKind.MERGED, MergeKind.FAST_FORWARD, MergeKind.UP_TO_DATE)
        assert not result.conflicts
        table = repo.table("t", "HEAD")
        roots.append(table.value.address)
        bulk = Table.empty(repo.store, SCHEMA).replace_rows(arrow(expected))
        assert table.value.rows == bulk.value.rows
    assert roots[0] == roots[1]


@pytest.mark.usefixtures("small_chunks")
@given(model=bases, change=changes)
def test_merging_a_commit_into_itself_changes_nothing(model, change):
    repo = with_base(model)
    apply_change(repo, change)
    repo.commit("more", stage_all=True, allow_empty=True, author=ME)
    before = (repo.branch_head("main"), repo.working_set())
    for rev in ("main", "HEAD", "HEAD~1"):
        assert merge(repo, rev, author=ME).kind is MergeKind.UP_TO_DATE
    assert (repo.branch_head("main"), repo.working_set()) == before
    root = repo.resolve_root("HEAD")
    base = repo.resolve_root("HEAD~1")
    for b in (base, root):
        outcome = merge_roots(BufferedStore(repo.store), b, root, root)
        assert outcome.root == root and not outcome.conflicts
