"""Table names -> Arrow sources registered in DuckDB, for one statement at a time.

A statement reads through a `View` (`statement_view`).

A `Binder` rewrites every table a query names into a uniquely named Arrow source registered
in DuckDB, aliased back to the name the user wrote so qualified columns keep working:
- a working table: its rows from the tree (`Table.scan()`, zero-copy over the decoded leaves,
  cached per tree root), or only the rows a primary-key predicate can keep (`pushdown`); a
  table too large to hold goes as a stream of the columns used (`tree_source`);
- `t AS OF 'rev'` (marked by `parse`): the table in that revision's root;
- system tables (`dolt_log`, `dolt_diff_<t>`...) and table functions (`dolt_diff(...)`), built
  by `system_tables`;
- a view (`sql.views`): a subquery of its definition, bound by a child binder over the same
  connection (over the revision's root for `v AS OF 'rev'`).
CTE names are left alone. Sources are unregistered when the statement ends.
"""
from __future__ import annotations

import dataclasses
import itertools
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import sqlglot
from dl.core.tables.table import Table
from dl.sql import (
    functions,
    index_lookup,
    index_tables,
    pushdown,
    query_diff,
    system_tables,
    tree_source,
    views,
)
from dl.sql.edits import TextEdits
from dl.sql.errors import SqlError, engine_error
from dl.sql.interrupt import run_interruptible
from dl.sql.parse import Kind, parse_statement, split_script
from dl.sql.row_stream import BATCH_ROWS, RowStream
from dl.sql.statement_view import View
from dl.sql.tree_source import TreeSource
from sqlglot import exp

if TYPE_CHECKING:
    import duckdb

_SOURCE_PREFIX = "__dl_src_"
_counter = itertools.count()


class ScanCache:
    """Full scans of recently read tables, keyed by tree root (content never changes).

    The scans share their buffers with the decoded leaves (zero-copy), so holding one costs
    little while the node cache holds its leaves too; the bound keeps evicted leaves from
    piling up here. Sizes are taken once per scan with `get_total_buffer_size` (~0.2 ms for
    1M rows in 1,000 chunks; `Table.nbytes` walks every chunk: ~11 ms, and summing it over the
    cache on every miss made each UPDATE of a 1M-row table pay ~250 ms)."""

    def __init__(self, size: int = 8, max_bytes: int = 1 << 30) -> None:
        self._items: OrderedDict[tuple[Any, bytes], tuple[pa.Table, int]] = OrderedDict()
        self._size, self._max_bytes, self._bytes = size, max_bytes, 0

    def holds(self, table: Table) -> bool:
        """Whether a scan of `table` would come from this cache (so costs nothing to read)."""
        return (table.value.rows, table.schema.layout.fingerprint) in self._items

    def scan(self, table: Table) -> pa.Table:
        if table.value.rows is None:
            return table.schema.arrow.empty_table()
        key = (table.value.rows, table.schema.layout.fingerprint)
        hit = self._items.get(key)
        if hit is not None:
            self._items.move_to_end(key)
            return hit[0]
        rows = table.scan()
        size = rows.get_total_buffer_size()
        self._items[key] = (rows, size)
        self._bytes += size
        while len(self._items) > self._size or (len(self._items) > 1 and self._bytes > self._max_bytes):
            self._bytes -= self._items.popitem(last=False)[1][1]
        return rows


class Binder:
    """Registers the sources of one statement in DuckDB and runs it there."""

    def __init__(self, view: View, con: duckdb.DuckDBPyConnection, as_of: dict[str, tuple[str, str]],
                 cache: ScanCache, *, depth: int = 0, shown: dict[str, str] | None = None,
                 dialect: str = "duckdb") -> None:
        self.view, self.con, self.as_of, self.cache = view, con, as_of, cache
        self.dialect = dialect  # the statement's, for the queries dolt_query_diff() is given
        self.shown: dict[str, str] = {} if shown is None else shown  # registered name -> what the user wrote
        self.depth = depth  # views being expanded around this binder
        self._edits: TextEdits | None = None
        # what a write statement tells the session (sql.referential, core.tables.auto_increment):
        self.foreign_key_checks = True  # the session's FOREIGN_KEY_CHECKS
        self.key_moves: tuple[str, pa.Table, pa.Table] | None = None  # rows an UPDATE re-keyed
        self.last_insert_id: int | None = None  # the first AUTO_INCREMENT value an INSERT made

    def __enter__(self) -> Binder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for name in self.shown:
            try:
                self.con.unregister(name)
            except Exception:  # noqa: BLE001 - best effort; the connection may be closing
                pass
        self.shown.clear()

    def unregister(self, name: str) -> None:
        """Lets DuckDB drop a source before the statement ends (a window of rows cast and done
        with: kept registered, every window of a long ALTER or UPDATE would stay in memory)."""
        self.con.unregister(name)
        self.shown.pop(name, None)

    # --- running -------------------------------------------------------------------------

    def query(self, expression: exp.Expression, edits: TextEdits | None = None, prefix: str = "") -> pa.Table:
        """Runs a query (sqlglot AST, any dialect's parse) over the repository's tables.

        With `edits` (DuckDB-dialect statements parsed from text) the user's text runs with
        only the table references edited; otherwise the AST is bound (in place: callers pass
        an expression they own) and generated as DuckDB SQL. `prefix` (EXPLAIN) goes before it.
        """
        return self.run_sql(prefix + self.bound_sql(expression, edits))

    def bound_sql(self, expression: exp.Expression, edits: TextEdits | None = None) -> str:
        """The DuckDB SQL of `expression` with its tables bound and Dolt's functions replaced by
        their values (see `query`)."""
        functions.substitute(expression, self.view, edits)
        if edits is not None:
            self._edits = edits
            try:
                self.bind(expression)
            finally:
                self._edits = None
            text = edits.apply()
            if text is not None:
                return text
        return self.bind(expression).sql(dialect="duckdb", copy=False)

    def run_sql(self, text: str) -> pa.Table:
        """Runs `text` in DuckDB and returns all its rows (Ctrl-C stops it: sql/interrupt.py)."""
        def run() -> pa.Table:
            relation = self.con.sql(text)
            return pa.table({}) if relation is None else relation.to_arrow_table()
        try:
            return run_interruptible(self.con, run)
        except SqlError:
            raise
        except Exception as exc:  # duckdb's error classes
            if type(exc).__module__.startswith(("duckdb", "_duckdb")):
                raise engine_error(exc, self.shown) from None
            raise

    def stream_sql(self, text: str, locate: Callable[[SqlError], SqlError]) -> RowStream:
        """Starts `text` in DuckDB and returns its rows as a `RowStream`; the stream closes this
        binder (its registered sources) when it is closed."""
        def start() -> pa.RecordBatchReader:
            relation = self.con.sql(text)
            if relation is None:
                return pa.RecordBatchReader.from_batches(pa.schema([]), [])
            return relation.to_arrow_reader(BATCH_ROWS)
        try:
            reader = run_interruptible(self.con, start)
        except SqlError:
            raise
        except Exception as exc:
            if type(exc).__module__.startswith(("duckdb", "_duckdb")):
                raise engine_error(exc, self.shown) from None
            raise
        return RowStream(self.con, reader, names=dict(self.shown), locate=locate, on_close=self.close)

    def register(self, rows: pa.Table | TreeSource, shown: str) -> str:
        name = f"{_SOURCE_PREFIX}{next(_counter)}"
        self.con.register(name, rows)
        self.shown[name] = shown
        return name

    # --- binding ---------------------------------------------------------------------------

    def bind(self, expression: exp.Expression) -> exp.Expression:
        """Rewrites the tables of `expression` to registered sources (in place; returns it)."""
        ctes = {cte.alias_or_name.lower() for cte in expression.find_all(exp.CTE)}
        for node in list(expression.find_all(exp.Table)):
            self._bind_table(node, ctes)
        return expression

    def _bind_table(self, node: exp.Table, ctes: set[str]) -> None:
        if isinstance(node.this, exp.Func):
            self._bind_function(node)
            return
        name = node.name
        if not name or (name.lower() in ctes and name not in self.as_of):
            return
        if str(node.args.get("db") or "").lower() == "information_schema" and name.lower() == "statistics" \
                and not node.args.get("catalog"):
            self._point(node, index_tables.statistics(self.view), name, "information_schema.statistics")
            return
        if node.args.get("db") or node.args.get("catalog"):
            raise SqlError(f"qualified table names are not supported: {node.sql()}; "
                           "use t AS OF 'branch' to read another branch")
        if name in self.as_of:
            table_name, rev = self.as_of[name]
            root = self.view.root_at(rev)
            if self.view.table_name(table_name, root) is None:
                found = views.definitions(self.view, root).get(table_name.lower())
                if found is not None:
                    self._bind_view(node, found, dataclasses.replace(self.view, root=root), table_name)
                    return
            table = self.view.table(table_name, root)
            rows = self._table_rows(node, table, node.alias or table_name)
            self._point(node, rows, table_name, f"{table_name} AS OF '{rev}'")
            return
        rows = system_tables.system_table(self.view, name, _hints(node))
        if rows is not None:
            self._point(node, rows, name, name)
            return
        if self.view.table_name(name) is None:
            found = views.definitions(self.view).get(name.lower())
            if found is not None:
                self._bind_view(node, found, self.view, name)
                return
        table = self.view.table(name)
        self._point(node, self._table_rows(node, table, node.alias or name), name, name)

    # --- views -----------------------------------------------------------------------------

    def view_sql(self, definition: views.Definition, view: View | None = None) -> str:
        """The bound DuckDB SQL of a view's query, its tables read from `view` (default: this
        binder's), its columns renamed as the definition names them."""
        if self.depth >= views.MAX_DEPTH:
            raise SqlError(f"view {definition.name} nests more than {views.MAX_DEPTH} views deep "
                           "(does it refer to itself?)")
        statement = views.view_statement(definition)
        child = Binder(view or self.view, self.con, statement.as_of, self.cache, depth=self.depth + 1,
                       shown=self.shown, dialect=self.dialect)
        text = child.bound_sql(statement.expression.copy(), TextEdits(statement.source))  # type: ignore[union-attr]
        if definition.columns:
            names = ", ".join(exp.to_identifier(c, quoted=True).sql("duckdb") for c in definition.columns)
            text = f"SELECT * FROM ({text}) AS {exp.to_identifier(definition.name, quoted=True).sql('duckdb')}({names})"
        return text

    def view_columns(self, definition: views.Definition) -> list[str]:
        """The column names a view's query gives (planning it checks every name it uses)."""
        return self.run_sql(f"SELECT * FROM ({self.view_sql(definition)}) LIMIT 0").column_names

    def _bind_view(self, node: exp.Table, definition: views.Definition, view: View, written: str) -> None:
        text = self.view_sql(definition, view)
        if self._edits is not None:
            span = self._edits.table_span(node)
            if span is None:
                self._edits.failed = True
                return
            suffix = "" if node.alias else f" AS {exp.to_identifier(written).sql('duckdb')}"
            self._edits.add(span, f"({text}){suffix}")
            return
        alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(written))
        node.replace(exp.Subquery(this=sqlglot.parse_one(text, read="duckdb"), alias=alias))

    def _bind_function(self, node: exp.Table) -> None:
        func = node.this
        name = (func.name if isinstance(func, exp.Anonymous) else func.sql_name()).lower()
        if not name.startswith("dolt_"):
            return  # DuckDB's own table functions (range, read_csv...)
        args = [_literal_text(a, name) for a in func.expressions]
        if name == "dolt_query_diff":
            self._point(node, self._query_diff(query_diff.queries(args)), name, f"{name}(...)")
            return
        rows = system_tables.table_function(self.view, name, args)
        self._point(node, rows, name, f"{name}(...)")

    def _query_diff(self, texts: list[str]) -> pa.Table:
        """dolt_query_diff()'s rows: each query run as a statement of this one's dialect, then
        the two results compared (`sql.query_diff`)."""
        if self.depth >= views.MAX_DEPTH:
            raise SqlError(f"dolt_query_diff() nests more than {views.MAX_DEPTH} deep")
        results, keys = [], []
        for text in texts:
            statement = parse_statement(split_script(text, self.dialect)[0], self.dialect)
            if statement.kind is not Kind.QUERY or statement.expression is None:
                raise SqlError("query must be a SELECT statement")
            keys.append(query_diff.key_columns(statement, self.view))
            child = Binder(self.view, self.con, statement.as_of, self.cache, depth=self.depth + 1,
                           shown=self.shown, dialect=self.dialect)
            edits = TextEdits(statement.source) if statement.dialect == "duckdb" and statement.source else None
            results.append(self.run_sql(child.bound_sql(statement.expression.copy(), edits)))
        first, second = (self.register(r, f"dolt_query_diff query {i}") for i, r in enumerate(results, 1))
        key = keys[0] if keys[0] == keys[1] else None
        return self.run_sql(query_diff.diff_sql(first, second, (results[0].schema, results[1].schema), key))

    def _table_rows(self, node: exp.Table, table: Table, visible: str) -> pa.Table | TreeSource:
        """Rows of a table for DuckDB: pushed-down keys, the cached scan of a small table, or
        a stream of the columns used of a large one (`tree_source`)."""
        found = pushdown.key_filter(node, visible, table)
        if found is None and table.schema.indexes:
            by_index = index_lookup.index_rows(node, visible, table, scan_cached=self.cache.holds(table))
            if by_index is not None:
                return by_index
        if found is not None and (found.points or not tree_source.should_stream(table)):
            return pushdown.fetch(table, found)
        if not tree_source.should_stream(table):
            return self.cache.scan(table)
        columns = tree_source.used_columns(node, table)
        if found is not None:
            return pushdown.stream_range(table, found, columns)
        return TreeSource(table, columns)

    def _point(self, node: exp.Table, rows: pa.Table | TreeSource, alias: str, shown: str) -> None:
        registered = self.register(rows, shown)
        if self._edits is not None:
            span = self._edits.table_span(node)
            if span is None:
                self._edits.failed = True
            else:
                bare = node.alias or isinstance(node.parent, exp.Summarize)  # SUMMARIZE t takes no alias
                suffix = "" if bare else f" AS {exp.to_identifier(alias).sql('duckdb')}"
                self._edits.add(span, registered + suffix)
            return
        if not node.alias and not isinstance(node.parent, exp.Summarize):
            node.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
        node.set("this", exp.to_identifier(registered))
        node.set("db", None)
        node.set("catalog", None)


def _hints(node: exp.Table) -> dict[str, str]:
    """String equalities on the system table's columns (e.g. to_commit = 'WORKING')."""
    select = pushdown.enclosing_select(node)
    if select is None or select.args.get("where") is None:
        return {}
    out = {}
    visible = (node.alias or node.name).lower()
    single = len(pushdown.direct_sources(select)) == 1
    for conjunct in pushdown.conjuncts(select.args["where"].this):
        if isinstance(conjunct, exp.EQ):
            for col, lit in ((conjunct.this, conjunct.expression), (conjunct.expression, conjunct.this)):
                if isinstance(col, exp.Column) and isinstance(lit, exp.Literal) and lit.is_string \
                        and (col.table.lower() == visible if col.table else single):
                    out[col.name.lower()] = lit.this
    return out


def _literal_text(node: exp.Expression, function: str) -> str:
    if isinstance(node, exp.Literal):
        return str(node.this)
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
        return "-" + str(node.this.this)
    raise SqlError(f"arguments of {function}() must be literals, got {node.sql()}")
