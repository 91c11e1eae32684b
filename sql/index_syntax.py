"""MySQL's index clauses, read on tokens before sqlglot parses a statement.

sqlglot's DuckDB parser misreads `KEY name (cols)` and `INDEX name (cols)` inside CREATE TABLE
(as a column named KEY of a made-up type, with the column names upper-cased) and fails on
`ALTER TABLE t ADD INDEX name (cols)`. Every dialect therefore goes through here first:

- in CREATE TABLE, each `[UNIQUE] KEY|INDEX [name] (col, ...)` item is cut out of the text and
  given back as an `exp.IndexColumnConstraint` (plain) or `exp.UniqueColumnConstraint` (unique)
  node, the shapes the MySQL parser gives, to be put back into the parsed column list;
- `ALTER TABLE t ADD [UNIQUE] KEY|INDEX [name] (cols)` becomes `CREATE [UNIQUE] INDEX name ON t
  (cols)`, written from the statement's own text (so each dialect's quoting stays valid).

Column prefix lengths (`a(10)`) and ASC/DESC are accepted and have no effect (an index changes
no result); expression indexes are refused by `sql.index_ddl`.
"""
from __future__ import annotations

from dataclasses import dataclass

from dl.sql.errors import SqlError
from sqlglot import exp
from sqlglot.tokenizer_core import Token, TokenType

_NAMES = (TokenType.VAR, TokenType.IDENTIFIER, TokenType.STRING)


@dataclass(frozen=True)
class IndexClause:
    """One index clause: its name (None: named after its first column), columns, UNIQUE."""

    name: str | None
    columns: tuple[str, ...]
    unique: bool
    position: int = 0  # its place among the CREATE TABLE items (MySQL names unnamed ones in order)

    def node(self) -> exp.Expression:
        """The clause as the node sqlglot's MySQL parser makes of it."""
        name = exp.to_identifier(self.name, quoted=True) if self.name else None
        columns = [exp.to_identifier(c, quoted=True) for c in self.columns]
        if self.unique:
            return exp.UniqueColumnConstraint(this=exp.Schema(this=name, expressions=columns))
        return exp.IndexColumnConstraint(this=name, expressions=columns)


def _is_index_word(token: Token) -> bool:
    return token.token_type in (TokenType.INDEX, TokenType.KEY, TokenType.VAR) and \
        token.text.upper() in ("KEY", "INDEX")


def _groups(tokens: list[Token], start: int) -> tuple[list[list[Token]], int]:
    """The comma-separated items inside the parentheses opening at `start`, and the index of
    the closing parenthesis."""
    items: list[list[Token]] = [[]]
    depth = 0
    for i in range(start, len(tokens)):
        kind = tokens[i].token_type
        if kind == TokenType.L_PAREN:
            depth += 1
            if depth == 1:
                continue
        elif kind == TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                return items, i
        elif kind == TokenType.COMMA and depth == 1:
            items.append([])
            continue
        items[-1].append(tokens[i])
    raise SqlError("unbalanced parentheses")


def _clause(item: list[Token]) -> IndexClause | None:
    """An index clause if `item` (tokens of one CREATE TABLE item) is one."""
    at, unique = 0, False
    if item and item[0].token_type == TokenType.UNIQUE:
        at, unique = 1, True
    if at >= len(item) or not _is_index_word(item[at]):
        return None
    at += 1
    name = None
    if at < len(item) and item[at].token_type in _NAMES and item[at].token_type != TokenType.L_PAREN:
        name, at = item[at].text, at + 1
    if at >= len(item) or item[at].token_type != TokenType.L_PAREN:
        raise SqlError(f"index {name or ''} needs a column list, e.g. KEY idx (a, b)".replace("  ", " "))
    parts, end = _groups(item, at)
    if end != len(item) - 1:
        raise SqlError(f"unexpected {item[end + 1].text!r} after the columns of index {name or ''}")
    return IndexClause(name, tuple(_column_name(p) for p in parts), unique)


def _column_name(part: list[Token]) -> str:
    if not part or part[0].token_type not in _NAMES:
        raise SqlError("indexes on expressions are not supported; index columns by name")
    return part[0].text


def extract_table_indexes(text: str, tokens: list[Token]) -> tuple[str, list[IndexClause]]:
    """CREATE TABLE text without its index clauses, and the clauses (none: text unchanged)."""
    head = [t.token_type for t in tokens[:6]]
    if not head or head[0] != TokenType.CREATE or TokenType.TABLE not in head:
        return text, []
    opening = next((i for i, t in enumerate(tokens) if t.token_type == TokenType.L_PAREN), None)
    if opening is None:
        return text, []
    items, _ = _groups(tokens, opening)
    clauses: list[IndexClause] = []
    cuts: list[tuple[int, int]] = []
    previous_end = tokens[opening].end + 1
    for number, item in enumerate(items):
        if not item:
            continue
        clause = _clause(item)
        if clause is not None:
            clauses.append(IndexClause(clause.name, clause.columns, clause.unique, number))
            # cut the item with the comma before it (or after it, for the first item)
            start = previous_end if number else item[0].start
            end = item[-1].end + 1
            if not number:
                following = items[1][0].start if len(items) > 1 and items[1] else end
                end = following
            cuts.append((start, end))
        previous_end = item[-1].end + 1
    for start, end in reversed(cuts):
        text = text[:start] + text[end:]
    return text, clauses


UNNAMED = "__dl_unnamed_index"  # CREATE INDEX's name for `ADD INDEX (cols)`: named as MySQL does


def rewrite_alter_add_index(text: str, tokens: list[Token], dialect: str) -> str | None:
    """`ALTER TABLE t ADD [UNIQUE] KEY|INDEX [name] (cols)` as CREATE INDEX text, else None."""
    if len(tokens) < 6 or tokens[0].token_type != TokenType.ALTER or tokens[1].token_type != TokenType.TABLE:
        return None
    add = next((i for i, t in enumerate(tokens) if t.text.upper() == "ADD"), None)
    if add is None or add < 3:
        return None
    clause = _clause(tokens[add + 1:])
    if clause is None:
        return None
    if tokens[2].text.upper() == "IF" and tokens[3].token_type == TokenType.EXISTS:
        raise SqlError("ALTER TABLE IF EXISTS ... ADD INDEX is not supported; name an existing table")
    table = text[tokens[2].start:tokens[add - 1].end + 1]
    opening = next(i for i in range(add + 1, len(tokens)) if tokens[i].token_type == TokenType.L_PAREN)
    columns = text[tokens[opening].start:tokens[-1].end + 1]
    name = exp.to_identifier(clause.name or UNNAMED, quoted=True).sql(dialect)
    return f"CREATE {'UNIQUE ' if clause.unique else ''}INDEX {name} ON {table} {columns}"
