"""dl's errors as MySQL's: error numbers and SQLSTATEs, so clients' exception classes work.

pymysql and mysql-connector choose their exception class from the number (1062 ->
IntegrityError, 1064 / 1146 -> ProgrammingError, 1213 -> OperationalError a client retries),
so the mapping is by what went wrong, read from the error's cause and, for DuckDB's and
sqlglot's messages, from their text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from dl.core.errors import ConcurrentUpdate, DlError, DuplicateKey, NotFound

ER_CON_COUNT = 1040
ER_ACCESS_DENIED = 1045
ER_BAD_DB = 1049
ER_DUP_ENTRY = 1062
ER_PARSE = 1064
ER_UNKNOWN = 1105
ER_NO_SUCH_TABLE = 1146
ER_LOCK_DEADLOCK = 1213
ER_READ_ONLY = 1290
ER_NOT_SUPPORTED = 1235

SQLSTATES = {ER_CON_COUNT: "08004", ER_ACCESS_DENIED: "28000", ER_BAD_DB: "42000", ER_DUP_ENTRY: "23000",
             ER_PARSE: "42000", ER_NO_SUCH_TABLE: "42S02", ER_LOCK_DEADLOCK: "40001",
             ER_READ_ONLY: "HY000", ER_NOT_SUPPORTED: "42000"}

_NO_TABLE = re.compile(r"table not found|Table with name \S+ does not exist|Catalog Error: Table", re.IGNORECASE)
_SYNTAX = re.compile(r"^(syntax error|incomplete statement|Parser Error)", re.IGNORECASE)


@dataclass(frozen=True)
class MysqlFailure:
    """One error as the protocol sends it."""

    code: int
    message: str

    @property
    def sqlstate(self) -> str:
        return SQLSTATES.get(self.code, "HY000")


def to_mysql(exc: BaseException) -> MysqlFailure:
    """The MySQL error number for `exc` (a `DlError`; anything else is 1105)."""
    if not isinstance(exc, DlError):
        return MysqlFailure(ER_UNKNOWN, f"internal error: {type(exc).__name__}: {exc}")
    message = str(exc)
    cause = getattr(exc, "cause", None) or exc
    reason = getattr(exc, "reason", message)
    if isinstance(cause, ConcurrentUpdate):
        return MysqlFailure(ER_LOCK_DEADLOCK, message)
    if isinstance(cause, DuplicateKey) or "duplicate" in reason.lower() and "key" in reason.lower():
        return MysqlFailure(ER_DUP_ENTRY, message)
    if type(exc).__name__ == "UnknownDatabase":
        return MysqlFailure(ER_BAD_DB, message)
    if "read-only" in reason:
        return MysqlFailure(ER_READ_ONLY, message)
    if _SYNTAX.match(reason) or type(cause).__name__ in ("ParseError", "TokenError"):
        return MysqlFailure(ER_PARSE, message)
    if (isinstance(cause, NotFound) and getattr(cause, "kind", "") == "table") or _NO_TABLE.search(reason):
        return MysqlFailure(ER_NO_SUCH_TABLE, message)
    if reason.startswith("unsupported statement"):
        return MysqlFailure(ER_NOT_SUPPORTED, message)
    return MysqlFailure(ER_UNKNOWN, message)
