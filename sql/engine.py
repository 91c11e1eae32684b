"""The one place dl opens a DuckDB connection, and the lock that keeps SQL inside the repository.

SQL in dl sees only the repository's tables, fed to DuckDB as registered Arrow sources. DuckDB
by default can read any file or URL (`read_csv`, `read_text`, `read_blob`, `read_parquet`,
`glob`, `COPY`, `ATTACH`), download and load extensions (creating `$HOME/.duckdb/...`), and
change all of that again with `SET`. A view stored in a repository runs for whoever queries it
after a clone, so every connection dl opens is locked down here, before any user text runs:

- `enable_external_access = false`: no file system or network access from SQL;
- `autoinstall_known_extensions` / `autoload_known_extensions = false`: no downloads, no loads;
- `python_enable_replacements = false`: a query cannot read a Python variable by its name;
- then the caller's own settings (a dialect's `integer_division`, a memory limit, a spill
  directory...), and last `lock_configuration = true`, so no `SET`/`RESET`/`PRAGMA` in user
  text can undo any of it.

Registered Arrow sources (`con.register`) are not external access and keep working.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

LOCKED_CONFIG: dict[str, str | bool | int | float] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "python_enable_replacements": False,
}

FILE_FUNCTIONS_HINT = ("SQL in dl reads only the repository's tables, not files, URLs or extensions: "
                       "use `dl table import` to bring a file in and `dl table export` to write one")


def connect(settings: Iterable[str] = ()) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB connection, locked down (see the module docstring).

    `settings` are SET statements run before the lock; nothing can change them afterwards.
    """
    import duckdb

    # DuckDB refuses to change some settings (temp_directory) once external access is off, so
    # the caller's settings run between the connection's config and the last two locks.
    opening = {key: value for key, value in LOCKED_CONFIG.items() if key != "enable_external_access"}
    con = duckdb.connect(":memory:", config=opening)
    try:
        con.execute("SET enable_progress_bar = false")  # DuckDB's bar would write into dl's output
        for setting in settings:
            con.execute(setting)
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def is_locked_out(exc: BaseException) -> bool:
    """Whether a DuckDB error comes from the lock: a file, URL or extension SQL may not reach."""
    name = type(exc).__name__
    text = str(exc)
    if name == "PermissionException":
        return True
    return name == "CatalogException" and "exists in the" in text and "extension" in text
