"""The query layer: SQL over the working set and every revision, executed by DuckDB.

    from dl.sql import Session
    with Session(repo) as session:
        table = session.query("select * from users as of 'HEAD~1'")   # a pyarrow.Table

Modules: `session` (run statements, transactions), `parse` (split and parse with sqlglot),
`resolve` and `pushdown` (table names -> Arrow sources, primary-key lookups), `dml`, `ddl`,
`system_tables`, `procedures` (Dolt's dolt_* procedures and functions), `types` (SQL <-> Arrow),
`formats` (CSV/JSON/text), `errors`. Importing this package is cheap; duckdb and sqlglot load
with `sql.session`.
"""
from __future__ import annotations

from typing import Any

__all__ = ["Result", "Session"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from dl.sql import session
        return getattr(session, name)
    raise AttributeError(name)
