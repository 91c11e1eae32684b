"""Keeping a table's index trees in step with its row tree.

Every write to a table's rows goes through `Table._with_rows` (SQL DML and its point fast
path, imports, merges, cherry-picks, reverts), which calls `updated_index_roots` with the old
and the new row tree: the two trees are diffed (the cost follows the change, not the table),
the entries of the rows that left are deleted from each index and those of the rows that came
are added, a window of the diff at a time, and UNIQUE indexes are checked on the new values (except in a merge, which
records duplicates as Dolt's 'unique index' constraint violations instead). Bulk builds call
`rebuilt_index_roots`. Either way an index root depends on the rows alone. Tables without
indexes pay nothing: no diff is taken.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from dl.core.errors import UniqueViolation
from dl.core.hashing import Address
from dl.core.prolly.diff import iter_diff
from dl.core.prolly.tree import ProllyTree
from dl.core.store.base import ChunkStore
from dl.core.tables.indexes import IndexDef, build_index, check_unique, check_whole, edit_index
from dl.core.tables.schema import ROW_COUNT, TableSchema

IndexRoots = tuple[tuple[str, Address], ...]


def rebuilt_index_roots(store: ChunkStore, schema: TableSchema, stored: pa.Table,
                        kept: IndexRoots = (), unique_checks: bool = True) -> IndexRoots:
    """Every index of `schema` built from the stored rows (UNIQUE ones checked unless not
    `unique_checks`), except those whose roots are `kept`."""
    roots = list(kept)
    done = {name for name, _ in kept}
    for index in schema.indexes:
        if index.name in done:
            continue
        if index.unique and unique_checks:
            _check_counts(index, schema, stored)
        layout = schema.index_layout(index)
        root = build_index(store, layout, stored)
        if index.unique and unique_checks:
            check_unique(index, ProllyTree(store, layout, root), stored)
        if root is not None:
            roots.append((index.name, root))
    return tuple(roots)


INDEX_DIFF_WINDOW = 256  # differing leaves per side of the row diff held at a time


def updated_index_roots(schema: TableSchema, current: IndexRoots, old: ProllyTree, new: ProllyTree,
                        unique_checks: bool = True) -> IndexRoots:
    """The index roots `current` (of a table whose rows are `old`) moved to the rows of `new`,
    from the row diff read a window at a time (a streamed import or a large merge holds a
    window of it, not all). UNIQUE indexes are checked once every window is applied (a value
    may leave in a later window than the one it arrives in): by probing the added values when
    the diff was one window, else by one streamed pass over the index.
    Without `unique_checks` (a merge, which records duplicates as constraint violations) a
    UNIQUE index is maintained like any other: its entries hold the primary key, so two rows
    with the same index values are two entries and the tree stays consistent with the rows."""
    if not schema.indexes:
        return ()
    by_name = dict(current)
    trees = [(index, ProllyTree(old.store, schema.index_layout(index), by_name.get(index.name)))
             for index in schema.indexes]
    checked = [index for index in schema.indexes if index.unique and unique_checks]
    last_added, pieces = None, 0
    for piece in iter_diff(old, new, window=INDEX_DIFF_WINDOW):
        removed = pa.concat_tables([piece.removed, piece.modified_from])
        added = pa.concat_tables([piece.added, piece.modified_to])
        trees = [(index, edit_index(tree, removed, added)) for index, tree in trees]
        for index in checked:
            _check_counts(index, schema, added)
        last_added, pieces = added, pieces + 1
    for index, tree in trees:
        if index in checked and pieces == 1 and last_added is not None:
            check_unique(index, tree, last_added)
        elif index in checked and pieces > 1:
            check_whole(index, tree)
    return tuple((index.name, tree.root) for index, tree in trees if tree.root is not None)


def _check_counts(index: IndexDef, schema: TableSchema, stored: pa.Table) -> None:
    """Keyless tables: a row stored with a count above one repeats its index values."""
    if not schema.is_keyless or not stored.num_rows:
        return
    repeated = stored.filter(pc.greater(stored.column(ROW_COUNT), 1))
    for name in index.columns:
        repeated = repeated.filter(pc.is_valid(repeated.column(name)))
    if repeated.num_rows:
        row = repeated.select(list(index.columns)).slice(0, 1)
        raise UniqueViolation(index.name, tuple(row.column(i)[0].as_py() for i in range(row.num_columns)))
