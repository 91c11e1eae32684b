"""`dl table import`: a table file into the working set, through bulk builds and batch edits.

Modes as Dolt's: create (-c) a new table, update (-u) upserting by key, replace (-r) the
contents, append (-a) failing on keys that exist. The file is read strictly (core.io), keys are
checked for nulls and duplicates with the source lines named, and the counts users see
(processed, added, modified, unchanged, deleted) come from a tree diff of before and after,
so they cost what changed, not the table. A file over `core.io.stream.PART_BYTES` is read in
parts and imported in bounded memory (`stream_import`): the same table, counts and errors.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dl.core.errors import (AlreadyExists, ConstraintViolation, DuplicateKey, InputError, InvalidText,
                            NotFound, RaggedRow, RefusedValue, ValueRuleError)
from dl.core.io.stream import TableStream
from dl.core.names import check_table_name
from dl.core.prolly.diff import diff_trees
from dl.core.repo import DL_DIR, Repository
from dl.core.store.buffered import BufferedStore
from dl.core.tables.bad_rows import (BadRowError, Skipped, bad_row_error, drop_violating, first_line,
                                     line_fields, original_line, parent_rows, row_values, screen_keys,
                                     screen_rules, with_field_replaced, with_text_cut, without_lines)
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table
from dl.core.versioning.constraint_check import referencing_key, truncate_refused


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
    missing: tuple[str, ...] = ()  # table columns the file lacks (text files: see import_columns)
    extra: tuple[str, ...] = ()  # file columns the table lacks, ignored
    skipped: tuple[tuple[object, ...], ...] = ()  # rows left out (skip_bad_rows: see bad_rows)


def import_table(repo: Repository, name: str, path: Path, mode: ImportMode, *,
                 primary_key: list[str] | None = None, schema: TableSchema | None = None,
                 file_type: str | None = None, delimiter: str | None = None,
                 progress: Callable[[str], None] | None = None, force: bool = False,
                 part_bytes: int | None = None, all_text: bool = False,
                 skip_bad_rows: bool = False, foreign_key_checks: bool = True) -> ImportResult:
    """Imports `path` into table `name` of the working set; lands whole or not at all.

    `progress`, if given, is called with the name of each phase as it starts (reading,
    checking keys, building the table, writing), for a progress display. A file over
    `part_bytes` (default `core.io.stream.PART_BYTES`) is streamed in parts in bounded memory
    (`stream_import`); a smaller one is read whole. `all_text` (create only) makes every
    column text, as Dolt's `--all-text` does. `skip_bad_rows` (Dolt's `--continue`) leaves out
    the rows the table cannot take and lists them in the result's `skipped` (see `bad_rows`;
    the file is then read whole). `foreign_key_checks=False` (Dolt's `--disable-fk-checks`)
    lands rows whatever their foreign keys say, as MySQL's FOREIGN_KEY_CHECKS=0 does."""
    check_table_name(name)  # before reading a byte of the file
    if all_text and (mode is not ImportMode.CREATE or schema is not None):
        raise InputError("all_text creates a table of text columns: not with a schema or another mode")
    if skip_bad_rows:
        return _import_skipping(repo, name, path, mode, primary_key, schema, file_type, delimiter,
                                progress, force, all_text, foreign_key_checks)
    try:
        return _import_file(repo, name, path, mode, primary_key, schema, file_type, delimiter,
                            progress, force, part_bytes, all_text, foreign_key_checks=foreign_key_checks)
    except RaggedRow as exc:
        raise bad_row_error(name, exc, line=exc.line) from None


def _import_skipping(repo: Repository, name: str, path: Path, mode: ImportMode,
                     primary_key: list[str] | None, schema: TableSchema | None,
                     file_type: str | None, delimiter: str | None,
                     progress: Callable[[str], None] | None, force: bool,
                     all_text: bool, foreign_key_checks: bool) -> ImportResult:
    """`import_table` leaving out bad rows: a record the reader refuses is taken out of a copy
    of the file, which is read again (see `bad_rows`)."""
    import tempfile

    from dl.core.io.formats import TEXT_DELIMITERS, detect_format, text_delimiter
    kind = detect_format(path, file_type)
    skipped = Skipped()
    current = base = path
    mended: set[tuple[int, str | None]] = set()
    with tempfile.TemporaryDirectory(prefix="dl-import-") as folder:
        while True:
            found = len(skipped.rows)
            try:
                result = _import_file(repo, name, current, mode, primary_key, schema, file_type,
                                      delimiter, progress, force, 1 << 62, all_text, skipped,
                                      foreign_key_checks=foreign_key_checks)
                return replace(result, skipped=skipped.in_file_order())
            except InputError as exc:
                line = None if exc.line is None else original_line(exc.line, skipped.lines)
                if line is None or line <= 1 or line in skipped.lines or kind not in TEXT_DELIMITERS \
                        or isinstance(exc, BadRowError):
                    raise
                skipped.forget_from(found)
                separator = text_delimiter(kind, delimiter)
                again = (line, exc.column) in mended  # a mended field refused again: skip its row
                mended.add((line, exc.column))
                if not again and (isinstance(exc, InvalidText) and _cut_text(base, line, exc, Path(folder)) or
                                  isinstance(exc, RefusedValue) and _zeroed(base, line, exc, separator, Path(folder))):
                    base = Path(folder) / "cut" / path.name
                else:
                    fields = exc.fields if isinstance(exc, RaggedRow) \
                        else line_fields(path, line, text_delimiter(kind, delimiter))
                    skipped.add(fields, line)
                    skipped.lines.append(line)
                current = without_lines(base, skipped.lines, Path(folder) / path.name) \
                    if skipped.lines else base


def _cut_text(base: Path, line: int, exc: InvalidText, folder: Path) -> bool:
    """Cuts the field `exc` names at its first invalid byte, in `folder/cut/<name>` (made from
    `base`, which may be that file already); False if it cannot be found to cut."""
    (folder / "cut").mkdir(exist_ok=True)
    target = folder / "cut" / base.name
    staged = folder / "cut" / (base.name + ".new")
    if not with_text_cut(base, line, exc.value, exc.valid, staged):
        return False
    staged.replace(target)
    return True


def _zeroed(base: Path, line: int, exc: RefusedValue, delimiter: str, folder: Path) -> bool:
    """Writes the zero of the column `exc` names into its field, in `folder/cut/<name>` (made
    from `base`); False if there is no zero or the field cannot be found to replace."""
    from dl.core.io.csv import header_end
    with open(base, "rb") as source:
        head = source.read(1 << 20)
    found = header_end(base, head, delimiter) if head.strip() else None
    if exc.zero is None or found is None or exc.column not in found[0]:
        return False
    (folder / "cut").mkdir(exist_ok=True)
    staged = folder / "cut" / (base.name + ".new")
    if not with_field_replaced(base, line, found[0].index(exc.column), exc.zero.encode(), delimiter, staged):
        return False
    staged.replace(folder / "cut" / base.name)
    return True


def _import_file(repo: Repository, name: str, path: Path, mode: ImportMode,
                 primary_key: list[str] | None, schema: TableSchema | None, file_type: str | None,
                 delimiter: str | None, progress: Callable[[str], None] | None, force: bool,
                 part_bytes: int | None, all_text: bool = False,
                 skipped: Skipped | None = None, *, foreign_key_checks: bool = True) -> ImportResult:
    from dl.core.io import read_table_file
    from dl.core.tables.import_columns import (HeaderMatch, check_fillable, match_header, reading_schema,
                                              without_columns)
    step = progress or (lambda phase: None)
    step("reading")
    target = target_schema(repo, name, mode, schema, force, foreign_key_checks=foreign_key_checks)
    if all_text:
        target = _all_text_schema(Path(path), file_type, delimiter, primary_key)
    match = match_header(Path(path), file_type, delimiter, target.names) if target else HeaderMatch()
    if target is not None and mode is not ImportMode.CREATE:
        check_fillable(match, target)
    reading = target.arrow if target else None
    if reading is not None and match.extra:
        reading = reading_schema(reading, match.extra)
    stream = _stream(path, file_type, delimiter, reading, part_bytes)
    if stream is not None and mode is ImportMode.UPDATE and match.missing:
        raise InputError(f"{Path(path).name} is read in parts (it is large) and lacks the table's "
                         f"column {match.missing[0]!r}: a large update must give every column")
    if stream is not None:
        result = _import_stream(repo, name, without_columns(stream, match.extra), mode, target,
                                primary_key, step, foreign_key_checks)
    else:
        read = read_table_file(path, file_type=file_type, delimiter=delimiter, schema=reading)
        result = import_rows(repo, name, read.table.drop_columns(list(match.extra)), mode,
                             primary_key=primary_key, schema=target, line_numbers=read.line_numbers,
                             source=Path(path).name, progress=step, skipped=skipped,
                             foreign_key_checks=foreign_key_checks)
    return replace(result, missing=match.missing, extra=match.extra)


def target_schema(repo: Repository, name: str, mode: ImportMode, schema: TableSchema | None = None,
                  force: bool = False, *, foreign_key_checks: bool = True) -> TableSchema | None:
    """The schema rows must take: the declared one for create (None: inferred from the rows),
    else the table's; refuses a create over an existing table (without force) and the other
    modes on a missing one."""
    working = repo.resolve_root("WORKING")
    exists = name in working.tables
    if mode is ImportMode.CREATE and exists and not force:  # Dolt's words, then dl's hint
        raise AlreadyExists("table", name, f"{name} already exists. Use -f to overwrite. "
                                           "(-u updates its rows, -r replaces them.)")
    if mode is not ImportMode.CREATE and not exists:
        raise NotFound("table", name, "use -c to create it",
                       message=f"The following table could not be found: {name}")
    if mode is ImportMode.REPLACE and foreign_key_checks:  # Dolt's replace truncates first: as TRUNCATE
        found = referencing_key(repo.store, working, [name])
        if found is not None:
            raise InputError(truncate_refused(*found))
    return schema if mode is ImportMode.CREATE else repo.table_in(working, name).schema


def import_rows(repo: Repository, name: str, rows: pa.Table, mode: ImportMode, *,
                primary_key: list[str] | None = None, schema: TableSchema | None = None,
                line_numbers: np.ndarray | None = None, source: str = "input",
                progress: Callable[[str], None] | None = None,
                skipped: Skipped | None = None, foreign_key_checks: bool = True) -> ImportResult:
    """Imports Arrow `rows` (already cast to `schema`, the result of `target_schema`) into table
    `name`, with the rules of a file import; lands whole or not at all. With `skipped`, the
    rows the table cannot take are left out and added to it (see `bad_rows`)."""
    check_table_name(name)
    step = progress or (lambda phase: None)
    target = schema if schema is not None else _inferred_schema(rows, primary_key)
    step("checking keys")
    if mode is not ImportMode.CREATE and target.constraints.auto_increment is not None:
        rows = _auto_increment_filled(repo, name, rows)
    if skipped is not None:
        rows, line_numbers = screen_keys(rows, target, line_numbers, skipped)
        rows, line_numbers = screen_rules(rows, target, line_numbers, skipped)
    _check_keys(name, target, rows, line_numbers, source)
    while True:
        try:
            return _write_rows(repo, name, rows, mode, target, line_numbers, source, step,
                               foreign_key_checks)
        except ConstraintViolation as exc:
            if skipped is None:
                raise _bad_row(repo, name, exc, rows, target, line_numbers) from None
            before = _old_rows(repo, name, rows, target) if exc.violation.parent_side else None
            rows, line_numbers = drop_violating(exc, rows, target, line_numbers, skipped, before)
        except ValueRuleError as exc:
            raise _bad_value(name, exc, rows, line_numbers) from None


def _auto_increment_filled(repo: Repository, name: str, rows: pa.Table) -> pa.Table:
    """`rows` with the table's AUTO_INCREMENT column generated where the file lacks it or
    leaves it empty (or 0), as Dolt's import, an INSERT underneath, does."""
    from dl.core.tables import auto_increment
    table = repo.table_in(repo.resolve_root("WORKING"), name)
    return auto_increment.fill(table, rows)[0]


def _old_rows(repo: Repository, name: str, rows: pa.Table, schema: TableSchema) -> pa.Table | None:
    """The working table's rows with the keys of `rows` (None for a new or keyless table)."""
    working = repo.resolve_root("WORKING")
    if name not in working.tables or schema.is_keyless:
        return None
    return repo.table_in(working, name).lookup(rows.select(list(schema.primary_key)))


def _write_rows(repo: Repository, name: str, rows: pa.Table, mode: ImportMode, target: TableSchema,
                line_numbers: np.ndarray | None, source: str,
                step: Callable[[str], None], foreign_key_checks: bool = True) -> ImportResult:
    result: list[ImportResult] = []

    def build(current: Table | None, buffer: BufferedStore) -> Table:
        step("building")
        fresh = current is None or mode is ImportMode.CREATE  # -c -f recreates the table
        base = Table.empty(buffer, target) if fresh else current
        base = Table(buffer, base.value)
        new = _apply(mode, base, rows, name, line_numbers, source)
        result[:] = [_counts(name, mode, base, new, rows.num_rows)]
        step("writing")
        return new

    repo.write_table(name, build, foreign_key_checks=foreign_key_checks)
    return result[0]


def _bad_row(repo: Repository, name: str, exc: ConstraintViolation, rows: pa.Table,
             schema: TableSchema, lines: np.ndarray | None) -> BadRowError:
    """A row of the file that breaks a constraint, said as Dolt's import says it: the table,
    the line, each column's value, then the constraint's message (for a parent row taken from
    its children, the file's row that takes it)."""
    if exc.violation.parent_side:
        before = _old_rows(repo, name, rows, schema)
        hits = np.flatnonzero(parent_rows(exc, rows, schema, before)) if before is not None else []
        if len(hits):
            index = int(hits[0])
            return bad_row_error(name, exc, row_values(rows, index),
                                 int(lines[index]) if lines is not None else index + 1)
        return bad_row_error(name, exc)
    return bad_row_error(name, exc, row_values(exc.violation.rows, 0),
                         first_line(exc, rows, schema, lines))


def _bad_value(name: str, exc: ValueRuleError, rows: pa.Table, lines: np.ndarray | None) -> BadRowError:
    """A value its declared type refuses, with its row (found by the value) and line."""
    if exc.column not in rows.column_names or exc.value is None:
        return bad_row_error(name, exc)
    values = rows.column(exc.column)
    try:
        equal = pc.equal(values, pa.scalar(exc.value, values.type))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return bad_row_error(name, exc)
    hits = np.flatnonzero(pc.fill_null(equal, False).to_numpy(zero_copy_only=False))
    if not len(hits):
        return bad_row_error(name, exc)
    index = int(hits[0])
    return bad_row_error(name, exc, row_values(rows, index),
                         int(lines[index]) if lines is not None else index + 1)


def _all_text_schema(path: Path, file_type: str | None, delimiter: str | None,
                     primary_key: list[str] | None) -> TableSchema:
    """Dolt's `--all-text` table for a delimited text file: every column text, the key columns
    (default: the first) varchar(200) as Dolt makes them."""
    from dl.core.io.csv import header_end
    from dl.core.io.formats import TEXT_DELIMITERS, detect_format, text_delimiter
    kind = detect_format(path, file_type)
    if kind not in TEXT_DELIMITERS:
        raise InputError(f"--all-text reads csv, tsv and psv files, not {kind}")
    with open(path, "rb") as source:
        head = source.read(1 << 20)
    found = header_end(path, head, text_delimiter(kind, delimiter)) if head.strip() else None
    if found is None:
        raise InputError(f"Error creating reader for {path}: it is an empty file")
    names = [n.strip() for n in found[0]]
    keys = primary_key or names[:1]
    missing = [k for k in keys if k not in names]
    if missing:
        raise _key_not_in_file(missing, names, path.name)
    schema = TableSchema.from_arrow(pa.schema([pa.field(n, pa.string()) for n in names]), tuple(keys))
    constraints = schema.constraints
    for column in names:
        constraints = constraints.with_declared(column, "varchar(200)" if column in keys else "text")
    return replace(schema, constraints=constraints)


def _stream(path: Path, file_type: str | None, delimiter: str | None, target: pa.Schema | None,
            part_bytes: int | None) -> TableStream | None:
    """The file as a stream of parts, or None to read it whole (small)."""
    from dl.core.io.stream import PART_BYTES, PART_ROWS, open_stream
    size = PART_BYTES if part_bytes is None else part_bytes
    rows = PART_ROWS if part_bytes is None else max(1, part_bytes // 64)
    return open_stream(path, file_type=file_type, delimiter=delimiter,
                       schema=target, part_bytes=size, part_rows=rows)


def _import_stream(repo: Repository, name: str, stream: TableStream, mode: ImportMode,
                   target: TableSchema | None, primary_key: list[str] | None,
                   step: Callable[[str], None], foreign_key_checks: bool = True) -> ImportResult:
    """`import_table` for a file read in parts (see `stream_import`)."""
    from dl.core.tables import stream_import
    if target is None:
        target = _inferred_schema(stream.schema.empty_table(), primary_key)
    absent = [k for k in target.primary_key if k not in stream.schema.names]
    if absent:
        raise _key_not_in_file(absent, stream.schema.names, stream.path.name)
    scratch = repo.directory / DL_DIR / "tmp" if repo.directory is not None else None
    result: list[ImportResult] = []

    def build(current: Table | None, buffer: BufferedStore) -> Table:
        step("building")
        fresh = current is None or mode is ImportMode.CREATE
        before = Table(buffer, (Table.empty(buffer, target) if fresh else current).value)
        base = before if mode in (ImportMode.UPDATE, ImportMode.APPEND) else Table.empty(buffer, target)
        if target.is_keyless:
            counted = _Counted(stream_import.keyless_rows(stream, base, scratch), copies=True)
            new = stream_import.build_table(base, counted) if base is not before or before.value.rows is None \
                else stream_import.add_keyless_copies(base, counted)
            result[:] = [_keyless_counts(name, mode, before, new, counted.rows)]
            step("writing")
            return new
        for sort in (False, True):
            counted = _Counted(stream_import.sorted_rows(stream, base, name, scratch, sort=sort))
            try:
                new = _consume(mode, base, counted, name, stream)
                break
            except stream_import.OutOfOrder:
                buffer.discard()
        result[:] = [_streamed_counts(name, mode, before, new, counted.rows)]
        step("writing")
        return new

    repo.write_table(name, build, foreign_key_checks=foreign_key_checks)
    return result[0]


def _consume(mode: ImportMode, base: Table, rows: Iterable[tuple[pa.Table, np.ndarray, np.ndarray]],
             name: str, stream: TableStream) -> Table:
    from dl.core.tables import stream_import
    if mode in (ImportMode.CREATE, ImportMode.REPLACE):
        return stream_import.build_table(base, rows)
    if mode is ImportMode.APPEND:
        return stream_import.append_table(base, rows, name, stream.path.name, stream.lines_known)
    return stream_import.upsert_table(base, rows)


class _Counted:
    """Passes the sorted batches through, counting their rows (with `copies`, a keyless
    table's stored rows: the copies each stands for)."""

    def __init__(self, rows: Iterator[tuple[pa.Table, np.ndarray, np.ndarray]], *,
                 copies: bool = False) -> None:
        self._rows, self.rows, self._copies = rows, 0, copies

    def __iter__(self) -> Iterator[tuple[pa.Table, np.ndarray, np.ndarray]]:
        from dl.core.tables.schema import ROW_COUNT
        for item in self._rows:
            self.rows += int(pc.sum(item[0].column(ROW_COUNT)).as_py() or 0) if self._copies \
                else item[0].num_rows
            yield item


def _keyless_counts(name: str, mode: ImportMode, before: Table, after: Table, processed: int) -> ImportResult:
    """The counts of a keyless import, as the whole-file import gives them (rows have no
    identity, so every row is added or unchanged)."""
    if mode is ImportMode.REPLACE:
        return _replaced(name, before, processed)
    if before.value.rows is None:
        return ImportResult(name, mode, processed, after.count(), 0, 0, 0)
    added = max(after.count() - before.count(), 0)
    return ImportResult(name, mode, processed, added, 0, processed - added, 0)


def _streamed_counts(name: str, mode: ImportMode, before: Table, after: Table,
                     processed: int) -> ImportResult:
    """The counts users see, from a diff taken in pieces (its cost is the change's, its memory
    a window of leaves)."""
    if mode is ImportMode.REPLACE:
        return _replaced(name, before, processed)
    from dl.core.prolly.diff import iter_diff
    added = removed = modified = 0
    if before.value.rows is None:
        added = after.count()
    else:
        for piece in iter_diff(before.tree, after.tree):
            added += piece.added.num_rows
            removed += piece.removed.num_rows
            modified += piece.modified_to.num_rows
    return ImportResult(name, mode, processed, added, modified, processed - added - modified, removed)


def _inferred_schema(rows: pa.Table, primary_key: list[str] | None) -> TableSchema:
    """The schema of a table created from `rows`: their types, keyed by `primary_key` or, as
    Dolt does when none is given, by the first column."""
    if not primary_key:
        if not rows.column_names:
            raise InputError("the file has no columns to make a table of")
        primary_key = rows.column_names[:1]
    missing = [k for k in primary_key if k not in rows.column_names]
    if missing:
        raise _key_not_in_file(missing, rows.column_names)
    return TableSchema.from_arrow(rows.schema, tuple(primary_key))


def _key_not_in_file(keys: list[str], columns: list[str], source: str | None = None) -> InputError:
    """--pk columns (or a table's key) naming no column of the file, in Dolt's words (its
    error's heading and cause, on one line), after the file's name when known."""
    where = f"{source}: " if source else ""
    what = f"primary key {keys[0]!r}" if len(keys) == 1 else f"primary keys [{' '.join(keys)}]"
    return InputError(f"{where}Error determining the output schema. {what} not found in "
                      f"import file. Available columns: {', '.join(columns)}", column=keys[0])


def _check_keys(name: str, schema: TableSchema, rows: pa.Table, lines: np.ndarray | None,
                source: str = "input") -> None:
    """Null and duplicate primary keys in the file, named with their source lines."""
    def line(i: int) -> int:
        return int(lines[i]) if lines is not None else i + 1

    absent = [k for k in schema.primary_key if k not in rows.column_names]
    if absent:
        raise _key_not_in_file(absent, rows.column_names, source)
    for key in schema.primary_key:
        if rows.column(key).null_count:
            first = int(np.flatnonzero(rows.column(key).is_null().to_numpy(zero_copy_only=False))[0])
            raise InputError(f"{source}, line {line(first)}: primary key column {key!r} is empty or null",
                             line=line(first), column=key)
    if schema.is_keyless or rows.num_rows < 2:
        return
    keys = schema.layout.keys_of(rows.select(list(schema.primary_key)))
    if bool(np.all(keys[1:] > keys[:-1])):  # strictly increasing (a file in key order): no repeat,
        return                               # and no sort of 1M keys (~0.1 s)
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
    from dl.core.tables.import_columns import update_parts
    for part in update_parts(base, rows):
        base = base.upsert(part)
    return base


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


def _replaced(name: str, before: Table, processed: int) -> ImportResult:
    """The counts of `-r`, as Dolt gives them: the table's rows are replaced, so every row of
    the file is an addition and every row the table had a deletion."""
    return ImportResult(name, ImportMode.REPLACE, processed, processed, 0, 0,
                        before.count() if before.value.rows is not None else 0)


def _counts(name: str, mode: ImportMode, before: Table, after: Table, processed: int) -> ImportResult:
    if mode is ImportMode.REPLACE:
        return _replaced(name, before, processed)
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
    """The rows of table `name` at `rev` (all in memory; `export_table` streams)."""
    return repo.table(name, rev).scan()


def export_table(repo: Repository, name: str, path: Path, rev: str = "WORKING", *,
                 file_type: str | None = None) -> int:
    """Writes table `name` at `rev` to `path` leaf by leaf (bounded memory); returns the rows."""
    from dl.core.io import write_batches
    table = repo.table(name, rev)

    def batches() -> Iterator[pa.RecordBatch]:
        for leaf in table.tree.stream_leaves():
            if table.schema.is_keyless:
                yield from table.user_rows(pa.Table.from_batches([leaf])).to_batches()
            else:
                yield leaf
    write_batches(table.schema.arrow, batches, path, file_type=file_type, protected=repo.dl_dir)
    return table.count()
