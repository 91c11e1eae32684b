"""A SQL session over a repository: run scripts, get Arrow tables and row counts back.

    session = Session(repo)                      # or Session(repo, dialect="sqlite")
    session.run("insert into t values (1, 'a'); select * from t")  # -> [Result, Result]
    session.query("select count(*) from t")      # -> pa.Table (the last result)

Statements run in order; the first error raises `SqlError` naming the statement, and the
statements before it keep their effects. Each write statement is one atomic working-set
update: it is computed against the branch's current working root, its chunks are buffered,
and the working set moves by compare-and-swap (`Repository.update_working`), re-running the
statement on the fresh root if another writer got there first. `BEGIN ... COMMIT` groups
statements instead: they read and write a private root (reads see earlier writes), and COMMIT
lands it only if the working set is still the one read at BEGIN; otherwise it fails with a
concurrent-update error and nothing lands. `ROLLBACK` (or ending the session) discards it.
Version-control procedures inside a transaction first land it, as Dolt's do.

A statement that reads or writes rows by their full primary key with literals (`point_shapes`
recognizes it, sqlglot never sees it) runs on the tree directly (`point`), through the same
working-set landing and transactions; the DuckDB connection is opened only when a statement
needs it, so a session that runs only point statements never opens one.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import pyarrow as pa
from dl.core.errors import ConcurrentUpdate, DlError
from dl.core.hashing import Address, address_of
from dl.core.repo import Author, Repository
from dl.core.store.base import ChunkStore
from dl.core.store.buffered import BufferedStore
from dl.core.tables.table import Table
from dl.core.versioning.refs import working_set_ref
from dl.core.versioning.ignore import IGNORE_TABLE
from dl.core.versioning.root import RootValue
from dl.core.versioning.workingset import WorkingSet
from dl.sql import (
    conflicts,
    ddl,
    dialects,
    dml,
    engine,
    functions,
    point,
    procedures,
    view_ddl,
    views,
)
from dl.sql.edits import TextEdits
from dl.sql.errors import SqlError, too_deep, wrap
from dl.sql.headers import label_projections
from dl.sql.memory import memory_settings
from dl.sql.parse import DIALECTS, Kind, Statement, parse_statement, split_script
from dl.sql.point_shapes import PointStatement, Verb, recognize
from dl.sql.resolve import Binder, ScanCache
from dl.sql.row_stream import RowStream
from dl.sql.statement_view import View
from dl.sql.types import display_type
from dl.sql.variables import SessionVariables, mentions_variables

if TYPE_CHECKING:
    import duckdb
from sqlglot import exp


class ResultKind(Enum):
    ROWS = "rows"  # a result set
    COUNT = "count"  # rows affected by a write
    OK = "ok"  # DDL, BEGIN/COMMIT/ROLLBACK


@dataclass
class Result:
    """What one statement produced."""

    statement: str
    kind: ResultKind
    table: pa.Table | None = None
    rows_affected: int = 0
    message: str = ""
    stream: RowStream | None = None  # with execute(..., stream=True): a query's rows, to read before the next result


@dataclass
class Transaction:
    """An open BEGIN: the working set read at BEGIN (the CAS token) and the private root."""

    branch: str
    ws_address: Address
    ws: WorkingSet
    root: RootValue
    buffer: BufferedStore


class Session:
    """Runs SQL against a repository's working set and revisions (see the module docstring)."""

    def __init__(self, repo: Repository, *, dialect: str = "duckdb", author: Author | None = None) -> None:
        if dialect not in DIALECTS:
            raise SqlError(f"unknown dialect {dialect!r} (choose from {', '.join(DIALECTS)})")
        self.repo, self.dialect, self.author = repo, dialect, author
        self._duckdb: duckdb.DuckDBPyConnection | None = None
        self._tx: Transaction | None = None
        self._cache = ScanCache()
        self._stream: RowStream | None = None  # the open result of execute(..., stream=True)
        self.variables = SessionVariables()  # SET @v / @@v (sql.variables)

    @property
    def _con(self) -> duckdb.DuckDBPyConnection:
        """The session's DuckDB connection, opened on first use (point statements need none)."""
        if self._duckdb is None:
            settings = dialects.session_settings(self.dialect) + memory_settings(self.repo)
            self._duckdb = engine.connect(settings)
        return self._duckdb

    # --- public API ------------------------------------------------------------------------

    def run(self, text: str) -> list[Result]:
        """Runs every statement of `text`; returns their results (raises on the first error)."""
        return list(self.execute(text))

    def execute(self, text: str, *, stream: bool = False) -> Iterator[Result]:
        """Runs the statements of `text` one by one, yielding each result as it is ready.

        With `stream`, a query's result carries its rows as a `RowStream` (`result.stream`)
        instead of a table, so a large result is written as it comes. Read it before asking
        for the next result: the stream is closed when the next statement runs (or another
        `execute`, or `close`). A primary-key point statement runs on the tree (`point`) and
        always answers with a table: it holds a row at most."""
        fast = recognize(text, self.dialect)
        if fast is not None:
            self._close_stream()
            try:
                result = self._run_point(fast)
            except SqlError as exc:
                raise exc.located(fast.text, 1, _first_line(text)) from None
            except DlError as exc:
                raise wrap(exc).located(fast.text, 1, _first_line(text)) from None
            if result is not None:
                yield result
                return
        for piece in split_script(text, self.dialect):
            self._close_stream()
            try:
                statement = parse_statement(piece, self.dialect)
            except RecursionError:  # 5,000 nested parentheses: one line, not a traceback
                raise too_deep().located(piece.text, piece.number, piece.line) from None
            try:
                yield self._run(statement, stream)
            except RecursionError:
                raise too_deep().located(statement.text, piece.number, piece.line) from None
            except SqlError as exc:
                raise exc.located(statement.text, piece.number, piece.line) from None
            except DlError as exc:
                raise wrap(exc).located(statement.text, piece.number, piece.line) from None

    def query(self, text: str) -> pa.Table:
        """The rows of the last statement of `text` that returned rows."""
        tables = [r.table for r in self.run(text) if r.table is not None]
        if not tables:
            raise SqlError("no statement returned rows")
        return tables[-1]

    @property
    def in_transaction(self) -> bool:
        return self._tx is not None

    def branch(self) -> str:
        return self._tx.branch if self._tx else self.repo.current_branch()

    def rollback(self) -> None:
        """Discards an open transaction (no-op without one)."""
        if self._tx is not None:
            self._tx.buffer.discard()
            self._tx = None

    def close(self) -> None:
        self._close_stream()
        self.rollback()
        if self._duckdb is not None:
            self._duckdb.close()
            self._duckdb = None

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- dispatch --------------------------------------------------------------------------

    def _run(self, statement: Statement, stream: bool = False) -> Result:
        kind = statement.kind
        if kind is Kind.SET:
            self.variables.assign(statement.expression, self._evaluate)  # type: ignore[arg-type]
            return Result(statement.text, ResultKind.OK, message="set")
        if mentions_variables(statement.expression):
            expression = self.variables.substitute(statement.expression.copy())  # type: ignore[union-attr]
            statement = dataclasses.replace(statement, expression=expression, source="")
        if stream and kind is Kind.QUERY and not functions.calls(statement.expression, procedures.PROCEDURES):
            self._stream = self._select_stream(statement)
            if self.dialect == "mysql":
                self._stream.convert(dialects.mysql_values)
            return Result(statement.text, ResultKind.ROWS, stream=self._stream)
        if kind in (Kind.BEGIN, Kind.COMMIT, Kind.ROLLBACK):
            return self._transaction_control(kind.name, statement.text)
        if kind is Kind.CALL:
            return self._call(statement)
        if kind is Kind.QUERY:
            table = self._select(statement)
            return Result(statement.text, ResultKind.ROWS,
                          table=dialects.mysql_values(table) if self.dialect == "mysql" else table)
        if kind is Kind.SHOW_TABLES:
            return Result(statement.text, ResultKind.ROWS, table=self._show_tables())
        if kind is Kind.DESCRIBE:
            return Result(statement.text, ResultKind.ROWS, table=self._describe(statement.target or ""))
        if kind is Kind.DELETE and conflicts.conflicts_target(statement.expression) is not None:
            return self._delete_conflicts(statement)
        return self._write(statement)

    def _evaluate(self, expression: exp.Expression) -> object:
        """The value of one expression (a SET's right side), computed as `SELECT expression`."""
        with Binder(self._view(), self._con, {}, self._cache) as binder:
            table = binder.query(exp.select(expression))
        return table.column(0)[0].as_py() if table.num_rows else None

    def _transaction_control(self, word: str, text: str) -> Result:
        """BEGIN, COMMIT or ROLLBACK (`word`), however the statement was recognized."""
        if word == "BEGIN":
            return self._begin(text)
        if word == "COMMIT":
            self._commit()
            return Result(text, ResultKind.OK, message="committed")
        self.rollback()
        return Result(text, ResultKind.OK, message="rolled back")

    # --- point statements (by full primary key) ----------------------------------------------

    def _run_point(self, statement: PointStatement) -> Result | None:
        """Runs a recognized point statement; None when it must take the general path
        (nothing was read into the session's state or written then)."""
        verb = statement.verb
        if verb in (Verb.BEGIN, Verb.COMMIT, Verb.ROLLBACK):
            return self._transaction_control(verb.name, statement.text)
        try:
            if verb is Verb.SELECT:
                return Result(statement.text, ResultKind.ROWS, table=point.select(self._view(), statement))
            return Result(statement.text, ResultKind.COUNT, rows_affected=self._point_write(statement))
        except point.NotPoint:
            return None

    def _point_write(self, statement: PointStatement) -> int:
        counted = [0]
        mysql_counts = self.dialect == "mysql"

        def change(root: RootValue, store: ChunkStore, ws: WorkingSet, branch: str) -> RootValue:
            name, table, counted[0] = point.write(View(self.repo, store, branch, ws, root), statement,
                                                  mysql_counts)
            return root if table is None else root.with_table(name, _put_table(store, table))

        self._change_working(change)
        return counted[0]

    def _change_working(self, change: Callable[[RootValue, ChunkStore, WorkingSet, str], RootValue]) -> None:
        """Applies `change` to the open transaction's root, or lands it on the working set."""
        if self._tx is not None:
            tx = self._tx
            tx.root = change(tx.root, tx.buffer, tx.ws, tx.branch)
            return

        self.repo.update_working_set(change)

    # --- reads -----------------------------------------------------------------------------

    def _view(self) -> View:
        if self._tx is not None:
            tx = self._tx
            return View(self.repo, tx.buffer, tx.branch, tx.ws, tx.root)
        branch = self.repo.current_branch()
        _, ws = self.repo.working_set(branch)
        return View(self.repo, self.repo.store, branch, ws, self.repo.load_root(ws.working))

    def _binder(self, view: View, statement: Statement) -> Binder:
        return Binder(view, self._con, statement.as_of, self._cache)

    def _prepare(self, statement: Statement) -> tuple[exp.Expression, TextEdits | None]:
        """A copy of a query's AST to bind, and the text edits that keep DuckDB SQL as typed;
        result columns are labelled with their text (other dialects: by the parser)."""
        expression = statement.expression.copy()  # type: ignore[union-attr]
        edits = TextEdits(statement.source) if self.dialect == "duckdb" and statement.source else None
        if edits is not None and not statement.prefix:
            label_projections(expression, statement.source, self.dialect, edits, statement.as_of)
        return expression, edits

    def _select(self, statement: Statement) -> pa.Table:
        expression, edits = self._prepare(statement)
        if functions.calls(expression, procedures.PROCEDURES):
            reopen = self._land_transaction()
            view = self._view()

            def call(name: str, args: list[str]) -> pa.Table:
                return procedures.call(view, name, args, self.author)
            expression = functions.substitute(expression, view, edits, call, self.dialect)
            if reopen:
                self._begin(statement.text)
        view = self._view()
        with self._binder(view, statement) as binder:  # it substitutes Dolt's functions
            return binder.query(expression, edits, statement.prefix)

    def _select_stream(self, statement: Statement) -> RowStream:
        """`_select` for a plain query, its rows streamed (see `execute`)."""
        expression, edits = self._prepare(statement)
        binder = self._binder(self._view(), statement)
        try:
            text = statement.prefix + binder.bound_sql(expression, edits)
            return binder.stream_sql(text, lambda exc: exc.located(statement.text, statement.number, statement.line))
        except BaseException:
            binder.close()
            raise

    def _show_tables(self) -> pa.Table:
        """Tables and views, as MySQL lists them (not dolt_schemas, which holds the views)."""
        view = self._view()
        directory = self.repo.directory.name if self.repo.directory else "dl"
        names = [n for n in view.root.tables if n != views.SCHEMAS_TABLE]
        names += [d.name for d in views.definitions(view).values()]
        return pa.table({f"Tables_in_{directory}": pa.array(sorted(names), pa.string())})

    def _describe(self, name: str) -> pa.Table:
        view = self._view()
        found = views.definitions(view).get(name.lower()) if view.table_name(name) is None else None
        if found is not None:
            with Binder(view, self._con, {}, self._cache) as binder:
                fields = binder.run_sql(f"SELECT * FROM ({binder.view_sql(found)}) LIMIT 0").schema
            rows = [(f.name, display_type(f.type), "YES", "", None, "") for f in fields]
        else:
            schema = view.table(name).schema
            rows = [(c.name, display_type(c.type), "NO" if c.not_null or c.name in schema.primary_key else "YES",
                     "PRI" if c.name in schema.primary_key else "",
                     None if c.default is None else str(c.default), "") for c in schema.columns]
        names = ["Field", "Type", "Null", "Key", "Default", "Extra"]
        return pa.table({n: pa.array([r[i] for r in rows], pa.string()) for i, n in enumerate(names)})

    # --- writes ----------------------------------------------------------------------------

    def _write(self, statement: Statement) -> Result:
        counted: list[int] = [0]

        def change(root: RootValue, store: ChunkStore, ws: WorkingSet, branch: str) -> RootValue:
            view = View(self.repo, store, branch, ws, root)
            with self._binder(view, statement) as binder:  # a fresh AST per attempt: binding edits it
                new_root, counted[0] = _apply_statement(binder, statement, _copy(statement.expression), store)
            return new_root

        self._change_working(change)
        if statement.kind in (Kind.INSERT, Kind.UPDATE, Kind.DELETE):
            return Result(statement.text, ResultKind.COUNT, rows_affected=counted[0])
        return Result(statement.text, ResultKind.OK, message=statement.kind.value)

    def _delete_conflicts(self, statement: Statement) -> Result:
        """DELETE FROM dolt_conflicts_<t>: resolves conflicts in the merge state (`sql.conflicts`);
        like a procedure, it first lands an open transaction."""
        reopen = self._land_transaction()
        view = self._view()
        with self._binder(view, statement) as binder:
            count = conflicts.delete_conflicts(binder, statement.expression.copy())  # type: ignore[union-attr,arg-type]
        if reopen:
            self._begin(statement.text)
        return Result(statement.text, ResultKind.COUNT, rows_affected=count)

    # --- transactions ------------------------------------------------------------------------

    def _begin(self, text: str) -> Result:
        if self._tx is not None:
            raise SqlError("a transaction is already open (COMMIT or ROLLBACK it first)")
        branch = self.repo.current_branch()
        address, ws = self.repo.working_set(branch)
        self._tx = Transaction(branch, address, ws, self.repo.load_root(ws.working),
                               BufferedStore(self.repo.store))
        return Result(text, ResultKind.OK, message="transaction started")

    def _commit(self) -> None:
        tx, self._tx = self._tx, None
        if tx is None:
            return
        if tx.root.address == tx.ws.working:
            tx.buffer.discard()
            return
        new_ws = tx.ws.with_working(self.repo.put_root(tx.buffer, tx.root))
        if not self.repo.write_working_set(tx.branch, tx.ws_address, new_ws, tx.buffer):
            tx.buffer.discard()
            raise SqlError(f"concurrent update: the working set of branch {tx.branch} changed since BEGIN; "
                           "the transaction was rolled back, retry it",
                           cause=ConcurrentUpdate(working_set_ref(tx.branch)))

    def _land_transaction(self) -> bool:
        """Commits an open transaction before a procedure runs; returns whether one was open."""
        if self._tx is None:
            return False
        self._commit()
        return True

    def _call(self, statement: Statement) -> Result:
        select = statement.expression
        call = select.expressions[0] if isinstance(select, exp.Select) and len(select.expressions) == 1 else None
        if not isinstance(call, exp.Anonymous):
            raise SqlError("CALL takes one procedure call, e.g. CALL dolt_commit('-am', 'message')")
        reopen = self._land_transaction()
        name = call.name.lower()
        rows = procedures.call(self._view(), name, functions.literal_args(call, name), self.author)
        if reopen:
            self._begin(statement.text)
        return Result(statement.text, ResultKind.ROWS, table=rows)


def _apply_statement(binder: Binder, statement: Statement, expression: exp.Expression | None,
                     store: ChunkStore) -> tuple[RootValue, int]:
    """The working root after `statement` (a write, parsed as `expression`) and its row count."""
    view = binder.view

    def put(table: Table) -> Address:
        return _put_table(store, table)

    if statement.kind in (Kind.INSERT, Kind.UPDATE, Kind.DELETE):
        if isinstance(expression, exp.Insert):
            table, count = dml.insert(binder, expression, statement.replace, statement.dialect == "mysql")
            node = expression.this
        elif isinstance(expression, exp.Update):
            table, count = dml.update(binder, expression, statement.dialect == "mysql")
            node = expression.this
        else:
            table, count = dml.delete(binder, expression)  # type: ignore[arg-type]
            node = expression.this  # type: ignore[union-attr]
        if table is None:
            return view.root, count
        written = (node.this if isinstance(node, exp.Schema) else node).name
        name = view.table_name(written) or (IGNORE_TABLE if written.lower() == IGNORE_TABLE else None)
        return view.root.with_table(name, put(table)), count  # type: ignore[arg-type]
    if statement.kind is Kind.CREATE and _is_view(expression):
        changes = view_ddl.create_view(binder, statement)
    elif statement.kind is Kind.CREATE:
        changes = ddl.create(binder, expression)  # type: ignore[arg-type]
    elif statement.kind is Kind.DROP and _is_view(expression):
        changes = view_ddl.drop_view(binder, expression)  # type: ignore[arg-type]
    elif statement.kind is Kind.DROP:
        changes = ddl.drop(binder, expression)  # type: ignore[arg-type]
    elif statement.kind is Kind.TRUNCATE:
        changes = ddl.truncate(binder, expression)  # type: ignore[arg-type]
    else:
        changes = ddl.alter(binder, expression)  # type: ignore[arg-type]
    return ddl.apply(view.root, changes, put), 0


def _put_table(store: ChunkStore, table: Table) -> Address:
    data = table.value.encode()
    address = address_of(data)
    store.put_many({address: data})
    return address


def _first_line(text: str) -> int:
    return text.count("\n", 0, len(text) - len(text.lstrip())) + 1


def _is_view(expression: exp.Expression | None) -> bool:
    return expression is not None and str(expression.args.get("kind") or "").upper() == "VIEW"


def _copy(expression: exp.Expression | None) -> exp.Expression | None:
    return None if expression is None else expression.copy()
