"""Verifying the working set's rows against their tables' CHECK and FOREIGN KEY constraints,
as Dolt's `constraints verify` does.

Rows can break their constraints without an error: imports with `--disable-fk-checks`, SQL
after `SET FOREIGN_KEY_CHECKS=0`, commits with `--force`. `verify_constraints` finds those
breaks: by default only among rows changed since HEAD (Dolt's default: committed rows were
verified when they were written), with `all_rows` among every row (from an empty root). It
reuses `constraint_check.find_violations`, so the rules are those every write is held to.
Unlike Dolt, the violations are reported, not recorded in `dolt_constraint_violations_<t>`
(dl records those only for a merge, where they block the commit until resolved).
"""
from __future__ import annotations

import pyarrow as pa
from dl.core.errors import NotFound
from dl.core.repo import Repository
from dl.core.versioning.constraint_check import Violation, find_violations
from dl.core.versioning.root import RootValue


def verify_constraints(repo: Repository, tables: list[str] | None = None, *,
                       all_rows: bool = False) -> dict[str, list[Violation]]:
    """The violations of the working set's rows, by table (sorted), for `tables` (default:
    every table); empty when every constraint holds."""
    working = repo.resolve_root("WORKING")
    stored = {name.lower(): name for name in working.tables}
    names = [stored.get(t.lower()) or _missing(t) for t in tables] if tables else list(working.tables)
    before = RootValue() if all_rows else repo.resolve_root("HEAD")
    wanted = {name.lower() for name in names}
    found: dict[str, list[Violation]] = {}
    for violation in find_violations(repo.store, before, working):
        if violation.table.lower() in wanted:
            found.setdefault(violation.table, []).append(violation)
    return dict(sorted(found.items()))


def violation_rows(violations: list[Violation]) -> pa.Table:
    """One table's violations as Dolt lists them: violation_type, the row's columns, then
    violation_info (JSON)."""
    parts = []
    for violation in violations:
        rows = violation.rows
        rows = rows.add_column(0, "violation_type", pa.array([violation.kind] * rows.num_rows, pa.string()))
        parts.append(rows.append_column("violation_info",
                                        pa.array([violation.dolt_info()] * rows.num_rows, pa.string())))
    return pa.concat_tables(parts, promote_options="permissive")


def _missing(table: str) -> str:
    raise NotFound("table", table)
