"""Constraint violations a merge or cherry-pick leaves behind, kept as Dolt keeps them.

A merge's result is checked (`constraint_check.find_violations`, from our side's root to the
merged root, and `unique_check.find_unique_violations` for UNIQUE index collisions); the
rows that break a FOREIGN KEY, CHECK or UNIQUE index are not refused, as SQL writes are, but
recorded in the working set's merge state: one keyless table per user table with Dolt's
columns of `dolt_constraint_violations_<table>` (from_root_ish, violation_type, the row's
columns, violation_info as JSON), in a root named by the merge state's `violations_root`, and
the table names under `violations`. They block `commit` until resolved: the user fixes the
rows and deletes the violation rows (`DELETE FROM dolt_constraint_violations_<table>`), as in
Dolt. `dolt_constraint_violations` lists (table, num_violations).
"""
from __future__ import annotations

from typing import Any

import pyarrow as pa
from dl.core.errors import ConcurrentUpdate
from dl.core.hashing import Address
from dl.core.repo import Repository
from dl.core.store.base import ChunkStore
from dl.core.store.buffered import BufferedStore
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table
from dl.core.versioning.constraint_check import Violation
from dl.core.versioning.root import RootValue
from dl.core.versioning.workingset import WorkingSet

FROM_ROOT_ISH = "from_root_ish"
VIOLATION_TYPE = "violation_type"
VIOLATION_INFO = "violation_info"


def violation_schema(schema: TableSchema) -> TableSchema:
    """Dolt's dolt_constraint_violations_<table> columns, keyless (a row may break several)."""
    columns = [Column(FROM_ROOT_ISH, pa.string()), Column(VIOLATION_TYPE, pa.string())]
    columns += [Column(c.name, c.type) for c in schema.columns]
    return TableSchema(tuple(columns + [Column(VIOLATION_INFO, pa.string())]))


def violations_root(store: ChunkStore, load_schema: Any, violations: list[Violation], source: Address) -> RootValue:
    """A root of violation tables, one per user table with violations."""
    by_table: dict[str, list[pa.Table]] = {}
    for violation in violations:
        rows = violation.rows
        n = rows.num_rows
        part = {FROM_ROOT_ISH: pa.array([source.hex] * n, pa.string()),
                VIOLATION_TYPE: pa.array([violation.kind] * n, pa.string())}
        part.update({name: rows.column(name) for name in rows.column_names})
        part[VIOLATION_INFO] = pa.array([violation.dolt_info()] * n, pa.string())
        by_table.setdefault(violation.table, []).append(pa.table(part))
    root = RootValue()
    for name, parts in by_table.items():
        schema = violation_schema(load_schema(name))
        table = Table.empty(store, schema)
        table = table.replace_rows(pa.concat_tables([table.conform(p) for p in parts]))
        root = root.with_table(name, Repository._put(store, table.value.encode()))
    return root


def violations_of(repo: Repository, table: str | None = None, ws: WorkingSet | None = None) -> dict[str, pa.Table]:
    """Unresolved violation rows per table (Dolt's dolt_constraint_violations_<table> shape)."""
    if ws is None:
        _, ws = repo.working_set()
    if not ws.merge or not ws.merge.get("violations"):
        return {}
    root = repo.load_root(Address(bytes.fromhex(ws.merge["violations_root"])))
    return {name: repo.table_in(root, name).scan() for name in ws.merge["violations"]
            if table is None or name == table}


def delete_violation_rows(repo: Repository, table: str, rows: pa.Table) -> int:
    """Removes these violation rows of `table` (whole rows, as selected from
    dolt_constraint_violations_<table>); a table whose last violation goes is resolved."""
    branch = repo.current_branch()
    ws_address, ws = repo.working_set(branch)
    pending = list((ws.merge or {}).get("violations", []))
    if table not in pending or rows.num_rows == 0:
        return 0
    buffer = BufferedStore(repo.store)
    state, removed = without_state_rows(repo, buffer, ws.merge or {}, "violations", table, rows)
    if not repo.write_working_set(branch, ws_address, WorkingSet(ws.working, ws.staged, state), buffer, []):
        raise ConcurrentUpdate(f"working set of {branch}")
    return removed


def without_state_rows(repo: Repository, buffer: BufferedStore, merge: dict[str, Any], kind: str, table: str,
                       keys: pa.Table) -> tuple[dict[str, Any], int]:
    """The merge state with rows `keys` gone from `table` of its `kind` root ("conflicts" or
    "violations"; a table whose last row goes leaves the `kind` list), and how many went."""
    pending = list(merge.get(kind, []))
    root = repo.load_root(Address(bytes.fromhex(merge[f"{kind}_root"])))
    current = repo.table_in(root, table, buffer)
    remaining = current.delete(keys)
    removed = current.count() - remaining.count()
    if remaining.count() == 0:
        root = root.with_table(table, None)
        pending.remove(table)
    else:
        root = root.with_table(table, repo._put(buffer, remaining.value.encode()))
    state = dict(merge)
    state[kind] = pending
    state[f"{kind}_root"] = repo.put_root(buffer, root).hex
    return state, removed
