"""Another dl repository's directory as a remote (`dl clone /path/to/repo`, as git users do).

Fetching reads that repository's store directly (its chunks are verified on read, as
always). Pushing writes chunks and moves refs in one transaction of its store, by
compare-and-swap: the same guarantee a commit there has. A pushed branch's working set moves
with it when it was clean (working and staged at the old commit's root, no merge in progress),
so a pushed-to repository shows the pushed rows; a branch with uncommitted changes there is
refused, as git refuses to update a checked-out branch (nothing is lost on either side).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from dl.core.errors import DlError
from dl.core.hashing import Address, address_of
from dl.core.remotes.objects import TransferStats
from dl.core.remotes.receive import split_rows, verified_parts
from dl.core.remotes.remote import HEADS, TAGS
from dl.core.store.base import RefUpdate
from dl.core.store.sqlite import Row, SqliteStore, decode_rows
from dl.core.versioning.commit import Commit
from dl.core.versioning.refs import HEAD, ref_address, working_set_ref
from dl.core.versioning.workingset import WorkingSet

DL_DIR, STORE_FILE = ".dl", "store.db"
READ_BATCH = 500  # leaves read from that store at a time (~4 MB stored)


def is_repository(directory: Path) -> bool:
    return (directory / DL_DIR / STORE_FILE).is_file()


class RepositoryRemote:
    """A remote that is a dl repository directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.store = SqliteStore(directory / DL_DIR / STORE_FILE)
        self.stats = TransferStats()

    def describe(self) -> str:
        return f"file://{self.directory}"

    def exists(self) -> bool:
        return True

    def is_shallow(self) -> bool:
        """Whether that repository is a shallow clone (its history stops at a boundary)."""
        from dl.core.versioning.shallow import SHALLOW_PREFIX
        return bool(self.store.list_refs(SHALLOW_PREFIX))

    def current_branch(self) -> str | None:
        value = self.store.get_ref(HEAD) or ""
        return value[len(HEADS):] if value.startswith(HEADS) else None

    def list_refs(self) -> dict[str, str]:
        self.stats.count()
        return {**self.store.list_refs(HEADS), **self.store.list_refs(TAGS)}

    def has_many(self, addresses: Iterable[Address]) -> set[Address]:
        self.stats.count()
        return self.store.has_many(addresses)

    def get_many(self, addresses: Iterable[Address]) -> dict[Address, bytes]:
        found = self.store.get_many(addresses)
        self.stats.count(received=sum(len(d) for d in found.values()))
        return found

    def stored_rows(self) -> dict[Address, Row]:
        return {}

    def stream_leaves(self, addresses: Iterable[Address]) -> Iterator[list[Row]]:
        """The leaves as that store keeps them (its codecs are ours), part by part, each
        verified on the receiving side (`receive.verify_leaves`) while the next is read."""
        wanted = list(dict.fromkeys(addresses))
        def parts() -> Iterator[list[Row]]:
            for start in range(0, len(wanted), READ_BATCH):
                rows = list(self.store.get_rows(wanted[start:start + READ_BATCH]).values())
                self.stats.count(received=sum(len(r[3]) for r in rows))
                yield from split_rows(rows)
        return verified_parts(parts())

    def update(self, chunks: list[tuple[Address, bytes]], updates: list[RefUpdate],
               leaves: dict[Address, Row] | None = None) -> bool:
        new = dict(chunks)
        new.update(decode_rows(list((leaves or {}).values())))
        moves = list(updates)
        for update in updates:
            if update.name.startswith(HEADS):
                moves.append(self._working_set_move(update, new))
        self.stats.count(sent=sum(len(d) for d in new.values()))
        return self.store.commit(new, moves)

    def _working_set_move(self, update: RefUpdate, new: dict[Address, bytes]) -> RefUpdate:
        branch = update.name[len(HEADS):]
        ref = working_set_ref(branch)
        current = self.store.get_ref(ref)
        if update.new is None:
            return RefUpdate(ref, None, current)
        root = self._root_of(Address.parse(update.new), new)
        if current is not None and update.expected is not None:
            old_root = self._root_of(Address.parse(update.expected), new)
            ws_address = ref_address(ref, current)
            assert ws_address is not None
            ws = WorkingSet.decode(self.store.get(ws_address), ws_address)
            if ws.merge is not None or ws.working != old_root or ws.staged != old_root:
                raise DlError(f"refusing to update branch {branch} of {self.describe()}: it has "
                              "uncommitted changes there; commit or reset them in that repository")
        data = WorkingSet(root, root).encode()
        address = address_of(data)
        new[address] = data
        return RefUpdate(ref, address.hex, current)

    def _root_of(self, commit: Address, new: dict[Address, bytes]) -> Address:
        data = new.get(commit) or self.store.get(commit)
        return Commit.decode(data, commit).root

    def close(self) -> None:
        self.store.close()
