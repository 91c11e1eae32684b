"""Version control through `import dl`: named as the CLI, answers as Arrow with Dolt's columns."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

import dl


def test_status_add_commit(repo: dl.Repo) -> None:
    repo.write("t", pa.table({"k": [1, 2]}), pk="k")
    assert repo.status().unstaged == {"t": "added"}
    assert repo.add() == ["t"]
    assert repo.status().staged == {"t": "added"}
    commit = repo.commit("add t", author="Ada Lovelace <ada@example.com>", date="2024-05-01T12:00:00+00:00")
    assert len(commit) == 40
    row = repo.log(limit=1).to_pylist()[0]
    assert (row["commit_hash"], row["author"], row["author_email"], row["message"]) == \
        (commit, "Ada Lovelace", "ada@example.com", "add t")
    assert row["committer"] == "Tess Ter"  # the configured user committed Ada's change
    assert row["author_date"].isoformat() == row["date"].isoformat() == "2024-05-01T12:00:00"
    by = repo.commit("by two", author=("Ada", "ada@x.org"), committer="Cy <cy@x.org>", allow_empty=True,
                     date="2024-05-01T12:00:00+00:00", commit_date="2024-05-02T08:00:00+00:00")
    row = repo.log(limit=1).to_pylist()[0]
    assert (row["commit_hash"], row["committer"], row["email"], row["author"]) == (by, "Cy", "cy@x.org", "Ada")
    assert (row["date"].isoformat(), row["author_date"].isoformat()) == ("2024-05-02T08:00:00", "2024-05-01T12:00:00")
    with pytest.raises(dl.Error, match="nothing to commit"):
        repo.commit("again")


def test_commit_all_stages_changed_tables(repo: dl.Repo) -> None:
    repo.write("t", pa.table({"k": [1]}), pk="k")
    repo.commit("new tables need include_new", all=True, include_new=True)
    repo.sql("insert into t values (2)")
    repo.commit("changed", all=True)
    assert repo.table("t", rev="HEAD").num_rows == 2


def test_log_has_dolt_log_columns_and_matches_sql(people: dl.Repo) -> None:
    log = people.log()
    assert log.column_names == ["commit_hash", "committer", "email", "date", "message", "commit_order",
                                "author", "author_email", "author_date"]
    assert log.column("message").to_pylist() == ["import people", "Initialize data repository"]
    assert log.equals(people.sql("select * from dolt_log").arrow())
    assert people.log("HEAD~1").num_rows == 1
    assert people.log(limit=0).num_rows == 0


def test_diff_of_a_table_and_summary(people: dl.Repo) -> None:
    people.sql("update people set age = 18 where id = 2; delete from people where id = 3")
    rows = people.diff("HEAD", table="people")
    assert rows.equals(people.sql("select * from dolt_diff('HEAD', 'WORKING', 'people')").arrow())
    assert sorted(rows.column("diff_type").to_pylist()) == ["modified", "removed"]
    assert "from_age" in rows.column_names and "to_age" in rows.column_names
    summary = people.diff("HEAD~1", "HEAD")
    assert summary.column_names == ["from_table_name", "to_table_name", "diff_type", "data_change",
                                    "schema_change"]
    assert summary.to_pylist() == [{"from_table_name": "", "to_table_name": "people", "diff_type": "added",
                                    "data_change": True, "schema_change": True}]
    with pytest.raises(dl.NotFound, match="table not found: nope"):
        people.diff("HEAD", table="nope")


def test_branches_checkout_tags(people: dl.Repo) -> None:
    head = people.log().column("commit_hash")[0].as_py()
    assert people.branch("feature") == head
    assert people.branches() == {"feature": head, "main": head}
    people.checkout("feature")
    assert people.active_branch() == "feature"
    people.sql("insert into people values (5, 'Eve', 29)")
    people.commit("eve", all=True)
    people.checkout("main")
    assert people.table("people").num_rows == 4
    people.checkout("fix", new=True, start="feature")
    assert people.active_branch() == "fix" and people.table("people").num_rows == 5
    people.checkout("main")
    people.rename_branch("fix", "fixed")
    assert set(people.branches()) == {"feature", "fixed", "main"}
    assert people.delete_branch("fixed", force=True) == people.branches()["feature"]
    assert people.tag("v1", message="first") == head
    assert people.tags() == {"v1": head}
    assert people.table("people", rev="v1").num_rows == 4
    people.delete_tag("v1")
    assert people.tags() == {}


def test_checkout_and_reset_tables(people: dl.Repo) -> None:
    people.sql("delete from people")
    people.checkout_tables("people")
    assert people.table("people").num_rows == 4
    people.sql("delete from people where id = 1")
    people.add("people")
    people.reset_tables("people")
    assert people.status().staged == {} and people.status().unstaged == {"people": "modified"}


def test_reset(people: dl.Repo) -> None:
    first = people.log().column("commit_hash")[0].as_py()
    people.sql("delete from people where id = 1")
    people.commit("drop Ada", all=True)
    assert people.reset("HEAD~1", hard=True) == first
    assert people.table("people").num_rows == 4
    people.sql("delete from people where id = 1")
    people.commit("drop Ada again", all=True)
    assert people.reset("HEAD~1", soft=True) == first
    assert people.table("people").num_rows == 3 and people.status().staged == {"people": "modified"}


def _diverge(repo: dl.Repo, ours: str, theirs: str) -> None:
    repo.checkout("feat", new=True)
    repo.sql(f"update people set name = '{theirs}' where id = 1")
    repo.commit("theirs", all=True)
    repo.checkout("main")
    repo.sql(f"update people set name = '{ours}' where id = 1")
    repo.commit("ours", all=True)


def test_merge_fast_forward_and_clean(people: dl.Repo) -> None:
    people.checkout("ff", new=True)
    people.sql("insert into people values (5, 'Eve', 29)")
    tip = people.commit("eve", all=True)
    people.checkout("main")
    outcome = people.merge("ff")
    assert (outcome.kind, outcome.commit, outcome.tables, outcome.ok) == ("fast-forward", tip, ["people"], True)
    assert outcome.conflicts.column_names == ["table", "num_conflicts"]
    assert people.merge("ff").kind == "up to date"


def test_merge_conflicts_come_back_as_arrow(people: dl.Repo) -> None:
    _diverge(people, "Ours", "Theirs")
    outcome = people.merge("feat")
    assert outcome.kind == "conflicts" and not outcome.ok
    assert outcome.conflicts.to_pylist() == [{"table": "people", "num_conflicts": 1}]
    rows = people.conflicts("people")
    assert rows.select(["base_name", "our_name", "their_name"]).to_pylist() == \
        [{"base_name": "Ada", "our_name": "Ours", "their_name": "Theirs"}]
    with pytest.raises(dl.MergeConflict):
        people.commit("too early", all=True)
    people.resolve("people", theirs=True)
    people.commit("merged", all=True)
    assert people.table("people").column("name")[0].as_py() == "Theirs"
    assert people.log().column("message")[0].as_py() == "merged"


def test_merge_abort(people: dl.Repo) -> None:
    _diverge(people, "Ours", "Theirs")
    people.merge("feat")
    people.merge_abort()
    assert people.status().merging is None
    assert people.table("people").column("name")[0].as_py() == "Ours"
    assert people.merge_base("main", "feat") == people.log("HEAD~1").column("commit_hash")[0].as_py()


def test_cherry_pick_and_revert(people: dl.Repo) -> None:
    people.checkout("side", new=True)
    people.sql("insert into people values (9, 'Ivy', 9)")
    picked = people.commit("ivy", all=True)
    people.checkout("main")
    outcome = people.cherry_pick(picked)
    assert outcome.kind == "merged" and outcome.commit is not None
    assert 9 in people.table("people").column("id").to_pylist()
    undone = people.revert("HEAD")
    assert undone.commit == people.log().column("commit_hash")[0].as_py()
    assert 9 not in people.table("people").column("id").to_pylist()
    assert people.log().column("message")[0].as_py() == 'Revert "ivy"'


def test_open_finds_the_repository_and_closes(people: dl.Repo, tmp_path: Path) -> None:
    path = people.path
    assert path is not None
    (path / "sub").mkdir()
    with dl.open(path / "sub") as again:
        assert again.path == path and again.tables() == ["people"]
    with pytest.raises(dl.Error, match="closed"):
        again.tables()
    reader = dl.open(path, readonly=True)
    assert reader.table("people").num_rows == 4
    with pytest.raises(dl.SqlError, match="read-only") as failed:
        reader.sql("delete from people")
    assert isinstance(failed.value.cause, dl.StoreError)  # SQL errors keep the core error behind them
    with pytest.raises(dl.StoreError, match="read-only"):
        reader.write("people", pa.table({"id": [5]}), mode="update")
    reader.close()


def test_blame_matches_sql(people: dl.Repo) -> None:
    people.sql("update people set age = 99 where id = 2")
    second = people.commit("Bo is older", all=True)
    rows = people.blame("people")
    names = ["id", "commit", "committer", "email", "message"]
    assert rows.select(names).to_pylist() == \
        people.sql("select * from dolt_blame_people").arrow().select(names).to_pylist()
    by_id = dict(zip(rows.column("id").to_pylist(), rows.column("commit").to_pylist()))
    assert by_id[2] == second and by_id[1] != second
    assert set(people.blame("people", "HEAD~1").column("commit").to_pylist()) != {second}


def test_stash_round_trip(people: dl.Repo) -> None:
    people.sql("delete from people where id = 1")
    saved = people.stash("wip")
    assert people.table("people").num_rows == 4 and people.stash_list() == [saved]
    assert people.stash_pop() == saved
    assert people.table("people").num_rows == 3 and people.stash_list() == []
    people.stash()
    assert people.stash_clear() == 1


def test_fsck_and_gc(people: dl.Repo) -> None:
    people.branch("scratch")
    people.checkout("scratch")
    people.write("big", pa.table({"k": list(range(5000))}), pk="k")
    people.commit("big", all=True, include_new=True)
    people.checkout("main")
    people.delete_branch("scratch", force=True)
    phases: list[str] = []
    result = people.gc(progress=phases.append)
    assert result.chunks_deleted > 0 and phases
    report = people.fsck()
    assert report.ok and report.commits == 2
