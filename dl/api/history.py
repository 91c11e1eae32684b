"""History and change as Arrow tables with Dolt's columns, for `Repo.log`, `Repo.diff` and the
outcome of `Repo.merge`, `cherry_pick` and `revert`.

    log     dolt_log's columns: commit_hash, committer, email, date, message, commit_order
    diff    with a table: dolt_diff()'s columns (to_<col>..., to_commit, to_commit_date,
            from_<col>..., from_commit, from_commit_date, diff_type); without one:
            dolt_diff_summary()'s (from_table_name, to_table_name, diff_type, data_change,
            schema_change)
    merge   a `MergeOutcome`: what happened, the commit made, the tables it changed, and the
            conflicts as dolt_conflicts' columns (table, num_conflicts)

The rows come from the same builders as the SQL system tables (`dl.sql.log_function`,
`dl.sql.diff_tables`), so SQL and Python answer alike.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dl.core.errors import NotFound
from dl.core.repo import Repository

if TYPE_CHECKING:
    import pyarrow as pa

    from dl.core.versioning.merge_commits import MergeResult
    from dl.sql.statement_view import View


@dataclass(frozen=True)
class MergeOutcome:
    """What a merge, cherry-pick or revert did.

    kind: "up to date", "fast-forward", "merged", "squashed", "not committed" (--no-commit)
    or "conflicts";
    commit: the hash of the commit it made or moved to (None if it made none);
    tables: the tables it changed; conflicts: one row per table with conflicts
    (`table`, `num_conflicts`), empty when it merged cleanly; violations: one row per table
    whose merged rows break a FOREIGN KEY or CHECK (`table`, `num_violations`), as
    dolt_constraint_violations lists them; schema_conflicts: the tables whose schemas the
    merge could not combine, left as the current branch has them (dolt_schema_conflicts)."""

    kind: str
    commit: str | None
    tables: list[str]
    conflicts: pa.Table
    violations: pa.Table | None = None
    schema_conflicts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is nothing left to resolve."""
        return bool(self.conflicts.num_rows == 0 and (self.violations is None or self.violations.num_rows == 0)
                    and not self.schema_conflicts)


def log_table(repo: Repository, rev: str, limit: int | None) -> pa.Table:
    from dl.sql.log_function import log_rows
    return log_rows(repo.log(rev, limit))


def _view(repo: Repository) -> View:
    from dl.sql.statement_view import View
    branch = repo.current_branch()
    _, ws = repo.working_set(branch)
    return View(repo, repo.store, branch, ws, repo.load_root(ws.working))


def diff_table(repo: Repository, from_rev: str, to_rev: str, table: str | None) -> pa.Table:
    from dl.sql import diff_tables
    before, after = repo.resolve_root(from_rev), repo.resolve_root(to_rev)
    if table is None:
        return diff_tables.dolt_diff_summary(_view(repo), [from_rev, to_rev])
    if table not in before.tables and table not in after.tables:
        raise NotFound("table", table, f"in neither {from_rev} nor {to_rev}")
    return diff_tables.dolt_diff_function(_view(repo), [from_rev, to_rev, table])


def merge_outcome(result: MergeResult) -> MergeOutcome:
    import pyarrow as pa
    names = sorted(result.conflicts)
    conflicts = pa.table({"table": pa.array(names, pa.string()),
                          "num_conflicts": pa.array([result.conflicts[n] for n in names], pa.uint64())})
    found = sorted(result.violations)
    violations = pa.table({"table": pa.array(found, pa.string()),
                           "num_violations": pa.array([result.violations[n] for n in found], pa.uint64())})
    return MergeOutcome(result.kind.value, result.commit.hex if result.commit else None,
                        list(result.tables), conflicts, violations, list(result.schema_conflicts))
