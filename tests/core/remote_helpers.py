"""Builders shared by the remotes tests: repositories on disk with a table of n rows."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from dl.core.repo import Author, Repository
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table

ME = Author("Ada", "ada@example.com")
SCHEMA = TableSchema((Column("id", pa.int64()), Column("v", pa.int64())), ("id",))


def make_repo(directory: Path, rows: int = 0) -> Repository:
    directory.mkdir(parents=True, exist_ok=True)
    repo = Repository.init(directory, author=ME)
    if rows:
        put_rows(repo, {i: i * 10 for i in range(rows)})
        repo.commit(f"{rows} rows", stage_all=True, include_new=True, author=ME)
    return repo


def put_rows(repo: Repository, rows: dict[int, int]) -> None:
    """Upserts `rows` (id -> v) into table t, creating it if needed."""
    data = pa.table({"id": pa.array(list(rows), pa.int64()), "v": pa.array(list(rows.values()), pa.int64())})

    def build(current: Table | None, buffer: object) -> Table:
        table = current if current is not None else Table.empty(buffer, SCHEMA)  # type: ignore[arg-type]
        return Table(buffer, table.value).upsert(data) if current is not None else table.replace_rows(data)  # type: ignore[arg-type]
    repo.write_table("t", build)


def commit_rows(repo: Repository, rows: dict[int, int], message: str) -> None:
    put_rows(repo, rows)
    repo.commit(message, stage_all=True, author=ME)


def value_of(repo: Repository, key: int, rev: str = "HEAD") -> int | None:
    rows = repo.table("t", rev).scan().to_pylist()
    return next((r["v"] for r in rows if r["id"] == key), None)
