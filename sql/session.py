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
lands it, merged three-way with what other sessions committed meanwhile (`transactions`: a
conflicting change is a serialization failure the client retries). `ROLLBACK` (or ending the
session) discards it. With `SET autocommit = 0` every statement runs in a transaction that the
first statement opens and COMMIT ends, as in MySQL. Version-control procedures inside a
transaction first land it, as Dolt's do.

The session has its own current branch (`session_repo`): `CALL dolt_checkout(...)` and
`USE db/branch` switch it without moving the repository's HEAD; `USE db/<commit or tag>`
reads that revision, read-only (`databases`). A read-only session refuses every write.

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
from dl.core.errors import DlError, UniqueViolation
from dl.core.hashing import Address, address_of
from dl.core.repo import Author, Repository
from dl.core.store.base import ChunkStore
from dl.core.session_repo import SessionRepository
from dl.core.tables.table import Table
from dl.core.versioning.user_system_tables import schema_of
from dl.core.versioning.root import RootValue
from dl.core.versioning.workingset import WorkingSet
from dl.sql import (
    conflicts,
    databases,
    ddl,
    dialects,
    dml,
    engine,
    functions,
    check_eval,
    index_ddl,
    index_tables,
    merge_rollback,
    point,
    prepared,
    procedures,
    referential,
    transactions,
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
from dl.sql.types import shown_type
from dl.sql.identity import Identity, session_identity
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


class Session:
    """Runs SQL against a repository's working set and revisions (see the module docstring)."""

    def __init__(self, repo: Repository, *, dialect: str = "duckdb", author: Author | None = None,
                 branch: str | None = None, readonly: bool = False) -> None:
        """`branch`: the session's branch (default: follow HEAD until a checkout in the
        session); `readonly`: refuse every write."""
        if dialect not in DIALECTS:
            raise SqlError(f"unknown dialect {dialect!r} (choose from {', '.join(DIALECTS)})")
        base = repo.base if isinstance(repo, SessionRepository) else repo
        try:
            self.repo = SessionRepository(base, branch)
        except DlError as exc:
            raise wrap(exc) from None
        self.dialect, self.author, self.readonly = dialect, author, readonly
        self.autocommit = True
        self.database = databases.Database(databases.database_name(base))
        self._duckdb: duckdb.DuckDBPyConnection | None = None
        self._tx: transactions.Transaction | None = None
        self._cache = ScanCache()
        self._stream: RowStream | None = None  # the open result of execute(..., stream=True)
        self.foreign_key_checks = True  # MySQL's session variable FOREIGN_KEY_CHECKS
        self.last_insert_id = 0  # the first AUTO_INCREMENT value of the last INSERT that made one
        check_eval.install()
        self.variables = SessionVariables(  # SET @v / @@v (sql.variables)
            databases.RevisionVariables(self.database, self.repo, self._view, self.use))
        self._statements: dict[str, str] = {}  # PREPAREd statements by name (sql.prepared)

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

    def has_writes_to_land(self) -> bool:
        """Whether COMMIT now would land anything (an open transaction that wrote)."""
        return self._tx is not None and self._tx.wrote()

    def branch(self) -> str:
        return self._tx.branch if self._tx else self.repo.current_branch()

    def identity(self) -> Identity:
        """Who the session's commits are by: its @@dolt_author_* / @@dolt_committer_* variables
        over its user (`sql.identity`)."""
        config = self.repo.config
        return session_identity(self.variables.system, self.author,
                                (config.get("user.name"), config.get("user.email")))

    def current_database(self) -> str:
        """The database the session uses: `db`, `db/branch` after USE, `db/<rev>` read-only."""
        return self.database.current()

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
            return self._set(statement)
        if kind in _QUALIFIABLE and statement.expression is not None and self._tx is None:
            target, expression = databases.unqualified(statement.expression, self.database.name)
            if target is not None:
                return self._run_in(target, dataclasses.replace(statement, expression=expression, source=""))
        if kind is Kind.QUERY and functions.needs_session_values(statement.expression):
            expression = functions.session_values(statement.expression.copy(), self.current_database())  # type: ignore[union-attr]
            statement = dataclasses.replace(statement, expression=expression, source="")
        if mentions_variables(statement.expression):
            expression = self.variables.substitute(statement.expression.copy())  # type: ignore[union-attr]
            statement = dataclasses.replace(statement, expression=expression, source="")
        if stream and kind is Kind.QUERY and not functions.calls(statement.expression, procedures.PROCEDURES):
            self._stream = self._select_stream(statement)
            return Result(statement.text, ResultKind.ROWS, stream=self._stream)
        if kind in (Kind.BEGIN, Kind.COMMIT, Kind.ROLLBACK):
            return self._transaction_control(kind.name, statement.text)
        if kind is Kind.USE:
            return self._use(statement)
        if kind is Kind.PREPARED:
            return self._prepared(statement)
        self._implicit_begin()
        if kind is Kind.CALL:
            return self._call(statement)
        if kind is Kind.QUERY:
            return Result(statement.text, ResultKind.ROWS, table=self._select(statement))
        if kind is Kind.SHOW_TABLES:
            return Result(statement.text, ResultKind.ROWS, table=self._show_tables(statement.target))
        if kind is Kind.REINDEX:
            return Result(statement.text, ResultKind.OK, message="indexes are kept current")
        if kind is Kind.SHOW_CREATE_TABLE:
            return Result(statement.text, ResultKind.ROWS,
                          table=self._show_create_table(statement.target or "", statement.revision))
        if kind is Kind.SHOW_INDEXES:
            return Result(statement.text, ResultKind.ROWS, table=self._show_indexes(statement.target or ""))
        if kind is Kind.DESCRIBE:
            return Result(statement.text, ResultKind.ROWS, table=self._describe(statement.target or ""))
        if kind is Kind.DELETE and conflicts.conflicts_target(statement.expression) is not None:
            return self._delete_conflicts(statement)
        if kind is Kind.DELETE and conflicts.conflicts_target(statement.expression,
                                                              conflicts.VIOLATIONS_PREFIX) is not None:
            return self._delete_conflicts(statement, conflicts.delete_violations)
        return self._write(statement)

    def _run_in(self, target: str, statement: Statement) -> Result:
        """A statement whose tables name database `target` (`db/branch` or `db/rev`, Dolt's
        qualified names) runs as after `USE target`, and the session then goes back to its
        own database: a branch's working set is read and written, a revision is read-only."""
        if "/" not in target:  # this database, as the session uses it
            return self._run(statement)
        current = self.database.current()
        self.use(target)
        try:
            return self._run(statement)
        finally:
            self.use(current)

    def _prepared(self, statement: Statement) -> Result:
        """PREPARE, EXECUTE and DEALLOCATE PREPARE (`sql.prepared`)."""
        command = statement.prepared
        assert command is not None
        if command.verb == "PREPARE":
            prepared.check_preparable(command.body, self.dialect)
            self._statements[command.name] = command.body
            return Result(statement.text, ResultKind.OK, message="Statement prepared")
        if command.name not in self._statements:
            raise SqlError(f"Unknown prepared statement handler ({command.name}) given to {command.verb}")
        if command.verb == "DEALLOCATE":
            del self._statements[command.name]
            return Result(statement.text, ResultKind.OK, message="deallocated")
        values = [self.variables.user.get(name) for name in command.using]
        text = prepared.bind(self._statements[command.name], values, self.dialect)
        results = list(self.execute(text))
        if len(results) != 1:
            raise SqlError("a prepared statement runs one statement")
        return results[0]

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
        self._implicit_begin()
        try:
            if verb is Verb.SELECT:
                return Result(statement.text, ResultKind.ROWS, table=point.select(self._view(), statement))
            return Result(statement.text, ResultKind.COUNT, rows_affected=self._point_write(statement))
        except point.NotPoint:
            return None

    def run_point(self, statement: PointStatement) -> Result | None:
        """Runs a point statement built elsewhere (a compiled plan's, `sql.plans`) as `execute`
        runs a recognized one; None when it must take the general path."""
        self._close_stream()
        try:
            return self._run_point(statement)
        except SqlError as exc:
            raise exc.located(statement.text, 1, 1) from None
        except DlError as exc:
            raise wrap(exc).located(statement.text, 1, 1) from None

    def snapshot(self) -> View:
        """What a query run now reads (`sql.plans`): the open transaction's root, or the one
        autocommit off opens now, a revision database's root, or the branch's working root."""
        self._close_stream()
        self._implicit_begin()
        return self._view()

    def _point_write(self, statement: PointStatement) -> int:
        if self._tx is not None:
            pending = self._pending_point_write(self._tx, statement)
            if pending is not None:
                return pending
        counted = [0]
        mysql_counts = self.dialect == "mysql"

        def change(root: RootValue, store: ChunkStore, ws: WorkingSet, branch: str) -> RootValue:
            try:
                name, table, counted[0] = point.write(View(self.repo, store, branch, ws, root), statement,
                                                      mysql_counts)
            except UniqueViolation as exc:  # core tables do not know their names
                raise exc.in_table(statement.table) from None
            if table is None:
                return root
            after = root.with_table(name, _put_table(store, table))
            return referential.enforce(store, root, after, lambda t: _put_table(store, t), self.foreign_key_checks)

        self._change_working(change)
        return counted[0]

    def _pending_point_write(self, tx: transactions.Transaction, statement: PointStatement) -> int | None:
        """A point write inside a transaction, recorded in the table's pending writes
        (`pending_edits`); None when that table's writes cannot wait."""
        self._check_writable()
        view = View(self.repo, tx.buffer, tx.branch, tx.ws, tx.root_before_pending)
        pending = tx.pending_table(self.repo, point.target_name(view, statement))
        if pending is None:
            return None
        return point.write_to(pending, statement, self.dialect == "mysql")[1]

    def _change_working(self, change: Callable[[RootValue, ChunkStore, WorkingSet, str], RootValue]) -> None:
        """Applies `change` to the open transaction's root, or lands it on the working set."""
        self._check_writable()
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
        if self.database.revision is not None:
            root = self.database.revision_root(self.repo)
            return View(self.repo, self.repo.store, self.database.revision, WorkingSet(root.address, root.address),
                        root)
        branch = self.repo.current_branch()
        _, ws = self.repo.working_set(branch)
        return View(self.repo, self.repo.store, branch, ws, self.repo.load_root(ws.working))

    def _binder(self, view: View, statement: Statement) -> Binder:
        return Binder(view, self._con, statement.as_of, self._cache, dialect=statement.dialect)

    def _prepare(self, statement: Statement) -> tuple[exp.Expression, TextEdits | None]:
        """A copy of a query's AST to bind, and the text edits that keep DuckDB SQL as typed;
        result columns are labelled with their text (other dialects: by the parser)."""
        expression = statement.expression.copy()  # type: ignore[union-attr]
        edits = TextEdits(statement.source) if self.dialect == "duckdb" and statement.source else None
        if edits is not None and not statement.prefix:
            label_projections(expression, statement.source, self.dialect, edits, statement.as_of)
        return self._last_insert_id(expression, edits), edits

    def _last_insert_id(self, expression: exp.Expression | None, edits: TextEdits | None) -> exp.Expression | None:
        """MySQL's LAST_INSERT_ID() replaced by the session's value (in the AST and `edits`)."""
        if expression is None:
            return None
        for node in list(expression.find_all(exp.Anonymous)):
            if node.name.lower() == "last_insert_id" and not node.expressions:
                functions.replace_call(node, exp.convert(self.last_insert_id), edits, self.dialect)
        return expression

    def _select(self, statement: Statement) -> pa.Table:
        expression, edits = self._prepare(statement)
        if functions.calls(expression, procedures.PROCEDURES):
            reopen = self._land_transaction()
            view = self._view()
            called: list[str] = []

            def call(name: str, args: list[str]) -> pa.Table:
                called.append(name)
                self._check_procedure(name, args)
                return procedures.call(view, name, args, self.identity())
            expression = functions.substitute(expression, view, edits, call, self.dialect)
            self._roll_back_conflicts(view, called, reopen)
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

    def _show_tables(self, revision: str | None = None) -> pa.Table:
        """Tables and views, as MySQL lists them (not dolt_schemas, which holds the views); with
        a revision (Dolt's SHOW TABLES AS OF 'rev'), those of that revision."""
        view = self._view()
        if revision is not None:
            view = View(self.repo, view.store, view.branch, view.ws, view.root_at(revision))
        directory = self.repo.directory.name if self.repo.directory else "dl"
        names = [n for n in view.root.tables if n != views.SCHEMAS_TABLE]
        names += [d.name for d in views.definitions(view).values()]
        return pa.table({f"Tables_in_{directory}": pa.array(sorted(names), pa.string())})

    def _show_indexes(self, name: str) -> pa.Table:
        """SHOW INDEXES FROM t: MySQL's columns, the primary key first (`index_tables`)."""
        view = self._view()
        stored = view.table_name(name)
        if stored is None:
            raise SqlError(f"table not found: {name}")
        return index_tables.show_indexes(stored, view.table(stored).schema)

    def _show_create_table(self, name: str, revision: str | None) -> pa.Table:
        """SHOW CREATE TABLE t [AS OF 'rev']: MySQL's two columns, the text Dolt shows."""
        from dl.sql.mysql_schema import show_create_table
        view = self._view()
        if revision is not None:
            view = View(self.repo, view.store, view.branch, view.ws, view.root_at(revision))
        stored = view.table_name(name)
        if stored is None:
            raise SqlError(f"table not found: {name}")
        text = show_create_table(stored, view.table(stored).schema)
        return pa.table({"Table": pa.array([stored], pa.string()), "Create Table": pa.array([text], pa.string())})

    def _describe(self, name: str) -> pa.Table:
        view = self._view()
        if view.table_name(name) is None:  # a view or a system table (dolt_log...): the columns its rows have
            found = views.definitions(view).get(name.lower())
            with Binder(view, self._con, {}, self._cache) as binder:
                if found is not None:
                    fields = binder.run_sql(f"SELECT * FROM ({binder.view_sql(found)}) LIMIT 0").schema
                else:
                    try:
                        fields = binder.query(exp.select("*").from_(exp.to_table(name)).limit(0)).schema
                    except SqlError:
                        view.table(name)  # not found, in the usual words
                        raise
            rows = [(f.name, shown_type(f.type, None, self.dialect), "YES", "", None, "") for f in fields]
        else:
            schema = view.table(name).schema
            rules = schema.constraints
            rows = [(c.name, shown_type(c.type, rules.declared_type(c.name), self.dialect),
                     "NO" if c.not_null or c.name in schema.primary_key else "YES",
                     "PRI" if c.name in schema.primary_key else "",
                     None if c.default is None else str(c.default),
                     "auto_increment" if rules.auto_increment == c.name else "") for c in schema.columns]
        names = ["Field", "Type", "Null", "Key", "Default", "Extra"]
        return pa.table({n: pa.array([r[i] for r in rows], pa.string()) for i, n in enumerate(names)})

    # --- writes ----------------------------------------------------------------------------

    def _write(self, statement: Statement) -> Result:
        counted: list[int] = [0]

        def change(root: RootValue, store: ChunkStore, ws: WorkingSet, branch: str) -> RootValue:
            view = View(self.repo, store, branch, ws, root)
            with self._binder(view, statement) as binder:  # a fresh AST per attempt: binding edits it
                expression = self._last_insert_id(_copy(statement.expression), None)
                binder.foreign_key_checks = self.foreign_key_checks
                new_root, counted[0] = _apply_statement(binder, statement, expression, store)
                moves, generated = binder.key_moves, binder.last_insert_id
            if generated is not None:
                self.last_insert_id = generated
            if new_root == root:
                return root
            return referential.enforce(store, root, new_root, lambda t: _put_table(store, t),
                                       self.foreign_key_checks, moves)

        self._change_working(change)
        if statement.kind in (Kind.INSERT, Kind.UPDATE, Kind.DELETE):
            return Result(statement.text, ResultKind.COUNT, rows_affected=counted[0])
        return Result(statement.text, ResultKind.OK, message=statement.kind.value)

    def _delete_conflicts(self, statement: Statement,
                          delete: Callable[[Binder, exp.Delete], int] = conflicts.delete_conflicts) -> Result:
        """DELETE FROM dolt_conflicts_<t>: resolves conflicts in the merge state (`sql.conflicts`);
        like a procedure, it first lands an open transaction."""
        self._check_writable()
        reopen = self._land_transaction()
        view = self._view()
        with self._binder(view, statement) as binder:
            count = delete(binder, statement.expression.copy())  # type: ignore[union-attr,arg-type]
        if reopen:
            self._begin(statement.text)
        return Result(statement.text, ResultKind.COUNT, rows_affected=count)

    # --- transactions ------------------------------------------------------------------------

    def _begin(self, text: str) -> Result:
        if self._tx is not None:
            raise SqlError("a transaction is already open (COMMIT or ROLLBACK it first)")
        if self.database.revision is None:  # a revision database is read-only: nothing to land
            self._tx = transactions.begin(self.repo, self.repo.current_branch())
        return Result(text, ResultKind.OK, message="transaction started")

    def _implicit_begin(self) -> None:
        """With autocommit off, the first statement opens the transaction COMMIT ends."""
        if not self.autocommit and self._tx is None and self.database.revision is None:
            self._tx = transactions.begin(self.repo, self.repo.current_branch())

    def _commit(self) -> None:
        tx, self._tx = self._tx, None
        if tx is not None:
            transactions.land(self.repo, tx)

    # --- session state: SET, USE, read-only ------------------------------------------------

    def _set(self, statement: Statement) -> Result:
        """SET of session variables (`sql.variables`); those dl acts on take effect here:
        autocommit (turning it on commits an open transaction, as in MySQL) and
        FOREIGN_KEY_CHECKS."""
        saved = dict(self.variables.system)
        self.variables.assign(statement.expression, self._evaluate)  # type: ignore[arg-type]
        try:
            autocommit = _switch(self.variables.system.get("autocommit", 1))
            checks = _switch(self.variables.system.get("foreign_key_checks", 1))
        except SqlError:
            self.variables.system = saved  # a refused value changes nothing
            raise
        if autocommit and not self.autocommit:
            self._commit()
        self.autocommit = autocommit
        self.foreign_key_checks = checks
        return Result(statement.text, ResultKind.OK, message="set")

    def _use(self, statement: Statement) -> Result:
        """USE db, USE db/branch (switches the session's branch), USE db/<commit or tag>."""
        self.use(statement.target or "")
        return Result(statement.text, ResultKind.OK, message="database changed")

    def use(self, name: str) -> None:
        """Switches to database `name` (see `_use`); an open transaction is committed first."""
        target = self.database.parse(name)
        self._commit()
        try:
            self.database.switch(self.repo, target)
        except DlError as exc:
            raise wrap(exc) from None

    def _check_writable(self) -> None:
        if self.readonly:
            raise SqlError("the database is read-only (the server runs with --readonly)")
        if self.database.revision is not None:
            raise SqlError(f"database {self.database.current()} is read-only: it is a revision, "
                           "not a branch; USE a branch to write")

    def _check_procedure(self, name: str, args: list[str]) -> None:
        """Only switching branches is allowed where writes are not."""
        if name.lower() == "dolt_checkout" and len(args) == 1 and not args[0].startswith("-"):
            return
        self._check_writable()

    def _roll_back_conflicts(self, before: View, called: list[str], in_transaction: bool) -> None:
        """Dolt's rule (`sql.merge_rollback`): autocommitted, a merge that left conflicts is
        undone and fails, unless the session allows committing conflicts."""
        if not self.autocommit or in_transaction or any(
                _switch(self.variables.system.get(name, 0)) for name in merge_rollback.ALLOW_CONFLICTS):
            return
        merge_rollback.roll_back_conflicts(self.repo, before.branch, called, bool(before.ws.merge))

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
        name = call.name.lower()
        args = functions.literal_args(call, name)
        self._check_procedure(name, args)
        before = self._view()
        reopen = self._land_transaction()
        rows = procedures.call(self._view(), name, args, self.identity())
        if name == "dolt_checkout":
            self.database.checked_out(self.repo)
        self._roll_back_conflicts(before, [name], reopen)
        if reopen:
            self._begin(statement.text)
        return Result(statement.text, ResultKind.ROWS, table=rows)


_QUALIFIABLE = (Kind.QUERY, Kind.INSERT, Kind.UPDATE, Kind.DELETE)  # may name `db/rev`.t (see `_run_in`)


def _apply_statement(binder: Binder, statement: Statement, expression: exp.Expression | None,
                     store: ChunkStore) -> tuple[RootValue, int]:
    """The working root after `statement` (a write, parsed as `expression`) and its row count."""
    view = binder.view

    def put(table: Table) -> Address:
        return _put_table(store, table)

    if statement.kind in (Kind.INSERT, Kind.UPDATE, Kind.DELETE):
        node = expression.this  # type: ignore[union-attr]
        name = view.table_name((node.this if isinstance(node, exp.Schema) else node).name)
        try:
            table, count = _run_dml(binder, statement, expression)
        except UniqueViolation as exc:  # core tables do not know their names
            raise exc.in_table(name or "") from None
        if table is None:
            return view.root, count
        written = (node.this if isinstance(node, exp.Schema) else node).name
        name = view.table_name(written) or (written.lower() if schema_of(written) is not None else None)
        return view.root.with_table(name, put(table)), count  # type: ignore[arg-type]
    if statement.kind is Kind.CREATE and _is_kind(expression, "INDEX"):
        changes = index_ddl.create_index(binder, expression)  # type: ignore[arg-type]
    elif statement.kind is Kind.DROP and _is_kind(expression, "INDEX"):
        changes = index_ddl.drop_index(binder, expression)  # type: ignore[arg-type]
    elif statement.kind is Kind.CREATE and _is_view(expression):
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


def _run_dml(binder: Binder, statement: Statement, expression: exp.Expression | None) -> tuple[Table | None, int]:
    if isinstance(expression, exp.Insert):
        return dml.insert(binder, expression, statement.replace, statement.dialect == "mysql")
    if isinstance(expression, exp.Update):
        return dml.update(binder, expression, statement.dialect == "mysql")
    return dml.delete(binder, expression)  # type: ignore[arg-type]
def _put_table(store: ChunkStore, table: Table) -> Address:
    data = table.value.encode()
    address = address_of(data)
    store.put_many({address: data})
    return address


def _first_line(text: str) -> int:
    return text.count("\n", 0, len(text) - len(text.lstrip())) + 1


def _is_view(expression: exp.Expression | None) -> bool:
    return _is_kind(expression, "VIEW")


def _is_kind(expression: exp.Expression | None, kind: str) -> bool:
    return expression is not None and str(expression.args.get("kind") or "").upper() == kind


def _copy(expression: exp.Expression | None) -> exp.Expression | None:
    return None if expression is None else expression.copy()


def _switch(value: object) -> bool:
    """A system variable's on/off value as MySQL reads it (1/0, ON/OFF, TRUE/FALSE)."""
    if isinstance(value, str):
        if value.strip().lower() in ("1", "on", "true"):
            return True
        if value.strip().lower() in ("0", "off", "false"):
            return False
        raise SqlError(f"Variable can't be set to the value of '{value}'")
    return bool(value)
