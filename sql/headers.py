"""Result column names as the user typed them (MySQL, Dolt and sqlite3 behaviour).

DuckDB names an unaliased result column after its own rendering of the expression
(`count(*)` -> `count_star()`, `1.5::double` -> `CAST(1.5 AS DOUBLE)`); MySQL and Dolt name it
by the expression's source text. So before a query runs, every unaliased projection of its
outermost SELECT gets an alias holding its source text: in the AST (for dialects that are
transpiled) and as a text insertion (for DuckDB-dialect statements, whose text runs as written).
The SQL DuckDB runs is otherwise unchanged. Plain column references (`id`, `t.id`) and `*`
keep DuckDB's names, which already are what was typed.

The projections are found on tokens: the first SELECT at parenthesis depth 0, then the list up
to the clause that ends it, split on top-level commas. When that count disagrees with the AST
(a form this does not understand), nothing is renamed.
"""
from __future__ import annotations

import sqlglot
from dl.sql.edits import TextEdits
from sqlglot import exp
from sqlglot.tokenizer_core import Token, TokenType

_ENDS = {TokenType.FROM, TokenType.WHERE, TokenType.GROUP_BY, TokenType.HAVING, TokenType.WINDOW,
         TokenType.QUALIFY, TokenType.ORDER_BY, TokenType.LIMIT, TokenType.UNION, TokenType.EXCEPT,
         TokenType.INTERSECT, TokenType.INTO, TokenType.SEMICOLON, TokenType.OFFSET, TokenType.FETCH}
_KEEP = (exp.Alias, exp.Star, exp.Column)


def label_projections(expression: exp.Expression, source: str, dialect: str,
                      edits: TextEdits | None = None, as_of: dict[str, tuple[str, str]] | None = None) -> None:
    """Aliases the unaliased projections of `expression`'s outermost SELECT with their text in
    `source` (in place; with `edits`, also as insertions into the text that will run)."""
    select = _outermost_select(expression)
    if select is None or not source:
        return
    tokens = edits.tokens() if edits is not None and dialect == "duckdb" else _tokenize(source, dialect)
    spans = projection_spans(tokens)
    if spans is None or len(spans) != len(select.expressions):
        return
    for node, (start, end) in zip(list(select.expressions), spans):
        if isinstance(node, _KEEP) or (isinstance(node, exp.Paren) and isinstance(node.this, exp.Column)):
            continue
        label = _restore_as_of(source[start:end + 1].strip(), as_of or {})
        node.replace(exp.alias_(node.copy(), label, quoted=True))
        if edits is not None:
            edits.add((end + 1, end), f" AS {exp.to_identifier(label, quoted=True).sql('duckdb')}")


def projection_spans(tokens: list[Token]) -> list[tuple[int, int]] | None:
    """(start, end) character spans of the outermost SELECT's list items, or None."""
    index = _first_select(tokens)
    if index is None:
        return None
    i = index + 1
    if i < len(tokens) and tokens[i].token_type in (TokenType.DISTINCT, TokenType.ALL):
        i += 1
        if i < len(tokens) and tokens[i].token_type == TokenType.ON:
            return None  # DISTINCT ON (...): leave it alone
    spans: list[tuple[int, int]] = []
    depth, first = 0, None
    last = None
    for token in tokens[i:]:
        kind = token.token_type
        if depth == 0 and (kind in _ENDS or kind == TokenType.COMMA):
            if first is None or last is None:
                return None
            spans.append((first.start, last.end))
            first = last = None
            if kind != TokenType.COMMA:
                return spans
            continue
        if kind == TokenType.L_PAREN:
            depth += 1
        elif kind == TokenType.R_PAREN:
            depth -= 1
            if depth < 0:
                break
        first = first or token
        last = token
    if first is not None and last is not None:
        spans.append((first.start, last.end))
    return spans


def _first_select(tokens: list[Token]) -> int | None:
    depth = 0
    for i, token in enumerate(tokens):
        if token.token_type == TokenType.L_PAREN:
            depth += 1
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1
        elif token.token_type == TokenType.SELECT and depth == 0:
            return i
    return None


def _outermost_select(expression: exp.Expression) -> exp.Select | None:
    node: exp.Expression | None = expression
    while isinstance(node, exp.SetOperation):
        node = node.this
    return node if isinstance(node, exp.Select) else None


def _restore_as_of(text: str, as_of: dict[str, tuple[str, str]]) -> str:
    for marker, (table, revision) in as_of.items():
        text = text.replace(marker, f"{table} AS OF '{revision}'")
    return text


def _tokenize(source: str, dialect: str) -> list[Token]:
    return sqlglot.Dialect.get_or_raise(dialect).tokenize(source)
