"""Commit logs as Dolt shows them: the rows of `dolt_log`, `dolt_commits` and `dolt_log(...)`.

    dolt_log()                      the current branch's history, newest first
    dolt_log('feature', 'v1')       commits reachable from any of the revisions
    dolt_log('main..feature')       reachable from feature but not from main (also
                                    dolt_log('feature', '^main') and ('feature', '--not', 'main'))
    dolt_log('main...feature')      reachable from exactly one of the two
    '--tables', 't1,t2'             only commits that changed one of the tables (vs the first parent)
    '--merges' / '--min-parents', N only commits with at least 2 / N parents
    '--parents'                     adds a `parents` column (the parent hashes, comma-separated)
    '--decorate', 'short'|'full'    adds a `refs` column (branches and tags at the commit)

Columns: commit_hash, committer, email, date, message, commit_order (the commit's height in the
graph, as Dolt's commit_order counts from the first commit), then author, author_email and
author_date (the committer is the author unless the commit records another). An unknown option is an error.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
from dl.core.errors import BadInput
from dl.core.hashing import Address
from dl.core.versioning.commit import Commit, walk_history
from dl.core.versioning.revisions import check_log_revisions
from dl.core.versioning.root import RootValue
from dl.sql.errors import SqlError

if TYPE_CHECKING:
    from dl.sql.statement_view import View

TS = pa.timestamp("ms")  # commit times are DATETIME(3) in Dolt's dolt_log, dolt_commits, dolt_branches, dolt_tags
DECORATIONS = ("short", "full", "no", "auto")


def log_rows(commits: list[tuple[Address, Commit]]) -> pa.Table:
    """Dolt's log columns for `commits` (in the order given): who committed and when, then (after
    commit_order) who wrote the change and when, as Dolt separates them."""
    return pa.table({
        "commit_hash": pa.array([a.hex for a, _ in commits], pa.string()),
        "committer": pa.array([c.committed_by[0] for _, c in commits], pa.string()),
        "email": pa.array([c.committed_by[1] for _, c in commits], pa.string()),
        "date": pa.array([millis(c.committed_at) for _, c in commits], TS),
        "message": pa.array([c.message for _, c in commits], pa.string()),
        "commit_order": pa.array([c.height for _, c in commits], pa.int64()),
        **author_columns([c for _, c in commits]),
    })


def millis(seconds: float) -> int:
    """A commit time (seconds) as milliseconds for a TS column."""
    return round(seconds * 1000)


AUTHOR_COLUMNS = 3  # author, author_email, author_date: last, as in Dolt


def author_columns(commits: list[Commit], prefix: str = "") -> dict[str, pa.Array]:
    """The author, author_email and author_date columns of `commits` (Dolt's names, `prefix`ed:
    dolt_branches has latest_author...)."""
    return {f"{prefix}author": pa.array([c.author for c in commits], pa.string()),
            f"{prefix}author_email": pa.array([c.email for c in commits], pa.string()),
            f"{prefix}author_date": pa.array([millis(c.timestamp) for c in commits], TS)}


class LogRequest:
    """The parsed arguments of dolt_log(...)."""

    def __init__(self, args: list[str]) -> None:
        self.include: list[str] = []
        self.exclude: list[str] = []
        self.symmetric: tuple[str, str] | None = None
        self.tables: list[str] | None = None
        self.min_parents = 0
        self.parents = False
        self.decorate = "no"
        self._parse(args)

    def _parse(self, args: list[str]) -> None:
        negate, i = False, 0
        given: list[str] = []  # the revisions, and those after --not, for Dolt's rules on ranges
        excluded: list[str] = []
        while i < len(args):
            arg = args[i]
            name, eq, inline = arg.partition("=")
            takes_value = name in ("--tables", "-t", "--min-parents", "--decorate")
            value = inline if eq else (args[i + 1] if takes_value and i + 1 < len(args) else None)
            if takes_value and value is None:
                raise SqlError(f"no value for option `{name.lstrip('-')}'")  # Dolt's words, as every procedure's
            i += 1 if eq or not takes_value else 2
            if name == "--not":
                negate = not negate
            elif name in ("--tables", "-t"):
                self.tables = [t.strip() for t in str(value).split(",") if t.strip()]
            elif name == "--min-parents":
                self.min_parents = _count(str(value))
            elif name == "--merges":
                self.min_parents = 2
            elif name == "--parents":
                self.parents = True
            elif name == "--decorate":
                if value not in DECORATIONS:
                    raise SqlError(f"dolt_log(): --decorate takes one of {', '.join(DECORATIONS)}")
                self.decorate = str(value)
            elif arg.startswith("-"):
                raise SqlError(f"dolt_log(): unknown option {arg}")
            else:
                (excluded if negate else given).append(arg)
                self._revision(arg, negate)
        try:
            check_log_revisions(given, excluded)
        except BadInput as exc:
            raise SqlError(f"Invalid argument to dolt_log: {exc}") from None

    def _revision(self, arg: str, negate: bool) -> None:
        if "..." in arg:
            left, _, right = arg.partition("...")
            self.symmetric = (left or "HEAD", right or "HEAD")
        elif ".." in arg:
            left, _, right = arg.partition("..")
            self.exclude.append(left or "HEAD")
            self.include.append(right or "HEAD")
        elif arg.startswith("^"):
            self.exclude.append(arg[1:])
        else:
            (self.exclude if negate else self.include).append(arg)


def _count(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise SqlError(f"dolt_log(): --min-parents takes a number, got {text!r}") from None


def dolt_log_function(view: View, args: list[str]) -> pa.Table:
    """The table function dolt_log(...) (see the module docstring for its arguments)."""
    request = LogRequest(args)
    repo = view.repo
    if request.symmetric is not None:
        left, right = (_reachable(view, [rev]) for rev in request.symmetric)
        commits = sorted(((a, c) for a, c in {**left, **right}.items() if (a in left) != (a in right)),
                         key=lambda item: (-item[1].height, -item[1].timestamp, item[0].raw))
    else:
        starts = [repo.resolve_commit(rev) for rev in request.include or [view.branch]]
        excluded = _reachable(view, request.exclude) if request.exclude else {}
        commits = [(a, c) for a, c in walk_history(repo.load_commit, starts) if a not in excluded]
    commits = [(a, c) for a, c in commits if len(c.parents) >= request.min_parents]
    if request.tables is not None:
        commits = [(a, c) for a, c in commits if _touches(view, a, c, request.tables)]
    table = log_rows(commits)
    at = table.num_columns - AUTHOR_COLUMNS  # the optional columns go before the author's, as in Dolt
    if request.parents:
        table = table.add_column(at, "parents", pa.array([", ".join(p.hex for p in c.parents) for _, c in commits],
                                                         pa.string()))
        at += 1
    if request.decorate in ("short", "full"):
        table = table.add_column(at, "refs", pa.array(_decorations(view, commits, request.decorate == "full"),
                                                      pa.string()))
    return table


def _reachable(view: View, revisions: list[str]) -> dict[Address, Commit]:
    starts = [view.repo.resolve_commit(rev) for rev in revisions]
    return dict(walk_history(view.repo.load_commit, starts))


def _touches(view: View, address: Address, commit: Commit, tables: list[str]) -> bool:
    repo = view.repo
    if commit.parents and commit.parents[0] not in repo.present_parents(address, commit):
        return False  # a shallow clone's boundary: what it changed is beyond the clone
    after = repo.load_root(commit.root, view.store)
    before = repo.load_root(repo.load_commit(commit.parents[0]).root, view.store) if commit.parents else RootValue()
    wanted = {t.lower() for t in tables}
    return any(name.lower() in wanted for name in after.changed_tables(before))


def _decorations(view: View, commits: list[tuple[Address, Commit]], full: bool) -> list[str]:
    """Per commit, the refs pointing at it: 'HEAD -> main, feature, tag: v1' (short) or with
    refs/heads/ and refs/tags/ (full), as git's --decorate prints them."""
    repo = view.repo
    labels: dict[Address, list[str]] = {}
    for name, address in sorted(repo.branches().items()):
        shown = f"refs/heads/{name}" if full else name
        if name == view.branch:
            labels.setdefault(address, []).insert(0, f"HEAD -> {shown}")
        else:
            labels.setdefault(address, []).append(shown)
    for name, tag in sorted(repo.tags().items()):
        labels.setdefault(tag.commit, []).append(f"refs/tags/{name}" if full else f"tag: {name}")
    return [", ".join(labels.get(address, [])) for address, _ in commits]
