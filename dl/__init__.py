"""dl: version control for tables. The CLI is `dl`; in Python:

    import dl
    repo = dl.init("data")                   # or dl.open("data"); a Repo is a context manager
    repo.write("people", "people.csv", pk="id")
    repo.commit("import people", all=True)
    repo.sql("select * from people").arrow() # pyarrow.Table; .df(), .pl(), .fetchall()

The names (`init`, `open`, `clone`, `Repo`, `Result`, `Error` and its families) live in `dl.api` and
load on first use, so `import dl` imports neither pyarrow, duckdb nor sqlglot, and the CLI
starts fast. `dl.core` (storage, version control) and `dl.sql` (the query layer) are the
floors below.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from dl.api import (
        AlreadyExists,
        BadInput,
        ConcurrentUpdate,
        Conflict,
        DuplicateKey,
        Error,
        InputError,
        IntegrityError,
        InvalidName,
        MergeConflict,
        MergeOutcome,
        NotARepository,
        NotFound,
        Repo,
        Result,
        SchemaError,
        SqlError,
        Status,
        StoreError,
        UsageError,
        WriteResult,
        clone,
        init,
        open,
    )

__all__ = [
    "AlreadyExists", "BadInput", "ConcurrentUpdate", "Conflict", "DuplicateKey", "Error",
    "InputError", "IntegrityError", "InvalidName", "MergeConflict", "MergeOutcome",
    "NotARepository", "NotFound", "Repo", "Result", "SchemaError", "SqlError", "Status",
    "StoreError", "UsageError", "WriteResult", "clone", "init", "open",
]


def __getattr__(name: str) -> Any:
    """Loads the API on first use of one of its names (PEP 562)."""
    if name in __all__:
        import dl.api
        value = getattr(dl.api, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dl' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
