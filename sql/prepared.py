"""SQL-level prepared statements, as MySQL (and Dolt) run them from a script:

    PREPARE stmt FROM 'select count(*) from dolt_log(?)';
    SET @v = 'HEAD';
    EXECUTE stmt USING @v;
    DEALLOCATE PREPARE stmt;

A prepared statement is kept by name in its session as text; EXECUTE puts the user variables'
values, as SQL literals, where its `?` placeholders are (found by the tokenizer, so a `?` in a
string stays) and runs the result as one statement. As in Dolt, the arguments of dolt_diff()
and dolt_query_diff() cannot be placeholders: its columns depend on them, and must be known when it is prepared.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dl.sql.errors import SqlError

_NAME = r"(`?)(\w+)\1"
_PREPARE = re.compile(rf"^\s*PREPARE\s+{_NAME}\s+FROM\s+(.+?)\s*$", re.I | re.S)
_EXECUTE = re.compile(rf"^\s*EXECUTE\s+{_NAME}(?:\s+USING\s+(.+?))?\s*$", re.I | re.S)
_DEALLOCATE = re.compile(rf"^\s*(?:DEALLOCATE|DROP)\s+PREPARE\s+{_NAME}\s*$", re.I)
_VARIABLE = re.compile(r"^@(\w+)$")
FIXED_COLUMNS = ("dolt_diff", "dolt_query_diff")  # table functions whose arguments decide their columns


@dataclass(frozen=True)
class PreparedCommand:
    """One PREPARE, EXECUTE or DEALLOCATE PREPARE statement."""

    verb: str  # PREPARE, EXECUTE or DEALLOCATE
    name: str
    body: str = ""  # PREPARE's statement text
    using: tuple[str, ...] = ()  # EXECUTE's user variables, without the @


def parse_command(text: str, dialect: str) -> PreparedCommand | None:
    """The prepared-statement command `text` is, or None if it is none."""
    text = text.strip().rstrip(";")
    if match := _PREPARE.match(text):
        return PreparedCommand("PREPARE", match.group(2).lower(), _string(match.group(3), dialect))
    if match := _EXECUTE.match(text):
        names = [v.strip() for v in (match.group(3) or "").split(",") if v.strip()]
        variables = [_VARIABLE.match(v) for v in names]
        if not all(variables):
            raise SqlError("EXECUTE ... USING takes user variables, e.g. EXECUTE stmt USING @a, @b")
        return PreparedCommand("EXECUTE", match.group(2).lower(), using=tuple(v.group(1).lower()
                                                                             for v in variables if v))
    if match := _DEALLOCATE.match(text):
        return PreparedCommand("DEALLOCATE", match.group(2).lower())
    return None


def _string(text: str, dialect: str) -> str:
    """PREPARE's statement: a string literal."""
    tokens = _tokens(text, dialect)
    from sqlglot.tokens import TokenType
    if len(tokens) != 1 or tokens[0].token_type not in (TokenType.STRING, TokenType.NATIONAL_STRING):
        raise SqlError("PREPARE takes the statement as a string: PREPARE stmt FROM 'select ...'")
    return tokens[0].text


def _tokens(text: str, dialect: str) -> list[Any]:
    from sqlglot.dialects.dialect import Dialect
    return Dialect.get_or_raise(dialect).tokenize(text)


def check_preparable(body: str, dialect: str) -> int:
    """The number of `?` placeholders in `body`; refuses them as dolt_diff()'s arguments."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError
    try:
        tree = sqlglot.parse_one(body, read=dialect)
    except ParseError:
        tree = None
    for node in tree.find_all(exp.Placeholder) if tree is not None else ():
        call = node.find_ancestor(exp.Anonymous, exp.Func)
        name = call.name.lower() if isinstance(call, exp.Anonymous) else ""
        if name in FIXED_COLUMNS:
            raise SqlError(f"Invalid argument to {name}: unbound variable (a bind variable); its arguments "
                           "decide its columns, so they must be literals")
    return len(_placeholders(body, dialect))


def bind(body: str, values: list[Any], dialect: str) -> str:
    """`body` with its placeholders replaced by `values` as SQL literals, in order."""
    from sqlglot import exp
    spots = _placeholders(body, dialect)
    if len(spots) != len(values):
        raise SqlError(f"Incorrect arguments to EXECUTE: the statement has {len(spots)} placeholder(s), "
                       f"{len(values)} value(s) given")
    out, last = [], 0
    for (start, end), value in zip(spots, values):
        literal = exp.null() if value is None else exp.convert(int(value) if isinstance(value, bool) else value)
        out += [body[last:start], literal.sql(dialect)]
        last = end
    return "".join(out) + body[last:]


def _placeholders(body: str, dialect: str) -> list[tuple[int, int]]:
    from sqlglot.tokens import TokenType
    return [(t.start, t.end + 1) for t in _tokens(body, dialect) if t.token_type == TokenType.PLACEHOLDER]
