"""`DlSession` in-process (no socket): which statements run on the event loop, which in a
worker thread, and that plans learn from what the worker thread's general path answered."""
from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dl.core.repo import Repository
from dl.server.protocol import _bound_text
from dl.server.session import DlSession
from dl.sql import plans
from dl.sql.plans import RangePlan, compile_prepared


def make_session(tmp_path: Path, executor: ThreadPoolExecutor) -> DlSession:
    repo = Repository.init(tmp_path / "shop")
    session = DlSession(repo, author=None, readonly=False, autocommit=True, executor=executor)
    session.dl.run("create table t (id bigint primary key, k bigint); "
                   "insert into t values " + ", ".join(f"({i}, {i % 3})" for i in range(1, 101)))
    return session


def test_range_plans_learn_when_the_general_path_runs_in_a_worker_thread(tmp_path: Path) -> None:
    plans._PLANS.clear()
    executor = ThreadPoolExecutor(2)
    session = make_session(tmp_path, executor)
    threads: list[str] = []
    template = "SELECT SUM(k) FROM t WHERE id BETWEEN ? AND ?"
    plan = compile_prepared(template.split("?"), "mysql")
    assert isinstance(plan, RangePlan)
    real_run = session.dl.run

    def spying_run(sql: str):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return real_run(sql)
    session.dl.run = spying_run  # type: ignore[method-assign]

    async def execute(low: int, high: int):  # type: ignore[no-untyped-def]
        pieces = template.split("?")
        return await session.run_plan(plan, [low, high], lambda: _bound_text(pieces, [low, high]))

    first = asyncio.run(execute(1, 10))
    assert threads and threads[0] != threading.main_thread().name  # the general path, off the loop
    assert plan.learned is not None  # learned there, from the execute it passed on
    threads.clear()
    again = asyncio.run(execute(11, 20))
    assert threads == []  # the plan answers: no general path
    assert first[0] == [(sum(i % 3 for i in range(1, 11)),)] and again[0] == [(sum(i % 3 for i in range(11, 21)),)]
    executor.shutdown()


def test_long_statements_run_in_a_worker_thread_and_quick_ones_on_the_loop(tmp_path: Path) -> None:
    plans._PLANS.clear()
    executor = ThreadPoolExecutor(2)
    session = make_session(tmp_path, executor)
    seen: list[tuple[str, str]] = []
    real_run = session.dl.run

    def spying_run(sql: str):  # type: ignore[no-untyped-def]
        seen.append((sql, threading.current_thread().name))
        return real_run(sql)
    session.dl.run = spying_run  # type: ignore[method-assign]
    point = compile_prepared("UPDATE t SET k = ? WHERE id = ?".split("?"), "mysql")
    assert point is not None

    async def script() -> None:
        await session.handle_query_results("begin", {})
        await session.run_plan(point, [7, 1], lambda: "update t set k = 7 where id = 1")
        await session.handle_query_results("commit", {})
        await session.handle_query_results("select count(*) from t", {})
        await session.handle_query("begin", {})  # as a prepared BEGIN/COMMIT arrives
        await session.handle_query("commit", {})  # nothing written: nothing to land
    asyncio.run(script())
    main = threading.main_thread().name
    assert [(sql, thread == main) for sql, thread in seen] == [
        ("begin", True), ("commit", False), ("select count(*) from t", False),  # the update: a plan, on the loop
        ("begin", True), ("commit", True)]
    assert session.dl.run("select k from t where id = 1")[-1].table.column(0).to_pylist() == [7]
    executor.shutdown()
