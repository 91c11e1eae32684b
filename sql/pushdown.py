"""Primary-key predicates pushed down to tree lookups.

A table read by a SELECT whose WHERE has top-level conjuncts like `id = 5`, `id IN (1, 2)`,
`id BETWEEN 10 AND 20` or `id >= 7` on its primary key is read with `Table.lookup` (equality)
or `ProllyTree.scan_range` (ranges) instead of a full scan, so a point query on a 1M-row table
touches one leaf per level. The rows fetched are a superset of those the predicate keeps, and
DuckDB still applies the whole WHERE, so pushdown can only make a read cheaper, never change
its answer. That holds for any join kind: a WHERE conjunct `t.id = 5` keeps only output rows
built from a `t` row with id 5.

Only literals of the column's own kind are pushed (integers for integer keys, strings for
string keys, numbers for float keys): comparing across kinds makes DuckDB cast, and the cast
could match keys that the literal's encoding does not.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from dl.core.tables.table import Table
from sqlglot import exp

if TYPE_CHECKING:
    from dl.sql.tree_source import TreeSource

MAX_POINTS = 100_000


@dataclass
class KeyFilter:
    """Candidate key values per key column (equalities) and a range on a single-column key."""

    points: dict[str, list[Any]]
    low: tuple[Any, bool] | None = None  # (value, inclusive)
    high: tuple[Any, bool] | None = None


def key_filter(node: exp.Table, visible_name: str, table: Table) -> KeyFilter | None:
    """The pushable predicates on `table`'s key from the WHERE of the SELECT reading `node`."""
    key = table.schema.primary_key
    if not key:
        return None
    select = enclosing_select(node)
    if select is None or select.args.get("where") is None:
        return None
    single = len(direct_sources(select)) == 1
    types = {name: table.schema.column(name).type for name in key}
    found = KeyFilter({})
    for conjunct in conjuncts(select.args["where"].this):
        narrow(conjunct, found, types, visible_name.lower(), single)
    if len(key) > 1:
        return found if all(name in found.points for name in key) else None
    return found if found.points or found.low or found.high else None


def fetch(table: Table, found: KeyFilter) -> pa.Table:
    """The rows of `table` that `found` may keep (a superset; DuckDB filters exactly)."""
    key = table.schema.primary_key
    schema = table.schema.arrow
    if found.points:
        lists = [found.points[name] for name in key]
        if len(key) == 1:
            lists = [[v for v in lists[0] if in_range(v, found)]]
        combos = list(itertools.islice(itertools.product(*lists), MAX_POINTS + 1))
        if not combos:
            return schema.empty_table()
        keys = pa.table({name: pa.array([c[i] for c in combos], schema.field(name).type)
                         for i, name in enumerate(key)})
        return table.lookup(keys)
    low = _encode(table, found.low[0]) if found.low else None
    high = _encode(table, found.high[0]) if found.high else None
    rows = table.tree.scan_range(low, high,
                                 low_inclusive=found.low[1] if found.low else True,
                                 high_inclusive=found.high[1] if found.high else True)
    return rows


def stream_range(table: Table, found: KeyFilter, columns: list[str] | None) -> TreeSource:
    """A key range of a large table as a stream (`tree_source`) instead of a materialized scan."""
    from dl.sql.tree_source import TreeSource
    return TreeSource(table, columns,
                      low=_encode(table, found.low[0]) if found.low else None,
                      high=_encode(table, found.high[0]) if found.high else None,
                      low_inclusive=found.low[1] if found.low else True,
                      high_inclusive=found.high[1] if found.high else True)


def _encode(table: Table, value: Any) -> bytes:
    name = table.schema.primary_key[0]
    keys = table.schema.layout.keys_of(pa.table({name: pa.array([value], table.schema.column(name).type)}))
    return bytes(keys[0])


def in_range(value: Any, found: KeyFilter) -> bool:
    """Whether `value` lies within `found`'s range (if it has one)."""
    if found.low and (value < found.low[0] or (value == found.low[0] and not found.low[1])):
        return False
    if found.high and (value > found.high[0] or (value == found.high[0] and not found.high[1])):
        return False
    return True


# --- reading the WHERE clause ---------------------------------------------------------------

def enclosing_select(node: exp.Expression) -> exp.Select | None:
    """The SELECT whose FROM or JOIN clause reads the table `node`, if it is one."""
    parent = node.parent
    while isinstance(parent, (exp.From, exp.Join, exp.Table)):
        parent = parent.parent
    return parent if isinstance(parent, exp.Select) else None


def direct_sources(select: exp.Select) -> list[exp.Expression]:
    """The tables, subqueries and functions a SELECT reads directly (FROM and JOINs)."""
    sources: list[exp.Expression] = []
    frm = select.args.get("from_") or select.args.get("from")
    if frm is not None:
        sources.append(frm.this)
        sources += [j.this for j in frm.this.args.get("joins") or []]
    sources += [j.this for j in select.args.get("joins") or []]
    return sources


def conjuncts(condition: exp.Expression) -> list[exp.Expression]:
    """The top-level AND terms of a condition."""
    while isinstance(condition, exp.Paren):
        condition = condition.this
    if isinstance(condition, exp.And):
        return conjuncts(condition.this) + conjuncts(condition.expression)
    return [condition]


_FLIP: dict[type[exp.Expression], type[exp.Expression]] = {
    exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE, exp.EQ: exp.EQ}


def narrow(condition: exp.Expression, found: KeyFilter, types: dict[str, pa.DataType],
           name: str, single: bool) -> None:
    """Narrows `found` by one WHERE conjunct on the columns of `types` (of the table visible as
    `name`; unqualified columns count when the SELECT reads one source only)."""
    if isinstance(condition, exp.In) and not condition.args.get("query"):
        column = _key_column(condition.this, types, name, single)
        values = [_literal(v, types[column]) for v in condition.expressions] if column else []
        if column and values and all(v is not _NO for v in values):
            _narrow_points(found, column, values)
        return
    if isinstance(condition, exp.Between):
        column = _key_column(condition.this, types, name, single)
        if column:
            low = _literal(condition.args["low"], types[column])
            high = _literal(condition.args["high"], types[column])
            if low is not _NO and high is not _NO and len(types) == 1:
                _narrow_range(found, low, True, high, True)
        return
    kind: type[exp.Expression] = type(condition)
    if kind not in _FLIP:
        return
    left, right = condition.this, condition.expression
    column = _key_column(left, types, name, single)
    literal_side = right
    if column is None:
        column = _key_column(right, types, name, single)
        literal_side, kind = left, _FLIP[kind]
    if column is None:
        return
    value = _literal(literal_side, types[column])
    if value is _NO:
        return
    if kind is exp.EQ:
        _narrow_points(found, column, [value])
    elif len(types) == 1:
        if kind in (exp.GT, exp.GTE):
            _narrow_range(found, value, kind is exp.GTE, None, True)
        else:
            _narrow_range(found, None, True, value, kind is exp.LTE)


def _key_column(node: exp.Expression, types: dict[str, pa.DataType], name: str, single: bool) -> str | None:
    if not isinstance(node, exp.Column):
        return None
    qualifier = node.table
    if qualifier and qualifier.lower() != name:
        return None
    if not qualifier and not single:
        return None
    for column in types:
        if column.lower() == node.name.lower():
            return column
    return None


class _Missing:
    pass


_NO: Any = _Missing()


def _literal(node: exp.Expression, kind: pa.DataType) -> Any:
    """The Python value of a constant if it is of the key column's kind, else `_NO`."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Literal) and node.is_string:
        return node.this if pa.types.is_string(kind) or pa.types.is_large_string(kind) else _NO
    number = _number(node)
    if number is _NO:
        return _NO
    if pa.types.is_integer(kind) and isinstance(number, int):
        try:
            pa.array([number], kind)
        except (pa.ArrowInvalid, OverflowError):
            return _NO
        return number
    if pa.types.is_floating(kind):
        return float(number)
    return _NO


_INTEGER_ARITHMETIC = {exp.Add: lambda a, b: a + b, exp.Sub: lambda a, b: a - b, exp.Mul: lambda a, b: a * b}


def _number(node: exp.Expression) -> Any:
    """A numeric constant: a literal, negated, parenthesized, cast to an integer type (the sqlite
    dialect's literals), or integer +, -, * of constants (`id between 10 and 10 + 99`). Only
    integer arithmetic is folded: it is exact, while DuckDB computes `0.1 + 0.2` in DECIMAL and
    a float folded here could miss the key it names."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Neg):
        inner = _number(node.this)
        return _NO if inner is _NO else -inner
    if isinstance(node, exp.Cast) and node.to.is_type(*exp.DataType.INTEGER_TYPES):
        inner = _number(node.this)
        return inner if isinstance(inner, int) else _NO
    operation = _INTEGER_ARITHMETIC.get(type(node))
    if operation is not None:
        left, right = _number(node.this), _number(node.expression)
        return operation(left, right) if isinstance(left, int) and isinstance(right, int) else _NO
    if not isinstance(node, exp.Literal) or node.is_string:
        return _NO
    text = node.this
    try:
        return int(text) if text.lstrip("-").isdigit() else float(text)
    except ValueError:
        return _NO


def _narrow_points(found: KeyFilter, column: str, values: list[Any]) -> None:
    current = found.points.get(column)
    unique = list(dict.fromkeys(values))
    found.points[column] = unique if current is None else [v for v in current if v in set(unique)]


def _narrow_range(found: KeyFilter, low: Any, low_inc: bool, high: Any, high_inc: bool) -> None:
    if low is not None:
        if found.low is None or low > found.low[0] or (low == found.low[0] and not low_inc):
            found.low = (low, low_inc)
    if high is not None:
        if found.high is None or high < found.high[0] or (high == found.high[0] and not high_inc):
            found.high = (high, high_inc)
