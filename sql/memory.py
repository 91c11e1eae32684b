"""How much memory DuckDB may use for a session's queries, and where it spills the rest.

A query over a table larger than memory (a group by with many groups, a sort, a join) needs
DuckDB to spill to disk rather than grow: every session sets `memory_limit` (default
`DEFAULT_MEMORY_LIMIT`, or the `sql.memory_limit` config value, e.g. `dl config --add
sql.memory_limit 4GB`) and a `temp_directory` inside the repository's `.dl/tmp`, so spill files
stay with the data they came from and never land in the current directory. These are SET
statements run once when the session's connection opens (wt-security's `sql.engine.connect`
takes them as its `settings`).
"""
from __future__ import annotations

import re

from dl.core.repo import DL_DIR, Repository
from dl.sql.errors import SqlError

DEFAULT_MEMORY_LIMIT = "512MB"
_SIZE = re.compile(r"\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", re.IGNORECASE)


def memory_settings(repo: Repository) -> list[str]:
    """The DuckDB SET statements bounding a session's memory (see the module docstring)."""
    limit = repo.config.get("sql.memory_limit") or DEFAULT_MEMORY_LIMIT
    if not _SIZE.fullmatch(limit):
        raise SqlError(f"sql.memory_limit {limit!r} is not a size like 512MB or 4GB")
    settings = [f"SET memory_limit = '{limit.strip()}'"]
    if repo.directory is not None:
        spill = repo.directory / DL_DIR / "tmp" / "duckdb"
        settings.append("SET temp_directory = '" + str(spill).replace("'", "''") + "'")
    return settings
