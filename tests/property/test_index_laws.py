"""The index law of issue 14, as a hypothesis property: after any sequence of SQL DML (the
general path and the point fast path), imports (update and replace), merges, cherry-picks,
reverts and resets, every index tree of every table, in the working set and at HEAD, equals the
tree built afresh from the rows; a write refused by a UNIQUE index changes nothing.
"""
from __future__ import annotations

import pyarrow as pa
import pytest
from dl.core.errors import DlError
from dl.core.repo import Author, Repository
from dl.core.tables.importer import ImportMode, import_rows
from dl.core.tables.table import Table
from dl.core.versioning.merge_commits import cherry_pick, merge
from dl.core.versioning.revert import revert
from dl.sql.session import Session
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ME = Author("Prop", "prop@example.com")
CREATE = ("CREATE TABLE t (id BIGINT PRIMARY KEY, a BIGINT, b VARCHAR, KEY ia (a), UNIQUE KEY ub (b), "
          "KEY iab (a, b)); CREATE TABLE k (a BIGINT, b VARCHAR, KEY ka (a))")

ids = st.integers(0, 300)
small = st.integers(-5, 5)
texts = st.one_of(st.none(), st.sampled_from(["x", "y", "z", "w", "v"]), st.text(max_size=4))
rowset = st.lists(st.tuples(ids, small, texts), max_size=25)

ops = st.one_of(
    st.tuples(st.just("insert"), ids, small, texts),
    st.tuples(st.just("replace"), ids, small, texts),
    st.tuples(st.just("set_a"), ids, small),
    st.tuples(st.just("set_b_where_a"), small, texts),
    st.tuples(st.just("delete_range"), ids, st.integers(0, 40)),
    st.tuples(st.just("keyless"), small, texts),
    st.tuples(st.just("import_update"), rowset),
    st.tuples(st.just("import_replace"), rowset),
    st.tuples(st.just("commit")),
    st.tuples(st.just("merge"), rowset.filter(bool), ids),
    st.tuples(st.just("cherry_pick"), rowset.filter(bool)),
    st.tuples(st.just("revert"), ids),
    st.tuples(st.just("reset")),
)


def literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def sql(repo: Repository, text: str) -> None:
    Session(repo).run(text)


def arrow(rows: list[tuple]) -> pa.Table:
    """Rows by id (the last of each id), b made distinct per id (so most land; direct
    statements below collide on the UNIQUE index often)."""
    latest = {i: (a, b if b is None else f"{b}{i}") for i, a, b in rows}
    keys = sorted(latest)
    return pa.table({"id": pa.array(keys, pa.int64()), "a": pa.array([latest[k][0] for k in keys], pa.int64()),
                     "b": pa.array([latest[k][1] for k in keys], pa.string())})


def upsert_sql(rows: list[tuple]) -> str:
    return "; ".join(f"REPLACE INTO t VALUES ({r['id']}, {literal(r['a'])}, {literal(r['b'])})"
                     for r in arrow(rows).to_pylist()) or "SELECT 1"


def commit(repo: Repository, message: str) -> None:
    repo.commit(message, stage_all=True, include_new=True, allow_empty=True, author=ME)


def run(repo: Repository, op: tuple) -> None:
    kind = op[0]
    if kind == "insert":
        sql(repo, f"INSERT INTO t VALUES ({op[1]}, {op[2]}, {literal(op[3])})")
    elif kind == "replace":
        sql(repo, f"REPLACE INTO t VALUES ({op[1]}, {op[2]}, {literal(op[3])})")
    elif kind == "set_a":
        sql(repo, f"UPDATE t SET a = {op[2]} WHERE id = {op[1]}")
    elif kind == "set_b_where_a":
        sql(repo, f"UPDATE t SET b = {literal(op[2])} WHERE a = {op[1]}")
    elif kind == "delete_range":
        sql(repo, f"DELETE FROM t WHERE id BETWEEN {op[1]} AND {op[1] + op[2]}")
    elif kind == "keyless":
        sql(repo, f"INSERT INTO k VALUES ({op[1]}, {literal(op[2])}); DELETE FROM k WHERE a = {op[1] + 1}")
    elif kind in ("import_update", "import_replace"):
        mode = ImportMode.UPDATE if kind == "import_update" else ImportMode.REPLACE
        import_rows(repo, "t", arrow(op[1]), mode, schema=repo.table("t").schema)
    elif kind == "commit":
        commit(repo, "c")
    elif kind == "merge":
        commit(repo, "before merge")
        repo.create_branch("side", "HEAD", force=True)
        repo.checkout("side")
        sql(repo, upsert_sql(op[1]))
        commit(repo, "side")
        repo.checkout("main")
        sql(repo, f"DELETE FROM t WHERE id = {op[2]}")
        commit(repo, "main")
        merge(repo, "side", author=ME)
    elif kind == "cherry_pick":
        commit(repo, "before pick")
        repo.create_branch("pick", "HEAD", force=True)
        repo.checkout("pick")
        sql(repo, upsert_sql(op[1]))
        commit(repo, "to pick")
        repo.checkout("main")
        cherry_pick(repo, "pick", committer=ME)
    elif kind == "revert":
        commit(repo, "before revert")
        sql(repo, f"DELETE FROM t WHERE id < {op[1]}; UPDATE t SET a = a + 1 WHERE a = 0")
        commit(repo, "to revert")
        revert(repo, "HEAD", author=ME)
    elif kind == "reset":
        repo.reset("HEAD~1" if _has_parent(repo, "HEAD~2") else "HEAD", hard=True)  # never past the base


def _has_parent(repo: Repository, rev: str) -> bool:
    try:
        repo.resolve_commit(rev)
        return True
    except DlError:
        return False


def assert_indexes_fresh(repo: Repository) -> None:
    _, ws = repo.working_set()
    head = repo.load_commit(repo.resolve_commit("HEAD")).root
    for label, root in (("working", ws.working), ("HEAD", head)):
        for name, address in repo.load_root(root).tables.items():
            table = Table(repo.store, repo.load_table_value(address))
            assert table.with_indexes_rebuilt().value == table.value, (label, name)


@pytest.mark.usefixtures("small_chunks")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(seed=rowset, steps=st.lists(ops, min_size=1, max_size=12))
def test_every_index_equals_a_fresh_build_after_any_history(seed, steps):
    repo = Repository.in_memory()
    sql(repo, CREATE)
    import_rows(repo, "t", arrow(seed),
                ImportMode.UPDATE, schema=repo.table("t").schema)
    commit(repo, "base")
    for step in steps:
        before = repo.working_set()[1].working
        try:
            run(repo, step)
        except DlError as exc:
            if "duplicate unique key given" in str(exc) and step[0] not in ("merge", "cherry_pick"):
                assert repo.working_set()[1].working == before  # refused whole: nothing written
            if repo.current_branch() != "main":
                repo.reset("HEAD", hard=True)
                repo.checkout("main")
            repo.reset("HEAD", hard=True)
        assert_indexes_fresh(repo)
