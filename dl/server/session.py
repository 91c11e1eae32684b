"""One connection's session: dl's SQL `Session` behind mysql-mimic's session interface.

The hot path skips mysql-mimic's per-statement sqlglot work (a parse and a variable rewrite,
~1 ms a query): a statement that is plainly dl's (SELECT/INSERT/UPDATE/DELETE/REPLACE,
BEGIN/COMMIT/ROLLBACK, CALL, DDL, SET autocommit, USE) goes straight to dl's session, where
point statements by primary key take the tree path (`sql.point`). Whatever needs the
server's own knowledge (SHOW, information_schema, @@variables, DATABASE(), SET NAMES...)
goes through mysql-mimic's middlewares, which answer from `schema()` (dl's tables, typed)
and hand anything left to `query`, i.e. to dl again.

Off the event loop: a statement that may run long (a query DuckDB runs, a COMMIT landing in
the store, DDL, a procedure) runs in one of the server's worker threads (`_off_loop`), one
call at a time per session (the connection awaits it), so the event loop keeps serving every
other connection meanwhile. What is bounded by a key lookup runs on the loop, because
handing a call to a thread costs ~35 us of CPU, a fifth of a point select: compiled point
SELECTs, range SELECTs over at most `QUICK_RANGE_KEYS` keys, point writes inside a
transaction (recorded as pending rows: nothing lands), BEGIN, ROLLBACK and a COMMIT with
nothing to land. The caches the
threads share lock themselves (`core.prolly.tree.NodeCache`, `sql.lru`); the store's SQLite
connection is used under its lock. Closing a session whose call is still running (a client
gone, the server stopping) interrupts its DuckDB query and waits for the call to end.
"""
from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, TypeVar

from mysql_mimic import Session as MimicSession
from mysql_mimic.errors import MysqlError
from sqlglot.errors import ParseError, TokenError

from dl.core.errors import DlError
from dl.server.errors import to_mysql
from dl.server.results import result_columns, result_rows
from dl.sql.plans import PointPlan, RangePlan
from dl.sql.point_shapes import Verb

if TYPE_CHECKING:
    from mysql_mimic.results import AllowedResult
    from sqlglot import exp

    from dl.core.repo import Author, Repository
    from dl.sql.plans import Plan
    from dl.sql.session import Result, Session

log = logging.getLogger("dl.server")

_DIRECT = re.compile(r"^\s*(select|insert|update|delete|replace|begin|start\s+transaction|commit|rollback|call|"
                     r"create|drop|alter|truncate|with)\b", re.IGNORECASE)
_SERVER_ONLY = re.compile(r"@@|information_schema|\b(database|schema|version|connection_id|user|current_user|"
                          r"last_insert_id|found_rows|row_count)\s*\(|performance_schema|mysql\.", re.IGNORECASE)
_AUTOCOMMIT = re.compile(r"^\s*set\s+(?:session\s+|local\s+|@@session\.|@@local\.|@@)?autocommit\s*:?=\s*(\S+?)\s*;?\s*$",
                         re.IGNORECASE)
_SELECT = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)
_USE = re.compile(r"^\s*use\s+(.+?)\s*;?\s*$", re.IGNORECASE)
_QUICK_TEXT = re.compile(r"^\s*(begin|start\s+transaction|rollback)\s*;?\s*$", re.IGNORECASE)
_COMMIT = re.compile(r"^\s*commit\s*;?\s*$", re.IGNORECASE)
QUICK_RANGE_KEYS = 10_000  # a range plan over at most this many keys runs on the event loop
T = TypeVar("T")


class DlSession(MimicSession):
    """A MySQL session whose statements run on a dl SQL session of its own."""

    def __init__(self, repo: Repository, *, author: Author | None, readonly: bool, autocommit: bool,
                 executor: Executor | None = None) -> None:
        """`executor`: the threads long statements run in (None: on the caller's thread)."""
        super().__init__()
        self.executor = executor
        self._running: asyncio.Future[Any] | None = None  # the call in a worker thread, if any
        # mysql-mimic answers a FROM-less SELECT with sqlglot's executor, which knows none of
        # dl's functions (active_branch()...): dl answers those, after the variables are substituted
        self.middlewares.remove(self._static_query_middleware)
        from dl.sql.session import Session
        self.dl: Session = Session(repo, dialect="mysql", author=author, branch=repo.current_branch(),
                                   readonly=readonly)
        self.dl.autocommit = autocommit
        self.variables.set("autocommit", autocommit)

    @property  # type: ignore[override]
    def database(self) -> str | None:
        """The current database: `db`, `db/branch` or `db/<revision>` (dl's session keeps it)."""
        dl = getattr(self, "dl", None)
        return dl.current_database() if dl is not None else None

    @database.setter
    def database(self, name: str | None) -> None:
        """Set by the handshake (the database a client connects to) and COM_CHANGE_USER."""
        if name and getattr(self, "dl", None) is not None:
            self.dl.use(name)

    async def handle_query_results(self, sql: str, attrs: dict[str, str]) -> list[tuple[AllowedResult, int]]:
        """Every result of a COM_QUERY (a script gives several, sent as MySQL's multiple
        result sets), each with the rows it affected."""
        if _DIRECT.match(sql) and not _SERVER_ONLY.search(sql):
            try:
                results = self._run_text(sql) if self._quick_text(sql) else \
                    await self._off_loop(lambda: self._run_text(sql))
            except DlError as exc:
                raise _mysql_error(exc) from None
            return [(_answer(r), r.rows_affected) for r in results] or [(None, 0)]
        answer = await self.handle_query(sql, attrs)
        return [(answer, self.take_affected_rows())]

    async def handle_query(self, sql: str, attrs: dict[str, str]) -> AllowedResult:
        try:
            if _DIRECT.match(sql) and not _SERVER_ONLY.search(sql):
                return self._run(sql) if self._quick_text(sql) else await self._off_loop(lambda: self._run(sql))
            autocommit = _AUTOCOMMIT.match(sql)
            if autocommit:  # turning it on commits an open transaction
                await self._off_loop(lambda: self._run(f"set autocommit = {autocommit.group(1)}"))
                self.variables.set("autocommit", self.dl.autocommit)
                return None
            use = _USE.match(sql)
            if use:
                await self.use(use.group(1).strip("`'\""))
                return None
            try:
                return await super().handle_query(sql, attrs)
            except (ParseError, TokenError):  # not MySQL as sqlglot reads it: dl says what is wrong
                return await self._off_loop(lambda: self._run(sql))
        except DlError as exc:
            raise _mysql_error(exc) from None

    def compile(self, pieces: list[str]) -> Plan | None:
        """The compiled plan of a prepared statement (its text split at the parameters), if any."""
        from dl.sql.plans import compile_prepared
        return compile_prepared(pieces, "mysql")

    async def run_plan(self, plan: Plan, values: list[Any], bound: Callable[[], str]) -> AllowedResult:
        """An execute of a prepared statement: its plan, else the statement with the values
        as literals (`bound()`) on the general path, whose answer the plan learns from."""
        try:
            result = plan.run(self.dl, values) if self._quick(plan, values) else None
            if result is None:
                sql = bound()
                if not _DIRECT.match(sql) or _SERVER_ONLY.search(sql):
                    return await self.handle_query(sql, {})
                result = await self._off_loop(lambda: self._run_plan_off_loop(plan, values, sql))
        except DlError as exc:
            raise _mysql_error(exc) from None
        self._affected = result.rows_affected if result is not None else 0
        return _answer(result) if result is not None else None

    def _run_plan_off_loop(self, plan: Plan, values: list[Any], sql: str) -> Result | None:
        """`plan`, else `sql` on the general path, whose answer the plan learns from. The plan
        runs here even when it just passed on this execute on the loop: it learns from the
        execute it passed on in the same thread (`RangePlan` keeps that per thread)."""
        result = plan.run(self.dl, values)
        if result is None:
            results = self.dl.run(sql)
            result = results[-1] if results else None
            plan.learn(result)
        return result

    def _quick_text(self, sql: str) -> bool:
        """BEGIN, ROLLBACK, or a COMMIT with nothing to land: no store write, no query."""
        return bool(_QUICK_TEXT.match(sql) or (_COMMIT.match(sql) and not self.dl.has_writes_to_land()))

    def _quick(self, plan: Plan, values: list[Any]) -> bool:
        """Whether an execute of `plan` is bounded by a key lookup (see the module docstring)."""
        if isinstance(plan, PointPlan):
            return plan.template.verb is Verb.SELECT or self.dl.in_transaction
        if isinstance(plan, RangePlan):
            span = plan.span(values)
            return span is not None and span <= QUICK_RANGE_KEYS
        return False

    async def _off_loop(self, call: Callable[[], T]) -> T:
        """`call()` in a worker thread while the event loop serves the other connections."""
        if self.executor is None:
            return call()
        running = asyncio.get_running_loop().run_in_executor(self.executor, call)
        self._running = running
        running.add_done_callback(lambda _: setattr(self, "_running", None) if self._running is running else None)
        return await asyncio.shield(running)  # a cancelled connection leaves the call to `close`

    def _run_text(self, sql: str) -> list[Result]:
        """A COM_QUERY's results; a range SELECT whose shape has a plan (`text_plan`) runs it."""
        from dl.sql.plans import text_plan
        shaped = text_plan(sql, "mysql") if _SELECT.match(sql) else None
        if shaped is None:
            return self.dl.run(sql)
        plan, values = shaped
        result = plan.run(self.dl, values)
        if result is not None:
            return [result]
        results = self.dl.run(sql)
        plan.learn(results[-1] if len(results) == 1 else None)
        return results

    def _run(self, sql: str) -> AllowedResult:
        results = self.dl.run(sql)
        self._affected = results[-1].rows_affected if results else 0
        return _last(results) if results else None

    async def prepared_columns(self, sql: str) -> list[Any]:
        """`result_columns`, off the event loop (PREPARE runs the query once)."""
        return await self._off_loop(lambda: self.result_columns(sql))

    def result_columns(self, sql: str) -> list[Any]:
        """The result columns of a query (its parameters given as NULL), for PREPARE's
        answer; none for other statements, or when the query cannot run that way."""
        from dl.sql.procedures import PROCEDURES
        lowered = sql.lower()
        if not _SELECT.match(sql) or _SERVER_ONLY.search(sql) or any(name in lowered for name in PROCEDURES):
            return []  # only a plain query runs twice harmlessly
        opened = not self.dl.autocommit and not self.dl.in_transaction
        try:
            results = self.dl.run(sql)
        except DlError:
            return []
        finally:
            if opened:  # the probe must not start the transaction the client's first statement starts
                self.dl.rollback()
        table = results[-1].table if results else None
        return result_columns(table.schema) if table is not None else []

    def take_affected_rows(self) -> int:
        """The rows the last write affected (for the OK packet), then 0."""
        count, self._affected = getattr(self, "_affected", 0), 0
        return count

    async def query(self, expression: exp.Expression, sql: str, attrs: dict[str, str]) -> AllowedResult:
        """What mysql-mimic's middlewares leave: dl runs it (as rewritten by them)."""
        text = expression.sql(dialect="mysql")
        return await self._off_loop(lambda: self._run(text))

    async def use(self, database: str) -> None:
        await self._off_loop(lambda: self.dl.use(database))  # commits an open transaction first

    async def schema(self) -> dict[str, Any]:
        """{database: {table: {column: type}}} for SHOW and information_schema, from dl's schemas."""
        return await self._off_loop(self._schema)

    def _schema(self) -> dict[str, Any]:
        from dl.sql.types import display_type
        view = self.dl._view()
        tables: dict[str, dict[str, str]] = {}
        for name in sorted(view.root.tables):
            if name == "dolt_schemas":
                continue
            schema = view.table(name).schema
            tables[name] = {c.name: display_type(c.type) for c in schema.columns}
        names = {self.dl.database.name, self.dl.current_database()}
        return {db: tables for db in names}

    async def close(self) -> None:
        running = self._running
        if running is not None and not running.done():  # the client left (or the server stops) mid-call
            duck = self.dl._duckdb
            if duck is not None:
                duck.interrupt()  # DuckDB abandons the query within milliseconds
            await asyncio.wait([running])
        self.dl.close()  # an open transaction rolls back
        await super().close()


def _mysql_error(exc: DlError) -> MysqlError:
    failure = to_mysql(exc)
    log.info("error %s: %s", failure.code, failure.message)
    return MysqlError(failure.message, failure.code)  # type: ignore[arg-type]


def _last(results: list[Result]) -> AllowedResult:
    """The protocol's answer for the last statement's result."""
    return _answer(results[-1])


def _answer(result: Result) -> AllowedResult:
    """One statement's answer: (rows, columns), or None for an OK packet."""
    from dl.sql.session import ResultKind
    if result.kind is ResultKind.ROWS and result.table is not None:
        columns = result_columns(result.table.schema)
        return result_rows(result.table, columns), columns
    return None
