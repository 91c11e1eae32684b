"""Recognizing primary-key point statements without sqlglot: a hand tokenizer and a shape cache.

The statements an application sends most are a handful of shapes with different literals
(sysbench's `SELECT c FROM sbtest1 WHERE id=?`, an UPDATE or DELETE by id, a one-row INSERT).
`recognize(text, dialect)` reads such a statement with a small regular-expression tokenizer,
abstracts its literals into slots, and looks the shape (dialect + tokens with the literals
abstracted) up in a cache of `Shape`s; only a shape seen for the first time is parsed, by the
small grammar below. What it accepts, and nothing else:

    SELECT * | col [, col]... FROM t WHERE key = lit [AND key = lit]...
    UPDATE t SET col = value [, col = value]... WHERE key = lit [AND ...]
        value: lit | -lit | NULL | col | col + lit | col - lit
    DELETE FROM t WHERE key = lit [AND ...]
    INSERT INTO t [(col, ...)] VALUES (lit, ...) [, (lit, ...)]...   (and REPLACE INTO)
    BEGIN | START TRANSACTION | COMMIT | ROLLBACK

with an optional trailing `;`, no comments, literals that are integers, plain decimals
(`12.5`), strings in single quotes or NULL. Any other text is not a point statement (None,
also cached by shape) and takes the general path (sqlglot + DuckDB); whether the names and
literals fit the table is checked later, by `point`, against the schema.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from dl.sql.lru import MISSING, LruCache

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<num>\d+(?:\.\d+)?)
    | (?P<str>'(?:[^']|'')*')
    | (?P<dq>"(?:[^"]|"")+")
    | (?P<bq>`(?:[^`]|``)+`)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op>[=(),*+\-;])
    )""", re.VERBOSE)
_SPACE = re.compile(r"\s*")
# Words that are never a table or column name here (a column named like one takes the general path).
_RESERVED = frozenset("""SELECT FROM WHERE AND OR NOT SET VALUES INTO NULL TRUE FALSE UPDATE DELETE
    INSERT REPLACE AS ON LIMIT ORDER BY GROUP HAVING IS IN LIKE BETWEEN DEFAULT RETURNING USING JOIN
    DISTINCT UNION EXCEPT INTERSECT WITH OFFSET IGNORE CONFLICT DUPLICATE KEY BEGIN COMMIT
    ROLLBACK START TRANSACTION OF CASE WHEN THEN ELSE END""".split())
CACHED_SHAPES = 1024
POINT_TEXT = 2048


class Verb(Enum):
    SELECT = "select"
    UPDATE = "update"
    DELETE = "delete"
    INSERT = "insert"
    REPLACE = "replace"
    BEGIN = "begin"
    COMMIT = "commit"
    ROLLBACK = "rollback"


@dataclass(frozen=True)
class Literal:
    """A literal as written: kind 'int', 'dec', 'str' or 'null', its text (strings unescaped),
    and whether a minus sign precedes it."""

    kind: str
    text: str
    negative: bool = False


NULL = Literal("null", "NULL")


@dataclass(frozen=True)
class Value:
    """The right side of `SET col = ...`: a literal (column None), a column, or column +/- literal."""

    column: str | None
    literal: Literal | None
    op: str = ""  # "+" or "-" with a column and a literal


@dataclass(frozen=True)
class PointStatement:
    """A recognized statement, literals filled in. Names are as written (resolved by `point`)."""

    verb: Verb
    text: str
    table: str = ""
    columns: tuple[str, ...] | None = None  # SELECT list (None: *) or INSERT column list
    where: tuple[tuple[str, Literal], ...] = ()
    sets: tuple[tuple[str, Value], ...] = ()
    rows: tuple[tuple[Literal, ...], ...] = ()


@dataclass(frozen=True)
class _Slot:
    """A literal's place in a shape: the index among the statement's literals."""

    index: int
    negative: bool = False


@dataclass(frozen=True)
class Shape:
    """A parsed shape: a `PointStatement` whose literals are slots."""

    verb: Verb
    table: str = ""
    columns: tuple[str, ...] | None = None
    where: tuple[tuple[str, object], ...] = ()
    sets: tuple[tuple[str, tuple[str | None, object, str]], ...] = ()
    rows: tuple[tuple[object, ...], ...] = ()

    def fill(self, text: str, literals: list[Literal]) -> PointStatement:
        def lit(item: object) -> Literal:
            if isinstance(item, _Slot):
                found = literals[item.index]
                return Literal(found.kind, found.text, item.negative) if item.negative else found
            return item  # type: ignore[return-value]
        return PointStatement(
            self.verb, text, self.table, self.columns,
            tuple((c, lit(v)) for c, v in self.where),
            tuple((c, Value(col, None if v is None else lit(v), op)) for c, (col, v, op) in self.sets),
            tuple(tuple(lit(v) for v in row) for row in self.rows))


_SHAPES: LruCache[tuple[str, tuple[str, ...]], Shape | None] = LruCache(CACHED_SHAPES)


def recognize(text: str, dialect: str) -> PointStatement | None:
    """The point statement `text` is, or None (then it takes the general path). Texts longer
    than `POINT_TEXT` (a script, a bulk INSERT) are not read at all: they are not point
    statements, and their shapes would only fill the cache."""
    if len(text) > POINT_TEXT:
        return None
    scanned = _scan(text, dialect)
    if scanned is None:
        return None
    shape_key, literals, end = scanned
    key = (dialect, shape_key)
    shape = _SHAPES.get(key)
    if shape is MISSING:
        shape = _Parser(list(shape_key)).statement()
        _SHAPES.put(key, shape)
    return None if shape is None else shape.fill(text[:end].strip(), literals)


def _scan(text: str, dialect: str) -> tuple[tuple[str, ...], list[Literal], int] | None:
    """(shape tokens, literals, end of the statement's text), or None for text it cannot read.

    Shape tokens: `?` for a literal, `W:WORD` for a word (upper-cased), `I:name` for a quoted
    identifier, the character for an operator. A `;` must be last."""
    tokens: list[str] = []
    literals: list[Literal] = []
    pos, end, size = 0, 0, len(text)
    identifier_quote = "bq" if dialect == "mysql" else "dq"
    while True:
        match = _TOKEN.match(text, pos)
        if match is None:
            break
        kind, value = match.lastgroup, match.group(match.lastgroup or 0)
        pos = match.end()
        if kind == "num":
            literals.append(Literal("dec" if "." in value else "int", value))
            tokens.append("?")
        elif kind == "str":
            if dialect == "mysql" and "\\" in value:
                return None  # MySQL's backslash escapes: the general path reads them
            literals.append(Literal("str", value[1:-1].replace("''", "'")))
            tokens.append("?")
        elif kind in ("dq", "bq"):
            if kind != identifier_quote:
                return None
            quote = value[0]
            tokens.append("I:" + value[1:-1].replace(quote * 2, quote))
        elif kind == "word":
            tokens.append("W:" + value.upper() if value.upper() in _RESERVED else "N:" + value)
        else:
            if value == ";":
                end = pos - 1
                if _SPACE.match(text, pos).end() != size:  # type: ignore[union-attr]
                    return None
                return tuple(tokens), literals, end
            tokens.append(value)
        end = pos
    if _SPACE.match(text, pos).end() != size or not tokens:  # type: ignore[union-attr]
        return None
    return tuple(tokens), literals, end


class _NoMatch(Exception):
    """The tokens are not one of the point shapes."""


class _Parser:
    """The grammar of the module docstring over shape tokens."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.pos, self.slot = tokens, 0, 0

    def statement(self) -> Shape | None:
        try:
            shape = self._statement()
        except _NoMatch:
            return None
        return shape if self.pos == len(self.tokens) else None

    # --- tokens ----------------------------------------------------------------------------

    def _peek(self) -> str:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ""

    def _accept(self, token: str) -> bool:
        if self._peek() == token:
            self.pos += 1
            return True
        return False

    def _expect(self, token: str) -> None:
        if not self._accept(token):
            raise _NoMatch

    def _name(self) -> str:
        token = self._peek()
        if not token.startswith(("N:", "I:")):
            raise _NoMatch
        self.pos += 1
        return token[2:]

    def _literal(self) -> object:
        negative = self._accept("-")
        if self._accept("?"):
            self.slot += 1
            return _Slot(self.slot - 1, negative)
        if not negative and self._accept("W:NULL"):
            return NULL
        raise _NoMatch

    # --- statements ------------------------------------------------------------------------

    def _statement(self) -> Shape:
        if self._accept("W:SELECT"):
            return self._select()
        if self._accept("W:UPDATE"):
            return self._update()
        if self._accept("W:DELETE"):
            self._expect("W:FROM")
            return Shape(Verb.DELETE, self._name(), where=self._where())
        for word, verb in (("W:INSERT", Verb.INSERT), ("W:REPLACE", Verb.REPLACE)):
            if self._accept(word):
                return self._insert(verb)
        if self._accept("W:BEGIN") or (self._accept("W:START") and self._accept("W:TRANSACTION")):
            return Shape(Verb.BEGIN)
        if self._accept("W:COMMIT"):
            return Shape(Verb.COMMIT)
        if self._accept("W:ROLLBACK"):
            return Shape(Verb.ROLLBACK)
        raise _NoMatch

    def _select(self) -> Shape:
        columns: tuple[str, ...] | None = None
        if not self._accept("*"):
            names = [self._name()]
            while self._accept(","):
                names.append(self._name())
            columns = tuple(names)
        self._expect("W:FROM")
        table = self._name()
        return Shape(Verb.SELECT, table, columns, where=self._where())

    def _where(self) -> tuple[tuple[str, object], ...]:
        self._expect("W:WHERE")
        pairs = [self._equality()]
        while self._accept("W:AND"):
            pairs.append(self._equality())
        return tuple(pairs)

    def _equality(self) -> tuple[str, object]:
        name = self._name()
        self._expect("=")
        literal = self._literal()
        if literal is NULL:
            raise _NoMatch  # `key = NULL` matches nothing; the general path says so
        return name, literal

    def _update(self) -> Shape:
        table = self._name()
        self._expect("W:SET")
        sets = [self._assignment()]
        while self._accept(","):
            sets.append(self._assignment())
        return Shape(Verb.UPDATE, table, sets=tuple(sets), where=self._where())

    def _assignment(self) -> tuple[str, tuple[str | None, object, str]]:
        name = self._name()
        self._expect("=")
        token = self._peek()
        if token.startswith(("N:", "I:")):
            column = self._name()
            for op in ("+", "-"):
                if self._accept(op):
                    literal = self._literal()
                    if literal is NULL:
                        raise _NoMatch
                    return name, (column, literal, op)
            return name, (column, None, "")
        return name, (None, self._literal(), "")

    def _insert(self, verb: Verb) -> Shape:
        self._expect("W:INTO")
        table = self._name()
        columns: tuple[str, ...] | None = None
        if self._accept("("):
            names = [self._name()]
            while self._accept(","):
                names.append(self._name())
            self._expect(")")
            columns = tuple(names)
        self._expect("W:VALUES")
        rows = [self._row()]
        while self._accept(","):
            rows.append(self._row())
        return Shape(verb, table, columns, rows=tuple(rows))

    def _row(self) -> tuple[object, ...]:
        self._expect("(")
        values = [self._literal()]
        while self._accept(","):
            values.append(self._literal())
        self._expect(")")
        return tuple(values)
