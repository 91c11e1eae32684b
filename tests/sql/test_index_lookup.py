"""Predicates on an index's leading column read the index and the rows it names, not the table
(counted chunk reads), and always give the answer a scan gives."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
import sqlglot
from dl.core.prolly.tree import NODE_CACHE
from dl.core.repo import Repository
from dl.core.store.counting import CountingStore
from dl.core.tables.indexes import IndexDef
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table
from dl.sql import index_lookup
from dl.sql.session import Session
from sqlglot import exp

from tests.sql.conftest import rows

N = 20_000


def _load(repo: Repository, name: str, data: pa.Table, key: list[str], indexes: list[IndexDef]) -> None:
    schema = TableSchema.from_arrow(data.schema, key).with_indexes(indexes)
    repo.write_table(name, lambda cur, buf: Table.empty(buf, schema).replace_rows(data))


@pytest.fixture
def big(small_chunks) -> tuple[Session, CountingStore]:
    repo = Repository.in_memory()
    counting = CountingStore(repo.store)
    repo.store = counting
    rng = np.random.default_rng(7)
    data = pa.table({"id": pa.array(np.arange(N), pa.int64()),
                     "email": pa.array([f"user{i:05d}@x.org" for i in rng.permutation(N)]),
                     "grp": pa.array(rng.integers(0, 1000, N), pa.int64()),
                     "f": pa.array(rng.random(N))})
    data = data.set_column(3, "f", pa.array([None if i % 7 == 0 else v for i, v in enumerate(data.column("f").to_pylist())], pa.float64()))
    _load(repo, "t", data, ["id"], [IndexDef("by_email", ("email",), True), IndexDef("by_grp", ("grp", "f"))])
    _load(repo, "k", data, [], [IndexDef("k_grp", ("grp",))])  # keyless
    return Session(repo), counting


def reads(session: Session, counting: CountingStore, text: str):
    NODE_CACHE.clear()
    session._cache = type(session._cache)()
    counting.reset()
    result = rows(session, text)
    return result, counting.reads


def test_equality_on_unique_index_reads_a_few_paths(big) -> None:
    """The index path, the row path, and the internal nodes the estimate reads (small chunks:
    trees 4-5 levels deep), against every chunk of the table for a scan."""
    session, counting = big
    result, by_index = reads(session, counting, "select id from t where email = 'user00042@x.org'")
    assert len(result) == 1
    _, full = reads(session, counting, "select id from t where email || '' = 'user00042@x.org'")
    assert by_index < 30 and full > 1000, (by_index, full)


def test_index_answers_equal_scan_answers(big) -> None:
    session, _ = big
    cases = [
        ("grp = 17", "grp + 0 = 17"),
        ("grp in (3, 5, 999, 4000)", "grp + 0 in (3, 5, 999, 4000)"),
        ("grp between 10 and 12", "grp + 0 between 10 and 12"),
        ("grp > 995", "grp + 0 > 995"),
        ("grp >= 995 and grp < 997", "grp + 0 >= 995 and grp + 0 < 997"),
        ("3 > grp", "3 > grp + 0"),
        ("grp = 5 and grp = 6", "false"),
        ("grp = 5 and f > 0.5", "grp + 0 = 5 and f > 0.5"),
        ("email >= 'user19990' ", "email || '' >= 'user19990'"),
        ("email = 'nobody'", "false"),
    ]
    for table in ("t", "k"):
        for pushed, scanned in cases:
            got = sorted(rows(session, f"select * from {table} where {pushed}"), key=repr)
            want = sorted(rows(session, f"select * from {table} where {scanned}"), key=repr)
            assert got == want, (table, pushed)


def test_range_reads_follow_selectivity(big) -> None:
    session, counting = big
    narrow, narrow_reads = reads(session, counting, "select id from t where grp = 500")
    assert 0 < len(narrow) < 60
    wide, wide_reads = reads(session, counting, "select id from t where grp < 900")
    _, scan_reads = reads(session, counting, "select id from t where grp + 0 < 900")
    assert len(wide) > N // 2
    assert narrow_reads * 5 < scan_reads, (narrow_reads, scan_reads)
    assert 0 < len(rows(session, "select id from t where grp between 500 and 502"))
    assert wide_reads <= scan_reads * 1.2 + 10, (wide_reads, scan_reads)  # a scan, not 18k lookups


def test_selectivity_estimate_is_exact_from_counts_and_end_leaves(big) -> None:
    session, _ = big
    table = session.repo.table("t")
    tree = table.index_tree("by_grp")
    assert index_lookup._estimated_entries(tree, (None, None)) == N
    low = index_lookup._encoded(500, pa.int64())
    high = index_lookup._encoded(700, pa.int64())
    grp = table.scan().column("grp").to_numpy()
    assert index_lookup._estimated_entries(tree, (low, low + b"\x02")) == int((grp == 500).sum())
    assert index_lookup._estimated_entries(tree, (low, high)) == int(((grp >= 500) & (grp < 700)).sum())


def test_point_lookup_uses_the_index_at_default_chunk_sizes() -> None:
    """Index leaves hold hundreds of entries: a point's estimate must not be a whole leaf."""
    repo = Repository.in_memory()
    counting = CountingStore(repo.store)
    repo.store = counting
    n = 200_000
    data = pa.table({"id": pa.array(np.arange(n), pa.int64()),
                     "code": pa.array([f"c{(i * 7919) % n:07d}" for i in range(n)])})
    _load(repo, "t", data, ["id"], [IndexDef("by_code", ("code",), True)])
    session = Session(repo)
    result, by_index = reads(session, counting, "select id from t where code = 'c0000007'")
    assert result == [(7 * pow(7919, -1, n) % n,)]
    assert by_index < 12, by_index  # a scan reads every leaf
    node = sqlglot.parse_one("select id from t where code = 'c0000007'").find(exp.Table)
    fetched = index_lookup.index_rows(node, "t", repo.table("t"), scan_cached=True)
    assert fetched is not None and fetched.column("id").to_pylist() == [result[0][0]]  # warm too


def test_update_and_delete_through_an_index(big) -> None:
    session, counting = big
    counting.reset()
    session.run("update t set f = -1 where email = 'user00007@x.org'")
    session.run("delete from t where email = 'user00008@x.org'")
    assert rows(session, "select count(*) from t where f = -1") == [(1,)]
    assert rows(session, "select count(*) from t") == [(N - 1,)]
    table = session.repo.table("t")
    assert table.with_indexes_rebuilt().value == table.value
