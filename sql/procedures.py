"""Dolt's version-control procedures and functions, callable from SQL.

Procedures (`CALL dolt_commit('-am', 'msg')`, or `SELECT dolt_commit(...)`, which returns the
first column of the procedure's result as a value): dolt_add, dolt_commit, dolt_checkout,
dolt_branch, dolt_reset, dolt_clean, dolt_tag, dolt_merge, dolt_cherry_pick, dolt_revert,
dolt_conflicts_resolve. Each parses its arguments like the command line it mirrors; an unknown
flag is an error, never ignored. They act on the repository through `core` (every ref move is
a compare-and-swap there).

Functions: active_branch(), dolt_hashof('rev') (a commit's hash), dolt_hashof_table('t') (the
address of the table's value, schema and rows: equal contents give equal hashes),
dolt_hashof_db() (the working root's address).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pyarrow as pa
from dl.core.errors import DlError, NotFound
from dl.core.repo import Author
from dl.core.versioning.commit import check_empty_flags
from dl.sql.errors import SqlError, wrap
from dl.sql.identity import Identity, committer_with_author_flag, parse_date
from dl.sql.procedure_args import FlagSpec, parse_flags, status_table
from dl.sql.remote_procedures import PROCEDURES as REMOTE_PROCEDURES

if TYPE_CHECKING:
    from dl.sql.statement_view import View


_status = status_table


# --- procedures --------------------------------------------------------------------------

_AUTHOR = re.compile(r"^\s*(.*?)\s*<([^>]*)>\s*$")


def parse_author(text: str) -> Author:
    match = _AUTHOR.match(text)
    if not match or not match.group(1):
        raise SqlError(f"--author must look like 'Name <email>', got {text!r}")
    return Author(match.group(1), match.group(2))


COMMIT = FlagSpec({"--message": True, "--all": False, "--ALL": False, "--allow-empty": False,
                   "--author": True, "--amend": False, "--date": True, "--skip-empty": False,
                   "--force": False},  # --force: as the CLI's, commit despite constraint violations
                  {"-m": "--message", "-a": "--all", "-A": "--ALL", "-f": "--force"})


def dolt_commit(view: View, args: list[str], author: Author | None, who: Identity | None = None) -> pa.Table:
    """Dolt's dolt_commit; `who` (the session's identity variables) names the committer and
    the times, `--author` and `--date` win over them for the author."""
    who = who or Identity(author)
    p = parse_flags("dolt_commit", args, COMMIT)
    if p.args:
        raise SqlError(f"dolt_commit: unexpected argument {p.args[0]!r} (the message goes after -m)")
    message = p.flags.get("--message")
    if message is None and not p.flags.get("--amend"):
        raise SqlError("dolt_commit: a message is required (-m 'message')")
    by = parse_author(p.flags["--author"]) if "--author" in p.flags else who.author
    when = parse_date(p.flags["--date"], "--date") if "--date" in p.flags else who.author_time
    repo = view.repo
    check_empty_flags(bool(p.flags.get("--allow-empty")), bool(p.flags.get("--skip-empty")))
    if p.flags.get("--amend") and message is None:
        message = repo.load_commit(repo.branch_head(view.branch)).message
    if p.flags.get("--skip-empty") and not _has_changes(view, bool(p.flags.get("--all") or p.flags.get("--ALL"))):
        return pa.table({"hash": pa.array([None], pa.string())})
    _stage(view, bool(p.flags.get("--all")), bool(p.flags.get("--ALL")))
    address = repo.commit(str(message), allow_empty=bool(p.flags.get("--allow-empty")),
                          amend=bool(p.flags.get("--amend")), author=by, timestamp=when,
                          force=bool(p.flags.get("--force")), committer=committer_with_author_flag(
                              who.author, who.committer, by) if "--author" in p.flags else who.committer,
                          commit_timestamp=who.commit_time)
    return pa.table({"hash": pa.array([address.hex], pa.string())})


def _stage(view: View, modified: bool, everything: bool) -> None:
    """-a stages changed tables that HEAD has, -A every changed table. Done with `add` rather
    than `commit(stage_all=...)`: core's commit does not store the staged root it builds when
    -a leaves a new table out, and the commit would point at a missing chunk."""
    if everything:
        view.repo.add(None)
        return
    if not modified:
        return
    repo = view.repo
    status = repo.status()
    head = repo.load_root(repo.load_commit(repo.branch_head(view.branch)).root)
    names = [n for n in status.unstaged if n in head.tables or n in status.staged]
    if names:
        repo.add(names)


def _has_changes(view: View, stage_all: bool) -> bool:
    status = view.repo.status()
    return bool(status.staged or (stage_all and status.unstaged))


ADD = FlagSpec({"--all": False, "--force": False}, {"-A": "--all", "-f": "--force"})


def dolt_add(view: View, args: list[str], author: Author | None) -> pa.Table:
    p = parse_flags("dolt_add", args, ADD)
    force = bool(p.flags.get("--force"))
    if p.flags.get("--all") or "." in p.args:
        view.repo.add(None, force=force)
    elif p.args:
        view.repo.add(p.args, force=force)
    else:
        raise SqlError("dolt_add: name tables, or '.' / '-A' for all")
    return _status()


CHECKOUT = FlagSpec({"-b": True, "-B": True, "--force": False, "--overwrite-ignore": False,
                     "--no-overwrite-ignore": False, "--track": True},
                    {"-b": "-b", "-B": "-B", "-f": "--force", "-t": "--track"})


def dolt_checkout(view: View, args: list[str], author: Author | None) -> pa.Table:
    """Dolt's dolt_checkout. The session switches branch and leaves the working set where it
    is, so nothing is overwritten: --overwrite-ignore and its negation are accepted as Dolt's."""
    p = parse_flags("dolt_checkout", args, CHECKOUT)
    if p.flags.get("--overwrite-ignore") and p.flags.get("--no-overwrite-ignore"):
        raise SqlError("--overwrite-ignore and --no-overwrite-ignore are mutually exclusive")
    repo = view.repo
    new = p.flags.get("-b") or p.flags.get("-B")
    track = p.flags.get("--track")
    if track is not None:  # `--track origin/b` makes b; with -b NEW, NEW; either tracks it
        from dl.core.remotes.sync import tracking_name
        name = tracking_name(repo, track)
        if name is None or (p.args and new):
            raise SqlError(f"invalid ref spec: '{track}': --track takes a remote-tracking branch, "
                           "REMOTE/BRANCH")
        new = new or name.split("/", 1)[1]
        p.args = [track]
    if new:
        if len(p.args) > 1:
            raise SqlError("dolt_checkout: -b takes a branch name and an optional start point")
        start = p.args[0] if p.args else "HEAD"
        repo.create_branch(new, start, force="-B" in p.flags)
        repo.checkout(new)
        from dl.core.remotes.sync import track_start  # a remote-tracking start is tracked
        track_start(repo, new, start)
        return _status(f"Switched to branch '{new}'")
    if not p.args:
        raise SqlError("dolt_checkout: name a branch, or tables to discard their changes")
    if len(p.args) == 1 and p.args[0] in repo.branches():
        if p.args[0] == view.branch:
            return _status(f"Already on branch '{p.args[0]}'")
        repo.checkout(p.args[0], force=bool(p.flags.get("--force")))
        return _status(f"Switched to branch '{p.args[0]}'")
    missing = [a for a in p.args if view.table_name(a) is None and a != "."]
    if len(p.args) == 1 and missing:
        from dl.core.remotes.sync import track_remote_branch
        upstream = track_remote_branch(repo, p.args[0])  # a branch only a remote has
        if upstream is not None:
            repo.checkout(p.args[0])
            return _status(f"Switched to branch '{p.args[0]}'")
    if missing:
        raise SqlError(f"dolt_checkout: no branch or table named {missing[0]!r}")
    names = list(view.root.tables) if "." in p.args else [view.table_name(a) for a in p.args]
    repo.checkout_tables(names)  # type: ignore[arg-type]
    return _status()


BRANCH = FlagSpec({"--delete": False, "--force": False, "--move": False, "--copy": False,
                   "-D": False}, {"-d": "--delete", "-f": "--force", "-m": "--move", "-c": "--copy",
                                  "-D": "-D"})


def dolt_branch(view: View, args: list[str], author: Author | None) -> pa.Table:
    p = parse_flags("dolt_branch", args, BRANCH)
    repo = view.repo
    force = bool(p.flags.get("--force"))
    if p.flags.get("--delete") or p.flags.get("-D"):
        if not p.args:
            raise SqlError("dolt_branch: -d needs a branch name")
        for name in p.args:
            repo.delete_branch(name, force=force or bool(p.flags.get("-D")))
    elif p.flags.get("--move") or p.flags.get("--copy"):
        if len(p.args) != 2:
            raise SqlError("dolt_branch: -m/-c take the old and the new name")
        with _branch_errors():
            repo.rename_branch(p.args[0], p.args[1], copy=bool(p.flags.get("--copy")), force=force)
    elif len(p.args) in (1, 2):
        with _branch_errors():
            repo.create_branch(p.args[0], p.args[1] if len(p.args) == 2 else "HEAD", force=force)
    else:
        raise SqlError("dolt_branch: give a new branch name and optionally a start point")
    return _status()


@contextmanager
def _branch_errors() -> Iterator[None]:
    """A missing branch to copy or rename in dolt_branch's words (a taken one is core's)."""
    try:
        yield
    except NotFound as exc:
        if getattr(exc, "kind", None) != "branch":
            raise
        raise SqlError(f"fatal: A branch named '{exc.name}' not found") from None


RESET = FlagSpec({"--hard": False, "--soft": False}, {})


def dolt_reset(view: View, args: list[str], author: Author | None) -> pa.Table:
    p = parse_flags("dolt_reset", args, RESET)
    repo = view.repo
    hard, soft = bool(p.flags.get("--hard")), bool(p.flags.get("--soft"))
    if hard and soft:
        raise SqlError("dolt_reset: --hard and --soft exclude each other")
    tables = [a for a in p.args if _is_table(view, a)]
    if tables and not hard and not soft and len(tables) == len(p.args):
        repo.reset_tables(tables)
        return _status()
    if len(p.args) > 1:
        raise SqlError("dolt_reset: give at most one revision")
    if not p.args and not hard and not soft:
        repo.reset_tables(None)
        return _status()
    repo.reset(p.args[0] if p.args else "HEAD", hard=hard, soft=soft)
    return _status()


CLEAN = FlagSpec({"--dry-run": False}, {})


def dolt_clean(view: View, args: list[str], author: Author | None) -> pa.Table:
    """Removes untracked tables (all, or those named); `--dry-run` removes nothing."""
    p = parse_flags("dolt_clean", args, CLEAN)
    view.repo.clean(p.args or None, dry_run=bool(p.flags.get("--dry-run")))
    return _status()


def _is_table(view: View, name: str) -> bool:
    if view.table_name(name) is not None:
        return True
    staged = view.repo.load_root(view.ws.staged, view.store)
    return name in staged.tables


TAG = FlagSpec({"--message": True, "--delete": False, "--author": True}, {"-m": "--message", "-d": "--delete"})


def dolt_tag(view: View, args: list[str], author: Author | None) -> pa.Table:
    p = parse_flags("dolt_tag", args, TAG)
    if p.flags.get("--delete"):
        if not p.args:
            raise SqlError("dolt_tag: -d needs a tag name")
        for name in p.args:
            view.repo.delete_tag(name)
        return _status()
    if len(p.args) not in (1, 2):
        raise SqlError("dolt_tag: give a tag name and optionally a revision")
    who = parse_author(p.flags["--author"]) if "--author" in p.flags else author
    view.repo.create_tag(p.args[0], p.args[1] if len(p.args) == 2 else "HEAD", p.flags.get("--message", ""),
                         author=who)
    return _status()


MERGE = FlagSpec({"--no-ff": False, "--squash": False, "--abort": False, "--message": True,
                  "--author": True, "--no-commit": False}, {"-m": "--message"})


def dolt_merge(view: View, args: list[str], author: Author | None) -> pa.Table:
    from dl.core.versioning.merge_commits import MergeKind, abort_merge, merge
    p = parse_flags("dolt_merge", args, MERGE)
    if p.flags.get("--abort"):
        abort_merge(view.repo)
        return pa.table({"hash": pa.array([None], pa.string()), "fast_forward": pa.array([0], pa.int64()),
                         "conflicts": pa.array([0], pa.int64()), "message": pa.array(["merge aborted"])})
    if len(p.args) != 1:
        raise SqlError("dolt_merge: name one branch or commit to merge")
    who = parse_author(p.flags["--author"]) if "--author" in p.flags else author
    result = merge(view.repo, p.args[0], no_ff=bool(p.flags.get("--no-ff")), squash=bool(p.flags.get("--squash")),
                   message=p.flags.get("--message"), author=who, no_commit=bool(p.flags.get("--no-commit")))
    conflicts = sum(result.conflicts.values()) + len(result.schema_conflicts)  # nonzero while anything is unmerged
    text = {MergeKind.UP_TO_DATE: "Everything up-to-date", MergeKind.FAST_FORWARD: "fast-forward",
            MergeKind.MERGED: "merge successful", MergeKind.SQUASHED: "squashed",
            MergeKind.CONFLICTS: "conflicts found", MergeKind.NOT_COMMITTED: "merge successful"}[result.kind]
    commit = result.commit.hex if result.commit else ("" if result.kind is MergeKind.CONFLICTS else None)
    return pa.table({"hash": pa.array([commit], pa.string()),
                     "fast_forward": pa.array([int(result.kind == MergeKind.FAST_FORWARD)], pa.int64()),
                     "conflicts": pa.array([conflicts], pa.int64()), "message": pa.array([text])})


ABORT = FlagSpec({"--abort": False, "--continue": False, "--allow-empty": False}, {})


def dolt_cherry_pick(view: View, args: list[str], author: Author | None, who: Identity | None = None) -> pa.Table:
    """dolt_cherry_pick('rev'), its '--abort' of a conflicted run, and '--continue' once its
    conflicts are resolved. The commit keeps the picked commit's author and time; the
    session's committer (`who`: @@dolt_committer_*, default the configured user) commits it."""
    from dl.core.versioning.merge_commits import abort_cherry_pick, cherry_pick, continue_cherry_pick
    who = who or Identity(author)
    p = parse_flags("dolt_cherry_pick", args, ABORT)
    if p.flags.get("--abort"):
        abort_cherry_pick(view.repo)
        return pa.table({"hash": pa.array([None], pa.string()), "conflicts": pa.array([0], pa.int64())})
    if p.flags.get("--continue"):
        made = continue_cherry_pick(view.repo, committer=who.committer, commit_timestamp=who.commit_time)
        return pa.table({"hash": pa.array([made.hex], pa.string()), "conflicts": pa.array([0], pa.int64())})
    if len(p.args) != 1:
        raise SqlError("dolt_cherry_pick: name one commit")
    result = cherry_pick(view.repo, p.args[0], allow_empty=bool(p.flags.get("--allow-empty")),
                         committer=who.committer, commit_timestamp=who.commit_time)
    return pa.table({"hash": pa.array([result.commit.hex if result.commit else None], pa.string()),
                     "conflicts": pa.array([sum(result.conflicts.values())], pa.int64())})


RESOLVE = FlagSpec({"--ours": False, "--theirs": False}, {})


def dolt_conflicts_resolve(view: View, args: list[str], author: Author | None) -> pa.Table:
    from dl.core.versioning.merge_commits import resolve_conflicts
    p = parse_flags("dolt_conflicts_resolve", args, RESOLVE)
    if not p.flags.get("--ours") and not p.flags.get("--theirs"):  # Dolt's words, as the CLI's
        raise SqlError("dolt_conflicts_resolve: --ours or --theirs must be supplied")
    if p.flags.get("--ours") and p.flags.get("--theirs"):
        raise SqlError("dolt_conflicts_resolve: specify only one from [ --ours, --theirs ]")
    if not p.args:
        raise SqlError("dolt_conflicts_resolve: specify at least one table to resolve conflicts")
    merge = view.ws.merge or {}
    tables = sorted(set(merge.get("conflicts", [])) | set(merge.get("schema_conflicts", {}))) \
        if "." in p.args else p.args
    resolve_conflicts(view.repo, tables, theirs=bool(p.flags.get("--theirs")))
    return _status()


REVERT = FlagSpec({"--abort": False, "--continue": False, "--author": True}, {})


def dolt_revert(view: View, args: list[str], author: Author | None) -> pa.Table:
    """Dolt's dolt_revert: one revert commit per commit named, in order; `--continue` and
    `--abort` for a series that stopped on conflicts. One row: the last revert's hash and the
    numbers of tables with data conflicts, schema conflicts (dl stops a merge on those, so
    always 0) and constraint violations."""
    from dl.core.versioning.revert import abort_revert, continue_revert, revert
    p = parse_flags("dolt_revert", args, REVERT)
    if p.flags.get("--abort") and p.flags.get("--continue"):
        raise SqlError("--continue and --abort are mutually exclusive")
    who = parse_author(p.flags["--author"]) if "--author" in p.flags else author
    if p.flags.get("--abort"):
        abort_revert(view.repo)
        return _revert_row(None, 0, 0)
    if p.flags.get("--continue"):
        result = continue_revert(view.repo, author=who if "--author" in p.flags else None)
    elif not p.args:
        raise SqlError("nothing specified to revert")
    else:
        result = revert(view.repo, p.args, author=who)
    return _revert_row(result.commit.hex if result.commit else None, len(result.conflicts), len(result.violations))


def _revert_row(commit: str | None, conflicts: int, violations: int) -> pa.Table:
    return pa.table({"hash": pa.array([commit], pa.string()), "data_conflicts": pa.array([conflicts], pa.int64()),
                     "schema_conflicts": pa.array([0], pa.int64()),
                     "constraint_violations": pa.array([violations], pa.int64())})


Procedure = Callable[["View", list[str], Author | None], pa.Table]

PROCEDURES: dict[str, Procedure] = {
    "dolt_add": dolt_add, "dolt_commit": dolt_commit, "dolt_checkout": dolt_checkout,
    "dolt_branch": dolt_branch, "dolt_reset": dolt_reset, "dolt_clean": dolt_clean, "dolt_tag": dolt_tag,
    "dolt_merge": dolt_merge, "dolt_cherry_pick": dolt_cherry_pick,
    "dolt_revert": dolt_revert,
    "dolt_conflicts_resolve": dolt_conflicts_resolve, **REMOTE_PROCEDURES,
}


def call(view: View, name: str, args: list[str], who: Identity | Author | None) -> pa.Table:
    """Runs procedure `name` as `who` (the session's identity, or just an author); core errors
    become `SqlError`s in the words the CLI prints (the statement, which names the procedure,
    is quoted after them), as Dolt's procedures do."""
    procedure = PROCEDURES.get(name.lower())
    if procedure is None:
        raise SqlError(f"unknown procedure {name}(); known: {', '.join(sorted(PROCEDURES))}")
    identity = who if isinstance(who, Identity) else Identity(who)
    try:
        if procedure is dolt_commit:  # these two tell the author from the committer
            return dolt_commit(view, args, identity.author, identity)
        if procedure is dolt_cherry_pick:
            return dolt_cherry_pick(view, args, identity.author, identity)
        return procedure(view, args, identity.author)
    except SqlError:
        raise
    except DlError as exc:
        raise wrap(exc) from None


# --- scalar functions ------------------------------------------------------------------------

def active_branch(view: View, args: list[str]) -> str:
    _arity("active_branch", args, 0)
    return view.branch


def dolt_hashof(view: View, args: list[str]) -> str:
    _arity("dolt_hashof", args, 1)
    try:
        return view.repo.resolve_commit(args[0]).hex
    except DlError as exc:
        raise wrap(exc) from None


def dolt_hashof_table(view: View, args: list[str]) -> str:
    _arity("dolt_hashof_table", args, 1)
    name = view.table_name(args[0])
    if name is None:
        raise wrap(NotFound("table", args[0]))
    return view.root.tables[name].hex


def dolt_hashof_db(view: View, args: list[str]) -> str:
    """The root address of the working set (no argument), or of a revision: 'STAGED', 'HEAD', a
    branch (its last commit, as in Dolt) or any commit."""
    if len(args) > 1:
        raise SqlError(f"dolt_hashof_db() takes at most 1 argument, got {len(args)}")
    return view.root_at(args[0] if args else "WORKING").address.hex


def dolt_version(view: View, args: list[str]) -> str:
    """dl's version, as `dl version` prints it (Dolt's dolt_version() names Dolt's)."""
    _arity("dolt_version", args, 0)
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("dl")
    except PackageNotFoundError:  # pragma: no cover - a checkout that is not installed
        return "unknown"


def _arity(name: str, args: list[str], n: int) -> None:
    if len(args) != n:
        raise SqlError(f"{name}() takes {n} argument{'s' if n != 1 else ''}, got {len(args)}")


FUNCTIONS: dict[str, Callable[[View, list[str]], str]] = {
    "active_branch": active_branch, "dolt_hashof": dolt_hashof, "hashof": dolt_hashof,
    "dolt_hashof_table": dolt_hashof_table, "dolt_hashof_db": dolt_hashof_db, "dolt_version": dolt_version,
}
