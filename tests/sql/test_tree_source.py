"""Large tables reach DuckDB as streams of the columns used: same answers as the cached scans,
tables named twice still work, only the columns used are read, key ranges read their leaves."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
import sqlglot
from dl.core.repo import Repository
from dl.core.store.counting import CountingStore
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table
from dl.sql import resolve, tree_source
from dl.sql.session import Session
from dl.sql.tree_source import TreeSource, used_columns
from sqlglot import exp

from tests.sql.conftest import rows

N = 5_000
QUERIES = [
    "select count(*), sum(a) from t",
    "select a % 7 as g, count(*), min(s), max(f) from t group by g order by g",
    "select count(*) from t x join t y on x.id = y.id + 2",  # self-join: two streams
    "with c as (select * from t where a < 10) select (select count(*) from c), (select sum(a) from c)",
    "select id, (select count(*) from t y where y.id < x.id and y.a = 3) from t x where x.id < 40 order by id",
    "select * from t where id between 100 and 140 order by id",
    "select s from t where id > 9980 order by id",
    "select t.* from t where a = 5 order by id limit 3",
    "select count(*) from t natural join k",
    "select count(*) from t join k using (id)",
    "select count(distinct s), count(f) from t where a in (select a from k where a < 3)",
    "select count(*) from keyless",
    "select sum(v) from keyless where w = 'x'",
]


@pytest.fixture
def session() -> Session:
    repo = Repository.in_memory()
    rng = np.random.default_rng(3)
    data = pa.table({"id": pa.array(np.arange(N) * 2, pa.int64()), "a": pa.array(rng.integers(0, 100, N)),
                     "s": pa.array([f"k{i % 91}" for i in range(N)]), "f": pa.array(rng.random(N))})
    small = data.slice(0, 300).select(["id", "a"])
    keyless = pa.table({"v": pa.array([1, 1, 2, 3] * 50, pa.int64()), "w": pa.array(["x", "x", "y", "x"] * 50)})
    for name, rows_, key in (("t", data, ["id"]), ("k", small, ["id"]), ("keyless", keyless, [])):
        repo.write_table(name, lambda cur, buf, r=rows_, k=key: Table.empty(
            buf, TableSchema.from_arrow(r.schema, k)).replace_rows(r))
    return Session(repo)


def test_streamed_tables_answer_as_cached_ones(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    cached = [rows(session, q) for q in QUERIES]
    registered: list[object] = []
    original = resolve.Binder.register
    monkeypatch.setattr(resolve.Binder, "register",
                        lambda self, r, shown: registered.append(r) or original(self, r, shown))
    monkeypatch.setattr(tree_source, "STREAM_MIN_BYTES", -1)
    streamed = [rows(session, q) for q in QUERIES]
    assert streamed == cached
    assert any(isinstance(r, TreeSource) for r in registered)
    assert not any(isinstance(r, pa.Table) and r.num_rows == N for r in registered)


def test_a_stream_reads_only_the_columns_used() -> None:
    table_columns = ["id", "a", "s", "f"]

    def used(sql: str) -> list[str] | None:
        statement = sqlglot.parse_one(sql, read="duckdb")
        node = next(t for t in statement.find_all(exp.Table) if t.name == "t")
        fake = type("T", (), {"schema": type("S", (), {"names": table_columns})()})()
        return used_columns(node, fake)  # type: ignore[arg-type]

    assert used("select count(*) from t") == []
    assert used("select sum(a) from t where s = 'x'") == ["a", "s"]
    assert used("select x.a from t x join u on x.id = u.id") == ["id", "a"]
    assert used("select * from t") is None
    assert used("select t.* from t") is None
    assert used("select t from t") is None
    assert used("select a from t natural join u") is None
    assert used("select columns('a.*') from t") is None


def test_count_streams_one_column_and_a_key_range_reads_its_leaves(session: Session,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tree_source, "STREAM_MIN_BYTES", -1)
    table = session.repo.table("t")
    source = TreeSource(table, [])
    assert source.schema.names == ["id"]
    assert sum(b.num_rows for b in source.batches()) == N
    counting = CountingStore(table.store)
    ranged = TreeSource(Table(counting, table.value), ["a"], low=b"", high=None)
    low = table.schema.layout.keys_of(pa.table({"id": pa.array([9000], pa.int64())}))[0]
    ranged.low = bytes(low)
    got = pa.Table.from_batches(list(ranged.batches()), schema=ranged.schema)
    assert got.num_rows == (2 * N - 9000) // 2
    assert counting.reads < len(table.tree.leaf_addresses()) // 2
