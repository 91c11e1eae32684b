"""The crash harness: kill `dl` in the middle of a command, then prove nothing was lost.

Shared by tests/reliability (about a hundred kills in CI) and bench/reliability.py (a
thousand). Each `Scenario` builds a small repository once (its template) and names one `dl`
command. The command is run to completion once on a copy to learn the state after it; then
every kill runs on a fresh copy of the template and is judged by `check_recovered`: the
repository opens, `dl fsck` is clean, every table of every branch's HEAD, working and staged
root reads, and the whole state equals the state before the command or the state after it
(every branch head's root, history length and working set, compared by address: content
addressing makes equal addresses mean equal tables).

Two ways to kill:
- `kill_after(delay)`: a real `dl` subprocess, SIGKILLed after a delay (random moments);
- `run_with_fault(plan)`: a forked child that runs `dl.app.main` with `DL_FAULT` set, so the
  store's test hook (core/store/faults.py) calls `os._exit` at an exact point: before the
  N-th chunk row is written, before or after the K-th transaction commits, mid-delete in gc,
  before VACUUM. Forking after the imports makes this cheap (tens of milliseconds), and it
  is deterministic, so it covers every interesting point of every command.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dl.core.store import faults

AUTHOR = {"user.name": "Crash Test", "user.email": "crash@example.com"}
ABORTED = faults.EXIT_CODE


# --- running dl ------------------------------------------------------------------------------


_warmed = False


def warm() -> None:
    """Runs each kind of command once in this process, so that forked children start with
    everything imported (a child then costs tens of milliseconds, not an interpreter's
    start-up and a second of imports)."""
    global _warmed
    if _warmed:
        return
    _warmed = True
    import contextlib
    import io

    from dl.app import main
    with tempfile.TemporaryDirectory(prefix="dl-warm-") as scratch:
        d = Path(scratch)
        home = d / "home"
        home.mkdir()
        (home / "config_global.json").write_text(json.dumps(AUTHOR))
        csv = write_csv(d / "w.csv", people_rows(20, 1), "id,a,s")
        saved = dict(os.environ), os.getcwd()
        os.environ.update(dl_env(home))
        try:
            os.chdir(d)
            for argv in (["init"], ["table", "import", "-c", "--pk", "id", "t", str(csv)],
                         ["commit", "-Am", "w"], ["checkout", "-b", "b"],
                         ["sql", "-q", "update t set a = 1 where id = 1"], ["commit", "-am", "b"],
                         ["checkout", "main"], ["merge", "b"], ["table", "import", "-u", "t", str(csv)],
                         ["status"], ["log"], ["diff"], ["branch", "-D", "b"], ["fsck"], ["gc"]):
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    try:
                        main(argv)
                    except SystemExit:
                        pass
        finally:
            os.chdir(saved[1])
            os.environ.clear()
            os.environ.update(saved[0])


def dl_env(home: Path, fault: str | None = None) -> dict[str, str]:
    env = {**os.environ, "DL_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "120", "TZ": "UTC"}
    for name in ("DL_FAULT", "DL_DEBUG"):
        env.pop(name, None)
    if fault:
        env["DL_FAULT"] = fault
    return env


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def aborted(self) -> bool:
        return self.code == ABORTED


def run_forked(workdir: Path, home: Path, argv: list[str], fault: str | None = None,
               preexec: Callable[[], None] | None = None) -> Outcome:
    """`dl ARGV` in a forked child (with `DL_FAULT=fault` if given); its exit code and output.
    With `fault="count"`, also how often each fault point was passed."""
    out_path = Path(tempfile.mktemp(prefix="dl-out-"))
    err_path = Path(tempfile.mktemp(prefix="dl-err-"))
    counts_path = Path(tempfile.mktemp(prefix="dl-counts-"))
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 70
        try:
            _child(workdir, home, argv, fault, preexec, out_path, err_path, counts_path)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        except BaseException:  # noqa: BLE001 (a crash of the harness child itself)
            code = 71
        finally:
            if fault == "count":
                counts_path.write_text(json.dumps(faults.counts))
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    outcome = Outcome(code, _take(out_path), _take(err_path),
                      json.loads(_take(counts_path) or "{}"))
    return outcome


def _child(workdir: Path, home: Path, argv: list[str], fault: str | None,
           preexec: Callable[[], None] | None, out_path: Path, err_path: Path,
           counts_path: Path) -> None:
    out = open(out_path, "w")
    err = open(err_path, "w")
    os.dup2(out.fileno(), 1)
    os.dup2(err.fileno(), 2)
    sys.stdout, sys.stderr = out, err
    os.chdir(workdir)
    env = dl_env(home, fault)
    os.environ.clear()
    os.environ.update(env)
    if preexec is not None:
        preexec()
    from dl.app import main
    main(list(argv))


def _take(path: Path) -> str:
    try:
        text = path.read_text()
        path.unlink()
        return text
    except FileNotFoundError:
        return ""


def dl_command() -> list[str]:
    return [sys.executable, "-m", "dl"]


def run_process(workdir: Path, home: Path, argv: list[str], *, timeout: float = 120,
                preexec: Callable[[], None] | None = None) -> Outcome:
    """`dl ARGV` as a real process (interpreter start-up and all)."""
    done = subprocess.run([*dl_command(), *argv], cwd=workdir, env=dl_env(home),
                          capture_output=True, text=True, timeout=timeout, preexec_fn=preexec,
                          check=False)
    return Outcome(done.returncode, done.stdout, done.stderr)


def kill_after(workdir: Path, home: Path, argv: list[str], delay: float) -> bool:
    """Starts `dl ARGV` as a process and SIGKILLs it after `delay` seconds; True if it was
    still running then (so the kill interrupted it)."""
    process = subprocess.Popen([*dl_command(), *argv], cwd=workdir, env=dl_env(home),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        process.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return True


# --- repository states -----------------------------------------------------------------------


def snapshot(directory: Path) -> tuple:  # type: ignore[type-arg]
    """The repository's whole logical state, as comparable values; reads every table of every
    branch's HEAD, working and staged root, so a damaged table cannot hide."""
    from dl.core.repo import Repository
    repo = Repository.open(directory, readonly=True)
    try:
        branches = []
        for name, head in sorted(repo.branches().items()):
            commit = repo.load_commit(head)
            _, ws = repo.working_set(name)
            history = sum(1 for _ in repo.log(name))
            for root in (commit.root, ws.working, ws.staged):
                _read_all(repo, root)
            branches.append((name, commit.root.hex, len(commit.parents), history, commit.message,
                             ws.working.hex, ws.staged.hex, bool(ws.merge)))
        tags = sorted((name, tag.commit.hex) for name, tag in repo.tags().items())
        return (repo.current_branch(), tuple(branches), tuple(tags))
    finally:
        repo.close()


def _read_all(repo, root_address) -> None:  # type: ignore[no-untyped-def]
    root = repo.load_root(root_address)
    for name in root.tables:
        table = repo.table_in(root, name)
        if table.scan().num_rows != table.count():
            raise AssertionError(f"table {name}: scan and count disagree")


def copy_repo(template: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(template, target)
    return target


# --- scenarios -------------------------------------------------------------------------------


def write_csv(path: Path, rows: Iterator[tuple[object, ...]], header: str) -> Path:
    with open(path, "w") as f:
        f.write(header + "\n")
        f.writelines(",".join(map(str, row)) + "\n" for row in rows)
    return path


def people_rows(n: int, seed: int, start: int = 0) -> Iterator[tuple[object, ...]]:
    rng = random.Random(seed)
    for i in range(start, start + n):
        yield i, rng.randrange(10**6), f"s{rng.randrange(10**8):08d}"


def _setup_import(d: Path, run: Callable[..., Outcome]) -> None:
    write_csv(d.parent / "base.csv", people_rows(1500, 1), "id,a,s")
    write_csv(d.parent / "new.csv", people_rows(1500, 2, start=750), "id,a,s")
    run("table", "import", "-c", "--pk", "id", "t", str(d.parent / "base.csv"))
    run("commit", "-Am", "base")


def _setup_commit(d: Path, run: Callable[..., Outcome]) -> None:
    _setup_import(d, run)
    run("table", "import", "-u", "t", str(d.parent / "new.csv"))
    run("sql", "-q", "create table u (k int primary key, v text); insert into u values (1, 'x'), (2, 'y')")
    run("add", "t")


def _setup_sql(d: Path, run: Callable[..., Outcome]) -> None:
    _setup_import(d, run)


SQL_SCRIPT = ("begin; insert into t values (100000, 1, 'new'), (100001, 2, 'new'); "
              "update t set a = a + 1 where id % 3 = 0; delete from t where id % 7 = 0; commit")


def _setup_merge(d: Path, run: Callable[..., Outcome]) -> None:
    _setup_import(d, run)
    run("checkout", "-b", "feature")
    run("sql", "-q", "update t set a = -a where id < 200; insert into t values (5000, 5, 'f')")
    run("commit", "-am", "feature work")
    run("checkout", "main")
    run("sql", "-q", "update t set s = 'main' where id > 1300; insert into t values (6000, 6, 'm')")
    run("commit", "-am", "main work")


def _setup_gc(d: Path, run: Callable[..., Outcome]) -> None:
    _setup_import(d, run)
    run("checkout", "-b", "scratch")
    write_csv(d.parent / "big.csv", people_rows(4000, 3), "id,a,s")
    run("table", "import", "-c", "--pk", "id", "big", str(d.parent / "big.csv"))
    run("commit", "-Am", "scratch")
    run("checkout", "main")
    run("branch", "-D", "scratch")
    run("sql", "-q", "update t set a = 0 where id < 10")
    run("commit", "-am", "small change")


@dataclass(frozen=True)
class Scenario:
    name: str
    setup: Callable[[Path, Callable[..., Outcome]], None]
    argv: tuple[str, ...]


SCENARIOS = (
    Scenario("import", _setup_import, ("table", "import", "-u", "t", "../new.csv")),
    Scenario("commit", _setup_commit, ("commit", "-Am", "the commit")),
    Scenario("sql", _setup_sql, ("sql", "-q", SQL_SCRIPT)),
    Scenario("merge", _setup_merge, ("merge", "feature", "-m", "merge feature")),
    Scenario("gc", _setup_gc, ("gc",)),
)


class Prepared:
    """A scenario's template repository and its states before and after the command."""

    def __init__(self, scenario: Scenario, root: Path) -> None:
        self.scenario = scenario
        self.root = root / scenario.name
        self.home = root / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "config_global.json").write_text(json.dumps(AUTHOR))
        self.template = self.root / "template"
        self.template.mkdir(parents=True)

        def run(*argv: str) -> Outcome:
            done = run_forked(self.template, self.home, list(argv))
            if done.code != 0:
                raise AssertionError(f"setup `dl {' '.join(argv)}` failed: {done.err}")
            return done

        run("init")
        scenario.setup(self.template, run)
        self.before = snapshot(self.template)
        finished = self.fresh()
        done = run_forked(finished, self.home, list(scenario.argv), fault="count")
        if done.code != 0:
            raise AssertionError(f"`dl {' '.join(scenario.argv)}` failed: {done.err}")
        self.counts = done.counts
        self.after = snapshot(finished)
        self.seconds = self._time_process()

    def fresh(self) -> Path:
        """A new copy of the template, next to it (so `../new.csv` resolves)."""
        return copy_repo(self.template, self.root / "work")

    def _time_process(self) -> float:
        work = self.fresh()
        started = time.perf_counter()
        done = run_process(work, self.home, list(self.scenario.argv))
        if done.code != 0:
            raise AssertionError(f"`dl {' '.join(self.scenario.argv)}` failed: {done.err}")
        return time.perf_counter() - started

    def fault_plans(self, limit: int) -> list[str]:
        """Up to `limit` fault points spread over every point the command passes."""
        plans = []
        for point in faults.POINTS:
            n = self.counts.get(point, 0)
            if n:
                plans.append([f"{point}={k}" for k in _spread(n, limit)])
        return list(_interleave(plans))[:limit]


def _spread(n: int, limit: int) -> list[int]:
    """`limit` values from 1..n, evenly spread, always including the ends."""
    if n <= limit:
        return list(range(1, n + 1))
    return sorted({1 + round(i * (n - 1) / (limit - 1)) for i in range(limit)})


def _interleave(groups: list[list[str]]) -> Iterator[str]:
    longest = max((len(g) for g in groups), default=0)
    for i in range(longest):
        for group in groups:
            if i < len(group):
                yield group[i]


@dataclass
class Verdict:
    """What one kill left: whether the repository recovered, and if not why."""

    how: str
    interrupted: bool
    recovered: bool
    state: str  # "before", "after" or "neither"
    problem: str = ""


def check_recovered(prepared: Prepared, work: Path, how: str, interrupted: bool) -> Verdict:
    """Opens the killed repository: `dl fsck` clean and the state before or after."""
    fsck = run_forked(work, prepared.home, ["fsck"])
    if fsck.code != 0:
        return Verdict(how, interrupted, False, "neither", f"fsck: {fsck.out}{fsck.err}".strip())
    try:
        state = snapshot(work)
    except Exception as exc:  # noqa: BLE001 (a verdict, not a crash of the harness)
        return Verdict(how, interrupted, False, "neither", f"cannot read: {type(exc).__name__}: {exc}")
    if state == prepared.before:
        return Verdict(how, interrupted, True, "before")
    if state == prepared.after:
        return Verdict(how, interrupted, True, "after")
    return Verdict(how, interrupted, False, "neither",
                   f"state is neither before nor after: {state} vs {prepared.before} / {prepared.after}")


def fault_kill(prepared: Prepared, plan: str) -> Verdict:
    work = prepared.fresh()
    done = run_forked(work, prepared.home, list(prepared.scenario.argv), fault=plan)
    if done.code not in (0, ABORTED):
        return Verdict(f"fault {plan}", False, False, "neither", f"exit {done.code}: {done.err}")
    verdict = check_recovered(prepared, work, f"fault {plan}", done.aborted)
    if verdict.recovered and done.aborted:
        verdict = _redo(prepared, work, verdict)
    return verdict


def _redo(prepared: Prepared, work: Path, verdict: Verdict) -> Verdict:
    """After a kill that left the state before, the command must simply work again."""
    if verdict.state != "before":
        return verdict
    again = run_forked(work, prepared.home, list(prepared.scenario.argv))
    if again.code != 0:
        return Verdict(verdict.how, verdict.interrupted, False, "before",
                       f"re-running the command after the kill failed: {again.err.strip()}")
    if snapshot(work) != prepared.after:
        return Verdict(verdict.how, verdict.interrupted, False, "before",
                       "re-running the command after the kill gave another state")
    return verdict


def signal_kill(prepared: Prepared, delay: float) -> Verdict:
    work = prepared.fresh()
    interrupted = kill_after(work, prepared.home, list(prepared.scenario.argv), delay)
    return check_recovered(prepared, work, f"SIGKILL after {delay:.3f}s", interrupted)


def random_delays(prepared: Prepared, n: int, seed: int) -> list[float]:
    """Delays spread over the command's run, past the interpreter's start-up."""
    rng = random.Random(seed)
    return [rng.uniform(0.1, 1.1) * prepared.seconds for _ in range(n)]
