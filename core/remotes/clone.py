"""`dl clone`: a new repository from a remote, built whole or not at all.

The repository is built in a hidden directory (`DIR/.dl.clone`) and renamed to `DIR/.dl` only
when complete (its store built without a journal on disk and synced once at the end: nothing
but this clone ever sees it before the rename): every branch of the remote as a remote-tracking branch, every tag, one branch
checked out and tracking its remote branch. A failure or kill leaves no repository behind
(a killed clone leaves at most the hidden directory, which no command takes for a repository).
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from dl.core.errors import AlreadyExists, BadInput, ConcurrentUpdate, DlError, InputError, NotFound
from dl.core.hashing import Address, address_of
from dl.core.remotes.remote import HEADS, Remote
from dl.core.remotes.settings import FILE, RemoteSettings, RemoteSpec, Upstream
from dl.core.remotes.sync import CACHE_DIR, DEFAULT_REMOTE, SyncResult, fetch_from, open_url
from dl.core.remotes.url import normalized_url
from dl.core.repo import DL_DIR, STORE_FILE, Repository
from dl.core.store.base import RefUpdate
from dl.core.store.sqlite import SqliteStore
from dl.core.versioning.commit import Commit
from dl.core.versioning.refs import HEAD, REMOTE_PREFIX, branch_ref, working_set_ref
from dl.core.versioning.workingset import WorkingSet


@dataclass
class CloneResult:
    directory: Path
    branch: str
    fetched: SyncResult


def clone(url: str, directory: Path, *, branch: str | None = None, remote_name: str = DEFAULT_REMOTE,
          params: dict[str, str] | None = None, depth: int | None = None,
          single_branch: bool = False) -> CloneResult:
    """Clones the remote at `url` into `directory` (new, or empty): every branch as a
    remote-tracking branch, `branch` (default: the remote's current branch, else main, else
    master, else the first by name) checked out and tracking its remote branch. With `depth`, a shallow clone of
    that one branch: its last `depth` generations of commits (see `core.versioning.shallow`).
    With `single_branch` (implied by `depth`, as in git), only that branch is fetched.
    Nothing is left behind on failure."""
    if depth is not None and depth < 1:
        raise BadInput(f"depth {depth} is not a positive number")
    stored_url = normalized_url(url)
    directory = directory.resolve()
    work = directory / ".dl.clone"
    if directory.is_dir() and [p.name for p in directory.iterdir()] == [work.name]:
        shutil.rmtree(work)  # what a killed clone left: start again
    if directory.exists() and any(directory.iterdir()):
        raise AlreadyExists("directory (not empty)", str(directory))
    created = not directory.exists()
    try:
        work.mkdir(parents=True)
        result = _clone_into(work, stored_url, branch, remote_name, params, depth,
                             single_branch or depth is not None)
        work.rename(directory / DL_DIR)
    except BaseException:
        shutil.rmtree(directory if created else work, ignore_errors=True)
        raise
    return CloneResult(directory, result[0], result[1])


def _clone_into(work: Path, url: str, branch: str | None, remote_name: str,
                params: dict[str, str] | None, depth: int | None,
                single_branch: bool) -> tuple[str, SyncResult]:
    from dl.core.config import Config
    try:
        remote = open_url(url, params, cache_dir=work / CACHE_DIR)
    except NotFound as exc:
        if exc.kind != "remote directory":
            raise
        raise NotFound("remote", url, "", f"clone failed; remote at {url} contains no dl data (no "
                       f"such directory: {exc.name})") from None
    store = SqliteStore(work / STORE_FILE, create=True, building=True)  # deleted on failure
    try:
        if not remote.exists() or not remote.list_refs():
            raise DlError(f"clone failed; remote at {url} contains no dl data (nothing was "
                          "pushed there yet)")
        repo = Repository(store, Config(None, None), None)
        chosen = _clone_branch(remote, branch)
        fetched = fetch_from(repo, remote, remote_name, [chosen] if single_branch else None,
                             False, depth=depth, private=True)
        _check_out(repo, remote_name, chosen)
        settings = RemoteSettings(work / FILE)
        settings.add(RemoteSpec(remote_name, url, dict(params or {})))
        settings.set_upstream(chosen, Upstream(remote_name, chosen))
        store.seal()
        return chosen, fetched
    finally:
        store.close()
        remote.close()


def _clone_branch(remote: Remote, wanted: str | None) -> str:
    heads = sorted(r[len(HEADS):] for r in remote.list_refs() if r.startswith(HEADS))
    if wanted is not None:
        if wanted not in heads:
            raise NotFound("remote branch", wanted, f"the remote has {', '.join(heads)}")
        return wanted
    current = getattr(remote, "current_branch", lambda: None)()
    if current in heads:
        return str(current)
    return next((b for b in ("main", "master") if b in heads), heads[0])  # Dolt's order


def _check_out(repo: Repository, remote_name: str, branch: str) -> None:
    value = repo.store.get_ref(f"{REMOTE_PREFIX}{remote_name}/{branch}")
    if value is None:
        raise InputError(f"the remote has no branch {branch}")
    head = Address.parse(value)
    root = Commit.decode(repo.store.get(head), head).root
    ws = WorkingSet(root, root).encode()
    ws_address = address_of(ws)
    ok = repo.store.commit({ws_address: ws}, [
        RefUpdate(HEAD, branch_ref(branch), None), RefUpdate(branch_ref(branch), value, None),
        RefUpdate(working_set_ref(branch), ws_address.hex, None)])
    if not ok:
        raise ConcurrentUpdate(HEAD)
