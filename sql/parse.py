"""Splitting a script into statements and parsing each with sqlglot.

Scripts are split on the dialect's tokens (a `;` inside a string or comment does not split),
so each statement keeps its own text and first line for error messages; statements are parsed
one at a time, just before they run, so a syntax error in statement 3 stops the script after
statements 1 and 2 took effect.

Before sqlglot sees a statement, the syntax it does not parse is rewritten on tokens:
`t AS OF 'rev'` (MySQL/Dolt) becomes a marker table name remembered with its revision, and
`REPLACE INTO` becomes an INSERT flagged as replacing, and `EXPLAIN [ANALYZE] query` the query
with the prefix remembered (sqlglot reads EXPLAIN as an opaque command). `CALL proc(args)`,
`BEGIN`/`START TRANSACTION`, `COMMIT`, `ROLLBACK`, `SHOW TABLES`, `SHOW CREATE TABLE t`, `SHOW INDEXES FROM t` and
`DESCRIBE t` are recognised
by their first tokens. DuckDB's other query statements (PIVOT, UNPIVOT, SUMMARIZE, DESCRIBE
query) are queries like SELECT.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, cast

import sqlglot
from dl.sql import index_syntax
from dl.sql.dialects import adapt
from dl.sql.errors import PARSE_PREFIX, SqlError, parse_error
from dl.sql.headers import label_projections
from dl.sql.lru import LruCache
from dl.sql.prepared import PreparedCommand, parse_command
from dl.sql.statement_view import AS_OF_TIME
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokenizer_core import Token, TokenType

logging.getLogger("sqlglot").setLevel(logging.ERROR)

DIALECTS = ("duckdb", "mysql", "sqlite", "postgres")
AS_OF_MARKER = "__dl_asof_"
_NAME_TOKENS = (TokenType.VAR, TokenType.IDENTIFIER)
_ANALYZE = re.compile(r"\s*analyze\s+", re.IGNORECASE)


class Kind(Enum):
    """What a statement is, as far as the session's dispatch cares."""

    QUERY = "query"
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"
    CREATE = "create"
    DROP = "drop"
    ALTER = "alter"
    TRUNCATE = "truncate"
    BEGIN = "begin"
    COMMIT = "commit"
    ROLLBACK = "rollback"
    CALL = "call"
    SHOW_TABLES = "show tables"
    SHOW_INDEXES = "show indexes"
    SHOW_CREATE_TABLE = "show create table"
    REINDEX = "reindex"  # SQLite's: indexes are always current, so it has nothing to do
    DESCRIBE = "describe"
    SET = "set"  # session variables (sql.variables), autocommit and FOREIGN_KEY_CHECKS among them
    USE = "use"  # USE db, USE db/branch, USE `db/rev`
    PREPARED = "prepared"  # PREPARE / EXECUTE / DEALLOCATE PREPARE (sql.prepared)


@dataclass
class Piece:
    """One statement's text, its number in the script, the line it starts on, and its tokens
    (positions relative to `text`, lines relative to its first line)."""

    number: int
    text: str
    line: int
    tokens: list[Token] = field(default_factory=list)


@dataclass
class Statement:
    """A parsed statement."""

    number: int
    text: str
    line: int
    kind: Kind
    expression: exp.Expression | None = None
    as_of: dict[str, tuple[str, str]] = field(default_factory=dict)  # marker -> (table, rev)
    replace: bool = False  # REPLACE INTO
    target: str | None = None  # DESCRIBE's table, USE's database, SET's assignment, SHOW TABLES' AS OF
    revision: str | None = None  # SHOW CREATE TABLE's AS OF
    source: str = ""  # the text sqlglot parsed (after the rewrites); node positions refer to it
    dialect: str = "duckdb"  # the dialect it was read in
    prefix: str = ""  # EXPLAIN / EXPLAIN ANALYZE, put back before the bound query
    prepared: PreparedCommand | None = None  # Kind.PREPARED's command


def split_script(text: str, dialect: str = "duckdb") -> list[Piece]:
    """The statements of `text`, split on `;` tokens; empty statements are dropped.

    The script is tokenized once (sqlglot's tokenizer is pure Python: a 10k-row VALUES list
    costs ~0.5 s per pass); each piece keeps its slice of the tokens for parsing."""
    tokens = _tokenize(text, dialect, 0)
    pieces: list[Piece] = []
    group: list[Token] = []
    after_semicolon = 0
    for token in [*tokens, None]:
        if token is not None and token.token_type != TokenType.SEMICOLON:
            group.append(token)
            continue
        if group:
            start = after_semicolon  # leading comments belong to the statement
            while start < group[0].start and text[start].isspace():
                start += 1
            pieces.append(_piece(text, len(pieces) + 1, group, start, group[-1].end + 1))
        group = []
        if token is not None:
            after_semicolon = token.end + 1
    return pieces


def _piece(text: str, number: int, group: list[Token], start: int, end: int) -> Piece:
    line = text.count("\n", 0, start) + 1
    rebased = [Token(t.token_type, t.text, t.line - line + 1, t.col, t.start - start, t.end - start, t.comments)
               for t in group]
    return Piece(number, text[start:end].strip(), line, rebased)


def parse_statement(piece: Piece, dialect: str = "duckdb") -> Statement:
    """Parses one statement (see the module docstring for what is rewritten first).

    Statements of up to `CACHED_TEXT` characters are remembered by text and dialect, so a
    statement run again (an application's queries) skips sqlglot: every consumer copies the
    AST before binding it, so a remembered statement is never changed."""
    key = (piece.text, dialect)
    hit = _PARSED.get(key)
    if isinstance(hit, Statement):
        return dataclasses.replace(hit, number=piece.number, line=piece.line)
    try:
        statement = _parse(piece, dialect)
    except SqlError as exc:
        raise exc.located(piece.text, piece.number, piece.line) from None
    if len(piece.text) <= CACHED_TEXT:
        _PARSED.put(key, statement)
    return statement


CACHED_TEXT, CACHED_STATEMENTS = 4096, 512
_PARSED: LruCache[tuple[str, str], Statement] = LruCache(CACHED_STATEMENTS)


def _parse(piece: Piece, dialect: str) -> Statement:
    text = piece.text
    tokens = piece.tokens or _tokenize(text, dialect, piece.line - 1)
    first = tokens[0]
    words = [t.text.upper() for t in tokens[:3]]
    base = {"number": piece.number, "text": text, "line": piece.line, "dialect": dialect}
    if first.token_type == TokenType.BEGIN or words[:2] == ["START", "TRANSACTION"]:
        return Statement(kind=Kind.BEGIN, **base)  # type: ignore[arg-type]
    if first.token_type == TokenType.COMMIT and len(tokens) <= 2:
        return Statement(kind=Kind.COMMIT, **base)  # type: ignore[arg-type]
    if first.token_type == TokenType.ROLLBACK and len(tokens) <= 2:
        return Statement(kind=Kind.ROLLBACK, **base)  # type: ignore[arg-type]
    if words[0] == "USE":  # SET is parsed below, as sqlglot reads it (sql.variables)
        rest = text[first.start + 3:].strip()
        return Statement(kind=Kind.USE, target=rest.strip("`'\""), **base)  # type: ignore[arg-type]
    if words[0] in ("PREPARE", "EXECUTE", "DEALLOCATE") or words[:2] == ["DROP", "PREPARE"]:
        command = parse_command(text, dialect)
        if command is not None:
            return Statement(kind=Kind.PREPARED, prepared=command, **base)  # type: ignore[arg-type]
    if words[0] == "CALL":
        call = adapt(_parse_text("SELECT " + text[first.end + 1:], dialect, piece.line - 1), dialect)
        return Statement(kind=Kind.CALL, expression=call, **base)  # type: ignore[arg-type]
    if words[0] == "RENAME":  # MySQL's RENAME TABLE a TO b: ALTER TABLE a RENAME TO b
        text = _rename_as_alter(text, tokens, dialect, piece.line - 1)
        tokens = _tokenize(text, dialect, piece.line - 1)
        first = tokens[0]
        words = [t.text.upper() for t in tokens[:3]]
    if words[:2] == ["SHOW", "TABLES"] and len(tokens) == 2:
        return Statement(kind=Kind.SHOW_TABLES, **base)  # type: ignore[arg-type]
    if words[:2] == ["SHOW", "TABLES"] and len(tokens) == 5 and [t.text.upper() for t in tokens[2:4]] == [
            "AS", "OF"] and tokens[4].token_type == TokenType.STRING:  # Dolt's SHOW TABLES AS OF 'rev'
        return Statement(kind=Kind.SHOW_TABLES, target=tokens[4].text, **base)  # type: ignore[arg-type]
    if words == ["SHOW", "CREATE", "TABLE"] and len(tokens) in (4, 7) and tokens[3].token_type in _NAME_TOKENS \
            and (len(tokens) == 4 or ([t.text.upper() for t in tokens[4:6]] == ["AS", "OF"]
                                      and tokens[6].token_type == TokenType.STRING)):
        return Statement(kind=Kind.SHOW_CREATE_TABLE, target=tokens[3].text,  # type: ignore[arg-type]
                         revision=tokens[6].text if len(tokens) == 7 else None, **base)
    if words[0] == "REINDEX" and len(tokens) <= 4:
        return Statement(kind=Kind.REINDEX, **base)  # type: ignore[arg-type]
    if words[0] == "SHOW" and words[1:2] in (["INDEX"], ["INDEXES"], ["KEYS"]) and len(tokens) in (4, 6) \
            and words[2] in ("FROM", "IN") and tokens[3].token_type in _NAME_TOKENS:
        return Statement(kind=Kind.SHOW_INDEXES, target=tokens[3].text, **base)  # type: ignore[arg-type]
    if words[0] in ("DESCRIBE", "DESC") and len(tokens) == 2 and tokens[1].token_type in _NAME_TOKENS:
        return Statement(kind=Kind.DESCRIBE, target=tokens[1].text, **base)  # type: ignore[arg-type]
    prefix = ""
    if words[0] == "EXPLAIN" and len(tokens) > 1:  # the rest is one token when EXPLAIN is a command
        rest = text[first.end + 1:]
        analyze = _ANALYZE.match(rest)
        prefix = "EXPLAIN ANALYZE " if analyze else "EXPLAIN "
        text = rest[analyze.end():] if analyze else rest.lstrip()
        tokens = _tokenize(text, dialect, piece.line - 1)
        first = tokens[0]
    replace = first.token_type == TokenType.REPLACE and len(tokens) > 1 \
        and tokens[1].text.upper().lstrip().startswith("INTO")
    if replace:
        text = "INSERT " + text[first.end + 1:]
        tokens = _tokenize(text, dialect, piece.line - 1)
    clauses: list[index_syntax.IndexClause] = []
    if words[0] in ("CREATE", "ALTER"):
        rewritten, clauses = _rewrite_indexes(text, tokens, dialect)
        if rewritten != text:
            text, tokens = rewritten, _tokenize(rewritten, dialect, piece.line - 1)
    text, as_of = _rewrite_as_of(text, tokens, piece.line - 1)
    if as_of:
        tokens = _tokenize(text, dialect, piece.line - 1)
    expression = _parse_ddl(text, tokens, dialect, piece.line - 1, words[0])
    if clauses and isinstance(expression, exp.Create) and isinstance(expression.this, exp.Schema):
        items = expression.this.expressions
        for clause in clauses:  # back in their places, in order
            items.insert(min(clause.position, len(items)), clause.node())
    if dialect != "duckdb" and not prefix:  # DuckDB's own text is labelled as it runs (session)
        label_projections(expression, text, dialect, as_of=as_of)
    expression = adapt(expression, dialect)
    kind = _kind_of(expression, tokens[0], piece.line - 1)
    if prefix and kind is not Kind.QUERY:
        raise SqlError("EXPLAIN takes a query")
    return Statement(kind=kind, expression=expression, as_of=as_of, replace=replace, source=text,
                     prefix=prefix, **base)  # type: ignore[arg-type]


def _rewrite_indexes(text: str, tokens: list[Token], dialect: str) -> tuple[str, list[index_syntax.IndexClause]]:
    """MySQL's index clauses read on tokens (`index_syntax`): ALTER ... ADD INDEX as CREATE
    INDEX text, or CREATE TABLE text without its KEY/INDEX items and those items."""
    altered = index_syntax.rewrite_alter_add_index(text, tokens, dialect)
    if altered is not None:
        return altered, []
    return index_syntax.extract_table_indexes(text, tokens)
def _rename_as_alter(text: str, tokens: list[Token], dialect: str, line_offset: int) -> str:
    """`RENAME TABLE a TO b` as the ALTER TABLE statement that does the same (sqlglot's
    tokenizer keeps what follows RENAME as one string: it is tokenized again here)."""
    tokens = [tokens[0], *_tokenize(text[tokens[0].end + 1:], dialect, line_offset)]
    if len(tokens) != 5 or tokens[1].text.upper() != "TABLE" or tokens[3].text.upper() != "TO" or any(
            t.token_type not in _NAME_TOKENS for t in (tokens[2], tokens[4])):
        raise SqlError("RENAME TABLE takes one old and one new name: RENAME TABLE a TO b",
                       line=tokens[0].line + line_offset, column=tokens[0].col)
    old, new = (exp.to_identifier(t.text, quoted=True).sql(dialect) for t in (tokens[2], tokens[4]))
    return f"ALTER TABLE {old} RENAME TO {new}"


def _kind_of(expression: exp.Expression, first: Token, line_offset: int) -> Kind:
    if isinstance(expression, (exp.Query, exp.Pivot, exp.Summarize, exp.Describe)):
        return Kind.QUERY
    if isinstance(expression, exp.Set) or (isinstance(expression, exp.Command)
                                           and str(expression.this).upper() == "SET"):
        return Kind.SET
    for kind, cls in ((Kind.INSERT, exp.Insert), (Kind.UPDATE, exp.Update), (Kind.DELETE, exp.Delete),
                      (Kind.CREATE, exp.Create), (Kind.DROP, exp.Drop), (Kind.ALTER, exp.Alter),
                      (Kind.TRUNCATE, exp.TruncateTable)):
        if isinstance(expression, cls):
            return kind
    if isinstance(expression, (exp.Alias, exp.Condition)):
        # an expression, not a statement (`selec * form t` parses as an aliased column): say where it broke
        raise SqlError(f"{PARSE_PREFIX}syntax error near {first.text!r}: not the start of a statement (SELECT, INSERT, "
                       "UPDATE, DELETE, CREATE, ...)", line=first.line + line_offset,
                       column=first.col - len(first.text) + 1)
    name = str(expression.this).upper() if isinstance(expression, exp.Command) else type(expression).__name__.upper()
    raise SqlError(f"unsupported statement ({name}); dl runs queries, INSERT/UPDATE/DELETE, "
                   "CREATE/DROP/ALTER TABLE, CREATE/DROP INDEX, BEGIN/COMMIT/ROLLBACK, SET and CALL dolt_*()")


def _parse_ddl(text: str, tokens: list[Token], dialect: str, line_offset: int, verb: str) -> exp.Expression:
    """`_parse_tokens`, with one retry for CREATE/ALTER TABLE in the default dialect: column
    types and constraints DuckDB's grammar lacks (MySQL's SET(...), YEAR, UNSIGNED, ON UPDATE
    actions...) are read by MySQL's grammar with double-quoted identifiers, so Dolt users'
    schemas, and the CREATE TABLE statements `dl schema show` prints, run as written."""
    try:
        parsed = _parse_lengths(text) if dialect == "duckdb" and verb in ("CREATE", "ALTER") else None
        if parsed is None:
            parsed = _parse_tokens(text, tokens, dialect, line_offset)
        misread = _misread_items(parsed) or (isinstance(parsed, exp.Command) and verb in ("CREATE", "ALTER"))
        if not (dialect == "duckdb" and misread):
            return parsed
    except SqlError:
        if dialect != "duckdb" or verb not in ("CREATE", "ALTER"):
            raise
    try:
        retried = sqlglot.parse_one(text, read=_mysql_ddl())
    except (ParseError, TokenError):
        retried = None
    if not isinstance(retried, (exp.Create, exp.Alter)):
        return _parse_tokens(text, tokens, dialect, line_offset)  # DuckDB's reading, or its error
    return retried


def _misread_items(parsed: exp.Expression) -> bool:
    """A CREATE TABLE whose column list DuckDB's grammar misread (MySQL's `INDEX (a)`, `KEY idx
    (a)` as a call or a column, YEAR as a user type): MySQL's grammar reads it as declared."""
    schema = parsed.this if isinstance(parsed, exp.Create) else None
    return isinstance(schema, exp.Schema) and any(
        isinstance(item, exp.Anonymous) or (isinstance(item, exp.ColumnDef) and (
            item.name.upper() in ("INDEX", "KEY") or _user_defined(item.args.get("kind"))))
        for item in schema.expressions)


def _user_defined(kind: exp.Expression | None) -> bool:
    """A type DuckDB's grammar does not know (MySQL's YEAR reads as a user-defined type)."""
    return isinstance(kind, exp.DataType) and kind.this == exp.DataType.Type.USERDEFINED


def ddl_dialect(dialect: str) -> Any:
    """The dialect to read CREATE/ALTER TABLE with: for DuckDB's, one that keeps CHAR(n) and
    VARCHAR(n) (DuckDB's tokenizer reads them as TEXT and drops n, which MySQL enforces)."""
    global _DUCKDB_DDL
    if dialect != "duckdb":
        return dialect
    if _DUCKDB_DDL is None:
        from sqlglot.dialects.duckdb import DuckDB

        class DuckDbDdl(DuckDB):  # type: ignore[misc]
            class Tokenizer(DuckDB.Tokenizer):  # type: ignore[misc]
                KEYWORDS = {**DuckDB.Tokenizer.KEYWORDS, "CHAR": TokenType.CHAR, "VARCHAR": TokenType.VARCHAR}
        _DUCKDB_DDL = DuckDbDdl
    return _DUCKDB_DDL


def _parse_lengths(text: str) -> exp.Expression | None:
    """DDL read by `ddl_dialect("duckdb")`; None if that fails."""
    try:
        parsed = sqlglot.parse_one(text, read=ddl_dialect("duckdb"))
    except (ParseError, TokenError):
        return None
    return parsed if isinstance(parsed, (exp.Create, exp.Alter)) else None


_DUCKDB_DDL: type | None = None


def _mysql_ddl() -> type:
    global _MYSQL_DDL
    if _MYSQL_DDL is None:
        from sqlglot.dialects.mysql import MySQL

        class MySqlDdl(MySQL):  # type: ignore[misc]
            class Tokenizer(MySQL.Tokenizer):  # type: ignore[misc]
                IDENTIFIERS = ["`", '"']
                QUOTES = ["'"]
        _MYSQL_DDL = MySqlDdl
    return _MYSQL_DDL


_MYSQL_DDL: type | None = None


def _parse_text(text: str, dialect: str, line_offset: int) -> exp.Expression:
    try:
        expression = sqlglot.parse_one(text, read=dialect)
    except (ParseError, TokenError) as exc:
        raise parse_error(exc, line_offset) from None
    if expression is None:
        raise SqlError("empty statement")
    return cast(exp.Expression, expression)


def _parse_tokens(text: str, tokens: list[Token], dialect: str, line_offset: int) -> exp.Expression:
    try:
        expressions = sqlglot.Dialect.get_or_raise(dialect).parser().parse(tokens, text)
    except (ParseError, TokenError) as exc:
        raise parse_error(exc, line_offset) from None
    if not expressions or expressions[0] is None:
        raise SqlError("empty statement")
    if len(expressions) > 1:
        raise SqlError("one statement expected")
    return cast(exp.Expression, expressions[0])


def _tokenize(text: str, dialect: str, line_offset: int) -> list[Token]:
    try:
        return sqlglot.Dialect.get_or_raise(dialect).tokenize(text)
    except TokenError as exc:
        raise parse_error(exc, line_offset) from None


_TIME_TYPES = ("DATETIME", "TIMESTAMP", "DATE")


def _as_of_time(tokens: list[Token], i: int) -> tuple[str, int] | None:
    """AS OF's time, if tokens[i:] is one: CONVERT('t', DATETIME), CAST('t' AS DATETIME),
    TIMESTAMP('t') or TIMESTAMP 't' (and DATETIME, DATE); (the text, its last token's index)."""
    words = [t.text.upper() if t.token_type != TokenType.STRING else None for t in tokens[i:i + 6]]
    kinds = [t.token_type for t in tokens[i:i + 6]]
    if len(words) >= 6 and words[0] in ("CONVERT", "CAST") and words[1] == "(" and kinds[2] == TokenType.STRING \
            and words[3] in (",", "AS") and words[4] in _TIME_TYPES and words[5] == ")":
        return tokens[i + 2].text, i + 5
    if len(words) >= 4 and words[0] in _TIME_TYPES and words[1] == "(" and kinds[2] == TokenType.STRING \
            and words[3] == ")":
        return tokens[i + 2].text, i + 3
    if len(words) >= 2 and words[0] in _TIME_TYPES and kinds[1] == TokenType.STRING:
        return tokens[i + 1].text, i + 1
    return None


def _rewrite_as_of(text: str, tokens: list[Token], line_offset: int) -> tuple[str, dict[str, tuple[str, str]]]:
    """`name AS OF 'rev'` -> a marker table name; returns the text and marker -> (name, rev)."""
    spans: list[tuple[int, int, str]] = []
    as_of: dict[str, tuple[str, str]] = {}
    for i in range(1, len(tokens) - 1):
        if tokens[i].token_type != TokenType.ALIAS or tokens[i + 1].text.upper() != "OF":
            continue
        name = tokens[i - 1]
        if name.token_type not in _NAME_TOKENS or (i >= 2 and tokens[i - 2].token_type == TokenType.DOT):
            raise SqlError("AS OF follows a plain table name, e.g. t AS OF 'HEAD~1'",
                           line=tokens[i].line + line_offset, column=tokens[i].col)
        moment = _as_of_time(tokens, i + 2)
        if moment is None and (i + 2 >= len(tokens) or tokens[i + 2].token_type != TokenType.STRING):
            raise SqlError("AS OF takes a quoted revision, e.g. AS OF 'HEAD~1', or a time, "
                           "e.g. AS OF TIMESTAMP('2024-05-01 12:00:00')",
                           line=tokens[i].line + line_offset, column=tokens[i].col)
        marker = f"{AS_OF_MARKER}{len(as_of)}"
        text_at, end = moment if moment is not None else (tokens[i + 2].text, i + 2)
        as_of[marker] = (name.text, AS_OF_TIME + text_at if moment is not None else text_at)
        spans.append((name.start, tokens[end].end + 1, marker))
    for start, end, marker in reversed(spans):
        text = text[:start] + marker + text[end:]
    return text, as_of


def is_complete(text: str, dialect: str = "duckdb") -> bool:
    """Whether `text` ends a statement (its last token is `;`); an unterminated string or
    comment is not complete (the shell keeps reading lines)."""
    try:
        tokens = sqlglot.Dialect.get_or_raise(dialect).tokenize(text)
    except TokenError:
        return False
    return bool(tokens) and tokens[-1].token_type == TokenType.SEMICOLON
