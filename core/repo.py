"""The repository: the facade the CLI, the SQL layer and notebook users call.

It owns a store (`.dl/store.db`) and moves refs only by compare-and-swap: every change is
written into a `BufferedStore` first and lands, chunks and ref moves together, in one store
transaction. A lost race is retried from a fresh read where redoing the work is safe
(commits, branch moves, working-set edits made by a function of the current root), else it
surfaces as `ConcurrentUpdate`.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from dl.core.config import Config, check_config_text
from dl.core.errors import (
    AlreadyExists,
    BadInput,
    CheckoutWouldOverwrite,
    CheckoutWouldOverwriteIgnored,
    Conflict,
    ConcurrentUpdate,
    DlError,
    InvalidName,
    MergeConflict,
    MissingChunk,
    NotARepository,
    NotFound,
    StoreError,
    UniqueViolation,
)
from dl.core.hashing import Address
from dl.core.names import check_ref_name, check_table_name
from dl.core.store.base import ChunkStore, RefUpdate
from dl.core.store.buffered import BufferedStore
from dl.core.versioning.commit import Commit, Tag, merge_bases, walk_history
from dl.core.versioning.ignore import IGNORE_TABLE, Pattern, is_ignored, patterns_of, split_ignored
from dl.core.versioning.refs import (
    BRANCH_PREFIX,
    HEAD,
    REMOTE_PREFIX,
    TAG_PREFIX,
    branch_ref,
    ref_address,
    tag_ref,
    working_set_ref,
)
from dl.core.versioning.revisions import Revision, parse_revision
from dl.core.versioning.root import RootValue
from dl.core.versioning.shallow import BeyondShallow
from dl.core.versioning.workingset import WorkingSet

if TYPE_CHECKING:
    from dl.core.tables.table import Table, TableValue

DL_DIR = ".dl"
STORE_FILE = "store.db"
CONFIG_FILE = "config.json"
DEFAULT_BRANCH = "main"
INIT_MESSAGE = "Initialize data repository"
RETRIES = 20
_V = TypeVar("_V")


@dataclass(frozen=True)
class Author:
    """Who made a commit or tag; no control characters (they would forge lines in `dl log`)."""

    name: str
    email: str

    def __post_init__(self) -> None:
        check_config_text("an author name", self.name)
        check_config_text("an author email", self.email)


@dataclass(frozen=True)
class Status:
    """What `dl status` reports."""

    branch: str
    staged: dict[str, str]  # table -> added / modified / deleted (staged vs HEAD)
    unstaged: dict[str, str]  # table -> ... (working vs staged)
    merging: str | None  # hex of the commit being merged, if a merge is in progress
    conflicts: list[str]  # tables with unresolved conflicts
    violations: list[str] = field(default_factory=list)  # tables with unresolved constraint violations
    ignored: list[str] = field(default_factory=list)  # new tables dolt_ignore ignores (not in unstaged)
    ignore_conflicts: list[str] = field(default_factory=list)  # new tables its patterns disagree about
    renamed: dict[str, str] = field(default_factory=dict)  # staged renames: new name -> old name
    schema_conflicts: list[str] = field(default_factory=list)  # tables whose schemas the merge could not combine


def authored_commit(root: Address, parents: tuple[Address, ...], author: Author, timestamp: float, message: str,
                    height: int, committer: Author | None = None, commit_timestamp: float | None = None) -> Commit:
    """A commit by `author`; `committer` and `commit_timestamp` are recorded only where they
    differ from the author's (a commit made by its author encodes as it always did)."""
    by = committer if committer is not None and committer != author else None
    at = commit_timestamp if commit_timestamp is not None and commit_timestamp != timestamp else None
    return Commit(root, parents, author.name, author.email, timestamp, message, height,
                  by.name if by else None, by.email if by else None, at)


def branch_exists(name: str) -> AlreadyExists:
    """A taken branch name, in Dolt's words (its CLI and procedures say the same)."""
    return AlreadyExists("branch", name, f"fatal: A branch named '{name}' already exists.")


def _refuse_empty_branch_names(*names: str) -> None:
    """Dolt's words for an empty name where `branch` (create, -m, -c) takes one."""
    if "" in names:
        raise BadInput("cannot branch empty string")


def find_repository(start: Path) -> Path:
    """The directory holding `.dl/`, searching `start` and its parents, as git does."""
    here = start.resolve()
    for candidate in (here, *here.parents):
        if (candidate / DL_DIR / STORE_FILE).is_file():
            return candidate
    raise NotARepository(str(start), "run `dl init` to create one, or use --data-dir")


def require_author(name: str | None, email: str | None) -> Author:
    """The author `name <email>`; when either is missing, a clear error saying how to set it
    (commit and init both need one, as in Dolt, whose refusal opens "Author identity unknown")."""
    if not name or not email:
        missing = "user.name" if not name else "user.email"
        raise DlError(f"Author identity unknown: {missing} is not set; run: dl config --global --add {missing} "
                      f"\"{'Your Name' if missing == 'user.name' else 'you@example.com'}\"")
    return Author(name, email)


class Repository:
    """A dl repository on disk (or over any chunk store, for tests)."""

    def __init__(self, store: ChunkStore, config: Config, directory: Path | None = None) -> None:
        self.store = store
        self.config = config
        self.directory = directory
        self._decoded = DecodedValues()
        self._branch_override: str | None = None  # `dl --branch NAME ...`: this process's branch

    # --- opening ---------------------------------------------------------------------

    @classmethod
    def init(cls, directory: Path, *, global_config: Path | None = None,
             branch: str = DEFAULT_BRANCH, author: Author | None = None) -> Repository:
        """Creates `.dl/` in `directory` with `branch` and an initial empty commit."""
        from dl.core.store.sqlite import SqliteStore
        dl_dir = directory / DL_DIR
        if (dl_dir / STORE_FILE).exists():
            raise AlreadyExists("repository", str(dl_dir))
        check_ref_name("branch", branch)
        config = Config(global_config, dl_dir / CONFIG_FILE)
        author = author or _configured_or_default(config)  # a bad user.name fails before .dl exists
        if (dl_dir.exists() or dl_dir.is_symlink()) and not dl_dir.is_dir():
            raise StoreError(f"{dl_dir} exists and is not a directory: move it away to make a repository here")
        try:
            dl_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {dl_dir}: {exc.strerror or exc}") from None
        store = SqliteStore(dl_dir / STORE_FILE, create=True)
        repo = cls(store, config, directory)
        repo._create_initial_commit(branch, author)
        return repo

    @classmethod
    def open(cls, directory: Path, *, global_config: Path | None = None,
             readonly: bool = False) -> Repository:
        from dl.core.store.sqlite import SqliteStore
        dl_dir = directory / DL_DIR
        store = SqliteStore(dl_dir / STORE_FILE, readonly=readonly)
        return cls(store, Config(global_config, dl_dir / CONFIG_FILE), directory)

    @classmethod
    def in_memory(cls, branch: str = DEFAULT_BRANCH) -> Repository:
        """A repository over a memory store (tests, notebooks)."""
        from dl.core.store.memory import MemoryStore
        repo = cls(MemoryStore(), Config(None, None))
        repo._create_initial_commit(branch, Author("dl", "dl@localhost"))
        return repo

    @property
    def dl_dir(self) -> Path | None:
        """The `.dl` folder of a repository on disk (None in memory): only dl writes there."""
        return None if self.directory is None else self.directory / DL_DIR

    def close(self) -> None:
        self.store.close()

    def _create_initial_commit(self, branch: str, author: Author) -> None:
        buffer = BufferedStore(self.store)
        root = self.put_root(buffer, RootValue())
        commit = Commit(root, (), author.name, author.email, time.time(), INIT_MESSAGE, 1)
        address = self._put(buffer, commit.encode())
        ws = self._put(buffer, WorkingSet(root, root).encode())
        ok = buffer.flush([RefUpdate(HEAD, branch_ref(branch), None),
                           RefUpdate(branch_ref(branch), address.hex, None),
                           RefUpdate(working_set_ref(branch), ws.hex, None)])
        if not ok:
            raise AlreadyExists("repository", str(self.directory))

    # --- authors ---------------------------------------------------------------------

    def author(self) -> Author:
        """The configured author; a clear error saying how to set it when missing."""
        return require_author(self.config.get("user.name"), self.config.get("user.email"))

    def _author_or_default(self) -> Author:
        return _configured_or_default(self.config)

    # --- chunks and values -----------------------------------------------------------

    @staticmethod
    def _put(store: ChunkStore, data: bytes) -> Address:
        from dl.core.hashing import address_of
        address = address_of(data)
        store.put_many({address: data})
        return address

    def put_root(self, store: ChunkStore, root: RootValue) -> Address:
        return self._put(store, root.encode())

    def load_commit(self, address: Address) -> Commit:
        """The commit at `address`; `BeyondShallow` if it is a parent the shallow boundary
        cut off (history walks stop there), `MissingChunk` if it is absent otherwise."""
        try:
            return Commit.decode(self.store.get(address), address)
        except MissingChunk:
            if self.is_ghost(address):
                raise BeyondShallow(address.hex) from None
            raise

    def present_parents(self, address: Address, commit: Commit) -> tuple[Address, ...]:
        """The parents of commit `address` that the repository has: all of them, but for a
        shallow clone's boundary commit, whose parents were cut off."""
        from dl.core.versioning.shallow import shallow_ref
        if not commit.parents or self.store.get_ref(shallow_ref(address)) is None:
            return commit.parents
        held = self.store.has_many(commit.parents)
        return tuple(p for p in commit.parents if p in held)

    def is_ghost(self, address: Address) -> bool:
        """Whether `address` is a parent of a shallow-boundary commit that the store lacks."""
        from dl.core.versioning.shallow import boundary
        edge = boundary(self.store)
        return any(address in Commit.decode(self.store.get(b), b).parents for b in edge) \
            and not self.store.has_many([address])

    def remember(self, address: Address, value: WorkingSet | RootValue | TableValue) -> None:
        """Keeps a value this process just stored under `address` decoded, so that the next
        read of it (the next statement's working set, root, table) skips the store and the
        decoding. The caller vouches that `address` is the address of `value`'s encoding."""
        self._decoded.put(address, type(value), value)

    def load_root(self, address: Address, store: ChunkStore | None = None) -> RootValue:
        return self._decoded.get(address, RootValue, lambda: RootValue.decode((store or self.store).get(address),
                                                                                 address))

    def load_table_value(self, address: Address, store: ChunkStore | None = None) -> TableValue:
        from dl.core.tables.table import TableValue
        return self._decoded.get(address, TableValue,
                                 lambda: TableValue.decode((store or self.store).get(address), address))

    def table_in(self, root: RootValue, name: str, store: ChunkStore | None = None) -> Table:
        """The table `name` of `root`; `NotFound` naming it when absent."""
        from dl.core.tables.table import Table
        address = root.tables.get(name)
        if address is None:
            raise NotFound("table", name)
        return Table(store or self.store, self.load_table_value(address, store))

    def tables_in(self, root: RootValue) -> list[str]:
        return sorted(root.tables)

    # --- refs ------------------------------------------------------------------------

    def use_branch(self, branch: str) -> None:
        """Makes `branch` this process's current branch without moving HEAD (Dolt's global
        `--branch NAME`): commands read and write it as if it were checked out."""
        self.branch_head(branch)  # NotFound for a missing branch
        self._branch_override = branch

    def current_branch(self) -> str:
        if self._branch_override is not None:
            return self._branch_override
        value = self.store.get_ref(HEAD)
        if not value or not value.startswith(BRANCH_PREFIX):
            raise StoreError(f"HEAD does not name a branch ({value!r})")
        return value[len(BRANCH_PREFIX):]

    def branches(self) -> dict[str, Address]:
        refs = self.store.list_refs(BRANCH_PREFIX)
        return {name[len(BRANCH_PREFIX):]: ref_address(name, v) for name, v in refs.items()}  # type: ignore[misc]

    def branch_head(self, branch: str) -> Address:
        address = ref_address(branch_ref(branch), self.store.get_ref(branch_ref(branch)))
        if address is None:
            raise NotFound("branch", branch)
        return address

    def tags(self) -> dict[str, Tag]:
        out = {}
        for name, value in self.store.list_refs(TAG_PREFIX).items():
            address = ref_address(name, value)
            out[name[len(TAG_PREFIX):]] = Tag.decode(self.store.get(address), address)  # type: ignore[arg-type]
        return out

    def working_set(self, branch: str | None = None) -> tuple[Address, WorkingSet]:
        """The branch's working set and its address (the CAS token for changing it)."""
        branch = branch or self.current_branch()
        ref = working_set_ref(branch)
        address = ref_address(ref, self.store.get_ref(ref))
        if address is None:
            head = self.load_commit(self.branch_head(branch))
            return Address(b"\0" * 20), WorkingSet(head.root, head.root)
        return address, self._decoded.get(address, WorkingSet,
                                           lambda: WorkingSet.decode(self.store.get(address), address))

    # --- revisions -------------------------------------------------------------------

    def resolve_commit(self, text: str) -> Address:
        """The commit a revision names (`main`, `v1`, `HEAD~2`, `abc123`...)."""
        revision = parse_revision(text)
        if revision.base in ("WORKING", "STAGED"):
            raise DlError(f"{revision.base} is not a commit")
        address = self._resolve_base(revision)
        found = self._walk_steps(address, revision, text)
        if revision.steps:
            self.load_commit(found)  # beyond a shallow boundary: say so here, not later
        return found

    def resolve_root(self, text: str) -> RootValue:
        """The root value a revision names, including `WORKING` and `STAGED`."""
        return self.load_root(self.resolve_root_address(text))

    def resolve_root_address(self, text: str) -> Address:
        revision = parse_revision(text)
        if revision.base in ("WORKING", "STAGED") and not revision.steps:
            _, ws = self.working_set()
            return ws.working if revision.base == "WORKING" else ws.staged
        return self.load_commit(self.resolve_commit(text)).root

    def _resolve_base(self, revision: Revision) -> Address:
        base = revision.base
        if base == "HEAD":
            return self.branch_head(self.current_branch())
        head = self.store.get_ref(branch_ref(base))
        if head is not None:
            return ref_address(branch_ref(base), head)  # type: ignore[return-value]
        tag = self.store.get_ref(tag_ref(base))
        if tag is not None:
            address = ref_address(tag_ref(base), tag)
            return Tag.decode(self.store.get(address), address).commit  # type: ignore[arg-type]
        tracking = self._remote_tracking(base)
        if tracking is not None:
            return tracking
        return self._resolve_prefix(base)

    def _remote_tracking(self, base: str) -> Address | None:
        """`origin/main` (or `remotes/origin/main`, `refs/remotes/origin/main`): a remote-tracking
        branch, if there is one."""
        short = base[len(REMOTE_PREFIX):] if base.startswith(REMOTE_PREFIX) else base.removeprefix("remotes/")
        name = REMOTE_PREFIX + short
        return ref_address(name, self.store.get_ref(name)) if "/" in base else None

    def _resolve_prefix(self, text: str) -> Address:
        from dl.core.hashing import HEX_LENGTH, is_hex_prefix
        if not is_hex_prefix(text):
            raise NotFound("revision", text, "give a branch, tag, commit hash, HEAD, HEAD~n")
        matches = {a for a, _ in self.iter_all_commits() if a.hex.startswith(text.lower())}
        if not matches and len(text) == HEX_LENGTH and self.is_ghost(Address.parse(text)):
            raise BeyondShallow(text.lower())
        if not matches:
            raise NotFound("revision", text)
        if len(matches) > 1:
            raise DlError(f"ambiguous revision {text}: matches {len(matches)} commits")
        return matches.pop()

    def _walk_steps(self, address: Address, revision: Revision, text: str) -> Address:
        for kind, n in revision.steps:
            commit = self.load_commit(address)
            if kind == "^":
                if n == 0:
                    continue
                if len(commit.parents) < n:
                    raise NotFound("revision", text, "that commit has no such parent")
                address = commit.parents[n - 1]
            else:
                for _ in range(n):
                    commit = self.load_commit(address)
                    if not commit.parents:
                        raise NotFound("revision", text, "history is not that long")
                    address = commit.parents[0]
        return address

    def iter_all_commits(self) -> Iterator[tuple[Address, Commit]]:
        """Every commit reachable from a branch or tag, newest first."""
        starts = list(self.branches().values()) + [t.commit for t in self.tags().values()]
        starts += [a for n, v in self.store.list_refs(REMOTE_PREFIX).items()
                   if (a := ref_address(n, v)) is not None]
        return walk_history(self.load_commit, starts)

    # --- history ---------------------------------------------------------------------

    def log(self, rev: str = "HEAD", limit: int | None = None) -> list[tuple[Address, Commit]]:
        return list(walk_history(self.load_commit, [self.resolve_commit(rev)], limit))

    def history(self, include: list[str], exclude: list[str] = (), tables: list[str] = (),  # type: ignore[assignment]
                limit: int | None = None, min_parents: int = 0) -> list[tuple[Address, Commit]]:
        """git's `log A ^B -- t`: commits reachable from `include` and not from `exclude`,
        newest first; with `tables`, only the commits that changed one of them against their
        first parent (added, modified or dropped); with `min_parents`, only commits with at
        least that many parents (2: merges)."""
        excluded = {a for a, _ in walk_history(self.load_commit, [self.resolve_commit(r) for r in exclude])}
        out: list[tuple[Address, Commit]] = []
        for address, commit in walk_history(self.load_commit, [self.resolve_commit(r) for r in include]):
            if limit is not None and len(out) >= limit:
                break
            if address in excluded or len(commit.parents) < min_parents or (
                    tables and not self._changes_tables(commit, tables)):
                continue
            out.append((address, commit))
        return out

    def _changes_tables(self, commit: Commit, tables: list[str]) -> bool:
        mine = self.load_root(commit.root).tables
        parent = self.load_root(self.load_commit(commit.parents[0]).root).tables if commit.parents else {}
        return any(mine.get(t) != parent.get(t) for t in tables)

    def merge_base(self, a: str, b: str) -> Address | None:
        """The best common ancestor (on a criss-cross history, of the several best ones the
        highest, ties broken by address: the one a merge starts its virtual base from)."""
        bases = merge_bases(self.load_commit, self.resolve_commit(a), self.resolve_commit(b))
        return min(bases, key=lambda x: (-self.load_commit(x).height, x.raw)) if bases else None

    # --- working-set writes ----------------------------------------------------------

    def update_working(self, change: Callable[[RootValue, BufferedStore], RootValue],
                       branch: str | None = None) -> RootValue:
        """Applies `change` to the working root and lands it by CAS, retrying from a fresh
        read when another writer moved the working set meanwhile."""
        return self.update_working_set(lambda root, buffer, ws, name: change(root, buffer), branch)

    def update_working_set(self, change: Callable[[RootValue, BufferedStore, WorkingSet, str], RootValue],
                           branch: str | None = None) -> RootValue:
        """`update_working`, where `change` is also given the working set and the branch it
        changes (what a SQL statement reads besides the root), read once per attempt."""
        for attempt in range(RETRIES):
            branch_name = branch or self.current_branch()
            ws_address, ws = self.working_set(branch_name)
            buffer = BufferedStore(self.store)
            root = self.load_root(ws.working)
            try:
                new_root = change(root, buffer, ws, branch_name)
            except BaseException:
                buffer.discard()  # and what the store compressed ahead for it (`prepare`)
                raise
            if new_root == root:
                buffer.discard()
                return root
            new_ws = ws.with_working(self.put_root(buffer, new_root))
            if self._land(buffer, [(branch_name, ws_address, new_ws)]):
                return new_root
            _backoff(attempt)
        raise ConcurrentUpdate(working_set_ref(branch or self.current_branch()))

    def write_working_set(self, branch: str, expected: Address, ws: WorkingSet,
                          buffer: BufferedStore, extra: list[RefUpdate] | None = None) -> bool:
        """Lands a working set computed from the one at `expected` (False if it moved)."""
        return self._land(buffer, [(branch, expected, ws)], extra)

    def _land(self, buffer: BufferedStore, sets: list[tuple[str, Address, WorkingSet]],
              extra: list[RefUpdate] | None = None) -> bool:
        updates = list(extra or [])
        for branch, expected, ws in sets:
            address = self._put(buffer, ws.encode())
            old = None if expected == Address(b"\0" * 20) else expected.hex
            updates.append(RefUpdate(working_set_ref(branch), address.hex, old))
        ok = buffer.flush(updates)
        if not ok:
            buffer.discard()
        return ok

    # --- staging and committing ------------------------------------------------------

    def add(self, tables: list[str] | None, *, force: bool = False) -> list[str]:
        """Stages the working state of `tables` (None: every changed table); returns them.
        Tables `dolt_ignore` ignores are left out unless `force` (core.versioning.ignore)."""
        staged: list[str] = []

        def attempt() -> bool:
            branch = self.current_branch()
            ws_address, ws = self.working_set(branch)
            working, stage = self.load_root(ws.working), self.load_root(ws.staged)
            names = self._select_tables(working, stage, tables)
            if not force:
                names = self._not_ignored(working, names)
            for name in names:
                stage = stage.with_table(name, working.tables.get(name))
            buffer = BufferedStore(self.store)
            new_ws = ws.with_staged(self.put_root(buffer, stage))
            staged[:] = names
            return self._land(buffer, [(branch, ws_address, new_ws)])

        self._retry(attempt, "add")
        return staged

    def _select_tables(self, working: RootValue, staged: RootValue, tables: list[str] | None) -> list[str]:
        changed = working.changed_tables(staged)
        if tables is None:
            return sorted(changed)
        for name in tables:
            if name not in working.tables and name not in staged.tables:
                raise NotFound("table", name)
        renamed = working.renamed_tables(staged)  # staging a rename's new name stages the old one's removal, as Dolt does
        return [*tables, *(renamed[n] for n in tables if n in renamed and renamed[n] not in tables)]

    def ignore_patterns(self, root: RootValue, store: ChunkStore | None = None) -> list[Pattern]:
        """The `dolt_ignore` patterns of `root` (none when it has no such table)."""
        if IGNORE_TABLE not in root.tables:
            return []
        return patterns_of(self.table_in(root, IGNORE_TABLE, store))

    def _not_ignored(self, working: RootValue, names: list[str]) -> list[str]:
        """`names` without the tables `dolt_ignore` ignores; `IgnoreConflict` for one it cannot decide."""
        patterns = self.ignore_patterns(working)
        if not patterns:
            return names
        kept, _, conflicted = split_ignored(names, patterns)
        if conflicted:
            is_ignored(conflicted[0], patterns)  # raises IgnoreConflict naming the patterns
        return kept

    def commit(self, message: str, *, stage_all: bool = False, include_new: bool = False,
               allow_empty: bool = False, amend: bool = False, author: Author | None = None,
               timestamp: float | None = None, force: bool = False, committer: Author | None = None,
               commit_timestamp: float | None = None) -> Address:
        """Commits the staged root (after staging per -a/-A) on the current branch. A merge's
        unresolved conflicts and constraint violations refuse the commit unless `force` (as
        Dolt's `commit --force`: the merge then ends with the working values as they are).
        Author and committer both default to the configured user (so `--author` alone records
        the configured user as committer, as git and Dolt do); the commit time defaults to the
        author's time."""
        author = author or self.author()
        if committer is None:  # with --author and no configured user, the author committed
            configured = self.config.get("user.name") and self.config.get("user.email")
            committer = self.author() if configured else author
        result: list[Address] = []

        def attempt() -> bool:
            branch = self.current_branch()
            ws_address, ws = self.working_set(branch)
            head_address = self.branch_head(branch)
            head = self.load_commit(head_address)
            if ws.merge and ws.merge.get("conflicts") and not force:
                raise MergeConflict(f"tables [{' '.join(sorted(ws.merge['conflicts']))}] have unresolved "
                                    "conflicts from the merge. resolve the conflicts before committing")
            if ws.merge and ws.merge.get("schema_conflicts") and not force:  # Dolt's words
                raise MergeConflict(f"the table(s) {', '.join(sorted(ws.merge['schema_conflicts']))} "
                                    "have schema conflicts")
            if ws.merge and ws.merge.get("violations") and not force:
                tables = sorted(ws.merge["violations"])
                raise MergeConflict(f"Committing this transaction resulted in a working set with constraint "
                                    f"violations in {', '.join(tables)}; fix them and delete their rows from "
                                    f"dolt_constraint_violations_{tables[0]} first")
            buffer = BufferedStore(self.store)
            staged = self._staged_for_commit(buffer, ws, head, stage_all, include_new)
            merge_parent = ref_address("merge", ws.merge.get("their_commit")) if ws.merge else None
            parents = (head.parents if amend else (head_address,)) + \
                ((merge_parent,) if merge_parent else ())
            compare_to = self.load_commit(head.parents[0]).root if amend and head.parents else head.root
            if staged == compare_to and not allow_empty and not ws.merge and not amend:  # a merge or
                # cherry-pick in progress may end in a commit that changes nothing, as Dolt allows
                raise DlError("nothing to commit (use dl add, or --allow-empty)")
            heights = [self.load_commit(p).height for p in parents]
            commit = authored_commit(staged, parents, author, timestamp if timestamp is not None else time.time(),
                                     message, 1 + max(heights, default=0), committer, commit_timestamp)
            address = self._put(buffer, commit.encode())
            new_ws = WorkingSet(ws.working, staged, None)
            result[:] = [address]
            return self._land(buffer, [(branch, ws_address, new_ws)],
                              [RefUpdate(branch_ref(branch), address.hex, head_address.hex)])

        self._retry(attempt, "commit")
        return result[0]

    def _staged_for_commit(self, buffer: BufferedStore, ws: WorkingSet, head: Commit,
                           stage_all: bool, include_new: bool) -> Address:
        """The root to commit: the staged one, or with -a/-A the working changes staged on top
        (written to `buffer`, so it lands with the commit or not at all)."""
        if not (stage_all or include_new):
            return ws.staged
        working, staged, head_root = (self.load_root(ws.working), self.load_root(ws.staged),
                                      self.load_root(head.root))
        changed = working.changed_tables(staged)
        names = self._not_ignored(working, sorted(changed)) if include_new else sorted(changed)
        for name in names:
            if changed[name] == "added" and name not in head_root.tables and not include_new:
                continue
            staged = staged.with_table(name, working.tables.get(name))
        return self.put_root(buffer, staged)

    def _retry(self, attempt: Callable[[], bool], what: str) -> None:
        for n in range(RETRIES):
            if attempt():
                return
            _backoff(n)
        raise ConcurrentUpdate(f"{what} on branch {self.current_branch()}")

    # --- status ----------------------------------------------------------------------

    def status(self) -> Status:
        branch = self.current_branch()
        _, ws = self.working_set(branch)
        head = self.load_commit(self.branch_head(branch))
        working, staged, head_root = (self.load_root(ws.working), self.load_root(ws.staged),
                                      self.load_root(head.root))
        merge = ws.merge or {}
        unstaged = working.changed_tables(staged)
        new = [t for t, c in unstaged.items() if c == "added" and t not in staged.tables]
        _, ignored, undecided = split_ignored(sorted(new), self.ignore_patterns(working))
        for name in ignored:
            del unstaged[name]
        return Status(branch, staged.changed_tables(head_root), unstaged,
                      merge.get("their_commit"), sorted(merge.get("conflicts", {})),
                      violations=sorted(merge.get("violations", [])), ignored=ignored,
                      ignore_conflicts=undecided, renamed=staged.renamed_tables(head_root),
                      schema_conflicts=sorted(merge.get("schema_conflicts", {})))

    def is_clean(self) -> bool:
        status = self.status()
        return not status.staged and not status.unstaged and status.merging is None and not status.conflicts \
            and not status.violations and not status.schema_conflicts

    # --- branches --------------------------------------------------------------------

    def _check_not_named_like(self, kind: str, name: str) -> None:
        """Refuses a new branch named like a tag, or a tag named like a branch: a revision name
        must mean one thing (resolution tries branches first, so such a tag could never be read)."""
        other, prefix = ("tag", TAG_PREFIX) if kind == "branch" else ("branch", BRANCH_PREFIX)
        if self.store.get_ref(prefix + name) is not None:
            raise InvalidName(kind, name, f"a {other} has that name, and a revision name must mean one thing")

    def create_branch(self, name: str, start: str = "HEAD", *, force: bool = False) -> Address:
        _refuse_empty_branch_names(name, start)
        check_ref_name("branch", name)
        self._check_not_named_like("branch", name)
        address = self.resolve_commit(start)
        expected = self.store.get_ref(branch_ref(name))
        if expected is not None and not force:
            raise branch_exists(name)
        root = self.load_commit(address).root
        buffer = BufferedStore(self.store)
        ws = self._put(buffer, WorkingSet(root, root).encode())
        old_ws = self.store.get_ref(working_set_ref(name))
        if not buffer.flush([RefUpdate(branch_ref(name), address.hex, expected),
                             RefUpdate(working_set_ref(name), ws.hex, old_ws)]):
            raise ConcurrentUpdate(branch_ref(name))
        return address

    def delete_branch(self, name: str, *, force: bool = False) -> None:
        head = self.branch_head(name)
        if name == self.current_branch():
            raise DlError(f"Cannot delete checked out branch '{name}'")
        if not force:
            current = self.branch_head(self.current_branch())
            if head not in merge_bases(self.load_commit, head, current):
                raise DlError(f"branch '{name}' is not fully merged; if you are sure, run 'dl branch -D {name}'")
        ws = self.store.get_ref(working_set_ref(name))
        if not self.store.commit({}, [RefUpdate(branch_ref(name), None, head.hex),
                                      RefUpdate(working_set_ref(name), None, ws)]):
            raise ConcurrentUpdate(branch_ref(name))

    def rename_branch(self, old: str, new: str, *, copy: bool = False, force: bool = False) -> None:
        _refuse_empty_branch_names(old, new)
        check_ref_name("branch", new)
        self._check_not_named_like("branch", new)
        head = self.branch_head(old)
        existing = self.store.get_ref(branch_ref(new))
        if existing is not None and not force:
            raise branch_exists(new)
        ws = self.store.get_ref(working_set_ref(old))
        updates = [RefUpdate(branch_ref(new), head.hex, existing),
                   RefUpdate(working_set_ref(new), ws, self.store.get_ref(working_set_ref(new)))]
        if not copy:
            updates += [RefUpdate(branch_ref(old), None, head.hex),
                        RefUpdate(working_set_ref(old), None, ws)]
            if self.store.get_ref(HEAD) == branch_ref(old):
                updates.append(RefUpdate(HEAD, branch_ref(new), branch_ref(old)))
        if not self.store.commit({}, updates):
            raise ConcurrentUpdate(branch_ref(old))
        if not copy and self.config.repo_file.read().get("init.defaultbranch") == old:
            self.config.repo_file.set("init.defaultbranch", new)  # the default branch keeps being the default, as in Dolt

    def checkout(self, branch: str, *, force: bool = False, overwrite_ignored: bool = True) -> None:
        """Switches to `branch` as Dolt does. A clean working set leaves for the branch's own;
        uncommitted changes come along onto the branch's head, table by table, unless the branch
        has other uncommitted changes of its own, or changed a table that has local changes
        (CheckoutWouldOverwrite). `force` discards what would be overwritten instead, and the
        branch left behind is clean. Without `overwrite_ignored` (git's and Dolt's
        --no-overwrite-ignore), a working table `dolt_ignore` ignores that the branch holds
        with other contents stops the switch, even with `force`."""
        target_head = self.branch_head(branch)
        current = self.current_branch()
        if branch == current:
            return
        ws_address, ws = self.working_set(current)
        if ws.merge:
            raise DlError("a merge is in progress; commit it or run dl merge --abort first")
        if not overwrite_ignored:
            self._refuse_overwriting_ignored(ws, self.load_root(self.load_commit(target_head).root))
        head = self.load_commit(self.branch_head(current))
        updates = [RefUpdate(HEAD, branch_ref(branch), branch_ref(current))]
        buffer = BufferedStore(self.store)
        if self._dirty_tables(ws, head):
            updates += self._carry_changes(buffer, branch, target_head, head, ws, ws_address, force)
        if not buffer.flush(updates):
            raise ConcurrentUpdate(HEAD)

    def _refuse_overwriting_ignored(self, ws: WorkingSet, target: RootValue) -> None:
        working = self.load_root(ws.working)
        _, ignored, _ = split_ignored(sorted(working.tables), self.ignore_patterns(working))
        overwritten = [t for t in ignored if t in target.tables and target.tables[t] != working.tables[t]]
        if overwritten:
            raise CheckoutWouldOverwriteIgnored(overwritten)

    def _dirty_tables(self, ws: WorkingSet, head: Commit) -> list[str]:
        working, staged, head_root = (self.load_root(ws.working), self.load_root(ws.staged),
                                      self.load_root(head.root))
        return sorted(set(working.changed_tables(head_root)) | set(staged.changed_tables(head_root)))

    def _carry_changes(self, buffer: BufferedStore, branch: str, target_head: Address, head: Commit,
                       ws: WorkingSet, ws_address: Address, force: bool) -> list[RefUpdate]:
        target = self.load_commit(target_head)
        target_ws_address, target_ws = self.working_set(branch)
        if not force and self._dirty_tables(target_ws, target) and \
                (target_ws.working, target_ws.staged) != (ws.working, ws.staged):
            raise Conflict("checkout would overwrite uncommitted changes on target branch")
        head_root, target_root = self.load_root(head.root), self.load_root(target.root)
        lost: set[str] = set()
        working = _move_tables(head_root, target_root, self.load_root(ws.working), force, lost)
        staged = _move_tables(head_root, target_root, self.load_root(ws.staged), force, lost)
        if lost:
            raise CheckoutWouldOverwrite(sorted(lost))
        carried = WorkingSet(self.put_root(buffer, working), self.put_root(buffer, staged))
        clean = WorkingSet(head.root, head.root)
        out = []
        for name, expected, value in ((branch, target_ws_address, carried),
                                      (self.current_branch(), ws_address, clean)):
            address = self._put(buffer, value.encode())
            old = None if expected == Address(b"\0" * 20) else expected.hex
            out.append(RefUpdate(working_set_ref(name), address.hex, old))
        return out

    def checkout_tables(self, tables: list[str]) -> None:
        """Discards working changes of `tables` (restores them from the staged root)."""
        def change(root: RootValue, buffer: BufferedStore) -> RootValue:
            _, ws = self.working_set()
            staged = self.load_root(ws.staged)
            for name in tables:
                if name not in root.tables and name not in staged.tables:
                    raise NotFound("table", name)
                root = root.with_table(name, staged.tables.get(name))
            return root
        self.update_working(change)

    def checkout_tables_from(self, rev: str, tables: list[str]) -> None:
        """`checkout REV -- TABLE...`: sets `tables` in both the staged and working roots to
        their value at `rev` (a table `rev` lacks is an error), as git does with paths."""
        source = self.resolve_root(rev)
        missing = [name for name in tables if name not in source.tables]
        if missing:
            raise NotFound("table", missing[0], message=f"table not found at {rev}: {missing[0]}")

        def attempt() -> bool:
            branch = self.current_branch()
            ws_address, ws = self.working_set(branch)
            working, staged = self.load_root(ws.working), self.load_root(ws.staged)
            for name in tables:
                working = working.with_table(name, source.tables[name])
                staged = staged.with_table(name, source.tables[name])
            buffer = BufferedStore(self.store)
            new_ws = WorkingSet(self.put_root(buffer, working), self.put_root(buffer, staged), ws.merge)
            return self._land(buffer, [(branch, ws_address, new_ws)])
        self._retry(attempt, "checkout")

    # --- reset -----------------------------------------------------------------------

    def reset_tables(self, tables: list[str] | None) -> None:
        """Unstages `tables` (None: all): staged state back to HEAD's."""
        def attempt() -> bool:
            branch = self.current_branch()
            ws_address, ws = self.working_set(branch)
            head_root = self.load_root(self.load_commit(self.branch_head(branch)).root)
            staged = self.load_root(ws.staged)
            if tables is None:
                staged = head_root
            else:
                for name in tables:
                    if name not in staged.tables and name not in head_root.tables:
                        raise NotFound("table", name)
                    staged = staged.with_table(name, head_root.tables.get(name))
            buffer = BufferedStore(self.store)
            return self._land(buffer, [(branch, ws_address, ws.with_staged(self.put_root(buffer, staged)))])
        self._retry(attempt, "reset")

    def reset(self, rev: str = "HEAD", *, hard: bool = False, soft: bool = False) -> Address:
        """Moves the branch to `rev`; --hard also resets working and staged, default (mixed)
        resets staged, --soft keeps both. As in Dolt and git, --hard keeps untracked tables
        (never added: see `untracked_tables`) unless `rev` has a table of the same name."""
        target = self.resolve_commit(rev)
        root = self.load_commit(target).root

        def attempt() -> bool:
            branch = self.current_branch()
            ws_address, ws = self.working_set(branch)
            head = self.branch_head(branch)
            buffer = BufferedStore(self.store)
            if hard:
                new_ws = WorkingSet(self._with_untracked(buffer, branch, ws, root), root)
            elif soft:
                new_ws = ws
            else:
                new_ws = WorkingSet(ws.working, root, None)
            extra = [] if head == target else [RefUpdate(branch_ref(branch), target.hex, head.hex)]
            return self._land(buffer, [(branch, ws_address, new_ws)], extra)
        self._retry(attempt, "reset")
        return target

    def _with_untracked(self, buffer: BufferedStore, branch: str, ws: WorkingSet, root: Address) -> Address:
        """`root` plus the untracked tables of `ws` that it has no table of the same name for."""
        untracked = self._untracked(branch, ws)
        if not untracked:
            return root
        working, kept = self.load_root(ws.working), self.load_root(root)
        for name in untracked:
            if name not in kept.tables:
                kept = kept.with_table(name, working.tables[name])
        return self.put_root(buffer, kept)

    def untracked_tables(self) -> list[str]:
        """Tables of the working set that are neither staged nor in HEAD (never added)."""
        branch = self.current_branch()
        return self._untracked(branch, self.working_set(branch)[1])

    def _untracked(self, branch: str, ws: WorkingSet) -> list[str]:
        working, staged = self.load_root(ws.working), self.load_root(ws.staged)
        head = self.load_root(self.load_commit(self.branch_head(branch)).root)
        return sorted(n for n in working.tables if n not in staged.tables and n not in head.tables)

    def clean(self, tables: list[str] | None = None, *, dry_run: bool = False) -> list[str]:
        """Removes untracked tables from the working set (all, or those named, each of which
        must be untracked), as Dolt's `clean`; returns their names. `dry_run` removes nothing."""
        removed: list[str] = []

        def attempt() -> bool:
            branch = self.current_branch()
            ws_address, ws = self.working_set(branch)
            untracked = self._untracked(branch, ws)
            for name in tables or []:
                if name not in untracked:
                    raise NotFound("untracked table", name, "dl clean removes only tables never added")
            removed[:] = sorted(set(tables)) if tables else untracked
            if dry_run or not removed:
                return True
            working = self.load_root(ws.working)
            for name in removed:
                working = working.with_table(name, None)
            buffer = BufferedStore(self.store)
            return self._land(buffer, [(branch, ws_address, ws.with_working(self.put_root(buffer, working)))])
        self._retry(attempt, "clean")
        return removed

    # --- tags ------------------------------------------------------------------------

    def create_tag(self, name: str, rev: str = "HEAD", message: str = "", *,
                   author: Author | None = None) -> Address:
        check_ref_name("tag", name)
        self._check_not_named_like("tag", name)
        if self.store.get_ref(tag_ref(name)) is not None:
            raise AlreadyExists("tag", name)
        author = author or self._author_or_default()
        tag = Tag(name, self.resolve_commit(rev), message, author.name, author.email, time.time())
        buffer = BufferedStore(self.store)
        address = self._put(buffer, tag.encode())
        if not buffer.flush([RefUpdate(tag_ref(name), address.hex, None)]):
            raise AlreadyExists("tag", name)
        return address

    def delete_tag(self, name: str) -> None:
        value = self.store.get_ref(tag_ref(name))
        if value is None:
            raise NotFound("tag", name)
        if not self.store.set_ref_if(tag_ref(name), None, value):
            raise ConcurrentUpdate(tag_ref(name))

    # --- tables ----------------------------------------------------------------------

    def table(self, name: str, rev: str = "WORKING") -> Table:
        return self.table_in(self.resolve_root(rev), name)

    def write_table(self, name: str, build: Callable[[Table | None, BufferedStore], Table | None], *,
                    foreign_key_checks: bool = True) -> None:
        """Replaces table `name` in the working root with what `build` makes of it (None drops).
        Children follow the change by their ON DELETE / ON UPDATE actions, as MySQL's do; then
        the change must keep every CHECK and FOREIGN KEY: else `ConstraintViolation` naming the
        constraint and a row, and nothing lands. `foreign_key_checks=False` is MySQL's
        FOREIGN_KEY_CHECKS=0: no referential action runs and foreign keys are not checked."""
        check_table_name(name)
        from dl.core.versioning.referential_actions import enforce

        def change(root: RootValue, buffer: BufferedStore) -> RootValue:
            current = self.table_in(root, name, buffer) if name in root.tables else None
            try:
                new = build(current, buffer)
            except UniqueViolation as exc:  # tables do not know their names; the message does
                raise exc.in_table(name) from None
            if new is None:
                after = root.with_table(name, None)
            else:
                after = root.with_table(name, self._put(buffer, new.value.encode()))
            return enforce(buffer, root, after, lambda t: self._put(buffer, t.value.encode()),
                           foreign_key_checks)
        self.update_working(change)


def _backoff(attempt: int) -> None:
    import random  # only a retry needs it: light commands start without it
    time.sleep(min(0.2, 0.002 * (2 ** min(attempt, 7))) * (0.5 + random.random()))


class DecodedValues:
    """Recently decoded value chunks (working sets, roots, table values) by address and kind.

    Chunks never change under their address, so a hit is the value a fresh read would give;
    it spares a statement the store round trips and JSON decoding of the values it walks
    through before reaching the tree (refs are still read every time: they move)."""

    def __init__(self, size: int = 1024) -> None:
        self._items: dict[tuple[bytes, type], object] = {}
        self._size = size
        self._lock = threading.Lock()  # eviction iterates the dict: not while another thread adds

    def get(self, address: Address, kind: type[_V], load: Callable[[], _V]) -> _V:
        key = (address.raw, kind)
        hit = self._items.get(key)
        if hit is None:
            hit = load()
            with self._lock:
                if len(self._items) >= self._size:
                    self._items.pop(next(iter(self._items)))
                self._items[key] = hit
        return hit  # type: ignore[return-value]

    def put(self, address: Address, kind: type, value: object) -> None:
        with self._lock:
            if len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)))
            self._items[(address.raw, kind)] = value


def _configured_or_default(config: Config) -> Author:
    """The configured author, or `dl <dl@localhost>` for what is not set."""
    name, email = config.get("user.name"), config.get("user.email")
    return Author(name or "dl", email or "dl@localhost")


def _move_tables(old: RootValue, new: RootValue, changed: RootValue, force: bool, lost: set[str]) -> RootValue:
    """`changed` (a working or staged root based on `old`) moved onto `new`, per table as
    Dolt's checkout does: a table unchanged locally takes `new`'s value, one `new` left as
    `old` had it keeps the local change; a table changed on both sides is added to `lost`
    (or, with `force`, takes `new`'s value)."""
    result = new
    for name in sorted(set(new.tables) | set(changed.tables)):
        was, theirs, mine = old.tables.get(name), new.tables.get(name), changed.tables.get(name)
        if was == mine or was == theirs or mine == theirs:
            result = result.with_table(name, theirs if was == mine else mine)
        elif force:
            result = result.with_table(name, theirs)
        else:
            lost.add(name)
    return result
