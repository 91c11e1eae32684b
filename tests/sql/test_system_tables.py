"""Dolt's system tables and table functions."""
from __future__ import annotations

import pytest
from dl.sql.errors import SqlError
from dl.sql.session import Session

from tests.sql.conftest import rows, value


@pytest.fixture
def history(session: Session) -> tuple[Session, list[str]]:
    """t with three commits: create+fill, update, delete; then an uncommitted insert."""
    hashes = []
    session.run("create table t (id int primary key, v text); insert into t values (1, 'a'), (2, 'b')")
    hashes.append(value(session, "select dolt_commit('-Am', 'one')"))
    session.run("update t set v = 'B' where id = 2")
    hashes.append(value(session, "select dolt_commit('-am', 'two')"))
    session.run("delete from t where id = 1")
    hashes.append(value(session, "select dolt_commit('-am', 'three')"))
    session.run("insert into t values (3, 'c')")
    return session, hashes


def test_dolt_log_and_function(history) -> None:
    session, hashes = history
    assert [r[0] for r in rows(session, "select message from dolt_log")] == \
        ["three", "two", "one", "Initialize data repository"]
    assert rows(session, "select commit_hash, committer, commit_order from dolt_log limit 1") == [(hashes[2], "Tester", 4)]
    assert value(session, "select count(*) from dolt_log('HEAD~1')") == 3
    assert value(session, "select message from dolt_log() limit 1") == "three"
    with pytest.raises(SqlError, match="unknown option"):
        session.run("select * from dolt_log('--oneline')")


def test_dolt_log_function_options(history) -> None:
    """A - B - C (main) with a branch off B: D (feature), then a merge of feature into main: M."""
    session, hashes = history
    session.run("call dolt_commit('-am', 'four'); call dolt_checkout('-b', 'feature', 'HEAD~2')")
    session.run("create table f (id int primary key); call dolt_commit('-Am', 'on feature')")
    feature = value(session, "select dolt_hashof('HEAD')")
    session.run("call dolt_checkout('main'); call dolt_tag('v1', 'HEAD~1')")
    messages = lambda q: [r[0] for r in rows(session, f"select message from dolt_log({q})")]  # noqa: E731
    assert messages("'main..feature'") == ["on feature"]
    assert messages("'feature', '^main'") == messages("'feature', '--not', 'main'") == ["on feature"]
    assert messages("'feature..main'") == ["four", "three"]
    assert messages("'main...feature'") == messages("'feature...main'") == ["four", "on feature", "three"]
    assert messages("'main', 'feature', '--tables', 'f'") == ["on feature"]
    assert messages("'--tables=t'") == ["four", "three", "two", "one"]  # not the first, empty commit
    session.run("call dolt_merge('feature', '--no-ff', '-m', 'merge feature')")
    assert messages("'--merges'") == ["merge feature"]
    merge_parents = value(session, "select parents from dolt_log('--parents', '--min-parents', '2')")
    assert merge_parents.split(", ")[1] == feature
    refs = dict(rows(session, "select message, refs from dolt_log('main', 'feature', '--decorate', 'short')"))
    assert refs["merge feature"] == "HEAD -> main" and refs["on feature"] == "feature" and refs["three"] == "tag: v1"
    assert value(session, "select refs from dolt_log('--decorate=full') limit 1") == "HEAD -> refs/heads/main"
    for bad, match in (("'--decorate', 'loud'", "--decorate takes"), ("'--tables'", "no value for option"),
                       ("'--min-parents', 'x'", "takes a number"), ("'--graph'", "unknown option --graph")):
        with pytest.raises(SqlError, match=match):
            session.run(f"select * from dolt_log({bad})")


def test_dolt_commits_and_ancestors(history) -> None:
    session, hashes = history
    assert value(session, "select count(*) from dolt_commits") == 4
    assert rows(session, f"select parent_hash, parent_index from dolt_commit_ancestors where commit_hash = '{hashes[2]}'") \
        == [(hashes[1], 0)]
    assert value(session, "select count(*) from dolt_commit_ancestors") == 4
    root = value(session, "select commit_hash from dolt_log order by commit_order limit 1")
    assert rows(session, "select parent_hash, parent_index from dolt_commit_ancestors "
                         f"where commit_hash = '{root}'") == [(None, 0)]  # Dolt's NULL parent


def test_dolt_diff_table_working_and_commits(history) -> None:
    session, hashes = history
    assert rows(session, "select to_id, to_v, from_id, diff_type, to_commit, from_commit from dolt_diff_t "
                         "where to_commit = 'WORKING'") == [(3, "c", None, "added", "WORKING", hashes[2])]
    assert rows(session, f"select to_v, from_v, diff_type from dolt_diff_t where to_commit = '{hashes[1]}'") \
        == [("B", "b", "modified")]
    assert rows(session, f"select from_id, diff_type from dolt_diff_t where from_commit = '{hashes[1]}'") \
        == [(1, "removed")]
    all_rows = rows(session, "select diff_type, count(*) from dolt_diff_t group by 1 order by 1")
    assert all_rows == [("added", 3), ("modified", 1), ("removed", 1)]
    names = session.query("select * from dolt_diff_t limit 0").column_names
    assert names == ["to_id", "to_v", "to_commit", "to_commit_date", "from_id", "from_v", "from_commit",
                     "from_commit_date", "diff_type"]
    assert value(session, "select count(*) from dolt_diff_t where to_commit_date is not null "
                          "and to_commit <> 'WORKING'") == 4


def test_dolt_diff_function(history) -> None:
    session, _ = history
    assert rows(session, "select to_id, from_id, diff_type, to_commit, from_commit from dolt_diff('HEAD', 'WORKING', 't')") \
        == [(3, None, "added", "WORKING", "HEAD")]
    assert rows(session, "select diff_type, from_id from dolt_diff('HEAD~2', 'HEAD', 't') order by 2") \
        == [("removed", 1), ("modified", 2)]
    assert value(session, "select count(*) from dolt_diff('HEAD~2..HEAD', 't')") == 2
    with pytest.raises(SqlError, match="table not found"):
        session.run("select * from dolt_diff('HEAD', 'WORKING', 'nosuch')")
    with pytest.raises(SqlError, match="revision not found"):
        session.run("select * from dolt_diff('nosuchrev', 'WORKING', 't')")


def test_diff_stat_and_summary(history) -> None:
    session, _ = history
    assert rows(session, "select table_name, rows_added, rows_deleted, rows_modified from dolt_diff_stat('HEAD~2', 'HEAD')") \
        == [("t", 0, 1, 1)]
    assert rows(session, "select to_table_name, diff_type, data_change, schema_change from dolt_diff_summary('HEAD', 'WORKING')") \
        == [("t", "modified", True, False)]


def test_dolt_diff_system_table(history) -> None:
    session, _ = history
    assert rows(session, "select commit_hash, table_name from dolt_diff order by date nulls first limit 2")[0] == ("WORKING", "t")
    assert value(session, "select count(*) from dolt_diff where table_name = 't'") == 4


def test_dolt_history_table(history) -> None:
    session, hashes = history
    got = rows(session, "select h.commit_hash, id, v from dolt_history_t h join dolt_log l "
                        "on l.commit_hash = h.commit_hash order by l.commit_order desc, id")
    assert got == [(hashes[2], 2, "B"), (hashes[1], 1, "a"), (hashes[1], 2, "B"), (hashes[0], 1, "a"), (hashes[0], 2, "b")]
    assert value(session, "select count(*) from dolt_history_t where id = 2") == 3
    assert value(session, "select committer from dolt_history_t limit 1") == "Tester"


def test_dolt_status(history) -> None:
    session, _ = history
    assert rows(session, "select * from dolt_status") == [("t", False, "modified")]
    session.run("call dolt_add('t'); create table n (id int)")
    assert rows(session, "select * from dolt_status order by table_name") == [("n", False, "new table"), ("t", True, "modified")]


def test_branches_and_tags(history) -> None:
    session, hashes = history
    session.run("call dolt_branch('feature', 'HEAD~1'); call dolt_tag('v1', 'HEAD~2', '-m', 'first release')")
    assert rows(session, "select name, hash, dirty from dolt_branches order by name") == \
        [("feature", hashes[1], False), ("main", hashes[2], True)]
    assert rows(session, "select tag_name, tag_hash, message from dolt_tags") == [("v1", hashes[0], "first release")]
    assert value(session, "select count(*) from t as of 'v1'") == 2
    assert rows(session, "select id, v from t as of 'HEAD~2' order by id") == [(1, "a"), (2, "b")]
    assert rows(session, f"select v from t as of '{hashes[1]}' where id = 2") == [("B",)]
    assert rows(session, "select v from t as of 'main^' where id = 2") == [("B",)]
    assert value(session, "select v from t as of 'feature' where id = 2") == "B"


def test_conflicts_table(session: Session) -> None:
    session.run("set @@dolt_allow_commit_conflicts = 1")  # keep the merge's conflicts
    session.run("create table t (id int primary key, v text); insert into t values (1, 'base')")
    session.run("call dolt_commit('-Am', 'base'); call dolt_checkout('-b', 'other')")
    session.run("update t set v = 'theirs'; call dolt_commit('-am', 'theirs'); call dolt_checkout('main')")
    session.run("update t set v = 'ours'; call dolt_commit('-am', 'ours')")
    assert value(session, "select count(*) from dolt_conflicts_t") == 0
    merged = session.query("call dolt_merge('other')")
    assert merged.column("conflicts")[0].as_py() == 1
    assert rows(session, "select base_v, our_v, their_v from dolt_conflicts_t") == [("base", "ours", "theirs")]
    assert rows(session, "select * from dolt_conflicts") == [("t", 1)]
    assert rows(session, "select * from dolt_status") == [("t", False, "conflict")]
    session.run("call dolt_conflicts_resolve('--theirs', 't')")
    assert value(session, "select v from t") == "theirs"
    session.run("call dolt_commit('-am', 'merged')")
    head = value(session, "select dolt_hashof('HEAD')")
    assert value(session, f"select count(*) from dolt_commit_ancestors where commit_hash = '{head}'") == 2


def test_unknown_system_names(session: Session) -> None:
    with pytest.raises(SqlError, match="table not found: nosuch"):
        session.run("select * from dolt_diff_nosuch")
    with pytest.raises(SqlError, match="unknown table function"):
        session.run("select * from dolt_nosuch('x')")


def test_dolt_diff_function_uses_each_sides_schema(history) -> None:
    session, _ = history
    session.run("call dolt_commit('-am', 'four'); alter table t add column w int; update t set w = 7 where id = 3")
    table = session.query("select * from dolt_diff('HEAD', 'WORKING', 't')")
    assert table.column_names == ["to_id", "to_v", "to_w", "to_commit", "to_commit_date",
                                  "from_id", "from_v", "from_commit", "from_commit_date", "diff_type"]
    assert rows(session, "select to_id, to_w, from_id, from_v, diff_type from dolt_diff('HEAD', 'WORKING', 't') "
                         "where to_id = 3") == [(3, 7, 3, "c", "modified")]
    backwards = session.query("select * from dolt_diff('WORKING', 'HEAD', 't')").column_names
    assert "from_w" in backwards and "to_w" not in backwards


def test_dolt_commit_diff_table(history) -> None:
    session, hashes = history
    got = rows(session, f"select to_id, to_v, from_id, from_v, diff_type from dolt_commit_diff_t "
                        f"where from_commit = '{hashes[0]}' and to_commit = '{hashes[2]}'")
    assert got == [(None, None, 1, "a", "removed"), (2, "B", 2, "b", "modified")]
    assert value(session, "select count(*) from dolt_commit_diff_t "
                          "where from_commit = dolt_hashof('HEAD') and to_commit = 'WORKING'") == 1
    with pytest.raises(SqlError, match="needs from_commit"):
        session.run("select * from dolt_commit_diff_t")


AUTHOR = " author:s author_email:s author_date:ts"  # Dolt keeps the author apart from the committer
DOLT_COLUMNS = {  # Dolt's columns and kinds (docs.dolthub.com, "System tables"; go/.../dtables)
    "dolt_log": "commit_hash:s committer:s email:s date:ts message:s commit_order:i" + AUTHOR,
    "dolt_log()": "commit_hash:s committer:s email:s date:ts message:s commit_order:i" + AUTHOR,
    "dolt_commits": "commit_hash:s committer:s email:s date:ts message:s" + AUTHOR,
    "dolt_commit_ancestors": "commit_hash:s parent_hash:s parent_index:i",
    "dolt_branches": "name:s hash:s latest_committer:s latest_committer_email:s latest_commit_date:ts "
                     "latest_commit_message:s remote:s branch:s dirty:b latest_author:s latest_author_email:s "
                     "latest_author_date:ts",
    "dolt_tags": "tag_name:s tag_hash:s tagger:s email:s date:ts message:s",
    "dolt_status": "table_name:s staged:i status:s",  # a byte in Dolt, 1 or 0
    "dolt_diff": "commit_hash:s table_name:s committer:s email:s date:ts message:s data_change:b schema_change:b"
                 + AUTHOR,
    "dolt_history_t": "id:i v:s commit_hash:s committer:s commit_date:ts",
    "dolt_diff_t": "to_id:i to_v:s to_commit:s to_commit_date:ts from_id:i from_v:s from_commit:s "
                   "from_commit_date:ts diff_type:s",
}


def test_system_tables_have_dolts_columns_and_types(history) -> None:
    import pyarrow as pa
    session, _ = history
    kinds = {"s": pa.types.is_string, "i": pa.types.is_integer, "ts": pa.types.is_timestamp, "b": pa.types.is_boolean}
    for name, spec in DOLT_COLUMNS.items():
        schema = session.query(f"select * from {name} limit 0").schema
        expected = [item.split(":") for item in spec.split()]
        assert schema.names == [n for n, _ in expected], name
        for (column, kind), field in zip(expected, schema):
            assert kinds[kind](field.type), (name, column, field.type)


def test_diff_table_shows_values_a_narrowed_column_cannot_hold_as_null(session: Session) -> None:
    """After ALTERs narrow VARCHAR(20) to VARCHAR(10) and INT to TINYINT, old rows show in the
    current schema: each value that no longer fits is NULL, the others of its column are kept
    (Dolt's system-tables.bats 'when column types have been narrowed')."""
    session.run("create table t (pk int primary key, col1 varchar(20), col2 int)")
    session.run("call dolt_commit('-Am', 'new table t')")
    session.run("insert into t values (1, '123456789012345', 420), (2, 'short', 7)")
    session.run("call dolt_commit('-am', 'inserting rows')")
    session.run("update t set col1 = '1234567890', col2 = 13 where pk = 1")
    session.run("alter table t modify column col1 varchar(10)")
    session.run("alter table t modify column col2 tinyint")
    session.run("call dolt_commit('-am', 'narrowing types')")
    query = ("select to_pk, to_col1, to_col2, from_pk, from_col1, from_col2, diff_type from dolt_diff_t "
             "order by from_commit_date, to_pk")
    assert rows(session, query) == [(1, None, None, None, None, None, "added"),
                                    (2, "short", 7, None, None, None, "added"),
                                    (1, "1234567890", 13, 1, None, None, "modified")]


def test_dolt_schema_diff_gives_both_create_statements_of_each_changed_table(session: Session) -> None:
    session.run("create table test (pk int primary key, c1 int, c2 int); create table same (id int primary key)")
    one = value(session, "select dolt_commit('-Am', 'one')")
    session.run("alter table test drop column c2; alter table test add column c3 varchar(10)")
    session.run("create table added (id int primary key); drop table same")
    two = value(session, "select dolt_commit('-Am', 'two')")
    found = rows(session, f"select * from dolt_schema_diff('{one}', '{two}')")
    assert [r[:2] for r in found] == [("same", ""), ("", "added"), ("test", "test")]  # by to name
    same, added, test = found
    assert same[2].startswith("CREATE TABLE `same` (") and same[3] == ""
    assert added[2] == "" and added[3].startswith("CREATE TABLE `added` (")
    assert "  `c2` int,\n" in test[2] and "  `c3` varchar(10),\n" in test[3]
    assert test[3].endswith(") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;")
    assert rows(session, f"select * from dolt_schema_diff('{two}', '{one}', 'test')") == [("test", "test", test[3], test[2])]
    assert rows(session, f"select * from dolt_schema_diff('{one}..{two}', 'added')") == [added]
    assert rows(session, f"select * from dolt_schema_diff('{two}', '{two}')") == []
    assert rows(session, "select from_table_name from dolt_schema_diff('HEAD', 'WORKING')") == []
    with pytest.raises(SqlError, match="takes a from and a to revision"):
        session.run("select * from dolt_schema_diff('HEAD')")


def test_dolt_query_diff_matches_rows_by_the_key_of_the_table_both_queries_read(session: Session) -> None:
    session.run("create table t (pk int primary key, v text); insert into t values (1, 'a'), (2, 'b'), (3, 'c')")
    session.run("call dolt_commit('-Am', 'one')")
    session.run("update t set v = 'B' where pk = 2; delete from t where pk = 3; insert into t values (4, 'd')")
    found = rows(session, "select * from dolt_query_diff('select * from t as of ''HEAD''', 'select * from t')")
    assert found == [(2, "b", 2, "B", "modified"), (3, "c", None, None, "deleted"), (None, None, 4, "d", "added")]
    names = session.query("select * from dolt_query_diff('select pk from t', 'select pk from t')").column_names
    assert names == ["from_pk", "to_pk", "diff_type"]
    assert rows(session, "select * from dolt_query_diff('select * from t', 'select * from t')") == []


def test_dolt_query_diff_without_a_key_compares_whole_rows(session: Session) -> None:
    session.run("create table k (v int); insert into k values (1), (1), (2)")
    # the same columns, no key: rows as a multiset
    assert sorted(rows(session, "select * from dolt_query_diff('select v from k', 'select v from k where v > 1')"),
                  key=str) == [(1, None, "deleted"), (1, None, "deleted")]
    # different columns: every row of the first deleted, every row of the second added (Dolt's rule)
    assert rows(session, "select * from dolt_query_diff('select 1 as a', 'select ''x'' as b')") == \
        [(1, None, "deleted"), (None, "x", "added")]
    with pytest.raises(SqlError, match="query must be a SELECT statement"):
        session.run("select * from dolt_query_diff('delete from k', 'select 1')")
    with pytest.raises(SqlError, match="takes two queries"):
        session.run("select * from dolt_query_diff('select 1')")
