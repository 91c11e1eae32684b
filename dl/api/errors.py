"""The errors of `import dl`: one hierarchy, rooted at `dl.Error`.

They are the project's own error families (`dl.core.errors`, and `dl.sql.errors.SqlError`),
re-exported under short names, so the CLI and the API raise the same classes and one
`except dl.Error` catches everything dl raises on purpose:

    dl.Error                    any error dl raises on purpose (core's DlError)
    ├── dl.NotFound             a branch, tag, revision, table or file that does not exist
    │   └── dl.NotARepository   no .dl/ repository at (or above) the path
    ├── dl.AlreadyExists        a name that must be new is taken
    ├── dl.BadInput             input the caller can fix: a file (`.line`, `.column`), a value
    │   │                       that does not fit its column, a bad name or argument
    │   ├── dl.InvalidName, dl.SchemaError, dl.UsageError
    │   └── dl.InputError ── dl.DuplicateKey (`.key`, `.lines`)
    ├── dl.Conflict             lines of work disagree
    │   ├── dl.MergeConflict    unresolved merge conflicts block the call
    │   └── dl.ConcurrentUpdate another writer won a compare-and-swap: retry
    ├── dl.SqlError             a statement failed (`.statement`, `.number`, `.line`, `.column`,
    │                           `.cause`: the core error behind it, if any)
    ├── dl.IntegrityError       stored data is corrupt (`.address`)
    └── dl.StoreError           the store cannot be opened or written (read-only, disk full)

`guard` is what keeps that promise at the API's edge: a DuckDB, Arrow or SQLite exception that
reaches it becomes a `SqlError`, `BadInput` or `StoreError` with the first line of the original.
"""
from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar, cast

from dl.core.errors import (
    AlreadyExists,
    BadInput,
    ConcurrentUpdate,
    Conflict,
    DlError,
    DuplicateKey,
    InputError,
    IntegrityError,
    InvalidName,
    MergeConflict,
    NotARepository,
    NotFound,
    SchemaError,
    StoreError,
    UsageError,
)
from dl.sql.errors import SqlError

Error = DlError

__all__ = [
    "AlreadyExists", "BadInput", "ConcurrentUpdate", "Conflict", "DuplicateKey", "Error",
    "InputError", "IntegrityError", "InvalidName", "MergeConflict", "NotARepository", "NotFound",
    "SchemaError", "SqlError", "StoreError", "UsageError", "as_dl_error", "guard",
]

F = TypeVar("F", bound=Callable[..., Any])


def as_dl_error(exc: BaseException) -> DlError | None:
    """`exc` as a dl error, if it is one of the engines' own (DuckDB, Arrow, SQLite)."""
    if isinstance(exc, DlError):
        return exc
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    duckdb = sys.modules.get("duckdb")
    if duckdb is not None and isinstance(exc, duckdb.Error):
        return SqlError(first, cause=exc if isinstance(exc, Exception) else None)
    arrow = sys.modules.get("pyarrow")
    if arrow is not None and isinstance(exc, arrow.ArrowException):
        return BadInput(f"bad data: {first}")
    sqlite3 = sys.modules.get("sqlite3")
    if sqlite3 is not None and isinstance(exc, sqlite3.Error):
        return StoreError(f"store error: {first}")
    return None


def guard(method: F) -> F:
    """Wraps a public call: engine exceptions leave it as dl errors (see the module docstring)."""
    @functools.wraps(method)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except DlError:
            raise
        except Exception as exc:
            mapped = as_dl_error(exc)
            if mapped is None:
                raise
            raise mapped from exc
    return cast(F, guarded)
