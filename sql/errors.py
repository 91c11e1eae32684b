"""SQL errors: one line naming the statement, the position when known, and what is wrong.

Everything that goes wrong while running a statement surfaces as a `SqlError` (a `DlError`):
sqlglot's parse errors keep their line and column, DuckDB's multi-line messages are folded to
their first meaningful lines, and errors from `core` (duplicate key, schema, not found,
concurrent update) are wrapped with the statement they came from; the original stays in
`cause` so callers can still tell a concurrent update from a bad value.
"""
from __future__ import annotations

import re

from dl.core.errors import DlError
from dl.sql.engine import FILE_FUNCTIONS_HINT, is_locked_out

_CLASS = re.compile(r"<class '(?:[\w.]+\.)?(\w+)'>")
_DUCK_LINE = re.compile(r"^LINE \d+:")
_VALUES_LIST = re.compile(r'\bValues list "')


class SqlError(DlError):
    """A statement failed: parse error, unknown name, bad value, or a failed write."""

    def __init__(self, message: str, *, statement: str | None = None, number: int | None = None,
                 line: int | None = None, column: int | None = None,
                 cause: Exception | None = None) -> None:
        self.reason = message
        self.statement, self.number = statement, number
        self.line, self.column = line, column
        self.cause = cause
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.number is not None:
            where.append(f"statement {self.number}")
        if self.line is not None:
            where.append(f"line {self.line}" + (f", column {self.column}" if self.column else ""))
        if self.statement:
            where.append(f"`{_shorten(self.statement)}`")
        return f"{self.reason} ({', '.join(where)})" if where else self.reason

    def located(self, statement: str, number: int | None, line: int | None = None) -> SqlError:
        """This error with the statement (and its first line in the input) filled in."""
        return type(self)(self.reason, statement=self.statement or statement,
                        number=self.number if self.number is not None else number,
                        line=self.line if self.line is not None else line, column=self.column,
                        cause=self.cause)


def _shorten(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 3] + "..."


PARSE_PREFIX = "Error parsing SQL: "
"""Dolt's first words for a statement it cannot parse."""


def parse_error(exc: Exception, line_offset: int = 0) -> SqlError:
    """A sqlglot ParseError or TokenError as a `SqlError` with its position."""
    errors = getattr(exc, "errors", None) or []
    if errors:
        first = errors[0]
        description = _CLASS.sub(r"\1", str(first.get("description", "syntax error")))
        if description.startswith("Required keyword"):
            description = "incomplete statement (" + description + ")"
        near = first.get("highlight")
        near_text = f" near {near!r}" if near else ""
        line = first.get("line")
        return SqlError(f"{PARSE_PREFIX}syntax error{near_text}: {description}",
                        line=(line + line_offset) if line else None, column=first.get("col"),
                        cause=exc)
    message = str(exc).splitlines()[0] if str(exc) else "syntax error"
    return SqlError(f"{PARSE_PREFIX}syntax error: {message}", cause=exc)


def engine_error(exc: Exception, names: dict[str, str] | None = None) -> SqlError:
    """A DuckDB error as one line; registered source names are replaced by what the user wrote.

    A file, URL or extension the engine's lock refused (`sql.engine`) is told as such, with
    the commands that do read and write files."""
    if is_locked_out(exc):
        return SqlError(FILE_FUNCTIONS_HINT, cause=exc)
    text = str(exc)
    for internal, shown in (names or {}).items():
        text = text.replace(internal, shown)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    kept = []
    for line in lines:
        if _DUCK_LINE.match(line) or set(line) <= {"^", " "}:
            break
        kept.append(line)
    message = " ".join(kept) or type(exc).__name__
    # a registered Arrow source is a "values list" to DuckDB; to the user it is their table
    message = _VALUES_LIST.sub('Table "', message)
    return SqlError(message, cause=exc)


TOO_DEEP = ("statement nested too deeply (sqlglot parses nesting recursively and ran out of "
            "stack after a few dozen levels of parentheses or subqueries): flatten it")


def too_deep() -> SqlError:
    """The one-line error for a statement whose nesting exhausted Python's recursion limit."""
    return SqlError(TOO_DEEP)


def wrap(exc: DlError) -> SqlError:
    """A core error (duplicate key, schema, not found, concurrent update) as a `SqlError`."""
    if isinstance(exc, SqlError):
        return exc
    return SqlError(str(exc), cause=exc)
