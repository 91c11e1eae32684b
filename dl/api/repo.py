"""`dl.Repo`: a repository as a Python object, the porcelain the CLI stands on.

    import dl
    with dl.open("data") as repo:                        # or dl.init("data")
        repo.write("people", "people.csv", pk="id")     # or a pyarrow Table / data frame
        repo.commit("import people", all=True)
        repo.sql("select * from people as of 'HEAD~1'").arrow()

Reads return pyarrow Tables; version control is named as the CLI's commands. Every public
call raises only `dl.Error`s (see `dl.api.errors`), and a failed call writes nothing: each
change lands in one store transaction by compare-and-swap, or not at all.

Concurrency: a `Repo` belongs to the thread that opened it (a call from another thread raises
`dl.Error`; open one `Repo` per thread). Any number of `Repo`s, threads and processes (the CLI
included) may read and write one repository at once, and no change is lost: a lost
compare-and-swap is retried from a fresh read (with backoff), and a call that keeps losing
raises `dl.ConcurrentUpdate` (inside `repo.sql`, a `dl.SqlError` whose `.cause` it is) having
written nothing, so it can simply be called again, as with the CLI. The current branch is the repository's
`HEAD`, shared with the CLI: `repo.checkout()` moves it for every user, as `dl checkout` does.
Inside `repo.sql`, as in Dolt's SQL sessions, `CALL dolt_checkout(...)` switches the branch of
that SQL session only (the statements that follow in `repo.sql` run on it); `HEAD` stays.
"""
from __future__ import annotations

import datetime
import os
import re
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from dl.api.errors import guard
from dl.core.errors import DlError, NotARepository, NotFound, StoreError, UsageError
from dl.core.repo import Author, Repository, Status, find_repository
from dl.home import global_config_path

if TYPE_CHECKING:
    import pyarrow as pa

    from dl.api.history import MergeOutcome
    from dl.api.results import Result
    from dl.core.maintenance.fsck import FsckReport
    from dl.core.maintenance.gc import GcResult
    from dl.core.tables.importer import ImportResult
    from dl.core.tables.schema import TableSchema
    from dl.sql.session import Session

_AUTHOR = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>]*)>\s*$")


@guard
def init(path: str | os.PathLike[str] = ".", *, branch: str | None = None,
         name: str | None = None, email: str | None = None) -> Repo:
    """Creates a repository (`.dl/`) in the directory `path` (made if missing, as `git init
    DIR` does) and opens it.

    >>> repo = dl.init("data", name="Ada", email="ada@example.com")"""
    from dl.core.config import Config
    from dl.core.repo import CONFIG_FILE, DL_DIR, require_author
    directory = _directory(path)
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} is a file, not a directory")
    made = _make_directory(directory)
    try:
        config = Config(global_config_path(), directory / DL_DIR / CONFIG_FILE)
        # the first commit needs an author, as Dolt's init does: refuse before writing anything
        author = require_author(name or config.get("user.name"), email or config.get("user.email"))
        first = branch or config.get("init.defaultbranch") or "main"
        core = Repository.init(directory, global_config=global_config_path(), branch=first, author=author)
    except BaseException:
        if made is not None:  # a failed init leaves no directory behind
            shutil.rmtree(made, ignore_errors=True)
        raise
    if name:
        core.config.repo_file.set("user.name", name)
    if email:
        core.config.repo_file.set("user.email", email)
    return Repo(core)


def _make_directory(directory: Path) -> Path | None:
    """Makes `directory` with its missing parents; returns the topmost one made (None if it
    existed), so a failure can remove exactly what was made."""
    if directory.exists():
        return None
    top = directory.absolute()
    while not top.parent.exists():
        top = top.parent
    try:
        directory.mkdir(parents=True)
    except OSError as exc:
        raise StoreError(f"cannot create {directory}: {exc.strerror or exc}") from None
    return top


@guard
def open(path: str | os.PathLike[str] = ".", *, readonly: bool = False) -> Repo:
    """Opens the repository at `path` or its nearest parent holding `.dl/` (as git and the CLI
    find theirs); `NotARepository` if there is none. `readonly` refuses every write.

    >>> with dl.open("data") as repo: ..."""
    directory = _directory(path)
    if not directory.is_dir():  # a typo must not open a repository further up
        raise NotARepository(str(directory), "no such directory")
    found = find_repository(directory)
    return Repo(Repository.open(found, global_config=global_config_path(), readonly=readonly))


def _directory(path: str | os.PathLike[str]) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise UsageError(f"a path is a str or os.PathLike, not {type(path).__name__}")
    return Path(path)


def _identity(value: str | tuple[str, str], label: str) -> Author:
    """An author or committer given as "Name <email>" or (name, email)."""
    if isinstance(value, tuple) and len(value) == 2:
        return Author(_name(value[0], label), _name(value[1], f"{label} e-mail"))
    return parse_author(value, label)


def parse_author(text: str, label: str = "author") -> Author:
    """`Name <email>` as an Author; a usage error naming `label` for anything else."""
    match = _AUTHOR.match(text) if isinstance(text, str) else None
    if not match or not match.group("name") or not match.group("email"):
        raise UsageError(f'{label} must look like "Name <email>", got {text!r}')
    return Author(match.group("name"), match.group("email"))


def parse_date(text: str | float | datetime.datetime, label: str = "date") -> float:
    """An ISO 8601 date or time (local time unless it names a zone), a datetime or epoch
    seconds, as epoch seconds."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    try:
        moment = text if isinstance(text, datetime.datetime) else \
            datetime.datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise UsageError(f"{label} must be ISO 8601 (2024-05-01 or 2024-05-01T12:00:00), "
                         f"got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.timestamp()


def _names(values: tuple[Any, ...] | list[Any], what: str) -> list[str]:
    for value in values:
        if not isinstance(value, str):
            raise UsageError(f"a {what} name is a str, not {type(value).__name__}")
    return list(values)


def _name(value: Any, what: str) -> str:
    return _names([value], what)[0]


class Repo:
    """An open repository (see the module docstring); close it, or use it in a `with`."""

    def __init__(self, core: Repository) -> None:
        self.core = core  # the plumbing (dl.core.repo.Repository), for what the porcelain lacks
        from dl.sql import check_eval
        check_eval.install()  # merges and imports evaluate CHECK constraints through the SQL layer
        self._thread = threading.get_ident()
        self._session: Session | None = None
        self._closed = False

    # --- lifetime -------------------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        """The directory holding `.dl/`."""
        return self.core.directory

    def close(self) -> None:
        """Closes the SQL session and the store; later calls raise `dl.Error`."""
        if self._closed:
            return
        self._closed = True
        if self._session is not None:
            self._session.close()
        self.core.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<dl.Repo {str(self.path)!r}{' closed' if self._closed else ''}>"

    def _live(self) -> Repository:
        if self._closed:
            raise DlError("this Repo is closed; open it again with dl.open()")
        if threading.get_ident() != self._thread:
            raise DlError("a Repo belongs to the thread that opened it; open one Repo per thread")
        return self.core

    # --- reading --------------------------------------------------------------------------

    @guard
    def sql(self, query: str, *, dialect: str = "duckdb") -> Result:
        """Runs the statements of `query` (separated by `;`) on the working set and returns
        their results; `dialect` is duckdb, mysql, sqlite or postgres. Each statement lands
        atomically; the first that fails raises `SqlError` and writes nothing, while the ones
        before it keep their effects, as in the CLI (wrap a script in BEGIN ... COMMIT to make
        it all or nothing).

        >>> repo.sql("select count(*) from people").fetchall()
        [(4,)]"""
        from dl.api.results import Result
        from dl.sql.session import Session
        core = self._live()
        query = _name(query, "query")
        if self._session is None or self._session.dialect != dialect:
            if self._session is not None and self._session.in_transaction:
                raise UsageError("a transaction is open in another dialect; COMMIT or ROLLBACK it first")
            session = Session(core, dialect=dialect)
            if self._session is not None:
                self._session.close()
            self._session = session
        return Result(self._session.run(query))

    @guard
    def table(self, name: str, *, rev: str = "WORKING") -> pa.Table:
        """The rows of table `name` at revision `rev` (a branch, tag, hash, HEAD~n, WORKING,
        STAGED), keyed tables in key order."""
        return self._live().table(_name(name, "table"), _name(rev, "revision")).scan()

    @guard
    def index_entries(self, table: str, index: str, *, rev: str = "WORKING") -> pa.Table:
        """The entries of `table`'s secondary index `index` in index order (its columns, then
        the primary key's), as `dl index cat`; `NotFound` for an unknown table or index."""
        found = self._live().table(_name(table, "table"), _name(rev, "revision"))
        if found.schema.index(_name(index, "index")) is None:
            raise NotFound("index", index, message=f"The index `{index}` does not exist on table `{table}`.")
        return found.index_entries(index)

    @guard
    def tables(self, rev: str = "WORKING") -> list[str]:
        """The names of the tables at `rev`, sorted."""
        core = self._live()
        return core.tables_in(core.resolve_root(_name(rev, "revision")))

    @guard
    def schema(self, name: str, *, rev: str = "WORKING") -> pa.Schema:
        """Table `name`'s columns as an Arrow schema (key and NOT NULL columns not nullable);
        its metadata holds `primary_key`, the key columns comma-separated."""
        schema = self._live().table(_name(name, "table"), _name(rev, "revision")).schema
        return schema.arrow.with_metadata({"primary_key": ",".join(schema.primary_key)})

    # --- writing --------------------------------------------------------------------------

    @guard
    def write(self, name: str, data: Any, *, pk: str | list[str] | None = None,
              mode: str = "create", force: bool = False, schema: TableSchema | None = None,
              file_type: str | None = None, delimiter: str | None = None,
              progress: Callable[[str], None] | None = None, all_text: bool = False,
              skip_bad_rows: bool = False, foreign_key_checks: bool = True) -> ImportResult:
        """Writes `data` (pyarrow Table or RecordBatchReader, any `__arrow_c_stream__` object
        such as a pandas or polars DataFrame or a DuckDB relation, or a file path) into table
        `name` of the working set, as `dl table import` does. `mode`: "create" (a new table
        keyed by `pk`; `force` replaces an existing one), "update" (upsert by key), "replace"
        (the rows become `data`), "append" (fails on keys that exist). Returns the counts
        (`processed`, `added`, `modified`, `unchanged`, `deleted`). `progress`, if given, is
        called with each phase's name as it starts (reading, checking keys, building, writing).
        `all_text` (a file, mode "create") makes every column text; `skip_bad_rows` leaves out the
        rows the table cannot take (bad records, repeated keys, broken constraints) and lists
        them in the result's `skipped`, as `--continue` does; `foreign_key_checks=False` lands
        rows whatever their foreign keys say, as `--disable-fk-checks` does.

        >>> repo.write("people", pa.table({"id": [1], "name": ["Ada"]}), pk="id")"""
        from dl.api.write import write_data
        return write_data(self._live(), _name(name, "table"), data, mode=mode, pk=pk,
                          force=force, schema=schema, file_type=file_type, delimiter=delimiter,
                          progress=progress, all_text=all_text, skip_bad_rows=skip_bad_rows,
                          foreign_key_checks=foreign_key_checks)

    @guard
    def drop(self, *tables: str) -> None:
        """Removes tables from the working set (commit to record it), as `dl table rm`."""
        from dl.api import tables as table_ops
        table_ops.remove(self._live(), _names(tables, "table"))

    @guard
    def copy(self, old: str, new: str, *, force: bool = False) -> None:
        """Copies table `old` to `new` (cheap: they share every chunk), as `dl table cp`."""
        from dl.api import tables as table_ops
        table_ops.copy(self._live(), _name(old, "table"), _name(new, "table"), force=force, keep_old=True)

    @guard
    def rename(self, old: str, new: str, *, force: bool = False) -> None:
        """Renames table `old` to `new`, as `dl table mv`."""
        from dl.api import tables as table_ops
        table_ops.copy(self._live(), _name(old, "table"), _name(new, "table"), force=force, keep_old=False)

    # --- staging and committing -----------------------------------------------------------

    @guard
    def status(self) -> Status:
        """The branch, staged and unstaged tables (name -> added/modified/deleted), the merge
        in progress and the tables with conflicts."""
        return self._live().status()

    @guard
    def add(self, *tables: str, force: bool = False) -> list[str]:
        """Stages `tables` (none, or ".": every changed table); returns the staged names.
        Tables that `dolt_ignore` ignores are skipped unless `force`."""
        names = _names(tables, "table")
        return self._live().add(None if not names or "." in names else names, force=force)

    @guard
    def commit(self, message: str, *, all: bool = False, author: str | tuple[str, str] | None = None,
               allow_empty: bool = False, amend: bool = False,
               date: str | float | datetime.datetime | None = None, include_new: bool = False,
               force: bool = False, committer: str | tuple[str, str] | None = None,
               commit_date: str | float | datetime.datetime | None = None) -> str:
        """Commits the staged tables (with `all`, changed tables first; with `include_new`,
        new ones too) on the current branch; returns the commit's hash. `author` and
        `committer` are "Name <email>" or (name, email) (default, each: user.name and
        user.email of the config); `date` (the author's time) and `commit_date` are ISO 8601
        text, a datetime or epoch seconds (default: now, and the author's time). `force`
        commits despite a merge's unresolved conflicts or constraint violations."""
        core = self._live()
        message = _name(message, "message")
        who = _identity(author, "author") if author is not None else None
        by = _identity(committer, "committer") if committer is not None else None
        when = parse_date(date) if date is not None else None
        committed = parse_date(commit_date) if commit_date is not None else None
        return core.commit(message, stage_all=all, include_new=include_new, allow_empty=allow_empty,
                           amend=amend, author=who, timestamp=when, force=force, committer=by,
                           commit_timestamp=committed).hex

    @guard
    def log(self, rev: str = "HEAD", *, limit: int | None = None) -> pa.Table:
        """The history from `rev`, newest first, with dolt_log's columns (commit_hash,
        committer, email, date, message, commit_order)."""
        from dl.api.history import log_table
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise UsageError(f"limit is a count of commits, not {limit!r}")
        return log_table(self._live(), _name(rev, "revision"), limit)

    @guard
    def blame(self, table: str, rev: str = "HEAD") -> pa.Table:
        """Per row of `table` at `rev`: its key columns and the commit, commit_date, committer,
        email and message that last changed it (dolt_blame_<table>'s columns)."""
        from dl.core.versioning.blame import blame
        return blame(self._live(), _name(table, "table"), _name(rev, "revision"))

    @guard
    def diff(self, from_rev: str, to_rev: str = "WORKING", table: str | None = None) -> pa.Table:
        """What changed from `from_rev` to `to_rev`: with `table`, its rows with dolt_diff()'s
        columns (to_*, from_*, diff_type); without, one row per changed table with
        dolt_diff_summary()'s columns."""
        from dl.api.history import diff_table
        return diff_table(self._live(), _name(from_rev, "revision"), _name(to_rev, "revision"),
                          None if table is None else _name(table, "table"))

    # --- branches and tags ----------------------------------------------------------------

    @guard
    def active_branch(self) -> str:
        """The current branch (the repository's HEAD)."""
        return self._live().current_branch()

    @guard
    def branches(self) -> dict[str, str]:
        """Every branch and the hash of its head commit."""
        return {name: address.hex for name, address in sorted(self._live().branches().items())}

    @guard
    def branch(self, name: str, start: str = "HEAD", *, force: bool = False) -> str:
        """Creates branch `name` at `start`; returns the commit hash. `force` moves an existing one."""
        return self._live().create_branch(_name(name, "branch"), _name(start, "revision"), force=force).hex

    @guard
    def delete_branch(self, name: str, *, force: bool = False) -> str:
        """Deletes branch `name` (unless unmerged, without `force`); returns its last hash."""
        core = self._live()
        head = core.branch_head(_name(name, "branch"))
        core.delete_branch(name, force=force)
        return head.hex

    @guard
    def rename_branch(self, old: str, new: str, *, copy: bool = False, force: bool = False) -> None:
        """Renames (or with `copy`, copies) branch `old` to `new`."""
        self._live().rename_branch(_name(old, "branch"), _name(new, "branch"), copy=copy, force=force)

    @guard
    def checkout(self, branch: str, *, new: bool = False, start: str = "HEAD", force: bool = False,
                 overwrite_ignored: bool = True) -> None:
        """Switches to `branch`, carrying uncommitted changes it would not overwrite; with
        `new`, creates it at `start` first (`force`: resetting an existing one), as
        `dl checkout -b`. Without `new`, `force` switches even where local changes would be
        overwritten, discarding them (`dl checkout -f`). `overwrite_ignored=False` refuses a
        switch that would overwrite tables dolt_ignore ignores (`--no-overwrite-ignore`)."""
        core = self._live()
        name = _name(branch, "branch")
        if not new:
            core.checkout(name, force=force, overwrite_ignored=overwrite_ignored)
            return
        existed = name in core.branches()
        core.create_branch(name, _name(start, "revision"), force=force)
        try:
            core.checkout(name, overwrite_ignored=overwrite_ignored)
        except BaseException:
            if not existed:  # the switch failed: do not leave the new branch behind
                core.delete_branch(name, force=True)
            raise

    @guard
    def checkout_tables(self, *tables: str, rev: str | None = None) -> None:
        """Discards the working changes of `tables` (back to their staged state); with `rev`,
        sets them, staged and working, to their value at that revision (`dl checkout REV -- T`)."""
        if rev is None:
            self._live().checkout_tables(_names(tables, "table"))
        else:
            self._live().checkout_tables_from(_name(rev, "revision"), _names(tables, "table"))

    @guard
    def tags(self) -> dict[str, str]:
        """Every tag and the hash of the commit it names."""
        return {name: tag.commit.hex for name, tag in sorted(self._live().tags().items())}

    @guard
    def tag(self, name: str, rev: str = "HEAD", *, message: str = "") -> str:
        """Tags the commit `rev` names; returns that commit's hash."""
        core = self._live()
        core.create_tag(_name(name, "tag"), _name(rev, "revision"), _name(message, "message"))
        return core.resolve_commit(rev).hex

    @guard
    def delete_tag(self, name: str) -> None:
        """Deletes tag `name`."""
        self._live().delete_tag(_name(name, "tag"))

    # --- moving a branch ------------------------------------------------------------------

    @guard
    def reset(self, rev: str = "HEAD", *, hard: bool = False, soft: bool = False) -> str:
        """Moves the current branch to `rev`: `hard` resets the working and staged tables too
        (losing changes), `soft` keeps both, default (mixed) resets the staged ones. Returns
        the commit's hash."""
        if hard and soft:
            raise UsageError("give hard or soft, not both")
        return self._live().reset(_name(rev, "revision"), hard=hard, soft=soft).hex

    @guard
    def reset_tables(self, *tables: str) -> None:
        """Unstages `tables` (none: every table), as `dl reset TABLE...`."""
        names = _names(tables, "table")
        self._live().reset_tables(names or None)

    @guard
    def merge(self, rev: str, *, no_ff: bool = False, squash: bool = False,
              message: str | None = None, no_commit: bool = False, author: str | None = None,
              date: str | float | datetime.datetime | None = None, merge_json: bool = True) -> MergeOutcome:
        """Merges `rev` into the current branch (fast-forward when possible, else three-way,
        cell by cell). Conflicts are not an error: they come back in `.conflicts` and stay in
        the working set (see `conflicts()`, `resolve()`, `merge_abort()`). `no_commit` stages
        the merged tables and leaves the merge in progress: the next `commit` has both parents.
        `author` ("Name <email>") and `date` (as for `commit`) are the merge commit's. A JSON
        cell both sides changed merges key by key unless not `merge_json` (then it conflicts)."""
        from dl.api.history import merge_outcome
        from dl.core.versioning.merge_commits import merge
        who = parse_author(author) if author is not None else None
        when = parse_date(date) if date is not None else None
        return merge_outcome(merge(self._live(), _name(rev, "revision"), no_ff=no_ff, squash=squash,
                                   message=None if message is None else _name(message, "message"),
                                   no_commit=no_commit, author=who, timestamp=when, merge_json=merge_json))

    @guard
    def merge_abort(self) -> None:
        """Gives up a merge (or cherry-pick) in progress, restoring the state before it."""
        from dl.core.versioning.merge_commits import abort_merge
        abort_merge(self._live())

    @guard
    def merge_base(self, a: str, b: str) -> str | None:
        """The hash of the best common ancestor of two revisions (None if unrelated)."""
        base = self._live().merge_base(_name(a, "revision"), _name(b, "revision"))
        return base.hex if base else None

    @guard
    def conflicts(self, table: str) -> pa.Table:
        """The conflicting rows of `table` with dolt_conflicts_<table>'s columns (base_*,
        our_*, their_*, our_diff_type, their_diff_type, dolt_conflict_id)."""
        import pyarrow as pa

        from dl.core.versioning.merge_commits import conflicts_of
        found = conflicts_of(self._live(), _name(table, "table"))
        return found.get(table, pa.table({}))

    @guard
    def resolve(self, *tables: str, theirs: bool = False) -> None:
        """Resolves every conflict of `tables` with our rows (or `theirs`)."""
        from dl.core.versioning.merge_commits import resolve_conflicts
        if not tables:
            raise UsageError("name the tables whose conflicts to resolve")
        resolve_conflicts(self._live(), _names(tables, "table"), theirs=theirs)

    @guard
    def cherry_pick(self, rev: str, *, allow_empty: bool = False, merge_json: bool = True,
                    committer: str | tuple[str, str] | None = None,
                    commit_date: str | float | datetime.datetime | None = None) -> MergeOutcome:
        """Applies the change commit `rev` made and commits it with its message, author and
        author's time (a commit that changed nothing only with `allow_empty`; `merge_json` as
        for `merge`). `committer` ("Name <email>" or (name, email); default: the configured
        user) commits it at `commit_date` (as for `commit`; default: now)."""
        from dl.api.history import merge_outcome
        from dl.core.versioning.merge_commits import cherry_pick
        by = _identity(committer, "committer") if committer is not None else None
        at = parse_date(commit_date) if commit_date is not None else None
        return merge_outcome(cherry_pick(self._live(), _name(rev, "revision"), allow_empty=allow_empty,
                                         merge_json=merge_json, committer=by, commit_timestamp=at))

    @guard
    def revert(self, *revs: str, author: str | None = None) -> MergeOutcome:
        """Commits the inverse of each of the commits `revs`, one commit each, in the order
        given (as Dolt does); `author` is "Name <email>" (default: the configured user). A
        revert that conflicts stops the series: resolve, then `revert_continue()`, or
        `revert_abort()` to go back to where the series started."""
        from dl.api.history import merge_outcome
        from dl.core.versioning.revert import revert
        who = parse_author(author) if author is not None else None
        return merge_outcome(revert(self._live(), _names(revs, "revision"), author=who))

    @guard
    def revert_continue(self, *, author: str | None = None) -> MergeOutcome:
        """Commits a stopped revert whose conflicts are resolved, then reverts the rest."""
        from dl.api.history import merge_outcome
        from dl.core.versioning.revert import continue_revert
        who = parse_author(author) if author is not None else None
        return merge_outcome(continue_revert(self._live(), author=who))

    @guard
    def revert_abort(self) -> None:
        """Gives up a stopped revert: the branch and working set as before the series."""
        from dl.core.versioning.revert import abort_revert
        abort_revert(self._live())

    # --- setting work aside, and keeping the store healthy --------------------------------

    @guard
    def stash(self, message: str | None = None, *, include_untracked: bool = False,
              include_ignored: bool = False) -> str:
        """Sets the uncommitted changes aside and resets the working set to HEAD, as
        `dl stash`; returns the stash's message. New tables not staged stay unless
        `include_untracked` (`-u`), those dolt_ignore ignores unless `include_ignored` (`-a`)."""
        from dl.core.versioning.stash import stash
        return stash(self._live(), None if message is None else _name(message, "message"),
                     include_untracked=include_untracked, include_ignored=include_ignored).message

    @guard
    def stash_list(self) -> list[str]:
        """The stashes' messages, newest first (index 0 is `stash@{0}`)."""
        from dl.core.versioning.stash import list_stashes
        return [entry.message for _, entry in list_stashes(self._live())]

    @guard
    def stash_pop(self, index: int = 0) -> str:
        """Re-applies stash `index` and drops it; returns its message."""
        from dl.core.versioning.stash import pop
        return pop(self._live(), _index(index)).message

    @guard
    def stash_drop(self, index: int = 0) -> str:
        """Deletes stash `index` without applying it; returns its message."""
        from dl.core.versioning.stash import drop
        return drop(self._live(), _index(index)).message

    @guard
    def stash_clear(self) -> int:
        """Deletes every stash; returns how many there were."""
        from dl.core.versioning.stash import clear
        return clear(self._live())

    @guard
    def fsck(self, *, quick: bool = False) -> FsckReport:
        """Checks everything reachable (every chunk present, hashing to its address and
        decoding; the commit graph; tree counts and key order), as `dl fsck`; the report's
        `problems` lists one line per problem (`ok` when none)."""
        from dl.core.maintenance.fsck import fsck
        return fsck(self._live().store, quick=quick)

    @guard
    def gc(self, *, progress: Callable[[str], None] | None = None) -> GcResult:
        """Deletes chunks nothing reachable refers to and compacts the store, as `dl gc`;
        safe beside running writers. `progress` is called with each phase's name."""
        from dl.core.maintenance.gc import collect_garbage
        return collect_garbage(self._live().store, progress)


def _index(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise UsageError(f"a stash index is an int, not {type(value).__name__}")
    return value


@guard
def clone(url: str, path: str | os.PathLike[str] | None = None, *, branch: str | None = None,
          remote: str = "origin", endpoint: str | None = None, depth: int | None = None,
          single_branch: bool = False) -> Repo:
    """Clones the remote at `url` (a directory, `file://`, another repository's directory or
    `s3://bucket/prefix`) into `path` (default: the URL's last part, as git does) and opens the
    clone: every branch as a remote-tracking branch (`origin/main`), `branch` (default: the
    remote's current one) checked out and tracking it; with `depth`, a shallow clone of that
    branch's last `depth` generations of commits; with `single_branch`, only that branch.
    A failed clone leaves nothing behind.

    >>> repo = dl.clone("s3://bucket/team/people", "people", endpoint="http://127.0.0.1:9000")"""
    from dl.core.remotes.clone import clone as clone_remote
    if not isinstance(url, str) or not url.strip():
        raise UsageError("a remote URL is a non-empty str")
    target = _directory(path) if path is not None else Path(url.rstrip("/").rsplit("/", 1)[-1] or "repo")
    source = url if "://" in url else str(Path(url).expanduser().resolve())
    if depth is not None and (not isinstance(depth, int) or isinstance(depth, bool)):
        raise UsageError(f"depth is an int, not {type(depth).__name__}")
    done = clone_remote(source, target, branch=branch, remote_name=remote,
                        params={"endpoint": endpoint} if endpoint else None, depth=depth,
                        single_branch=bool(single_branch))
    return Repo(Repository.open(done.directory, global_config=global_config_path()))
