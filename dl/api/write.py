"""`Repo.write`: Arrow data, data frames or a file into a table, by `dl table import`'s rules.

`data` may be a pyarrow Table or RecordBatchReader, any object with the Arrow PyCapsule stream
interface (`__arrow_c_stream__`: pandas >= 2.2, polars, DuckDB relations, ...), or a path to a
CSV/TSV/PSV/Parquet/JSON file (read exactly as `dl table import` reads it, errors naming the
line). In-memory data is normalized to the types a table stores (large and view strings to
string, dictionaries decoded, schema metadata dropped), then cast to the table's schema with
the rules a Parquet import uses, so a bad value is named by column and row. The rest (key checks,
modes, one atomic working-set update) is `dl.core.tables.importer`'s, shared with the CLI.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dl.core.errors import BadInput, InputError, UsageError
from dl.core.repo import Repository

if TYPE_CHECKING:
    import pyarrow as pa

    from dl.core.tables.importer import ImportResult
    from dl.core.tables.schema import TableSchema

MODES = ("create", "update", "replace", "append")
SOURCE = "data"


def write_data(repo: Repository, name: str, data: Any, *, mode: str = "create",
               pk: str | list[str] | tuple[str, ...] | None = None, force: bool = False,
               schema: TableSchema | None = None, file_type: str | None = None,
               delimiter: str | None = None,
               progress: Callable[[str], None] | None = None, all_text: bool = False,
               skip_bad_rows: bool = False, foreign_key_checks: bool = True) -> ImportResult:
    """Writes `data` into table `name` of the working set (see the module docstring)."""
    from dl.core.tables.importer import ImportMode, import_rows, import_table, target_schema
    if mode not in MODES:
        raise UsageError(f"unknown mode {mode!r} (choose from {', '.join(MODES)})")
    kind = ImportMode(mode)
    keys = _keys(pk)
    if (keys or schema is not None) and kind is not ImportMode.CREATE:
        raise UsageError("pk and schema go with mode='create'; other modes use the table's schema")
    if schema is not None and keys:
        from dataclasses import replace
        schema = replace(schema, primary_key=tuple(keys))
    if isinstance(data, (str, os.PathLike)):
        return import_table(repo, name, Path(data), kind, primary_key=keys, schema=schema,
                            file_type=file_type, delimiter=delimiter, progress=progress, force=force,
                            all_text=all_text, skip_bad_rows=skip_bad_rows,
                            foreign_key_checks=foreign_key_checks)
    if all_text:
        raise UsageError("all_text applies to a file's columns (give a path)")
    if kind is ImportMode.CREATE and not keys and schema is None:
        raise UsageError(f"give the primary key: repo.write({name!r}, data, pk='id') "
                         "(one column, a list of columns, or 'a,b')")
    target = target_schema(repo, name, kind, schema, force, foreign_key_checks=foreign_key_checks)
    rows = to_arrow(data)
    if target is not None:
        from dl.core.io.formats import Where
        from dl.core.io.parquet import cast_table
        rows = cast_table(Where(Path(SOURCE), None), rows, target.arrow)
    if not skip_bad_rows:
        return import_rows(repo, name, rows, kind, primary_key=keys, schema=target, source=SOURCE,
                           progress=progress, foreign_key_checks=foreign_key_checks)
    from dataclasses import replace as with_fields

    from dl.core.tables.bad_rows import Skipped
    skipped = Skipped()
    result = import_rows(repo, name, rows, kind, primary_key=keys, schema=target, source=SOURCE,
                         progress=progress, skipped=skipped, foreign_key_checks=foreign_key_checks)
    return with_fields(result, skipped=skipped.in_file_order())


def _keys(pk: str | list[str] | tuple[str, ...] | None) -> list[str] | None:
    if pk is None:
        return None
    keys = [k.strip() for k in pk.split(",")] if isinstance(pk, str) else list(pk)
    if not keys or not all(isinstance(k, str) and k.strip() for k in keys):
        raise UsageError(f"pk {pk!r} names an empty column")
    return keys


def to_arrow(data: Any) -> pa.Table:
    """`data` as a pyarrow Table of the types a table stores; BadInput for anything else."""
    import pyarrow as pa
    if isinstance(data, pa.RecordBatchReader):
        table = data.read_all()
    elif isinstance(data, pa.RecordBatch):
        table = pa.Table.from_batches([data])
    elif isinstance(data, pa.Table):
        table = data
    elif hasattr(data, "__arrow_c_stream__"):
        table = pa.RecordBatchReader.from_stream(data).read_all()
    else:
        raise BadInput(f"cannot write a {type(data).__name__}: give a pyarrow Table or "
                       "RecordBatchReader, a data frame (pandas >= 2.2, polars), a DuckDB relation "
                       "or a file path")
    names = table.column_names
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise InputError(f"{SOURCE}: duplicate column name {dup!r}", column=dup)
    return _plain_types(table.replace_schema_metadata(None))


def _plain_types(table: pa.Table) -> pa.Table:
    """Large and view strings and binaries as plain ones, dictionaries decoded."""
    import pyarrow as pa
    columns, fields, changed = [], [], False
    for field, column in zip(table.schema, table.columns):
        target = _plain(field.type)
        if target != field.type:
            column, changed = column.cast(target), True
        columns.append(column)
        fields.append(pa.field(field.name, target, field.nullable))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields)) if changed else table


def _plain(kind: pa.DataType) -> pa.DataType:
    import pyarrow as pa
    if pa.types.is_dictionary(kind):
        return _plain(kind.value_type)
    if pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return pa.string()
    if pa.types.is_large_binary(kind) or pa.types.is_binary_view(kind):
        return pa.binary()
    return kind
