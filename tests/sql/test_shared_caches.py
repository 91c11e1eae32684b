"""What the sessions of one process share, used from several threads (`dl sql-server` runs
statements on its event loop and in worker threads): the bounded caches (`sql.lru`,
`core.prolly.tree.NodeCache`) and what a compiled plan learns (`sql.plans`)."""
from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pytest
from dl.core.prolly.tree import NodeCache
from dl.core.repo import Repository
from dl.sql import plans
from dl.sql.lru import MISSING, LruCache
from dl.sql.plans import compile_prepared
from dl.sql.session import Session

from tests.sql.conftest import AUTHOR


def test_lru_keeps_the_most_recent_and_tells_none_from_missing() -> None:
    cache: LruCache[str, int | None] = LruCache(2)
    cache.put("a", 1)
    cache.put("b", None)  # a cached "no plan" is a value
    assert cache.get("a") == 1  # a hit: "a" is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is MISSING and cache.get("a") == 1 and cache.get("c") == 3
    cache.put("d", None)
    assert cache.get("d") is None and cache.get("a") is MISSING and len(cache) == 2
    cache.clear()
    assert len(cache) == 0


@pytest.fixture
def switch_often():
    """Threads switch every microsecond: interleavings a test can meet."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def hammer(work, threads: int = 4) -> list[BaseException]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
    started = [threading.Thread(target=run) for _ in range(threads)]
    for t in started:
        t.start()
    for t in started:
        t.join()
    return errors


def test_caches_stay_bounded_and_whole_under_threads(switch_often) -> None:  # type: ignore[no-untyped-def]
    lru: LruCache[int, int] = LruCache(3)
    nodes = NodeCache(max_bytes=300)
    batch = pa.record_batch({"x": pa.array([1])})

    def work() -> None:
        for i in range(20_000):
            key = i % 7
            if lru.get(key) is MISSING:
                lru.put(key, key)
            hit = nodes.get((bytes([key]), b""))
            if hit is None:
                nodes.put((bytes([key]), b""), batch, 100)
    assert hammer(work) == []
    assert len(lru) <= 3
    assert nodes._bytes == 100 * len(nodes._items) <= 300


def test_a_range_plan_learns_the_schema_of_the_execute_it_passed_on(repo: Repository) -> None:
    """Two sessions in two threads, on branches where the table differs: the plan pairs the
    result schema the general path gave each with that session's table schema, even when the
    other thread's execute came between its execute and its learning."""
    plans._PLANS.clear()
    main = Session(repo, dialect="mysql", author=AUTHOR)
    main.run("create table t (id bigint primary key, k bigint); insert into t values (1, 10), (2, 20); "
             "call dolt_commit('-Am', 'base'); call dolt_branch('wide')")
    wide = Session(repo, dialect="mysql", author=AUTHOR)  # the same number of columns, another name
    wide.run("call dolt_checkout('wide'); alter table t rename column k to kk")
    plan = compile_prepared("SELECT * FROM t WHERE id BETWEEN ? AND ?".split("?"), "mysql")
    assert plan is not None
    one, other = ThreadPoolExecutor(1), ThreadPoolExecutor(1)
    assert one.submit(plan.run, main, (1, 2)).result() is None  # nothing learned yet: the general path
    assert other.submit(plan.run, wide, (1, 2)).result() is None
    main_answer = one.submit(main.run, "select * from t where id between 1 and 2 /* general */").result()[-1]
    one.submit(plan.learn, main_answer).result()  # main's answer, learned after wide's execute
    assert other.submit(plan.run, wide, (1, 2)).result() is None  # not main's column names for wide's rows
    learned = one.submit(plan.run, main, (1, 2)).result()
    assert learned is not None and learned.table.column_names == ["id", "k"]
    one.shutdown()
    other.shutdown()
