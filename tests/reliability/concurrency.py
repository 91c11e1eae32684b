"""Concurrent writers against one repository, as separate processes (shared by the tests
and bench/reliability.py).

Each writer opens the repository itself and, 25 times, inserts one row into each of two
tables in one SQL transaction (retrying it, as its "concurrent update, retry" error says,
up to `TX_RETRIES` times), then commits (`-a`, allowing an empty commit when another
writer's commit already took its row). Writers on the shared branch race for the same
working set and branch ref; the others each have a branch of their own (a repository whose
checked-out branch is pinned per process, as a SQL server pins it per session: HEAD is
shared by the processes of one repository). A reader queries meanwhile and checks that it
never sees one table of a transaction without the other. Every outcome is reported back:
successes with the commit address, failures with their one-line message, and anything that
is not a `DlError` as a traceback (a bug).
"""
from __future__ import annotations

import multiprocessing
import random
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from dl.core.errors import DlError
from dl.core.repo import Author, Repository

WRITER = Author("Writer", "writer@example.com")
TX_RETRIES = 30
SHARED = "main"


class PinnedRepository(Repository):
    """A repository whose checked-out branch belongs to this process, not to HEAD."""

    pinned: str = SHARED

    def current_branch(self) -> str:
        return self.pinned


def open_pinned(directory: Path, branch: str) -> PinnedRepository:
    repo = PinnedRepository.open(directory)
    repo.__class__ = PinnedRepository
    repo.pinned = branch
    return repo  # type: ignore[return-value]


def setup(directory: Path, own_branches: int) -> None:
    repo = Repository.init(directory, author=WRITER)
    from dl.sql.session import Session
    with Session(repo, author=WRITER) as session:
        session.run("create table t (id bigint primary key, p bigint); "
                    "create table u (id bigint primary key, p bigint)")
    repo.commit("tables", include_new=True, author=WRITER)
    for n in range(own_branches):
        repo.create_branch(f"own{n}")
    repo.close()


@dataclass
class WriterReport:
    branch: str
    inserted: list[int] = field(default_factory=list)
    committed: list[tuple[int, str]] = field(default_factory=list)  # (last id inserted, commit hex)
    failures: list[str] = field(default_factory=list)
    bugs: list[str] = field(default_factory=list)


def writer(directory: Path, branch: str, worker: int, commits: int, start, queue) -> None:  # type: ignore[no-untyped-def]
    report = WriterReport(branch)
    try:
        from dl.sql.session import Session
        repo = open_pinned(directory, branch)
        start.wait(60)
        with Session(repo, author=WRITER) as session:
            for i in range(commits):
                row = worker * 1000 + i
                script = (f"begin; insert into t values ({row}, {worker}); "
                          f"insert into u values ({row}, {worker}); commit")
                if any(_step(report, lambda: session.run(script)) for _ in range(TX_RETRIES)):
                    report.inserted.append(row)
                    _step(report, lambda: report.committed.append(
                        (row, repo.commit(f"w{worker} i{i}", stage_all=True, allow_empty=True,
                                          author=WRITER).hex)))
        repo.close()
    except BaseException:  # noqa: BLE001 (reported to the parent, which fails the test)
        report.bugs.append(traceback.format_exc())
    queue.put(report)


def _step(report: WriterReport, action) -> bool:  # type: ignore[no-untyped-def]
    try:
        action()
        return True
    except DlError as exc:
        report.failures.append(str(exc))
        if "concurrent update" in str(exc):
            time.sleep(random.uniform(0.001, 0.02))
    except Exception:  # noqa: BLE001 (a bug: kept with its traceback)
        report.bugs.append(traceback.format_exc())
    return False


@dataclass
class ReaderReport:
    checks: int = 0
    torn: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    bugs: list[str] = field(default_factory=list)


def reader(directory: Path, branches: list[str], stop, queue) -> None:  # type: ignore[no-untyped-def]
    """Until `stop`: per branch, HEAD's and the working set's t and u hold the same ids."""
    report = ReaderReport()
    try:
        from dl.sql.session import Session
        while not stop.is_set():
            for branch in branches:
                repo = open_pinned(directory, branch)
                try:
                    _check_head(repo, branch, report)
                    with Session(repo) as session:
                        torn = session.query("select count(*) as n from t full join u using (id) "
                                             "where t.id is null or u.id is null").column("n")[0].as_py()
                    if torn:
                        report.torn.append(f"working set of {branch}: {torn} rows in one table only")
                    report.checks += 1
                except DlError as exc:
                    report.failures.append(str(exc))
                finally:
                    repo.close()
    except BaseException:  # noqa: BLE001
        report.bugs.append(traceback.format_exc())
    queue.put(report)


def _check_head(repo: Repository, branch: str, report: ReaderReport) -> None:
    root = repo.load_root(repo.load_commit(repo.branch_head(branch)).root)
    t = set(repo.table_in(root, "t").scan().column("id").to_pylist())
    u = set(repo.table_in(root, "u").scan().column("id").to_pylist())
    if t != u:
        report.torn.append(f"HEAD of {branch}: t and u differ by {len(t ^ u)} ids")


@dataclass
class GcReport:
    runs: int = 0
    deleted: int = 0
    churned: int = 0
    failures: list[str] = field(default_factory=list)
    bugs: list[str] = field(default_factory=list)


def collector(directory: Path, stop, queue) -> None:  # type: ignore[no-untyped-def]
    """Until `stop`: makes garbage (a branch with a table of its own, committed, then
    deleted) and runs gc, over and over, beside the writers."""
    report = GcReport()
    try:
        import pyarrow as pa
        from dl.core.maintenance.gc import collect_garbage
        from dl.core.tables.schema import Column, TableSchema
        from dl.core.tables.table import Table
        schema = TableSchema((Column("k", pa.int64()), Column("v", pa.string())), ("k",))
        while not stop.is_set():
            name = f"scratch{report.runs}"
            repo = Repository.open(directory)
            try:
                repo.create_branch(name, SHARED)
                scratch = open_pinned(directory, name)
                rows = pa.table({"k": pa.array(range(2000), pa.int64()),
                                 "v": pa.array([f"{name}-{i}" for i in range(2000)])})
                scratch.write_table("junk", lambda cur, buf: Table.empty(buf, schema).replace_rows(rows))
                scratch.commit("junk", include_new=True, author=WRITER)
                scratch.close()
                repo.delete_branch(name, force=True)
                report.churned += 1
                report.deleted += collect_garbage(repo.store).chunks_deleted
                report.runs += 1
            except DlError as exc:
                report.failures.append(str(exc))
                report.runs += 1
            finally:
                repo.close()
    except BaseException:  # noqa: BLE001
        report.bugs.append(traceback.format_exc())
    queue.put(report)


@dataclass
class RaceResult:
    writers: list[WriterReport]
    reader: ReaderReport
    gc: GcReport | None = None

    @property
    def attempted(self) -> int:
        return sum(len(w.inserted) for w in self.writers)

    @property
    def landed(self) -> int:
        return sum(len(w.committed) for w in self.writers)


def race(directory: Path, shared: int, own: int, commits: int, *, gc: bool = False) -> RaceResult:
    """Runs `shared` writers on main and `own` writers on their own branches, plus a reader
    (and, with `gc`, a process that makes garbage and collects it all the while)."""
    # fresh processes, as real writers are: a fork would inherit the test worker's threads and
    # DuckDB state (forked writers crashed collecting garbage they inherited)
    ctx = multiprocessing.get_context("spawn")
    queue, stop, gc_queue = ctx.Queue(), ctx.Event(), ctx.Queue()
    start = ctx.Barrier(shared + own)
    jobs = [(SHARED, n) for n in range(shared)] + [(f"own{n}", shared + n) for n in range(own)]
    processes = [ctx.Process(target=writer, args=(directory, b, w, commits, start, queue))
                 for b, w in jobs]
    watcher = ctx.Process(target=reader, args=(directory, [SHARED] + [f"own{n}" for n in range(own)],
                                                stop, queue))
    helpers = [watcher] + ([ctx.Process(target=collector, args=(directory, stop, gc_queue))] if gc else [])
    for p in processes + helpers:
        p.start()
    reports = [queue.get(timeout=600) for _ in processes]
    stop.set()
    read = queue.get(timeout=120)
    collected = gc_queue.get(timeout=120) if gc else None
    for p in processes + helpers:
        p.join(30)
    return RaceResult(reports, read, collected)
