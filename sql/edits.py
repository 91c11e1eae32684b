"""Rewriting a DuckDB-dialect statement by editing its text, not regenerating it.

For the default dialect the SQL DuckDB runs is the user's own text with only the table names
(and the Dolt function calls replaced by their values) changed, located through the positions
sqlglot records on identifiers and function names. So everything else reaches DuckDB exactly
as written: its column naming (`2 ** 10`, `count_star()`), and syntax sqlglot would not
regenerate faithfully. Other dialects are transpiled from the AST instead.
"""
from __future__ import annotations

from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.tokenizer_core import Token, TokenType


class TextEdits:
    """Replacements of spans of `source` (inclusive character positions)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[tuple[int, int, str]] = []
        self.failed = False  # a node without a position: regenerate from the AST instead
        self._tokens: list[Token] | None = None

    def table_span(self, node: exp.Table) -> tuple[int, int] | None:
        """The span of a table reference's name, with its qualifier if it has one (or of its
        table-function call)."""
        if isinstance(node.this, exp.Func):
            return self.call_span(node.this)
        name = _span(node.this)
        db = node.args.get("db")
        qualifier = _span(db) if isinstance(db, exp.Expression) and name is not None else None
        return name if qualifier is None else (qualifier[0], name[1])  # type: ignore[index]

    def call_span(self, node: exp.Expr) -> tuple[int, int] | None:
        """The span of a function call `name(...)`, through its closing parenthesis."""
        head = _span(node)
        if head is None:
            return None
        tokens = self.tokens()
        index = next((i for i, t in enumerate(tokens) if t.start == head[0]), None)
        if index is None or index + 1 >= len(tokens) or tokens[index + 1].token_type != TokenType.L_PAREN:
            return None
        depth = 0
        for token in tokens[index + 1:]:
            if token.token_type == TokenType.L_PAREN:
                depth += 1
            elif token.token_type == TokenType.R_PAREN:
                depth -= 1
                if depth == 0:
                    return head[0], token.end
        return None

    def tokens(self) -> list[Token]:
        if self._tokens is None:
            self._tokens = sqlglot.Dialect.get_or_raise("duckdb").tokenize(self.source)
        return self._tokens

    def text(self, span: tuple[int, int]) -> str:
        return self.source[span[0]:span[1] + 1]

    def add(self, span: tuple[int, int], replacement: str) -> None:
        self.items.append((span[0], span[1], replacement))

    def apply(self) -> str | None:
        """The edited text; None if an edit could not be placed or two overlap partially."""
        if self.failed:
            return None
        kept: list[tuple[int, int, str]] = []
        for start, end, text in sorted(self.items, key=lambda e: (e[0], -e[1])):
            if kept and start <= kept[-1][1]:
                if end <= kept[-1][1]:
                    continue  # inside an edit that replaces it anyway
                return None
            kept.append((start, end, text))
        out, position = [], 0
        for start, end, text in kept:
            out.append(self.source[position:start])
            out.append(text)
            position = end + 1
        out.append(self.source[position:])
        return "".join(out)


def _span(node: Any) -> tuple[int, int] | None:
    meta = getattr(node, "meta", None) or {}
    start, end = meta.get("start"), meta.get("end")
    if start is None or end is None:
        return None
    return int(start), int(end)
