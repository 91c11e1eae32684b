"""UNIQUE index collisions a merge or cherry-pick leaves behind, found as Dolt records them.

An ordinary write refuses a duplicate (`UniqueViolation`, from the index upkeep). A merge
does not: both sides' rows are merged with the UNIQUE checks off (the index trees stay
consistent with the rows, since an index entry holds the primary key), and then
`find_unique_violations(store, before, after)` finds, per UNIQUE index of each changed
table, every group of rows sharing non-NULL index values (NULLs never collide, as in MySQL)
that holds at least one added or changed row (any row, for a UNIQUE index the other side
added). Every row of such a group is reported (Dolt
records both the row that was there and the one that came), as a `Violation` of kind
'unique index' with Dolt's violation_info {"Name": index, "Columns": [...]}; the merge
records them with the CHECK and FOREIGN KEY violations and `commit` waits for them.

The work is vectorized: the changed rows' index values and the index tree's entries are
encoded together, the counts of equal prefixes taken by numpy, and the colliding rows
fetched by primary key. Keyless tables are not covered (their merges still refuse).
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
from dl.core.store.base import ChunkStore
from dl.core.tables.encoding import encode_keys
from dl.core.tables.indexes import IndexDef
from dl.core.tables.table import Table
from dl.core.versioning.constraint_check import UNIQUE, Violation, changed_rows, load_table
from dl.core.versioning.root import RootValue


def find_unique_violations(store: ChunkStore, before: RootValue, after: RootValue) -> list[Violation]:
    """Every UNIQUE index collision among the rows the change `before` -> `after` added or
    changed (see the module docstring)."""
    found: list[Violation] = []
    for name in after.changed_tables(before):
        new = load_table(store, after, name)
        if new is None or new.schema.is_keyless:
            continue
        uniques = [index for index in new.schema.indexes if index.unique]
        if not uniques:
            continue
        old = load_table(store, before, name)
        rows = changed_rows(old, new)
        for index in uniques:
            is_new = old is None or index not in old.schema.indexes  # the other side added it
            colliding = _colliding_rows(new, index, new.scan() if is_new else rows)
            if colliding.num_rows:
                info = {"Name": index.name, "Columns": list(index.columns)}
                found.append(Violation(name, UNIQUE, index.name, colliding, info))
    return found


def _colliding_rows(table: Table, index: IndexDef, changed: pa.Table) -> pa.Table:
    """Rows of `table` in a group of equal non-NULL `index` values holding a `changed` row."""
    columns = list(index.columns)
    probes = _complete(changed.select(columns))
    if probes.num_rows == 0:
        return table.schema.arrow.empty_table()
    entries = _complete(table.index_tree(index.name).scan())
    values = entries.select(columns)
    probes = pa.table([probes.column(c).cast(values.schema.field(c).type) for c in columns], names=columns)
    both = pa.concat_tables([values, probes])
    keys = encode_keys(both.columns, nullable=True)  # one call: one width for both
    entry_keys, probe_keys = keys[:values.num_rows], keys[values.num_rows:]
    unique, counts = np.unique(entry_keys, return_counts=True)
    repeated = unique[counts > 1]
    hit = repeated[np.isin(repeated, probe_keys)]
    if not len(hit):
        return table.schema.arrow.empty_table()
    mask = np.isin(entry_keys, hit)
    keys_table = entries.filter(pa.array(mask)).select(list(table.schema.primary_key))
    return table.lookup(keys_table)


def _complete(values: pa.Table) -> pa.Table:
    """The rows with no NULL among `values`' columns."""
    mask = np.ones(values.num_rows, dtype=bool)
    for column in values.columns:
        if column.null_count:
            mask &= ~column.is_null().to_numpy(zero_copy_only=False)
    return values if mask.all() else values.filter(pa.array(mask))
