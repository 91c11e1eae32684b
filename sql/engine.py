"""The one place dl opens a DuckDB connection, and the lock that keeps SQL inside the repository.

SQL in dl sees only the repository's tables, fed to DuckDB as registered Arrow sources. DuckDB
by default can read any file or URL (`read_csv`, `read_text`, `read_blob`, `read_parquet`,
`glob`, `COPY`, `ATTACH`), download and load extensions (creating `$HOME/.duckdb/...`), and
change all of that again with `SET`. A view stored in a repository runs for whoever queries it
after a clone, so every connection dl opens is locked down here, before any user text runs:

- `enable_external_access = false`: no file system or network access from SQL;
- `autoinstall_known_extensions` / `autoload_known_extensions = false`: no downloads, no loads;
- `python_enable_replacements = false`: a query cannot read a Python variable by its name;
- the caller's own settings: `config` at connect time (a spill `temp_directory`, a
  `memory_limit`) and `settings`, SET statements (a dialect's `integer_division`). DuckDB
  refuses to set the temp directory once external access is off, even in the same connect
  config, so external access is switched off (a one-way switch) after them, before any user
  text runs; last `lock_configuration = true`, so no `SET`/`RESET`/`PRAGMA` in user text can
  undo any of it. A caller's `config` cannot weaken the lock: its keys are overridden.

Registered Arrow sources (`con.register`) are not external access and keep working.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

LOCKED_CONFIG: dict[str, str | bool | int | float] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "python_enable_replacements": False,
}

FILE_FUNCTIONS_HINT = ("SQL in dl reads only the repository's tables, not files, URLs or extensions: "
                       "use `dl table import` to bring a file in and `dl table export` to write one")


def connect(settings: Iterable[str] = (), *,
            config: Mapping[str, str | bool | int | float] | None = None,
            attach: Mapping[str, str] | None = None) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB connection, locked down (see the module docstring).

    `config` is given to DuckDB at connect time, `settings` are SET statements run before the
    lock; nothing can change either afterwards. `attach` maps catalog names to DuckDB database
    files that dl wrote (`sql.twins`), attached read-only before the lock: the files stay
    readable, and SQL can attach nothing else.
    """
    con = unlocked(config)
    lock(con, settings, attach=attach)
    return con


def unlocked(config: Mapping[str, str | bool | int | float] | None = None) -> duckdb.DuckDBPyConnection:
    """A new in-memory connection before `lock`: until then it may only *parse* user text
    (`parse_tree`), never run it. `dl sql -q`'s fast path parses first, to know which files to
    attach, on the connection that then runs the query (a second DuckDB instance costs ~20 ms)."""
    import duckdb

    wanted = {k: v for k, v in (config or {}).items() if k != "enable_external_access"}
    return duckdb.connect(":memory:", config={**wanted, **LOCKED_CONFIG})


def lock(con: duckdb.DuckDBPyConnection, settings: Iterable[str] = (), *,
         attach: Mapping[str, str] | None = None) -> None:
    """Applies `settings` and `attach` (see `connect`) to an `unlocked` connection, then locks
    it; on any error the connection is closed."""
    try:
        con.execute("SET enable_progress_bar = false")  # DuckDB's bar would write into dl's output
        for setting in settings:
            con.execute(setting)
        for name, path in (attach or {}).items():
            con.execute(f"ATTACH {_quoted(path, SQ)} AS {_quoted(name, DQ)} (READ_ONLY)")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise


def connect_file(path: str) -> duckdb.DuckDBPyConnection:
    """A connection to a new DuckDB database file that dl writes itself (`sql.twins`), never
    running user text; locked as `connect`'s once the file is open, on one thread (row groups
    written in order)."""
    import duckdb

    con = duckdb.connect(path, config={"threads": 1, **LOCKED_CONFIG})
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def parse_tree(con: duckdb.DuckDBPyConnection, statement: str) -> str:
    """DuckDB's parse of `statement` as JSON (`json_serialize_sql`: the text is a value, parsed,
    never run)."""
    return str(con.execute("SELECT json_serialize_sql(?)", [statement]).fetchone()[0])  # type: ignore[index]


SQ, DQ = "'", '"'


def _quoted(text: str, quote: str) -> str:
    """`text` as a SQL string literal (quote `'`) or identifier (quote `"`)."""
    return quote + text.replace(quote, quote * 2) + quote


def is_locked_out(exc: BaseException) -> bool:
    """Whether a DuckDB error comes from the lock: a file, URL or extension SQL may not reach."""
    name = type(exc).__name__
    text = str(exc)
    if name == "PermissionException":
        return True
    return name == "CatalogException" and "exists in the" in text and "extension" in text
