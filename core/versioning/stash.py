"""`dl stash`: set uncommitted changes aside and bring them back, as Dolt has it.

A stash is a chunk recording the branch's HEAD commit and the working and staged roots at the
time; refs `refs/stash/<seq>` list them, newest with the highest sequence number. `stash`
saves and resets the working set to HEAD; `pop` re-applies the changes as a three-way merge
(base: the stashed HEAD, ours: the current working set, theirs: the stashed working set), so a
stash applies on a branch that moved on; a conflicting pop changes nothing and keeps the stash.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from dl.core.chunks import decode_json_chunk, encode_json_chunk, field, parse_address
from dl.core.errors import ConcurrentUpdate, DlError, NotFound
from dl.core.hashing import Address, address_of
from dl.core.repo import Repository
from dl.core.store.base import RefUpdate
from dl.core.store.buffered import BufferedStore
from dl.core.versioning.refs import STASH_PREFIX, ref_address
from dl.core.versioning.three_way_merge import merge_roots
from dl.core.versioning.workingset import WorkingSet

TAG = "S"


@dataclass(frozen=True)
class Stash:
    """What `dl stash` set aside."""

    branch: str
    head: Address
    working: Address
    staged: Address
    message: str
    timestamp: float

    def encode(self) -> bytes:
        return encode_json_chunk(TAG, {"branch": self.branch, "head": self.head.hex,
                                       "working": self.working.hex, "staged": self.staged.hex,
                                       "message": self.message, "timestamp": self.timestamp})

    @staticmethod
    def decode(data: bytes, address: Address | None = None) -> "Stash":
        value = decode_json_chunk(TAG, data, address)
        return Stash(field(value, "branch", str, address), parse_address(value.get("head"), address),
                     parse_address(value.get("working"), address), parse_address(value.get("staged"), address),
                     field(value, "message", str, address),
                     float(field(value, "timestamp", (int, float), address)))


def list_stashes(repo: Repository) -> list[tuple[str, Stash]]:
    """Stashes newest first, as (ref name, stash)."""
    refs = repo.store.list_refs(STASH_PREFIX)
    out = []
    for name in sorted(refs, key=lambda n: int(n[len(STASH_PREFIX):]), reverse=True):
        address = ref_address(name, refs[name])
        out.append((name, Stash.decode(repo.store.get(address), address)))  # type: ignore[arg-type]
    return out


class NothingToStash(DlError):
    """The working set and the staged tables are HEAD's: there is nothing to stash (not a
    failure: `dl stash` says so and exits 0, as git and Dolt do)."""


def stash(repo: Repository, message: str | None = None) -> Stash:
    """Saves the working set's changes and resets it to HEAD."""
    branch = repo.current_branch()
    ws_address, ws = repo.working_set(branch)
    head_address = repo.branch_head(branch)
    head = repo.load_commit(head_address)
    if ws.working == head.root and ws.staged == head.root:
        raise NothingToStash("No local changes to save")
    if ws.merge:
        raise DlError("cannot stash during a merge; commit it or dl merge --abort first")
    entry = Stash(branch, head_address, ws.working, ws.staged,
                  message or f"WIP on refs/heads/{branch}: {head_address.short()} {head.message.splitlines()[0]}",
                  time.time())
    buffer = BufferedStore(repo.store)
    data = entry.encode()
    address = address_of(data)
    buffer.put_many({address: data})
    existing = list_stashes(repo)
    seq = 1 + max((int(n[len(STASH_PREFIX):]) for n, _ in existing), default=-1)
    if not repo.write_working_set(branch, ws_address, WorkingSet(head.root, head.root), buffer,
                                  [RefUpdate(f"{STASH_PREFIX}{seq}", address.hex, None)]):
        raise ConcurrentUpdate("stash")
    return entry


def _pick(repo: Repository, index: int) -> tuple[str, Stash]:
    stashes = list_stashes(repo)
    if not stashes:
        raise NotFound("stash", f"stash@{{{index}}}", "no stash entries found")
    if not 0 <= index < len(stashes):
        raise NotFound("stash", f"stash@{{{index}}}")
    return stashes[index]


def pop(repo: Repository, index: int = 0, *, keep: bool = False) -> Stash:
    """Re-applies stash `index` (0 = newest) to the working set and drops it unless `keep`."""
    name, entry = _pick(repo, index)
    branch = repo.current_branch()
    ws_address, ws = repo.working_set(branch)
    buffer = BufferedStore(repo.store)
    base = repo.load_root(repo.load_commit(entry.head).root)
    working = merge_roots(buffer, base, repo.load_root(ws.working), repo.load_root(entry.working))
    staged = merge_roots(buffer, base, repo.load_root(ws.staged), repo.load_root(entry.staged))
    if working.conflicts or staged.conflicts:
        names = sorted(set(working.conflicts) | set(staged.conflicts))
        listed = "', '".join(names)  # Dolt's words, on one line
        raise DlError(f"Your local changes to the following tables would be overwritten by applying stash "
                      f"{index}: '{listed}'. Please commit your changes or stash them first; nothing was "
                      "applied. The stash entry is kept in case you need it again.")
    new_ws = WorkingSet(repo.put_root(buffer, working.root), repo.put_root(buffer, staged.root), ws.merge)
    extra = [] if keep else [RefUpdate(name, None, repo.store.get_ref(name))]
    if not repo.write_working_set(branch, ws_address, new_ws, buffer, extra):
        raise ConcurrentUpdate("stash pop")
    return entry


def drop(repo: Repository, index: int = 0) -> Stash:
    name, entry = _pick(repo, index)
    if not repo.store.set_ref_if(name, None, repo.store.get_ref(name)):
        raise ConcurrentUpdate(name)
    return entry


def clear(repo: Repository) -> int:
    stashes = list_stashes(repo)
    updates = [RefUpdate(name, None, repo.store.get_ref(name)) for name, _ in stashes]
    if updates and not repo.store.commit({}, updates):
        raise ConcurrentUpdate("stash clear")
    return len(updates)
