"""Removing, copying and renaming tables of the working set: `Repo.drop`, `copy`, `rename`
(and `dl table rm|cp|mv`). Each is one working-set update by compare-and-swap; a copy shares
every chunk with its source, since a table is its value's address."""
from __future__ import annotations

from dl.core.errors import AlreadyExists, NotFound
from dl.core.names import check_name
from dl.core.repo import Repository
from dl.core.store.buffered import BufferedStore
from dl.core.versioning.root import RootValue


def remove(repo: Repository, tables: list[str]) -> None:
    """Drops `tables` from the working root; NotFound (and no change) if one is missing."""
    def change(root: RootValue, buffer: BufferedStore) -> RootValue:
        for name in tables:
            if name not in root.tables:
                raise NotFound("table", name)
            root = root.with_table(name, None)
        return root
    repo.update_working(change)


def copy(repo: Repository, old: str, new: str, *, force: bool, keep_old: bool) -> None:
    """Copies (`keep_old`) or renames table `old` to `new`; `force` replaces an existing `new`."""
    check_name("table", new)

    def change(root: RootValue, buffer: BufferedStore) -> RootValue:
        if old not in root.tables:
            raise NotFound("table", old)
        if new in root.tables and not force:
            raise AlreadyExists("table", f"{new} (use -f to replace it)")
        moved = root.with_table(new, root.tables[old])
        return moved if keep_old or old == new else moved.with_table(old, None)
    repo.update_working(change)
