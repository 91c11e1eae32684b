"""`dl table import`: a table file into the working set, through bulk builds and batch edits.

Modes as Dolt's: create (-c) a new table, update (-u) upserting by key, replace (-r) the
contents, append (-a) failing on keys that exist. The file is read strictly (core.io), keys are
checked for nulls and duplicates with the source lines named, and the counts users see
(processed, added, modified, unchanged, deleted) come from a tree diff of before and after,
so they cost what changed, not the table.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dl.core.errors import AlreadyExists, DuplicateKey, InputError, NotFound
from dl.core.names import check_table_name
from dl.core.prolly.diff import diff_trees
from dl.core.repo import Repository
from dl.core.store.buffered import BufferedStore
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table


class ImportMode(Enum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    APPEND = "append"


@dataclass(frozen=True)
class ImportResult:
    table: str
    mode: ImportMode
    processed: int
    added: int
    modified: int
    unchanged: int
    deleted: int


def import_table(repo: Repository, name: str, path: Path, mode: ImportMode, *,
                 primary_key: list[str] | None = None, schema: TableSchema | None = None,
                 file_type: str | None = None, delimiter: str | None = None,
                 progress: Callable[[str], None] | None = None, force: bool = False) -> ImportResult:
    """Imports `path` into table `name` of the working set; lands whole or not at all.

    `progress`, if given, is called with the name of each phase as it starts (reading,
    checking keys, building the table, writing), for a progress display."""
    from dl.core.io import read_table_file
    check_table_name(name)  # before reading a byte of the file
    step = progress or (lambda phase: None)
    step("reading")
    working = repo.resolve_root("WORKING")
    exists = name in working.tables
    if mode is ImportMode.CREATE and exists and not force:
        raise AlreadyExists("table", f"{name} (use -u to update, -r to replace, -c -f to recreate)")
    if mode is not ImportMode.CREATE and not exists:
        raise NotFound("table", name, "use -c to create it")
    target = schema if mode is ImportMode.CREATE else repo.table_in(working, name).schema
    read = read_table_file(path, file_type=file_type, delimiter=delimiter,
                           schema=target.arrow if target else None)
    rows = read.table
    if target is None:
        target = _inferred_schema(rows, primary_key)
    step("checking keys")
    _check_keys(name, target, rows, read.line_numbers, Path(path).name)
    result: list[ImportResult] = []

    def build(current: Table | None, buffer: BufferedStore) -> Table:
        step("building")
        fresh = current is None or mode is ImportMode.CREATE  # -c -f recreates the table
        base = Table.empty(buffer, target) if fresh else current
        base = Table(buffer, base.value)
        new = _apply(mode, base, rows, name, read.line_numbers, Path(path).name)
        result[:] = [_counts(name, mode, base, new, rows.num_rows)]
        step("writing")
        return new

    repo.write_table(name, build)
    return result[0]


def _inferred_schema(rows: pa.Table, primary_key: list[str] | None) -> TableSchema:
    if not primary_key:
        raise InputError("give the primary key with --pk COLUMN[,COLUMN...] (or a --schema file)")
    missing = [k for k in primary_key if k not in rows.column_names]
    if missing:
        raise InputError(f"primary key column {missing[0]!r} is not in the file "
                         f"(columns: {', '.join(rows.column_names)})")
    return TableSchema.from_arrow(rows.schema, tuple(primary_key))


def _check_keys(name: str, schema: TableSchema, rows: pa.Table, lines: np.ndarray | None,
                source: str = "input") -> None:
    """Null and duplicate primary keys in the file, named with their source lines."""
    def line(i: int) -> int:
        return int(lines[i]) if lines is not None else i + 1

    absent = [k for k in schema.primary_key if k not in rows.column_names]
    if absent:
        raise InputError(f"{source}: primary key column {absent[0]!r} is not in the file "
                         f"(columns: {', '.join(rows.column_names)})", column=absent[0])
    for key in schema.primary_key:
        if rows.column(key).null_count:
            first = int(np.flatnonzero(rows.column(key).is_null().to_numpy(zero_copy_only=False))[0])
            raise InputError(f"{source}, line {line(first)}: primary key column {key!r} is empty or null",
                             line=line(first), column=key)
    if schema.is_keyless or rows.num_rows < 2:
        return
    keys = schema.layout.keys_of(rows.select(list(schema.primary_key)))
    order = np.argsort(keys, kind="stable")
    repeated = np.flatnonzero(keys[order][1:] == keys[order][:-1])
    if len(repeated):
        a, b = int(order[repeated[0]]), int(order[repeated[0] + 1])
        key = [rows.column(k)[a].as_py() for k in schema.primary_key]
        raise DuplicateKey(name, key[0] if len(key) == 1 else tuple(key), (line(a), line(b)))


def _apply(mode: ImportMode, base: Table, rows: pa.Table, name: str, lines: np.ndarray | None,
           source: str) -> Table:
    if mode in (ImportMode.CREATE, ImportMode.REPLACE):
        return base.replace_rows(rows)
    if mode is ImportMode.APPEND:
        try:
            return base.insert(rows)
        except DuplicateKey as exc:  # the table knows the key; the file line is known here
            raise _existing_key(name, exc.key, base.schema, rows, lines, source) from None
    return base.upsert(rows)


def _existing_key(name: str, key: object, schema: TableSchema, rows: pa.Table,
                  lines: np.ndarray | None, source: str) -> InputError:
    """`-a` met a key the table already has: name the key and its line in the file."""
    values = key if isinstance(key, tuple) else (key,)
    match = pa.array(np.ones(rows.num_rows, bool))
    for column, value in zip(schema.primary_key, values):
        values_in_file = rows.column(column)
        match = pc.and_(match, pc.equal(values_in_file, pa.scalar(value, values_in_file.type)))
    hits = np.flatnonzero(match.to_numpy(zero_copy_only=False))
    where = ""
    if len(hits):
        where = f"{source}, line {int(lines[hits[0]])}: " if lines is not None \
            else f"{source}, row {int(hits[0]) + 1}: "
    return InputError(f"{where}primary key {key!r} already exists in table {name} "
                      f"(-a only adds rows; use -u to update them)")


def _counts(name: str, mode: ImportMode, before: Table, after: Table, processed: int) -> ImportResult:
    if before.value.rows is None:
        return ImportResult(name, mode, processed, after.count(), 0, 0, 0)
    if before.schema.is_keyless:
        added = after.count() - before.count()
        return ImportResult(name, mode, processed, max(added, 0), 0, processed - max(added, 0), 0)
    diff = diff_trees(before.tree, after.tree)
    added, modified = diff.added.num_rows, diff.modified_to.num_rows
    return ImportResult(name, mode, processed, added, modified, processed - added - modified,
                        diff.removed.num_rows)


def export_rows(repo: Repository, name: str, rev: str = "WORKING") -> pa.Table:
    """The rows of table `name` at `rev`, for `dl table export`."""
    return repo.table(name, rev).scan()
