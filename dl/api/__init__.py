"""The Python API (`import dl`): open a repository, read tables as Arrow, write Arrow or data
frames, run SQL, and do everything the CLI does. `dl/__init__.py` re-exports these names
lazily, so `import dl` stays cheap.

Modules: `repo` (dl.init, dl.open, dl.Repo), `results` (what Repo.sql returns), `write`
(data in), `history` (log, diff and merge outcomes as Arrow), `tables` (drop, copy, rename),
`errors` (the dl.Error hierarchy and the guard at the API's edge).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dl.api.errors import (
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
    NotARepository,
    NotFound,
    SchemaError,
    SqlError,
    StoreError,
    UsageError,
)
from dl.api.history import MergeOutcome
from dl.api.repo import Repo, clone, init, open
from dl.api.results import Result
from dl.core.repo import Status

if TYPE_CHECKING:
    from dl.core.tables.importer import ImportResult as WriteResult

__all__ = [
    "AlreadyExists", "BadInput", "ConcurrentUpdate", "Conflict", "DuplicateKey", "Error",
    "InputError", "IntegrityError", "InvalidName", "MergeConflict", "MergeOutcome",
    "NotARepository", "NotFound", "Repo", "Result", "SchemaError", "SqlError", "Status",
    "StoreError", "UsageError", "WriteResult", "clone", "init", "open",
]


def __getattr__(name: str) -> Any:
    """`WriteResult` (what Repo.write returns) loads with the importer, which needs pyarrow."""
    if name == "WriteResult":
        from dl.core.tables.importer import ImportResult
        return ImportResult
    raise AttributeError(f"module 'dl.api' has no attribute {name!r}")
