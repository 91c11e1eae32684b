"""`dl stash`: set uncommitted changes aside and bring them back, as Dolt has it.

A stash is a chunk recording the branch's HEAD commit and the working and staged roots at the
time; refs `refs/stash/<seq>` list them, newest with the highest sequence number. `stash`
saves and resets the working set to HEAD; `pop` re-applies the changes as a three-way merge
(base: the stashed HEAD, ours: the current working set, theirs: the stashed working set), so a
stash applies on a branch that moved on; a conflicting pop changes nothing and keeps the stash.

As in Dolt, untracked tables (new tables not staged) stay in the working set unless
`include_untracked` (`-u`), and tables `dolt_ignore` ignores stay unless `include_ignored`
(`-a`). A pop brings every change back unstaged, except the new tables that were staged when
the stash was made: those are staged again.
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
from dl.core.versioning.ignore import is_ignored
from dl.core.versioning.refs import STASH_PREFIX, ref_address
from dl.core.versioning.root import RootValue
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


def stash(repo: Repository, message: str | None = None, *, include_untracked: bool = False,
          include_ignored: bool = False) -> Stash:
    """Saves the working set's changes and resets it to HEAD (keeping, as Dolt, the untracked
    tables unless `include_untracked`, and the ignored new ones unless `include_ignored`)."""
    branch = repo.current_branch()
    ws_address, ws = repo.working_set(branch)
    head_address = repo.branch_head(branch)
    head = repo.load_commit(head_address)
    head_root, working = repo.load_root(head.root), repo.load_root(ws.working)
    left = _left_behind(repo, head_root, working, repo.load_root(ws.staged),
                        include_untracked or include_ignored, include_ignored)
    stashed, remaining = working, head_root
    for name in left:
        stashed, remaining = stashed.with_table(name, None), remaining.with_table(name, working.tables[name])
    if stashed.tables == head_root.tables and ws.staged == head.root:
        raise NothingToStash("No local changes to save")
    if ws.merge:
        raise DlError("cannot stash during a merge; commit it or dl merge --abort first")
    buffer = BufferedStore(repo.store)
    entry = Stash(branch, head_address, repo.put_root(buffer, stashed), ws.staged,
                  message or f"WIP on refs/heads/{branch}: {head_address.short()} {head.message.splitlines()[0]}",
                  time.time())
    data = entry.encode()
    address = address_of(data)
    buffer.put_many({address: data})
    existing = list_stashes(repo)
    seq = 1 + max((int(n[len(STASH_PREFIX):]) for n, _ in existing), default=-1)
    reset = WorkingSet(repo.put_root(buffer, remaining), head.root)
    if not repo.write_working_set(branch, ws_address, reset, buffer, [RefUpdate(f"{STASH_PREFIX}{seq}", address.hex, None)]):
        raise ConcurrentUpdate("stash")
    return entry


def _left_behind(repo: Repository, head: RootValue, working: RootValue, staged: RootValue,
                 untracked: bool, ignored: bool) -> list[str]:
    """The new tables a stash leaves in the working set: those neither staged nor in HEAD
    (untracked) unless `untracked`, and of those the ones dolt_ignore ignores unless `ignored`."""
    new = [n for n in working.tables if n not in staged.tables and n not in head.tables]
    if ignored or not new:
        return []
    if not untracked:
        return new
    patterns = repo.ignore_patterns(working)
    return [n for n in new if patterns and is_ignored(n, patterns)]


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
    if working.conflicts:
        names = sorted(working.conflicts)
        listed = "', '".join(names)  # Dolt's words, on one line
        raise DlError(f"Your local changes to the following tables would be overwritten by applying stash "
                      f"{index}: '{listed}'. Please commit your changes or stash them first; nothing was "
                      "applied. The stash entry is kept in case you need it again.")
    staged = repo.load_root(ws.staged)
    for name in repo.load_root(entry.staged).tables.keys() - base.tables.keys():  # new tables staged when stashed
        staged = staged.with_table(name, working.root.tables.get(name))
    new_ws = WorkingSet(repo.put_root(buffer, working.root), repo.put_root(buffer, staged), ws.merge)
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
