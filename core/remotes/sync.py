"""Fetch, push, pull and clone: moving commits between a repository and its remotes.

Fetch reads the remote's refs, walks from them to what the local store lacks, and lands the
chunks and the remote-tracking refs (`refs/remotes/<remote>/<branch>`, new tags) in one local
transaction: a killed or failed fetch (a chunk that does not hash to its address, say) lands
nothing. Push walks from the local branch to what the remote lacks, refuses a
non-fast-forward move unless forced, and moves the remote ref by compare-and-swap against the
value it read, so of two concurrent pushers one wins and the other is rejected ("fetch
first") with nothing of its push visible. Clone (`clone.py`) builds on fetch.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from dl.core.errors import (
    AlreadyExists,
    BadInput,
    ConcurrentUpdate,
    DlError,
    InputError,
    MissingChunk,
    NotFound,
)
from dl.core.hashing import Address
from dl.core.names import check_ref_name
from dl.core.remotes.depth import shallow_fetch
from dl.core.remotes.objects import DirectoryObjects, TransferStats
from dl.core.remotes.packed import PackedRemote
from dl.core.remotes.remote import HEADS, TAGS, Remote
from dl.core.remotes.repository import RepositoryRemote, is_repository
from dl.core.remotes.settings import (
    FILE,
    LOCAL,
    PARAM_NAMES,
    MissingRemote,
    check_remote_name,
    RemoteSettings,
    RemoteSpec,
    UnknownRemote,
    Upstream,
)
from dl.core.remotes.tracking import remote_branches  # noqa: F401 (callers import it from here too)
from dl.core.remotes.url import normalized_url, parse_url
from dl.core.remotes.walk import Missing, find_missing
from dl.core.repo import DL_DIR, Author, Repository
from dl.core.store.base import RefUpdate
from dl.core.store.sqlite import Row, SqliteStore, decode_rows
from dl.core.versioning.commit import Commit, CommitLoader, Tag, merge_bases
from dl.core.versioning.refs import REMOTE_PREFIX, branch_ref
from dl.core.versioning.shallow import BeyondShallow, boundary, boundary_updates

if TYPE_CHECKING:
    from dl.core.versioning.merge_commits import MergeResult

CACHE_DIR = "remote-cache"
DEFAULT_REMOTE = "origin"


class RefChangeKind(Enum):
    NEW = "new branch"
    NEW_TAG = "new tag"
    FAST_FORWARD = "fast-forward"
    FORCED = "forced update"
    DELETED = "deleted"
    UP_TO_DATE = "up to date"


@dataclass(frozen=True)
class RefChange:
    """One ref a fetch or push moved: its short name on each side, old and new commit."""

    source: str
    target: str
    old: str | None
    new: str | None
    kind: RefChangeKind


@dataclass
class SyncResult:
    """What a fetch or push did, and what it cost."""

    remote: str
    url: str
    changes: list[RefChange] = field(default_factory=list)
    chunks: int = 0
    chunk_bytes: int = 0
    stats: TransferStats = field(default_factory=TransferStats)


class PushRejected(DlError):
    """The remote branch moved in a way the push may not override."""

    def __init__(self, url: str, branch: str, target: str, reason: str) -> None:
        self.reason = reason
        self.url, self.branch, self.target = url, branch, target
        hint = ("the tag already exists on the remote: --force replaces it" if reason == "already exists"
                else "Updates were rejected because the tip of your current branch is behind its "
                     "remote counterpart. Integrate the remote changes (e.g. 'dl pull ...') before "
                     "pushing again.")  # Dolt's hint, for git's "fetch first" too
        super().__init__(f"failed to push some refs to '{url}': [rejected] {branch} -> {target} "
                         f"({reason}); {hint}")


# --- opening remotes ----------------------------------------------------------------------


def settings_of(repo: Repository) -> RemoteSettings:
    return RemoteSettings(repo.directory / DL_DIR / FILE if repo.directory else None)


def open_url(url: str, params: dict[str, str] | None = None, *, cache_dir: Path | None = None,
             create: bool = False) -> Remote:
    """The remote `url` names: a dl repository directory, a bare directory, or S3."""
    parsed = parse_url(url)
    if parsed.scheme == "s3":
        from dl.core.remotes.s3 import S3Objects
        given = params or {}
        objects = S3Objects(parsed.bucket, parsed.prefix, given.get("endpoint"), given.get("region"),
                            given.get("profile"))
        return PackedRemote(objects, cache_dir)
    if is_repository(parsed.directory):
        return RepositoryRemote(parsed.directory)
    return PackedRemote(DirectoryObjects(parsed.directory, create=create), cache_dir)


def open_remote(repo: Repository, name: str, *, create: bool = False) -> tuple[RemoteSpec, Remote]:
    spec = settings_of(repo).remotes().get(name)
    if spec is None:
        raise MissingRemote(name)
    cache = repo.directory / DL_DIR / CACHE_DIR if repo.directory else None
    return spec, open_url(spec.url, spec.params, cache_dir=cache, create=create)


def add_remote(repo: Repository, name: str, url: str, params: dict[str, str] | None = None) -> RemoteSpec:
    """Adds remote `name`. The URL is checked for a known scheme, and an S3 one not contacted;
    a directory is kept as an absolute `file://` URL and, as Dolt does, made if missing."""
    settings = settings_of(repo)
    if name in settings.remotes():
        raise AlreadyExists("remote", name)
    check_remote_name(name)  # before the directory is made
    parsed = parse_url(url, repo.directory)
    if parsed.scheme != "s3" and params:
        raise InputError(f"{', '.join('--' + PARAM_NAMES.get(k, k) for k in sorted(params))} only "
                         "valid for aws remotes (s3://)")
    if parsed.scheme == "file" and "://" in url:  # file:// only: a plain path is made on first push
        _make_directory(parsed.directory)
    spec = RemoteSpec(name, normalized_url(url, repo.directory), dict(params or {}))
    settings.add(spec)
    return spec



def _make_directory(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise InputError(f"remote path '{path}' is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"failed to create directory '{path}': {exc.strerror or exc}") from None


def remove_remote(repo: Repository, name: str) -> None:
    """Forgets remote `name`, its remote-tracking branches and the upstreams naming it."""
    settings = settings_of(repo)
    settings.remote(name)
    tracking = repo.store.list_refs(f"{REMOTE_PREFIX}{name}/")
    if not repo.store.commit({}, [RefUpdate(ref, None, value) for ref, value in tracking.items()]):
        raise ConcurrentUpdate(f"{REMOTE_PREFIX}{name}/")
    settings.remove(name)


def track_remote_branch(repo: Repository, branch: str) -> Upstream | None:
    """git's and Dolt's `checkout BRANCH` for a branch only a remote has: creates `branch` at
    the one remote-tracking branch of that name, tracking it (None if no remote, or more than
    one, has it)."""
    matches = [name for name in remote_branches(repo) if name.split("/", 1)[1] == branch]
    if len(matches) > 1:
        raise DlError(f"fatal: '{branch}' matched multiple ({len(matches)}) remote tracking branches; "
                      f"name the one to track: dl checkout --track {matches[0]}")
    if len(matches) != 1:
        return None
    remote = matches[0].split("/", 1)[0]
    repo.create_branch(branch, matches[0])
    upstream = Upstream(remote, branch)
    settings_of(repo).set_upstream(branch, upstream)
    return upstream


def tracking_name(repo: Repository, start: str) -> str | None:
    """`origin/feature` when `start` names a remote-tracking branch (as `origin/feature`,
    `remotes/origin/feature` or `refs/remotes/origin/feature`), else None."""
    short = start[len(REMOTE_PREFIX):] if start.startswith(REMOTE_PREFIX) else start.removeprefix("remotes/")
    return short if "/" in short and repo.store.get_ref(REMOTE_PREFIX + short) is not None else None


def track_start(repo: Repository, branch: str, start: str) -> Upstream | None:
    """After `checkout -b BRANCH START`: when START is a remote-tracking branch, BRANCH tracks
    it (git's and Dolt's default `branch.autoSetupMerge`); returns the upstream set, if any."""
    name = tracking_name(repo, start)
    if name is None:
        return None
    remote, remote_branch = name.split("/", 1)
    if remote not in settings_of(repo).remotes():
        return None  # a tracking branch whose remote is gone (or a fetch refspec's own name)
    upstream = Upstream(remote, remote_branch)
    settings_of(repo).set_upstream(branch, upstream)
    return upstream


def delete_tracking_branch(repo: Repository, name: str) -> None:
    """`dl branch -r -d origin/main`: forgets a remote-tracking branch (the remote keeps it;
    the next fetch brings it back)."""
    short = name[len(REMOTE_PREFIX):] if name.startswith(REMOTE_PREFIX) else name.removeprefix("remotes/")
    ref = REMOTE_PREFIX + short
    old = repo.store.get_ref(ref)
    if old is None or "/" not in short:
        raise NotFound("remote-tracking branch", name, "dl branch -r lists them")
    if not repo.store.set_ref_if(ref, None, old):
        raise ConcurrentUpdate(ref)


def set_upstream(repo: Repository, branch: str, upstream: str) -> Upstream:
    """Makes `branch` track `upstream`: another local branch (`main`) or a remote-tracking one
    (`origin/main`), as git's and Dolt's `branch --track` / `--set-upstream-to`."""
    if repo.store.get_ref(branch_ref(upstream)) is not None:
        found = Upstream(LOCAL, upstream)
    elif upstream in remote_branches(repo):
        remote, name = upstream.split("/", 1)
        found = Upstream(remote, name)
    else:
        raise NotFound("branch", f"'{upstream}'")
    if upstream == branch:
        raise DlError(f"not setting '{branch}' as its own upstream")
    repo.branch_head(branch)  # NotFound for a missing branch
    settings_of(repo).set_upstream(branch, found)
    return found

# --- fetch --------------------------------------------------------------------------------


def fetch(repo: Repository, remote_name: str = DEFAULT_REMOTE, branches: list[str] | None = None,
          *, prune: bool = False, depth: int | None = None, unshallow: bool = False,
          required: str | None = None) -> SyncResult:
    """Fetches `branches` (default all) and every tag of the remote into remote-tracking refs;
    with `depth`, only that many generations of commits (deepening a shallow clone, or making
    a full one shallow for the new commits); `unshallow` brings a shallow clone's whole history.
    `required`: a branch the remote must have, or nothing is fetched (pull's upstream)."""
    if prune and branches:
        raise InputError("--prune option cannot be provided with a ref spec")
    try:
        _, remote = open_remote(repo, remote_name)
    except MissingRemote:
        raise UnknownRemote(remote_name) from None  # fetch's words in Dolt (push's differ)
    try:
        return fetch_from(repo, remote, remote_name, branches, prune, depth=depth, unshallow=unshallow,
                          required=required)
    finally:
        remote.close()


def fetch_from(repo: Repository, remote: Remote, name: str, branches: list[str] | None,
               prune: bool, *, depth: int | None = None, unshallow: bool = False,
               private: bool = False, required: str | None = None) -> SyncResult:
    """`fetch` from an open remote. `private`: the repository's store is this fetch's alone (a
    clone's, being built), so received leaves are written as they arrive; otherwise they are
    all received and verified before the store's write lock is taken, so that other writers
    never wait on the network."""
    if depth is not None and depth < 1:
        raise BadInput(f"depth {depth} is not a positive number")
    branches, destinations = _fetch_specs(branches)
    refs = remote.list_refs()
    heads = {r[len(HEADS):]: v for r, v in refs.items() if r.startswith(HEADS)}
    has = f"it has {', '.join(sorted(heads)) or 'no branches'}"
    for branch in branches or []:  # Dolt's words for fetch's, then pull's
        if branch not in heads:
            raise NotFound("remote branch", f"{name}/{branch}", "", f"invalid ref spec: '{branch}': "
                           f"remote {name} has no such branch ({has})")
    if required and required not in heads:
        raise NotFound("remote branch", f"{name}/{required}", "", f'branch "{required}" not found '
                       f"on remote {name} ({has})")
    wanted = {b: heads[b] for b in (branches or heads)}
    tags = {r: v for r, v in refs.items() if r.startswith(TAGS)
            and repo.store.get_ref(r) is None}
    edge = boundary(repo.store)
    updates: list[RefUpdate] = []
    if edge or depth is not None or unshallow:
        missing, tags, updates = _shallow_walk(repo, remote, wanted, tags, edge, depth, unshallow)
    else:
        starts = [Address.parse(v) for v in [*wanted.values(), *tags.values()]]
        try:
            missing = find_missing(starts, lambda a: remote.get_many(a), repo.store.has_many,
                                   defer_leaves=True)
        except MissingChunk:
            if not getattr(remote, "is_shallow", lambda: False)():
                raise
            raise DlError(f"{remote.describe()} is a shallow clone: its history stops at a "
                          "boundary; clone or fetch from it with --depth N") from None
    result = SyncResult(name, remote.describe(), chunks=missing.count(),
                        chunk_bytes=missing.bytes(), stats=remote.stats)
    def load(address: Address) -> Commit:
        data = missing.chunks.get(address)
        return Commit.decode(data, address) if data is not None else repo.load_commit(address)
    updates += _tracking_updates(repo, load, name, wanted, heads if prune and not branches else None,
                                 result, destinations)
    updates += [RefUpdate(r, v, None) for r, v in tags.items()]
    result.changes += [RefChange(r[len(TAGS):], r[len(TAGS):], None, v, RefChangeKind.NEW_TAG)
                       for r, v in tags.items()]
    if not _land(repo, remote, missing, updates, result, private):
        raise ConcurrentUpdate(f"{REMOTE_PREFIX}{name}/")
    return result


def _land(repo: Repository, remote: Remote, missing: Missing, updates: list[RefUpdate],
          result: SyncResult, private: bool) -> bool:
    """Lands what a fetch received and moves its refs, in one transaction. The deferred
    leaves stream in, each part verified while the next is read; in a `private` store each is
    written as it comes (an SQLite store keeps them as they came; another store gets them
    decoded)."""
    leaves: Iterable[list[Row]] = ()
    if missing.deferred:
        leaves = _counted(remote.stream_leaves(missing.deferred), result)
        leaves = leaves if private else list(leaves)
    if isinstance(repo.store, SqliteStore):
        return repo.store.commit_received(missing.chunks, leaves, updates, requires=missing.stopped,
                                          stored=remote.stored_rows())
    chunks = dict(missing.chunks)
    for part in leaves:
        chunks.update(decode_rows(list(part)))
    return repo.store.commit(chunks, updates, requires=missing.stopped)


def _counted(parts: Iterator[list[Row]], result: SyncResult) -> Iterator[list[Row]]:
    """`parts`, adding their uncompressed bytes to `result.chunk_bytes` as they pass."""
    for part in parts:
        result.chunk_bytes += sum(row[2] for row in part)
        yield part


def _shallow_walk(repo: Repository, remote: Remote, wanted: dict[str, str], tags: dict[str, str],
                  edge: set[Address], depth: int | None, unshallow: bool
                  ) -> tuple[Missing, dict[str, str], list[RefUpdate]]:
    """A shallow fetch's chunks, the tags it brings (those naming a commit it lands or the
    store has: a shallow clone takes no tag outside its history) and its boundary's updates."""
    ghosts = {p for b in edge for p in repo.load_commit(b).parents}
    ghosts -= repo.store.has_many(ghosts)
    tag_chunks = remote.get_many([Address.parse(v) for v in tags.values()]) if tags else {}
    named = {r: Tag.decode(tag_chunks[Address.parse(v)]).commit for r, v in tags.items()}
    starts = [Address.parse(v) for v in wanted.values()]
    walked = shallow_fetch(starts, lambda a: remote.get_many(a), repo.store.has_many,
                           repo.load_commit, edge, ghosts, depth, unshallow)
    missing = walked.missing
    held = repo.store.has_many(named.values())
    kept = {r: v for r, v in tags.items() if named[r] in missing.chunks or named[r] in held}
    for value in kept.values():
        missing.chunks[Address.parse(value)] = tag_chunks[Address.parse(value)]
    return missing, kept, boundary_updates(edge, walked.boundary)


def _fetch_specs(specs: list[str] | None) -> tuple[list[str] | None, dict[str, str]]:
    """The branches a fetch names (`b`, `refs/heads/b`, or `SRC:DST`) and, for `SRC:DST`, the
    remote-tracking branch each lands in (`refs/remotes/x/y` -> `x/y`) instead of `REMOTE/b`."""
    if not specs:
        return specs, {}
    branches, destinations = [], {}
    for spec in specs:
        source, colon, target = spec.partition(":")
        source = source.removeprefix(HEADS)
        if not source or (colon and not target):
            raise InputError(f"invalid fetch spec: '{spec}'")
        if colon:
            short = target.removeprefix(REMOTE_PREFIX)
            if short == target or "/" not in short:
                raise InputError(f"invalid fetch spec: '{spec}': a fetch lands in a remote-tracking "
                                 "branch, refs/remotes/<remote>/<branch>")
            check_ref_name("remote-tracking branch", short)
            destinations[source] = short
        branches.append(source)
    return branches, destinations


def _tracking_updates(repo: Repository, load: CommitLoader, name: str, wanted: dict[str, str],
                      all_heads: dict[str, str] | None, result: SyncResult,
                      destinations: dict[str, str] | None = None) -> list[RefUpdate]:
    updates = []
    for branch, value in sorted(wanted.items()):
        short = (destinations or {}).get(branch, f"{name}/{branch}")
        ref = f"{REMOTE_PREFIX}{short}"
        old = repo.store.get_ref(ref)
        if old == value:
            continue
        kind = RefChangeKind.NEW if old is None else RefChangeKind.FAST_FORWARD \
            if _is_ancestor(load, old, value, undecided=False) else RefChangeKind.FORCED
        updates.append(RefUpdate(ref, value, old))
        result.changes.append(RefChange(branch, short, old, value, kind))
    if all_heads is not None:
        for ref, value in repo.store.list_refs(f"{REMOTE_PREFIX}{name}/").items():
            branch = ref[len(f"{REMOTE_PREFIX}{name}/"):]
            if branch not in all_heads:
                updates.append(RefUpdate(ref, None, value))
                result.changes.append(RefChange(branch, f"{name}/{branch}", value, None,
                                                RefChangeKind.DELETED))
    return updates


def _is_ancestor(load: CommitLoader, old: str, new: str, undecided: bool | None = None) -> bool:
    """Whether `old` is an ancestor of `new`; where a shallow boundary hides the answer,
    `undecided` (None: `BeyondShallow` is raised)."""
    a, b = Address.parse(old), Address.parse(new)
    try:
        return a == b or a in merge_bases(load, a, b)
    except BeyondShallow:
        if undecided is None:
            raise
        return undecided


# --- push ---------------------------------------------------------------------------------


def push(repo: Repository, remote_name: str, source: str, target: str | None = None, *,
         force: bool = False, delete: bool = False, set_upstream: bool = False) -> SyncResult:
    """Pushes local branch (or tag) `source` to `target` (default the same name) on the
    remote; `delete` removes `target` there. The remote ref moves by compare-and-swap."""
    _, remote = open_remote(repo, remote_name, create=True)
    try:
        result = SyncResult(remote_name, remote.describe(), stats=remote.stats)
        target = target or source
        if delete:
            _push_delete(repo, remote, remote_name, target, result)
            return result
        ref, local = _push_source(repo, source, target)
        _push_ref(repo, remote, remote_name, source, target, ref, local, force, result)
    finally:
        remote.close()
    if set_upstream and ref.startswith(HEADS):
        settings_of(repo).set_upstream(source, Upstream(remote_name, target))
    return result


def _push_source(repo: Repository, source: str, target: str) -> tuple[str, str]:
    """The remote ref to move and the local value to move it to (a branch, else a tag)."""
    value = repo.store.get_ref(branch_ref(source))
    if value is not None:
        return branch_ref(target), value
    value = repo.store.get_ref(f"{TAGS}{source}")
    if value is not None:
        return f"{TAGS}{target}", value
    raise NotFound("branch", source, f"src refspec {source} does not match any")


def _push_ref(repo: Repository, remote: Remote, name: str, source: str, target: str, ref: str,
              local: str, force: bool, result: SyncResult) -> None:
    old = remote.list_refs().get(ref)
    if old == local:
        result.changes.append(RefChange(source, target, old, local, RefChangeKind.UP_TO_DATE))
        if ref.startswith(HEADS):
            _set_tracking(repo, name, target, local)  # a push killed after the remote moved
        return
    kind = RefChangeKind.FAST_FORWARD if old is not None else \
        RefChangeKind.NEW if ref.startswith(HEADS) else RefChangeKind.NEW_TAG
    if old is not None and ref.startswith(HEADS):
        if not repo.store.has_many([Address.parse(old)]):
            if not force:
                raise PushRejected(remote.describe(), source, target, "fetch first")
            kind = RefChangeKind.FORCED
        elif not _is_ancestor(repo.load_commit, old, local):
            if not force:
                raise PushRejected(remote.describe(), source, target, "non-fast-forward")
            kind = RefChangeKind.FORCED
    elif old is not None and not force:
        raise PushRejected(remote.describe(), source, target, "already exists")
    try:
        missing = find_missing([Address.parse(local)], repo.store.get_many, remote.has_many,
                               getattr(repo.store, "get_rows", None))
    except MissingChunk as exc:
        if exc.address is None or not repo.is_ghost(Address.parse(exc.address)):
            raise
        raise DlError(f"shallow repository missing chunks to complete push: {remote.describe()} "
                      f"lacks commit {exc.address}, beyond this shallow clone's boundary (push "
                      "to the remote it was cloned from, or dl fetch --unshallow first)") from None
    result.chunks, result.chunk_bytes = missing.count(), missing.bytes()
    if not remote.update(list(missing.chunks.items()), [RefUpdate(ref, local, old)], missing.leaves):
        raise PushRejected(remote.describe(), source, target, "fetch first")
    result.changes.append(RefChange(source, target, old, local, kind))
    if ref.startswith(HEADS):
        _set_tracking(repo, name, target, local)


def _push_delete(repo: Repository, remote: Remote, name: str, target: str,
                 result: SyncResult) -> None:
    ref = branch_ref(target)
    old = remote.list_refs().get(ref)
    if old is None:
        raise NotFound("remote branch", f"{name}/{target}")
    if not remote.update([], [RefUpdate(ref, None, old)]):
        raise PushRejected(remote.describe(), target, target, "fetch first")
    result.changes.append(RefChange(target, target, old, None, RefChangeKind.DELETED))
    _set_tracking(repo, name, target, None)


def _set_tracking(repo: Repository, name: str, branch: str, value: str | None) -> None:
    ref = f"{REMOTE_PREFIX}{name}/{branch}"
    for _ in range(5):
        if repo.store.set_ref_if(ref, value, repo.store.get_ref(ref)):
            return


# --- pull ---------------------------------------------------------------------------------


def upstream_of(repo: Repository, branch: str, remote: str | None, remote_branch: str | None
                ) -> Upstream:
    """What `dl pull [REMOTE [BRANCH]]` merges: the arguments, else the branch's upstream."""
    if remote and remote_branch:
        return Upstream(remote, remote_branch)
    upstream = settings_of(repo).upstream(branch)
    if remote and (upstream is None or upstream.remote != remote):
        return Upstream(remote, branch)
    if upstream is None and not remote and not settings_of(repo).remotes():
        raise DlError("no remote: this repository has none (dl remote add NAME URL adds one)")
    if upstream is None:
        raise DlError("There is no tracking information for the current branch. Please specify "
                      f"which branch you want to merge with: dl pull <remote> <branch>, or "
                      f"dl push --set-upstream <remote> {branch}")
    return upstream


def dirty_tables(repo: Repository) -> list[str]:
    """Tables with uncommitted changes on the current branch (a pull refuses to start then)."""
    status = repo.status()
    return sorted(set(status.staged) | set(status.unstaged) | set(status.conflicts))


# --- pull (fetch, then merge) ---------------------------------------------------------------


def pull(repo: Repository, remote: str | None = None, branch: str | None = None, *,
         author: Author | None = None, no_ff: bool = False, squash: bool = False,
         no_commit: bool = False, prune: bool = False) -> tuple[SyncResult, MergeResult]:
    """Fetches the upstream of the current branch (or `remote` `branch`) and merges it:
    fast-forward, or a three-way merge with conflicts as `dl merge` leaves them (`no_ff`,
    `squash`, `no_commit` as merge's). Refuses to start, changing nothing, while the branch
    has uncommitted changes."""
    from dl.core.versioning.merge_commits import merge
    current = repo.current_branch()
    upstream = upstream_of(repo, current, remote, branch)
    if upstream.remote not in settings_of(repo).remotes():
        raise MissingRemote(upstream.remote)
    dirty = dirty_tables(repo)
    if dirty:
        raise DlError(f"cannot merge with uncommitted changes: your local changes to "
                      f"{', '.join(dirty)} would be overwritten by merge; commit them (or dl stash) "
                      "first")
    # as Dolt's, a pull fetches every branch of the remote; a shallow clone only its upstream
    only = [upstream.branch] if boundary(repo.store) else None
    fetched = fetch(repo, upstream.remote, only, required=upstream.branch, prune=prune and not only)
    message = f"Merge branch '{upstream.branch}' of {fetched.url} into {current}"
    merged = merge(repo, f"{upstream.remote}/{upstream.branch}", message=message, author=author,
                   no_ff=no_ff, squash=squash, no_commit=no_commit)
    return fetched, merged


# --- remote maintenance ---------------------------------------------------------------------


def prune_remote(repo: Repository, remote_name: str, now: float, grace: float | None = None) -> list[str]:
    """Deletes the packs on remote `remote_name` that no manifest names (killed or rejected
    pushes) and are older than the grace period; returns their names."""
    _, remote = open_remote(repo, remote_name)
    try:
        if not isinstance(remote, PackedRemote):
            raise DlError(f"{remote.describe()} is a repository: run dl gc there")
        return remote.prune_packs(now) if grace is None else remote.prune_packs(now, grace)
    finally:
        remote.close()
