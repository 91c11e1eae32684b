"""Every merge case issue 6 lists, on the Python API: outcomes, conflicts and their resolution,
schema merges and conflicts, criss-cross bases, cherry-pick and revert, conflict rows removed
one by one (what SQL's DELETE FROM dolt_conflicts_<t> does)."""
from __future__ import annotations

import pyarrow as pa
import pytest
from dl.core.errors import DlError, MergeConflict
from dl.core.repo import Author, Repository
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table
from dl.core.versioning.blame import blame
from dl.core.versioning.merge_commits import (
    MergeKind,
    abort_merge,
    cherry_pick,
    conflicts_of,
    continue_cherry_pick,
    delete_conflict_rows,
    merge,
    resolve_conflicts,
    schema_conflicts_of,
)
from dl.core.versioning.revert import revert
from dl.core.versioning.three_way_merge import PrimaryKeyMismatch, SchemaConflict

from tests.core.test_merge import ME, SCHEMA, base_repo, commit, edit, rows

OTHER = Author("Bo", "bo@example.com")


@pytest.fixture
def repo() -> Repository:
    return base_repo()


def diverge(repo: Repository, theirs, ours, branch: str = "feat") -> None:
    """`theirs(repo)` committed on a new branch, `ours(repo)` committed on main."""
    repo.create_branch(branch)
    repo.checkout(branch)
    theirs(repo)
    commit(repo, branch)
    repo.checkout("main")
    ours(repo)
    commit(repo, "main")


def parents(repo: Repository, rev: str = "HEAD") -> int:
    return len(repo.load_commit(repo.resolve_commit(rev)).parents)


def test_clean_three_way_merge_of_different_rows(repo):
    diverge(repo, lambda r: edit(r, "t", [(4, 40, "w")], deletes=[3]), lambda r: edit(r, "t", [(1, 11, "x")]))
    result = merge(repo, "feat", message="combine")
    assert result.kind is MergeKind.MERGED and result.tables == ["t"]
    assert rows(repo, rev="HEAD") == {1: (11, "x"), 2: (20, "y"), 4: (40, "w")}
    head = repo.load_commit(repo.branch_head("main"))
    assert head.message == "combine" and head.parents == (repo.resolve_commit("main~1"), repo.branch_head("feat"))
    assert repo.is_clean()


def test_default_message_names_the_branch(repo):
    diverge(repo, lambda r: edit(r, "t", [(4, 40, "w")]), lambda r: edit(r, "t", [(5, 50, "v")]))
    merge(repo, "feat")
    assert repo.log(limit=1)[0][1].message == "Merge branch 'feat' into main"


def test_cell_level_merge_of_one_row(repo):
    diverge(repo, lambda r: edit(r, "t", [(2, 21, "y")]), lambda r: edit(r, "t", [(2, 20, "why")]))
    assert merge(repo, "feat").kind is MergeKind.MERGED
    assert rows(repo, rev="HEAD")[2] == (21, "why")


def test_insert_of_the_same_key_with_different_values(repo):
    diverge(repo, lambda r: edit(r, "t", [(9, 1, "theirs")]), lambda r: edit(r, "t", [(9, 1, "ours")]))
    result = merge(repo, "feat")
    assert result.kind is MergeKind.CONFLICTS and result.conflicts == {"t": 1}
    [row] = conflicts_of(repo)["t"].to_pylist()
    assert (row["base_id"], row["our_b"], row["their_b"]) == (None, "ours", "theirs")
    assert (row["our_diff_type"], row["their_diff_type"]) == ("added", "added")
    assert rows(repo)[9] == (1, "ours")
    resolve_conflicts(repo, ["t"], theirs=True)
    assert rows(repo)[9] == (1, "theirs")


def test_the_same_insert_on_both_sides_is_no_conflict(repo):
    diverge(repo, lambda r: edit(r, "t", [(9, 1, "same")]), lambda r: edit(r, "t", [(9, 1, "same"), (8, 0, "")]))
    assert merge(repo, "feat").kind is MergeKind.MERGED


def test_update_against_delete_resolved_theirs_deletes(repo):
    diverge(repo, lambda r: edit(r, "t", deletes=[2]), lambda r: edit(r, "t", [(2, 22, "y")]))
    assert merge(repo, "feat").kind is MergeKind.CONFLICTS
    [row] = conflicts_of(repo)["t"].to_pylist()
    assert (row["our_diff_type"], row["their_diff_type"], row["their_id"], row["our_a"]) == \
        ("modified", "removed", None, 22)
    resolve_conflicts(repo, ["t"], theirs=True)
    assert 2 not in rows(repo)
    repo.commit("merged", stage_all=True, author=ME)
    assert 2 not in rows(repo, rev="HEAD") and parents(repo) == 2


def test_delete_against_update_resolved_ours_keeps_the_delete(repo):
    diverge(repo, lambda r: edit(r, "t", [(2, 22, "y")]), lambda r: edit(r, "t", deletes=[2]))
    assert merge(repo, "feat").kind is MergeKind.CONFLICTS
    [row] = conflicts_of(repo)["t"].to_pylist()
    assert (row["our_diff_type"], row["their_diff_type"], row["their_a"]) == ("removed", "modified", 22)
    resolve_conflicts(repo, ["t"], theirs=False)
    assert 2 not in rows(repo) and repo.status().conflicts == []


def test_conflict_rows_removed_one_by_one_after_editing_the_table(repo):
    diverge(repo, lambda r: edit(r, "t", [(1, 1, "t1"), (2, 2, "t2")]),
            lambda r: edit(r, "t", [(1, 1, "o1"), (2, 2, "o2")]))
    merge(repo, "feat")
    ids = {r["our_id"]: r["dolt_conflict_id"] for r in conflicts_of(repo)["t"].to_pylist()}
    assert set(conflicts_of(repo)["t"].column("from_root_ish").to_pylist()) == {repo.branch_head("feat").hex}
    edit(repo, "t", [(1, 1, "mine")])
    assert delete_conflict_rows(repo, "t", [ids[1], "no-such-id"]) == 1
    assert repo.status().conflicts == ["t"] and conflicts_of(repo)["t"].num_rows == 1
    with pytest.raises(MergeConflict):
        repo.commit("blocked", stage_all=True, author=ME)
    assert delete_conflict_rows(repo, "t", [ids[2]]) == 1
    assert repo.status().conflicts == [] and conflicts_of(repo) == {}
    repo.commit("merged", stage_all=True, author=ME)
    assert rows(repo, rev="HEAD")[1] == (1, "mine") and rows(repo, rev="HEAD")[2] == (2, "o2")
    assert parents(repo) == 2


def test_resolve_ignores_tables_without_conflicts_and_names_missing_ones(repo):
    edit(repo, "u", [(1, 1, "u")])
    commit(repo, "u")
    diverge(repo, lambda r: edit(r, "t", [(1, 1, "a")]), lambda r: edit(r, "t", [(1, 1, "b")]))
    merge(repo, "feat")
    with pytest.raises(DlError, match="nope"):
        resolve_conflicts(repo, ["t", "nope"], theirs=True)
    assert repo.status().conflicts == ["t"]
    resolve_conflicts(repo, ["u", "t"], theirs=True)
    assert repo.status().conflicts == [] and rows(repo)[1] == (1, "a")


def test_abort_restores_the_working_set_with_other_uncommitted_tables(repo):
    edit(repo, "u", [(1, 1, "u")])
    commit(repo, "u")
    diverge(repo, lambda r: edit(r, "t", [(1, 1, "a")]), lambda r: edit(r, "t", [(1, 1, "b")]))
    edit(repo, "u", [(2, 2, "dirty")])
    before = repo.working_set()[1]
    assert merge(repo, "feat").kind is MergeKind.CONFLICTS
    with pytest.raises(DlError, match="merge is already in progress"):
        merge(repo, "feat")
    abort_merge(repo)
    after = repo.working_set()[1]
    assert (after.working, after.staged, after.merge) == (before.working, before.staged, None)
    with pytest.raises(DlError, match="no merge in progress"):
        abort_merge(repo)


def test_squash_then_commit_has_one_parent(repo):
    diverge(repo, lambda r: edit(r, "t", [(4, 40, "w")]), lambda r: edit(r, "t", [(5, 50, "v")]))
    assert merge(repo, "feat", squash=True).kind is MergeKind.SQUASHED
    assert repo.status().staged == {"t": "modified"} and repo.status().merging is None
    repo.commit("squashed", author=ME)
    assert parents(repo) == 1 and {4, 5} <= set(rows(repo, rev="HEAD"))


def test_squash_of_a_fast_forward_stages_without_moving_the_branch(repo):
    repo.create_branch("feat")
    repo.checkout("feat")
    edit(repo, "t", [(4, 40, "w")])
    commit(repo, "feat")
    repo.checkout("main")
    head = repo.branch_head("main")
    assert merge(repo, "feat", squash=True).kind is MergeKind.SQUASHED
    assert repo.branch_head("main") == head and 4 in rows(repo, rev="STAGED")


def test_squash_and_no_ff_exclude_each_other(repo):
    repo.create_branch("feat")
    with pytest.raises(DlError, match="--squash and --no-ff"):
        merge(repo, "feat", squash=True, no_ff=True)


def test_merge_over_uncommitted_changes_of_untouched_tables_keeps_them(repo):
    edit(repo, "u", [(1, 1, "u")])
    commit(repo, "u")
    diverge(repo, lambda r: edit(r, "t", [(4, 40, "w")]), lambda r: edit(r, "t", [(5, 50, "v")]))
    edit(repo, "u", [(2, 2, "dirty")])
    assert merge(repo, "feat").kind is MergeKind.MERGED
    assert 2 in rows(repo, "u") and 2 not in rows(repo, "u", "HEAD") and 4 in rows(repo, rev="HEAD")


def test_fast_forward_refuses_uncommitted_changes_of_the_table(repo):
    repo.create_branch("feat")
    repo.checkout("feat")
    edit(repo, "t", [(4, 40, "w")])
    commit(repo, "feat")
    repo.checkout("main")
    edit(repo, "t", [(5, 50, "dirty")])
    before = repo.working_set()
    with pytest.raises(DlError, match="local changes would be stomped by merge: t"):
        merge(repo, "feat")
    assert repo.working_set() == before


def test_unrelated_histories_are_refused():
    a = Repository.in_memory()
    b_head = Repository.in_memory().branch_head("main")
    with pytest.raises(DlError):
        merge(a, b_head.hex)


def _wider(kind: pa.DataType, name: str = "c") -> TableSchema:
    return TableSchema(SCHEMA.columns + (Column(name, kind),), ("id",))


def _retype(schema: TableSchema):
    def build(cur, buf):
        old = Table(buf, cur.value).scan()
        return Table.empty(buf, schema).replace_rows(old.select([n for n in schema.names if n in old.column_names]))
    return build


def test_the_same_column_added_on_both_sides_merges(repo):
    diverge(repo, lambda r: (r.write_table("t", _retype(_wider(pa.int64()))), edit(r, "t", [(4, 4, "w")], schema=_wider(pa.int64()))),
            lambda r: r.write_table("t", _retype(_wider(pa.int64()))))
    assert merge(repo, "feat").kind is MergeKind.MERGED
    table = repo.table("t", "HEAD")
    assert table.schema == _wider(pa.int64()) and table.count() == 4


def test_column_added_on_one_side_takes_the_default_for_existing_rows(repo):
    with_default = TableSchema(SCHEMA.columns + (Column("c", pa.int64(), default=7),), ("id",))
    diverge(repo, lambda r: r.write_table("t", _retype(with_default)), lambda r: edit(r, "t", [(5, 50, "v")]))
    assert merge(repo, "feat").kind is MergeKind.MERGED
    got = {r["id"]: r["c"] for r in repo.table("t", "HEAD").scan().to_pylist()}
    assert got == {1: 7, 2: 7, 3: 7, 5: 7}


def test_primary_key_change_is_a_schema_conflict_and_changes_nothing(repo):
    rekeyed = TableSchema(SCHEMA.columns, ("id", "a"))
    diverge(repo, lambda r: r.write_table("t", _retype(rekeyed)), lambda r: edit(r, "t", [(5, 50, "v")]))
    before = repo.working_set()
    with pytest.raises(PrimaryKeyMismatch, match="^cannot merge because table t has different primary keys$"):
        merge(repo, "feat")  # never recorded, as Dolt: rows keyed differently cannot be lined up
    assert repo.working_set() == before and repo.branch_head("main") == repo.resolve_commit("HEAD")
    with pytest.raises(PrimaryKeyMismatch, match="different primary keys$"):
        cherry_pick(repo, "feat")


def test_column_dropped_on_one_side_and_changed_on_the_other_conflicts(repo):
    narrow = TableSchema(SCHEMA.columns[:2], ("id",))
    changed = TableSchema(SCHEMA.columns[:2] + (Column("b", pa.string(), default="?"),), ("id",))
    diverge(repo, lambda r: r.write_table("t", _retype(narrow)), lambda r: r.write_table("t", _retype(changed)))
    assert merge(repo, "feat").schema_conflicts == ["t"]
    [found] = schema_conflicts_of(repo)
    assert found.description == "column b was changed on ours and dropped on theirs"
    abort_merge(repo)
    with pytest.raises(SchemaConflict, match="^merge aborted: schema conflict found for table t; please resolve "
                                             "schema conflicts before merging: column b was changed on ours "
                                             "and dropped on theirs$"):
        cherry_pick(repo, "feat")  # cherry-pick stops instead, as Dolt's


def test_criss_cross_merges_from_a_virtual_base(repo):
    """Both single bases would conflict; the bases merged together do not."""
    repo.create_branch("b")
    repo.create_branch("a")
    repo.checkout("a")
    edit(repo, "t", [(1, 1, "x")])
    a1 = commit(repo, "A1")
    repo.checkout("b")
    edit(repo, "t", [(2, 2, "y")])
    b1 = commit(repo, "B1")
    merge(repo, a1.hex, message="M2", author=ME)
    edit(repo, "t", [(2, 6, "y")])
    commit(repo, "B2")
    repo.checkout("a")
    merge(repo, b1.hex, message="M1", author=ME)
    edit(repo, "t", [(1, 2, "x")])
    commit(repo, "A2")
    assert repo.merge_base("a", "b") in (a1, b1)
    from dl.core.versioning.commit import merge_bases
    assert set(merge_bases(repo.load_commit, repo.branch_head("a"), repo.branch_head("b"))) == {a1, b1}
    repo.checkout("b")
    assert merge(repo, "a", author=ME).kind is MergeKind.MERGED
    assert rows(repo, rev="HEAD")[1] == (2, "x") and rows(repo, rev="HEAD")[2] == (6, "y")


def test_cherry_pick_keeps_message_and_author(repo):
    repo.create_branch("other")
    repo.checkout("other")
    edit(repo, "t", [(7, 7, "seven")])
    picked = repo.commit("add 7", stage_all=True, author=OTHER)
    repo.checkout("main")
    result = cherry_pick(repo, picked.hex)
    made = repo.load_commit(result.commit)
    assert (made.message, made.author, made.email, made.parents) == \
        ("add 7", OTHER.name, OTHER.email, (repo.resolve_commit("HEAD~1"),))
    with pytest.raises(DlError, match="nothing to cherry-pick"):
        cherry_pick(repo, picked.hex)


def test_cherry_pick_conflict_then_abort_or_resolve(repo):
    repo.create_branch("other")
    repo.checkout("other")
    edit(repo, "t", [(1, 99, "theirs")])
    picked = commit(repo, "theirs 1")
    repo.checkout("main")
    edit(repo, "t", [(1, 11, "ours")])
    commit(repo, "ours 1")
    head = repo.branch_head("main")
    result = cherry_pick(repo, picked.hex)
    assert result.kind is MergeKind.CONFLICTS and repo.branch_head("main") == head
    assert repo.status().conflicts == ["t"] and not repo.is_clean()
    abort_merge(repo)
    assert repo.is_clean()
    cherry_pick(repo, picked.hex)
    with pytest.raises(MergeConflict):
        continue_cherry_pick(repo)
    resolve_conflicts(repo, ["t"], theirs=True)
    made = repo.load_commit(continue_cherry_pick(repo))
    assert (made.message, made.author, made.parents) == ("theirs 1", ME.name, (head,))
    assert rows(repo, rev="HEAD")[1] == (99, "theirs") and repo.is_clean()
    with pytest.raises(DlError, match="There is no cherry-pick merge to continue"):
        continue_cherry_pick(repo)


def test_revert_of_several_commits_is_one_commit_each(repo):
    edit(repo, "t", [(4, 4, "four")])
    commit(repo, "add 4")
    edit(repo, "t", [(1, 100, "x")])
    commit(repo, "set 100")
    before = repo.resolve_commit("HEAD")
    result = revert(repo, ["HEAD", "HEAD~1"])  # both named before the first revert moves HEAD
    assert rows(repo, rev="HEAD") == {1: (10, "x"), 2: (20, "y"), 3: (30, "z")}
    assert repo.load_commit(result.commit).message == 'Revert "add 4"'
    assert repo.load_commit(repo.resolve_commit("HEAD~1")).message == 'Revert "set 100"'
    assert repo.resolve_commit("HEAD~2") == before and parents(repo) == 1


def test_revert_conflict_is_stored_and_resolvable(repo):
    edit(repo, "t", [(1, 100, "x")])
    commit(repo, "set 100")
    edit(repo, "t", [(1, 200, "x")])
    commit(repo, "set 200")
    result = revert(repo, "HEAD~1")
    assert result.kind is MergeKind.CONFLICTS
    [row] = conflicts_of(repo)["t"].to_pylist()
    assert (row["base_a"], row["our_a"], row["their_a"]) == (100, 200, 10)
    resolve_conflicts(repo, ["t"], theirs=True)
    assert rows(repo)[1] == (10, "x")


def test_revert_refuses_merge_commits_and_the_root(repo):
    with pytest.raises(DlError, match="no parent"):
        revert(repo, "HEAD~1")
    diverge(repo, lambda r: edit(r, "t", [(4, 4, "w")]), lambda r: edit(r, "t", [(5, 5, "v")]))
    merge(repo, "feat")
    with pytest.raises(DlError, match="merge commit"):
        revert(repo, "HEAD")


def test_blame_follows_a_merged_branch(repo):
    diverge(repo, lambda r: edit(r, "t", [(4, 40, "w"), (2, 21, "y")]), lambda r: edit(r, "t", [(2, 20, "why")]))
    merge(repo, "feat", message="merge feat")
    result = {r["id"]: r["message"] for r in blame(repo, "t").to_pylist()}
    assert result == {1: "base", 2: "merge feat", 3: "base", 4: "feat"}
    assert blame(repo, "t").column_names == ["id", "commit", "commit_date", "committer", "email", "message"]


def test_table_dropped_on_one_side_and_changed_on_the_other_conflicts(repo):
    diverge(repo, lambda r: r.write_table("t", lambda cur, buf: None), lambda r: edit(r, "t", [(1, 1, "x")]))
    ours_before = repo.load_root(repo.working_set()[1].working).tables["t"]
    result = merge(repo, "feat")
    assert result.kind is MergeKind.CONFLICTS and result.schema_conflicts == ["t"]
    assert repo.load_root(repo.working_set()[1].working).tables["t"] == ours_before  # kept as ours has it
    [found] = schema_conflicts_of(repo)
    assert (found.theirs, found.description) == (None, "cannot merge a table deletion with data modification")
    assert found.ours == found.base == SCHEMA
    assert repo.status().schema_conflicts == ["t"] and not repo.is_clean()
    abort_merge(repo)
    with pytest.raises(SchemaConflict, match="table t; .*: table was modified in one branch and deleted in the other$"):
        cherry_pick(repo, "feat")


def test_a_table_dropped_against_a_schema_change_is_described_so(repo):
    wider = TableSchema(SCHEMA.columns + (Column("c", pa.int64()),), ("id",))
    diverge(repo, lambda r: r.write_table("t", _retype(wider)), lambda r: r.write_table("t", lambda cur, buf: None))
    assert merge(repo, "feat").schema_conflicts == ["t"]
    [found] = schema_conflicts_of(repo)
    assert (found.ours, found.theirs, found.description) == \
        (None, wider, "cannot merge a table deletion with schema modification")
    assert "t" not in repo.load_root(repo.working_set()[1].working).tables


def test_a_table_added_on_both_sides_merges_by_key(repo):
    diverge(repo, lambda r: edit(r, "n", [(1, 1, "same"), (2, 2, "theirs")]),
            lambda r: edit(r, "n", [(1, 1, "same"), (2, 2, "ours"), (3, 3, "only ours")]))
    assert merge(repo, "feat").conflicts == {"n": 1}
    [row] = conflicts_of(repo)["n"].to_pylist()
    assert (row["our_b"], row["their_b"], row["our_diff_type"]) == ("ours", "theirs", "added")
    assert rows(repo, "n") == {1: (1, "same"), 2: (2, "ours"), 3: (3, "only ours")}


def test_a_column_retyped_on_one_side_takes_the_other_sides_rows_converted(repo):
    wider = TableSchema((SCHEMA.columns[0], Column("a", pa.float64()), SCHEMA.columns[2]), ("id",))
    diverge(repo, lambda r: edit(r, "t", [(2, 21, "y"), (5, 50, "new")]), lambda r: r.write_table("t", _retype(wider)))
    assert merge(repo, "feat").kind is MergeKind.MERGED
    table = repo.table("t", "HEAD")
    assert table.schema == wider
    assert {r["id"]: r["a"] for r in table.scan().to_pylist()} == {1: 10.0, 2: 21.0, 3: 30.0, 5: 50.0}
