"""Query results through dl equal DuckDB's on the same data loaded directly."""
from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from dl.core.repo import Repository
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table
from dl.sql.session import Session

N = 3000

QUERIES = [
    "select count(*), sum(a), min(b), max(c) from t",
    "select a % 7 as g, count(*), sum(c), avg(a) from t group by g order by g",
    "select t.id, t.b, u.name from t join u on t.a % 100 = u.id where t.id < 50 order by t.id",
    "select u.name, count(t.id) from u left join t on t.a % 200 = u.id group by u.name order by u.name",
    "select id, a, sum(a) over (order by id rows between 2 preceding and current row) as s, "
    "rank() over (partition by a % 5 order by c desc) as r from t order by id limit 40",
    "select id, lag(b) over (order by id) as prev from t where id between 10 and 30 order by id",
    "select id, c from t order by c desc, id limit 10",
    "select count(*), count(n), sum(n), avg(n), count(distinct n) from t",
    "select id from t where n is null and id < 100 order by id",
    "select coalesce(n, -1) as n2, count(*) from t group by n2 order by n2 limit 5",
    "select id, a * 3000000000 as big, a / 7 as q, a // 7 as iq, a % 7 as m, c * 2 - 1 as f from t where id < 20 order by id",
    "select 7 / 2, 7 // 2, -7 % 3, 1.5 * 2, 2 ** 10, 0.1 + 0.2",
    "with x as (select a % 10 as k, max(c) as m from t group by k) select k, m from x where m > 500 order by k",
    "select b from t where b like 's1%' and id in (select id from t where a > 500000) order by b limit 15",
    "select distinct a % 3 from t order by 1",
    "select case when a > 500000 then 'hi' else 'lo' end as band, count(*) from t group by band order by band",
    "select id from t where id = 77",
    "select id, b from t where id > 2990 order by id",
    "select count(*) from t where id in (1, 2, 3, 5000)",
    "select nullif(a % 2, 0) as x, count(*) from t group by x order by x nulls first",
    "select * from (pivot (select a % 3 as k, id % 2 as g from t) on k in (0, 1, 2) using count(*) group by g) "
    "order by g",
    "pivot (select a % 3 as k, id % 2 as g from t where id = 1) on k in (0, 1, 2) using count(*) group by g",
    "select g, k, v from (unpivot (select id % 4 as g, sum(a) as s, max(c) as m from t group by g) "
    "on s, m into name k value v) order by g, k",
    "select id, n, n * 2 + 1, n / 2, n // 2, -n % 7, n is distinct from 3 as d from t where id <= 30 order by id",
    "select sum(c * 0.5), avg(c) - min(c), round(stddev(c), 6), count(*) filter (where c > 500.5) from t",
]


@pytest.fixture(scope="module")
def both() -> tuple[Session, duckdb.DuckDBPyConnection]:
    rng = np.random.default_rng(11)
    n = rng.integers(0, 50, N).astype(object)
    n[rng.random(N) < 0.2] = None
    t = pa.table({"id": pa.array(np.arange(1, N + 1), pa.int64()), "a": pa.array(rng.integers(0, 10**6, N)),
                  "b": pa.array([f"s{v:08d}" for v in rng.integers(0, 10**8, N)]),
                  "c": pa.array(np.round(rng.random(N) * 1000, 3)), "n": pa.array(list(n), pa.int64())})
    u = pa.table({"id": pa.array(np.arange(0, 200), pa.int64()), "name": pa.array([f"u{i % 37}" for i in range(200)])})
    repo = Repository.in_memory()
    for name, data in (("t", t), ("u", u)):
        schema = TableSchema.from_arrow(data.schema, ["id"])
        repo.write_table(name, lambda cur, buf, d=data, s=schema: Table.empty(buf, s).replace_rows(d))
    con = duckdb.connect()
    con.register("t", t)
    con.register("u", u)
    return Session(repo), con


@pytest.mark.parametrize("query", QUERIES)
def test_same_results_as_duckdb(both, query: str) -> None:
    session, con = both
    got = session.query(query)
    want = con.sql(query).to_arrow_table()
    # the same columns; headers are the typed text where DuckDB would rename (tests/sql/test_headers.py)
    assert [n for n in got.column_names if n in want.column_names] == \
        [n for n in want.column_names if n in got.column_names]
    assert got.num_columns == want.num_columns
    got = got.rename_columns(want.column_names)
    assert len(got) == len(want)
    for mine, theirs in zip(got.to_pylist(), want.to_pylist()):
        assert mine.keys() == theirs.keys()
        for key, value in mine.items():
            if isinstance(value, float):  # float sums may add in another order
                assert value == pytest.approx(theirs[key], rel=1e-9), (key, mine, theirs)
            else:
                assert value == theirs[key], (key, mine, theirs)
