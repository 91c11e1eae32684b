"""Column renames between two schemas of a table, and a table with its columns renamed.

dl keeps no column identity apart from names (Dolt keeps a tag per column), so a rename is read
where a tag would show it: a column gone and a column new at the same place, with the same
type, NOT NULL, default and declared type. `dl diff -r sql` prints such a pair as RENAME COLUMN,
and a merge or cherry-pick follows it (`three_way_merge`): the side that renamed a column and
the side that changed only its values then agree on which column is which, instead of one
side's rows reading as rewritten (a column dropped and another added) and conflicting with
every row the other side deleted or changed. A merge also pairs a column renamed and
redefined at once (`redefined`): then a column dropped and another added in its place in one
change reads as one column changed, and a row the other side changed in it conflicts (visibly)
where Dolt's tags would drop that change; a one-for-one swap is required.
"""
from __future__ import annotations

from dataclasses import replace

from dl.core.tables.rewrite import rewritten
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table


def renamed_columns(old: TableSchema, new: TableSchema, *, redefined: bool = False) -> dict[str, str]:
    """Columns renamed from `old` to `new`, old name -> new name (see the module docstring).
    With `redefined`, also a column renamed and redefined at once (MySQL's CHANGE COLUMN): where
    the columns gone and the columns new pair off one for one, each in the other's place."""
    gone = [c for c in old.columns if not new.has_column(c.name)]
    added = [c for c in new.columns if not old.has_column(c.name)]
    swapped = redefined and len(gone) == len(added)
    out = {}
    for column in gone:
        place = old.names.index(column.name)
        if place < len(new.columns):
            candidate = new.columns[place]
            if candidate in added and (swapped or (
                    candidate.type == column.type and candidate.not_null == column.not_null
                    and candidate.default == column.default
                    and old.constraints.declared_type(column.name) == new.constraints.declared_type(candidate.name))):
                out[column.name] = candidate.name
    return out


def schema_with_renames(schema: TableSchema, renames: dict[str, str]) -> TableSchema:
    """`schema` with its columns renamed (old -> new), in its key, indexes and constraints too."""
    def name(n: str) -> str:
        return renames.get(n, n)
    constraints = schema.constraints
    for old, new in renames.items():
        constraints = constraints.renamed(old, new)
    return TableSchema(tuple(Column(name(c.name), c.type, c.not_null, c.default) for c in schema.columns),
                       tuple(name(k) for k in schema.primary_key),
                       tuple(replace(i, columns=tuple(name(c) for c in i.columns)) for i in schema.indexes),
                       constraints)


def with_renames(table: Table, renames: dict[str, str]) -> Table:
    """`table` with its columns renamed (old -> new): the same rows under the new names (the
    rows are rewritten: a leaf's Arrow batch carries its column names)."""
    wanted = [c for c in renames if table.schema.has_column(c)]
    if not wanted:
        return table
    kept = {old: renames[old] for old in wanted}
    names = [kept.get(n, n) for n in table.schema.names]
    return rewritten(table, schema_with_renames(table.schema, kept), lambda rows, first: rows.rename_columns(names))
