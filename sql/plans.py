"""Compiled plans for prepared statements: classified once, run per execute without sqlglot or DuckDB.

A prepared statement (`?` parameters, as a MySQL client sends it) is classified once, when it
is prepared, into a plan that each execute runs with its bound values:

- `PointPlan`: a primary-key point SELECT/UPDATE/DELETE/INSERT/REPLACE (`point_shapes`'
  grammar). The template is recognized once with each `?` as a marker literal; an execute
  swaps the markers for the bound values and runs the statement on `Session.run_point`, the
  path a recognized text statement takes (`sql.point`), with all its checks.
- `RangePlan`: a single-table SELECT of plain columns, or of one SUM/COUNT/MIN/MAX, with
  optional DISTINCT and ORDER BY one column, over a primary-key range (`pk BETWEEN ? AND ?`,
  `pk >= ? AND pk <= ?`) of a one-column signed-integer key: the range is read from the tree
  (`ProllyTree.scan_range`) and computed with pyarrow.

A plan never guesses what the general path would answer: it returns None (the caller runs the
statement's text on the general path) whenever a bound value is not one it takes as written
(a string for an integer key...), the name does not resolve to a table, or the table's
schema is not the one the plan last saw. A `RangePlan` learns its result schema (column
names and types, as the general path labels and types them) from the general path's answer
to its first execute, and forgets it when the table's schema changes (an ALTER): the next
execute takes the general path again and re-learns. Every read goes through
`Session.snapshot`, so the session's branch, transaction (autocommit off opens one),
revision database and rolled-back writes are what a plan reads, as any statement.
"""
from __future__ import annotations

import dataclasses
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from dl.core.tables.int_key_reads import row_at_int_key, rows_between_int_keys
from dl.sql.lru import MISSING, LruCache
from dl.sql.point_shapes import NULL, Literal, PointStatement, Value, Verb, recognize

if TYPE_CHECKING:
    from sqlglot import exp

    from dl.core.tables.schema import TableSchema
    from dl.sql.session import Result, Session

_MARKER = "\x01dl-parameter-{}\x01"
_INT_TYPES = (pa.int8(), pa.int16(), pa.int32(), pa.int64())
_AGGREGATES = ("sum", "count", "min", "max")


class Plan:
    """A statement compiled once; `run` answers one execute, or None for the general path."""

    def run(self, session: Session, params: Sequence[object]) -> Result | None:
        raise NotImplementedError

    def learn(self, result: Result | None) -> None:
        """The general path's answer to an execute this plan passed on (what it can learn from)."""


CACHED_PLANS = 512
_PLANS: LruCache[tuple[str, tuple[str, ...]], Plan | None] = LruCache(CACHED_PLANS)


def compile_prepared(pieces: Sequence[str], dialect: str) -> Plan | None:
    """The plan for a statement given as its text split at the `?` parameters, or None.

    Plans are shared by every session of the process (a client's connections prepare the same
    statements): what one learned (a table schema and the result schema it gives) serves the
    others, and a session reading another schema (another branch, after an ALTER) re-learns."""
    if len(pieces) == 1:
        return None  # no parameters: the text path's shape cache serves it as well
    key = (dialect, tuple(pieces))
    known = _PLANS.get(key)
    if known is not MISSING:
        return known  # type: ignore[return-value]
    plan = _point_plan(pieces, dialect) or _range_plan(pieces, dialect)
    _PLANS.put(key, plan)
    return plan


_TEXT_PIECE = re.compile(r"""'(?:[^'\\]|''|\\.)*'|"(?:[^"\\]|""|\\.)*"|`(?:[^`]|``)*`|[A-Za-z_][\w$]*|(?<![\w.])(\d+)(?![\w.])""")


def text_plan(text: str, dialect: str) -> tuple[Plan, list[int]] | None:
    """The range plan a statement's text is with its integer literals as parameters, and
    their values, for the text protocol: a client sending the same shape with other numbers
    (sysbench without prepared statements) gets the same plan. Only range SELECTs: point
    statements have `point_shapes`' own cache on the text path."""
    if len(text) > 2048 or not text.lstrip()[:6].lower() == "select":
        return None
    pieces, values, start = [], [], 0
    for match in _TEXT_PIECE.finditer(text):
        if match.group(1) is not None:
            pieces.append(text[start:match.start()])
            values.append(int(match.group(1)))
            start = match.end()
    pieces.append(text[start:])
    if len(values) != 2:
        return None
    plan = compile_prepared(pieces, dialect)
    return (plan, values) if isinstance(plan, RangePlan) else None


# --- point statements -------------------------------------------------------------------------

_Fast = tuple[list[str], pa.Schema, pa.DataType]  # result columns (stored names), result schema, key type


class PointPlan(Plan):
    """A point statement whose marker literals each execute replaces with the bound values."""

    def __init__(self, template: PointStatement, count: int) -> None:
        self.template, self.count, self.text = template, count, template.text
        self.markers = {_MARKER.format(i): i for i in range(count)}
        # a SELECT's table schema when it last learned, and what `row_at_int_key` answers with
        # for it: one tuple, replaced whole, so a session in another thread never reads a
        # schema with another schema's answer
        self.learned: tuple[TableSchema, _Fast | None] | None = None

    @property
    def fast(self) -> _Fast | None:
        learned = self.learned
        return None if learned is None else learned[1]

    def run(self, session: Session, params: Sequence[object]) -> Result | None:
        if len(params) != self.count:
            return None
        if self.template.verb is Verb.SELECT:
            return self._select(session, params)
        statement = self._bind(params)
        return None if statement is None else session.run_point(statement)

    def _select(self, session: Session, params: Sequence[object]) -> Result | None:
        """A point SELECT: by a one-column integer key, straight down the tree (`row_at_int_key`),
        once the point path's first answer for this table schema gave the result's columns."""
        from dl.sql.session import Result, ResultKind
        from dl.sql.system_tables import system_table_name
        key = self._fast_key(params)
        view = session.snapshot()
        name = None if system_table_name(self.template.table) else view.table_name(self.template.table)
        if name is None:
            return None
        table = view.table(name)
        learned = self.learned
        fast = None if learned is None or (table.schema is not learned[0] and table.schema != learned[0]) \
            else learned[1]
        if key is None or fast is None:
            statement = self._bind(params)
            answer = None if statement is None else session.run_point(statement)
            if answer is not None and answer.table is not None:
                self._learn_select(table.schema, answer.table.schema)
            return answer
        names, result_schema, key_type = fast
        bits = key_type.bit_width
        if not -(1 << (bits - 1)) <= key < (1 << (bits - 1)):
            return None
        row = row_at_int_key(table.tree, key, key_type, table.schema.names.index(table.schema.primary_key[0]))
        answer = pa.Table.from_arrays([row.column(n) for n in names], schema=result_schema)
        return Result(self.text, ResultKind.ROWS, table=answer)

    def _fast_key(self, params: Sequence[object]) -> int | None:
        where = self.template.where
        if len(where) != 1 or where[0][1].kind != "str" or where[0][1].text not in self.markers:
            return None
        value = params[self.markers[where[0][1].text]]
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def _learn_select(self, schema: TableSchema, result: pa.Schema) -> None:
        """Which stored columns make the result, when the key is one integer column."""
        self.learned = (schema, None)
        resolve = _resolver(schema)
        names = [resolve(c) for c in self.template.columns] if self.template.columns else list(schema.names)
        key = resolve(self.template.where[0][0]) if len(self.template.where) == 1 else None
        if len(schema.primary_key) != 1 or key != schema.primary_key[0] or None in names \
                or len(names) != len(result):
            return
        key_type = schema.column(key).type
        if key_type in _INT_TYPES:
            self.learned = (schema, (names, result, key_type))  # type: ignore[assignment]

    def _bind(self, params: Sequence[object]) -> PointStatement | None:
        """The template with the bound values in place of its markers (None: not plain values)."""
        literals = [_literal(value) for value in params]
        if any(lit is None for lit in literals):
            return None

        def bind(literal: Literal) -> Literal:
            index = self.markers.get(literal.text) if literal.kind == "str" else None
            return literal if index is None else literals[index]  # type: ignore[return-value]
        t = self.template
        return dataclasses.replace(
            t, where=tuple((c, bind(v)) for c, v in t.where),
            sets=tuple((c, Value(v.column, None if v.literal is None else bind(v.literal), v.op)) for c, v in t.sets),
            rows=tuple(tuple(bind(v) for v in row) for row in t.rows))


def _point_plan(pieces: Sequence[str], dialect: str) -> PointPlan | None:
    text = pieces[0] + "".join(f"'{_MARKER.format(i)}'{piece}" for i, piece in enumerate(pieces[1:]))
    statement = recognize(text, dialect)
    if statement is None:
        return None
    found = [lit for lit in _literals_of(statement) if lit.kind == "str" and lit.text.startswith("\x01dl-")]
    if len(found) != len(pieces) - 1 or any(lit.negative for lit in found):
        return None  # `-?` (a sign on a bound value) or a parameter the grammar did not keep
    return PointPlan(dataclasses.replace(statement, text="?".join(pieces).strip()), len(found))


def _literals_of(statement: PointStatement) -> list[Literal]:
    out = [lit for _, lit in statement.where]
    out += [v.literal for _, v in statement.sets if v.literal is not None]
    out += [lit for row in statement.rows for lit in row]
    return out


def _literal(value: object) -> Literal | None:
    """A bound value as the literal a client would have written, or None if not a plain one."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Literal("int", str(abs(value)), value < 0)
    if isinstance(value, float):
        text = repr(abs(value))
        if not math.isfinite(value) or "e" in text or "E" in text:
            return None
        return Literal("dec", text, value < 0 or math.copysign(1.0, value) < 0)
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        text = format(abs(value), "f")
        return Literal("dec" if "." in text else "int", text, value < 0)
    if isinstance(value, str):
        return Literal("str", value)
    return None  # bytes, dates...: the general path casts them


# --- primary-key ranges ------------------------------------------------------------------------

@dataclass(frozen=True)
class _Query:
    """What a range SELECT asks for; names as written, resolved against the schema per execute."""

    table: str
    key: str
    columns: tuple[str, ...] | None  # None: * ; unused with an aggregate
    aggregate: str = ""  # sum, count, min, max
    argument: str | None = None  # the aggregate's column; None: COUNT(*)
    distinct: bool = False
    order: str | None = None
    descending: bool = False
    low: int | None = None  # the parameter index of each bound
    high: int | None = None


class RangePlan(Plan):
    """A SELECT over a primary-key range, computed with pyarrow (see the module docstring)."""

    def __init__(self, query: _Query, text: str) -> None:
        self.query, self.text = query, text
        # the table schema and the result schema the general path gave for it: one tuple,
        # replaced whole (sessions in other threads share the plan)
        self.learned: tuple[TableSchema, pa.Schema] | None = None
        self._trying = threading.local()  # per thread: the schema the last execute passed on

    def run(self, session: Session, params: Sequence[object]) -> Result | None:
        from dl.sql.session import Result, ResultKind
        q = self.query
        bounds = [params[q.low] if q.low is not None else None, params[q.high] if q.high is not None else None]
        if any(b is not None and (isinstance(b, bool) or not isinstance(b, int)) for b in bounds):
            return None
        from dl.sql.system_tables import system_table_name
        view = session.snapshot()
        name = None if system_table_name(q.table) else view.table_name(q.table)
        if name is None:
            return None  # a system table, a view, no such table: the general path answers
        table = view.table(name)
        schema = table.schema
        self._trying.schema = schema
        learned = self.learned
        if learned is None or (schema is not learned[0] and schema != learned[0]):
            return None
        result_schema = learned[1]
        if list(schema.primary_key) != [_resolver(schema)(q.key)]:
            return None  # not a range of the whole primary key
        key_type = schema.column(schema.primary_key[0]).type
        if key_type not in _INT_TYPES:
            return None
        rows = _range_rows(table, key_type, bounds)
        answer = _compute(rows, q, schema)
        if answer is None or answer.num_columns != len(result_schema):
            return None
        try:
            answer = answer.rename_columns(result_schema.names).cast(result_schema)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        return Result(self.text, ResultKind.ROWS, table=answer)

    def span(self, params: Sequence[object]) -> int | None:
        """How many keys an execute's range can hold at most (None: unbounded, or bounds that
        are not integers); an empty range spans 0."""
        q = self.query
        if q.low is None or q.high is None:
            return None
        low, high = params[q.low], params[q.high]
        if not (isinstance(low, int) and isinstance(high, int)) or isinstance(low, bool) or isinstance(high, bool):
            return None
        return max(0, high - low + 1)

    def learn(self, result: Result | None) -> None:
        table = result.table if result is not None else None
        trying = getattr(self._trying, "schema", None)
        if table is not None and trying is not None:
            self.learned = (trying, table.schema)


def _range_rows(table: Any, key_type: pa.DataType, bounds: list[object]) -> pa.Table:
    """The rows with `low <= key <= high`; none when a bound is NULL or outside the key's type."""
    low, high = bounds
    empty = pa.Table.from_batches([], schema=table.tree.layout.schema)
    if low is None or high is None or low > high:  # type: ignore[operator]
        return empty
    bits = key_type.bit_width
    least, most = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    low, high = max(int(low), least), min(int(high), most)  # type: ignore[call-overload]
    if low > high:
        return empty
    key_index = table.schema.names.index(table.schema.primary_key[0])
    return rows_between_int_keys(table.tree, low, high, key_type, key_index)


def _compute(rows: pa.Table, q: _Query, schema: TableSchema) -> pa.Table | None:
    """The query's answer over the range's rows (names as stored; the caller renames)."""
    import pyarrow.compute as pc
    resolve = _resolver(schema)
    if q.aggregate:
        if q.argument is None:
            return pa.table({"n": pa.array([rows.num_rows], pa.int64())})
        column = resolve(q.argument)
        if column is None:
            return None
        values = rows.column(column)
        kind = values.type
        if q.aggregate == "count":
            return pa.table({"n": pa.array([pc.count(values).as_py()], pa.int64())})
        if kind not in _INT_TYPES and not (q.aggregate != "sum" and pa.types.is_string(kind)):
            return None  # float sums depend on order; NaN orders differ: the general path
        extremes = pc.min_max(values)
        if q.aggregate == "sum":
            largest = max(abs(extremes["min"].as_py() or 0), abs(extremes["max"].as_py() or 0))
            if largest * rows.num_rows >= 1 << 63:
                return None  # an int64 sum could overflow: DuckDB's wider sum
            total = pc.sum(values, min_count=1).as_py()
            return pa.table({"n": pa.array([total], pa.int64())})
        found = extremes[q.aggregate].as_py()
        return pa.table({"n": pa.array([found], kind)})
    names = list(schema.names) if q.columns is None else [resolve(c) for c in q.columns]
    if any(n is None for n in names):
        return None
    order = resolve(q.order) if q.order is not None else None
    if q.order is not None and (order is None or (q.distinct and order not in names)):
        return None
    if order is not None and not q.distinct:
        rows = rows.take(_sort_indices(rows, order, q.descending))
    answer = pa.Table.from_arrays([rows.column(n) for n in names], names=[f"c{i}" for i in range(len(names))])
    if q.distinct:
        answer = _distinct(answer)
        if order is not None:
            answer = answer.take(_sort_indices(answer, f"c{names.index(order)}", q.descending))
    return answer


def _sort_indices(rows: pa.Table, column: str, descending: bool) -> pa.Array:
    """A stable order by one column, NULLs first ascending and last descending (MySQL's)."""
    import pyarrow.compute as pc
    return pc.array_sort_indices(rows.column(column).combine_chunks(),
                                 order="descending" if descending else "ascending",
                                 null_placement="at_end" if descending else "at_start")


def _distinct(table: pa.Table) -> pa.Table:
    """The distinct rows of `table` (NULLs equal), in order of first appearance."""
    import pyarrow.compute as pc
    if table.num_rows == 0:
        return table
    if table.num_columns == 1:  # one column: Arrow's hash unique keeps first appearances, NULL once
        return pa.Table.from_arrays([pc.unique(table.column(0))], schema=table.schema)
    index = pa.array(range(table.num_rows), pa.int64())
    keyed = table.append_column("__row", index)
    firsts = keyed.group_by(table.column_names, use_threads=False).aggregate([("__row", "min")])
    order = pc.sort_indices(firsts.column("__row_min"))
    return table.take(pc.take(firsts.column("__row_min"), order))


def _resolver(schema: TableSchema) -> Any:
    """name -> the stored column it refers to (exact, else the one case-insensitive match)."""
    def resolve(name: str) -> str | None:
        if schema.has_column(name):
            return name
        matches = [c for c in schema.names if c.lower() == name.lower()]
        return str(matches[0]) if len(matches) == 1 else None
    return resolve


def _range_plan(pieces: Sequence[str], dialect: str) -> RangePlan | None:
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError
    text = "?".join(pieces)
    try:
        expressions = sqlglot.parse(text, read=dialect)
    except SqlglotError:
        return None
    if len(expressions) != 1 or not isinstance(expressions[0], exp.Select):
        return None
    query = _classify(expressions[0], len(pieces) - 1)
    return None if query is None else RangePlan(query, text.strip())


_ALLOWED_ARGS = {"expressions", "from", "from_", "where", "order", "distinct", "kind"}


def _classify(select: exp.Select, parameters: int) -> _Query | None:
    """The `_Query` a parsed SELECT is, or None when it is any other shape."""
    from sqlglot import exp
    if any(value for key, value in select.args.items() if key not in _ALLOWED_ARGS) or select.args.get("kind"):
        return None
    source = select.args.get("from_") or select.args.get("from")
    if source is None or not isinstance(source.this, exp.Table) or source.this.args.get("db") \
            or source.this.args.get("alias") or select.find(exp.Join):
        return None
    table = source.this.name
    where = select.args.get("where")
    bounds = _key_range(where.this if where is not None else None)
    if bounds is None or parameters != 2:
        return None
    key, low, high = bounds
    distinct = select.args.get("distinct")
    if distinct is not None and distinct.args.get("on"):
        return None
    order, descending = _order(select.args.get("order"), table)
    if order == "":
        return None
    projection = _projection(select.expressions, table)
    if projection is None:
        return None
    columns, aggregate, argument = projection
    if aggregate and (distinct is not None or order is not None):
        return None
    return _Query(table, key, columns, aggregate, argument, distinct is not None, order, descending, low, high)


def _column_name(node: exp.Expression, table: str) -> str | None:
    from sqlglot import exp
    if isinstance(node, exp.Column) and not node.args.get("db") and node.table in ("", table):
        return node.name
    return None


def _key_range(node: exp.Expression | None) -> tuple[str, int, int] | None:
    """(column, index of the low parameter, of the high one) of `col BETWEEN ? AND ?` or
    `col >= ? AND col <= ?` (either order)."""
    from sqlglot import exp
    if isinstance(node, exp.Between):
        column = _column_name(node.this, "")
        if column and isinstance(node.args.get("low"), exp.Placeholder) \
                and isinstance(node.args.get("high"), exp.Placeholder):
            return column, 0, 1
        return None
    if isinstance(node, exp.And):
        sides = [node.this, node.expression]
        kinds = [type(s) for s in sides]
        if kinds not in ([exp.GTE, exp.LTE], [exp.LTE, exp.GTE]):
            return None
        names = [_column_name(s.this, "") for s in sides]
        if not names[0] or names[0] != names[1] or not all(isinstance(s.expression, exp.Placeholder) for s in sides):
            return None
        return (names[0], 0, 1) if kinds[0] is exp.GTE else (names[0], 1, 0)
    return None


def _order(order: exp.Order | None, table: str) -> tuple[str | None, bool]:
    """(column, descending) of `ORDER BY col [ASC|DESC]`; (None, False) without; ("", ...) for others."""
    if order is None:
        return None, False
    keys = order.expressions
    if len(keys) != 1:
        return "", False
    column = _column_name(keys[0].this, table)
    explicit_nulls = keys[0].args.get("nulls_first")
    descending = bool(keys[0].args.get("desc"))
    if column is None or (explicit_nulls is not None and bool(explicit_nulls) == descending):
        return "", False  # NULLS FIRST/LAST against the default: the general path
    return column, descending


def _projection(items: list[exp.Expression], table: str) -> tuple[tuple[str, ...] | None, str, str | None] | None:
    """(plain columns or None for *, aggregate, its column) of a SELECT list, or None."""
    from sqlglot import exp
    if len(items) == 1 and isinstance(items[0], exp.Star):
        return None, "", None
    if len(items) == 1 and type(items[0]).__name__.lower() in _AGGREGATES:
        node = items[0]
        argument = node.this
        if isinstance(node, exp.Count) and isinstance(argument, exp.Star):
            return (), "count", None
        if isinstance(argument, exp.Distinct) or node.args.get("expressions"):
            return None
        column = _column_name(argument, table) if argument is not None else None
        return ((), type(node).__name__.lower(), column) if column else None
    names = [_column_name(item, table) for item in items]
    if any(n is None for n in names):
        return None
    return tuple(names), "", None  # type: ignore[arg-type]
