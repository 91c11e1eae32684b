"""Rows an import cannot take: said as Dolt says them, or skipped with `--continue`.

Without `--continue` an import lands whole or not at all, and a row that breaks the table (a
ragged record, a value its declared type refuses, a CHECK or FOREIGN KEY constraint) is the
error, worded as Dolt's import words it: "A bad row was encountered inserting into table t (on
line 3): ..." (`bad_row_error`). With `--continue` such rows are left out and listed, and the
rest lands. They are found three ways:
- a record the reader refuses (ragged, or a value its column cannot hold) names its line: the
  file is read again without that line (`without_lines`: numpy finds the line's bytes), one
  re-read per refused record, so `--continue` suits files with few of them;
- a field that is not UTF-8 text, or that a numeric column cannot read, is not a reason to
  leave its row out: as MySQL's INSERT IGNORE (and Dolt) do, the text is cut at its first
  invalid byte and the number becomes 0, in a copy of the file (`with_text_cut`,
  `with_field_replaced`); a string too long for its `varchar(n)` is cut to n (`screen_rules`);
- rows whose primary key is null, or repeats an earlier row's (the first row of a key is kept,
  as Dolt keeps it), are found vectorized (`screen_keys`);
- rows the table refuses: a declared type's rule names one row (`screen_rules` drops it and
  checks the column again); a constraint's violation carries every row that breaks it, which
  `matching_rows` finds among the file's rows by primary key, for the write to be retried.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
from dl.core.errors import ConstraintViolation, InputError, RaggedRow, ValueRuleError
from dl.core.tables.schema import TableSchema
from dl.core.versioning.constraint_check import FOREIGN_KEY


class BadRowError(InputError):
    """A row an import cannot take, with Dolt's heading and hint; `line` is its line in the file
    when known."""


@dataclass
class Skipped:
    """The rows an import left out, each as the values Dolt prints, with its line when known."""

    rows: list[tuple[object, ...]] = field(default_factory=list)
    row_lines: list[int | None] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # lines of the original file read without

    def add(self, row: tuple[object, ...], line: int | None) -> None:
        self.rows.append(row)
        self.row_lines.append(line)

    def add_table(self, rows: pa.Table, lines: np.ndarray | None) -> None:
        """Adds `rows`; `lines` are those of the copy read (without the lines in `self.lines`)."""
        for i, row in enumerate(rows.to_pylist()):
            line = original_line(int(lines[i]), self.lines) if lines is not None else None
            self.add(tuple(row.values()), line)

    def forget_from(self, count: int) -> None:
        del self.rows[count:], self.row_lines[count:]

    def in_file_order(self) -> tuple[tuple[object, ...], ...]:
        """The rows by their line in the file (rows without one last, as found)."""
        order = sorted(range(len(self.rows)),
                       key=lambda i: (self.row_lines[i] is None, self.row_lines[i] or 0, i))
        return tuple(self.rows[i] for i in order)


def bad_row_error(table: str, cause: Exception, row: dict[str, object] | None = None,
                  line: int | None = None) -> BadRowError:
    """Dolt's words for a bad row: the table, the line, each column's value, then the cause."""
    where = f" (on line {line})" if line is not None else ""
    values = ", ".join(f"{column}: {value}" for column, value in row.items()) + " " if row else ""
    reason = f"({cause})"
    if isinstance(cause, ConstraintViolation) and cause.violation.kind == FOREIGN_KEY:
        reason = f"({foreign_key_reason(cause)})"
    if isinstance(cause, ValueRuleError) and cause.too_long:
        reason = f"(string '{cause.value}' is too large for column '{cause.column}')"
    if isinstance(cause, RaggedRow):
        reason = cause.reason
    return BadRowError(f"An error occurred while moving data: A bad row was encountered inserting "
                       f"into table {table}{where}: {values}{reason}. Errors during import can "
                       f"be ignored using '--continue'", line=line)


def foreign_key_reason(exc: ConstraintViolation) -> str:
    """A foreign key's violation as Dolt's import says it."""
    violation = exc.violation
    info = violation.info
    side = "delete or update a parent row" if violation.parent_side else "add or update a child row"
    values = [violation.rows.column(c)[0].as_py() for c in info["Columns"]]
    return (f"cannot {side} - Foreign key violation on fk: `{violation.name}`, table: "
            f"`{info['Table']}`, referenced table: `{info['ReferencedTable']}`, key: "
            f"`[{','.join(str(v) for v in values)}]`")


def without_lines(source: Path, lines: list[int], copy: Path) -> Path:
    """Writes `source` without its (1-based) `lines` to `copy`, found with numpy, not a loop
    over the file's lines."""
    data = np.frombuffer(source.read_bytes(), dtype=np.uint8)
    ends = np.append(np.flatnonzero(data == 10) + 1, len(data))  # line i ends before ends[i-1]
    starts = np.concatenate(([0], ends[:-1]))
    keep = np.ones(len(starts), bool)
    drop = np.asarray([n - 1 for n in lines if 0 < n <= len(starts)], dtype=np.int64)
    keep[drop] = False
    raw = data.tobytes()
    copy.write_bytes(b"".join(raw[s:e] for s, e in _runs(starts, ends, keep)))
    return copy


def with_text_cut(source: Path, line: int, value: bytes, valid: int, copy: Path) -> bool:
    """Writes `source` to `copy` with the field `value` on (1-based) `line` cut to its first
    `valid` bytes; False (nothing written) if the field is not found there as written, or the
    cut would take a line break with it (line numbers must stay those of the source)."""
    data = source.read_bytes()
    ends = np.append(np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10) + 1, len(data))
    if not 0 < line <= len(ends):
        return False
    start = int(ends[line - 2]) if line > 1 else 0
    written = value.replace(b'"', b'""')  # a quote inside a quoted field is doubled
    at = data.find(written, start)
    cut = written[:len(value[:valid].replace(b'"', b'""'))]
    if at < 0 or at > int(ends[line - 1]) or b"\n" in written[len(cut):]:
        return False
    copy.write_bytes(data[:at] + cut + data[at + len(written):])
    return True


def with_field_replaced(source: Path, line: int, index: int, new: bytes, delimiter: str,
                        copy: Path) -> bool:
    """Writes `source` to `copy` with field `index` (0-based) of the record on (1-based) `line`
    replaced by `new`; False (nothing written) if the record does not hold that field on the
    line. Fields are found as the reader splits them: a quoted field opens at a field's start
    and `""` inside it is a quote."""
    data = source.read_bytes()
    ends = np.append(np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10) + 1, len(data))
    if not 0 < line <= len(ends):
        return False
    start, end = (int(ends[line - 2]) if line > 1 else 0), int(ends[line - 1])
    sep = re.escape(delimiter.encode())
    field = re.compile(rb'"(?:[^"]|"")*"[^' + sep + rb'\r\n]*|[^' + sep + rb'\r\n]*')
    position = start
    for number in range(index + 1):
        found = field.match(data, position, end)
        if found is None:
            return False
        if number == index:
            copy.write_bytes(data[:found.start()] + new + data[found.end():])
            return True
        position = found.end()
        if data[position:position + 1] != delimiter.encode():
            return False
        position += 1
    return False


def _runs(starts: np.ndarray, ends: np.ndarray, keep: np.ndarray) -> list[tuple[int, int]]:
    """Byte ranges of the kept lines, consecutive lines merged (one range per gap)."""
    edges = np.diff(np.concatenate(([0], keep.astype(np.int8), [0])))
    first, last = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [(int(starts[a]), int(ends[b])) for a, b in zip(first, last)]


def original_line(line: int, removed: list[int]) -> int:
    """The line of the original file that is line `line` of a copy without `removed` lines."""
    for gone in sorted(removed):
        if gone <= line:
            line += 1
    return line


def line_fields(source: Path, line: int, delimiter: str) -> tuple[str, ...]:
    """The fields of one line of a delimited text file (for listing a skipped record)."""
    with open(source, "rb") as handle:
        for number, text in enumerate(handle, start=1):
            if number == line:
                decoded = text.decode("utf-8", "replace").rstrip("\r\n")
                return tuple(next(csv.reader(io.StringIO(decoded), delimiter=delimiter), []))
    return ()


def screen_keys(rows: pa.Table, schema: TableSchema, lines: np.ndarray | None,
                skipped: Skipped) -> tuple[pa.Table, np.ndarray | None]:
    """`rows` without those whose key is null or repeats an earlier row's key (keyless tables
    have no key to screen)."""
    if schema.is_keyless or rows.num_rows == 0 or any(k not in rows.column_names for k in schema.primary_key):
        return rows, lines
    bad = np.zeros(rows.num_rows, bool)
    for key in schema.primary_key:
        bad |= rows.column(key).is_null().to_numpy(zero_copy_only=False)
    good = np.flatnonzero(~bad)
    if len(good) > 1:
        keys = schema.layout.keys_of(rows.select(list(schema.primary_key)).take(pa.array(good)))
        _, first = np.unique(keys, return_index=True)
        repeat = np.ones(len(good), bool)
        repeat[first] = False
        bad[good[repeat]] = True
    return _drop(rows, lines, bad, skipped)


def screen_rules(rows: pa.Table, schema: TableSchema, lines: np.ndarray | None,
                 skipped: Skipped) -> tuple[pa.Table, np.ndarray | None]:
    """`rows` with strings too long for their `varchar(n)` cut to it (MySQL's INSERT IGNORE,
    which Dolt's --continue is), and without the rows another declared type's rule refuses:
    the rule names the first bad row of a column; it is dropped and the column checked again."""
    from dl.core.tables.column_rules import apply_rule, truncated
    for column, declared in schema.constraints.declared_types:
        if column not in rows.column_names or not _is_arrow_type(rows.column(column), schema, column):
            continue
        index = rows.column_names.index(column)
        rows = rows.set_column(index, column, truncated(declared, rows.column(column).combine_chunks()))
        while rows.num_rows:
            try:
                apply_rule(declared, column, rows.column(column).combine_chunks())
                break
            except ValueRuleError as exc:
                bad = np.zeros(rows.num_rows, bool)
                bad[exc.row] = True
                rows, lines = _drop(rows, lines, bad, skipped)
    return rows, lines


def _is_arrow_type(values: pa.ChunkedArray, schema: TableSchema, column: str) -> bool:
    return bool(values.type == schema.column(column).type)


def matching_rows(rows: pa.Table, schema: TableSchema, found: pa.Table) -> np.ndarray:
    """Which of `rows` have the key of a row of `found` (a violation's rows)."""
    keys = list(schema.primary_key)
    if not keys or any(k not in rows.column_names or k not in found.column_names for k in keys):
        return np.zeros(rows.num_rows, bool)
    mine = schema.layout.keys_of(rows.select(keys))
    theirs = schema.layout.keys_of(found.select(keys).cast(rows.select(keys).schema))
    return np.isin(mine, theirs)


def parent_rows(exc: ConstraintViolation, rows: pa.Table, schema: TableSchema,
                before: pa.Table) -> np.ndarray:
    """Which of `rows` (new rows of a parent table) take away a value that the children a
    violation names still reference: a key the table had (`before`: its old rows for those
    keys) whose referenced columns held such a value and now hold another."""
    from dl.core.tables.encoding import encode_keys
    info = exc.violation.info
    parents, children = list(info["ReferencedColumns"]), list(info["Columns"])
    keys = list(schema.primary_key)
    if not keys or before.num_rows == 0 or any(c not in rows.column_names for c in parents + keys):
        return np.zeros(rows.num_rows, bool)
    types = [before.column(c).type for c in parents]
    held = encode_keys([exc.violation.rows.column(c).cast(t) for c, t in zip(children, types)], nullable=True)
    old_hits = np.isin(encode_keys([before.column(c) for c in parents], nullable=True), held)
    taken = schema.layout.keys_of(before.select(keys).filter(pa.array(old_hits)))
    new_values = encode_keys([rows.column(c).cast(t) for c, t in zip(parents, types)], nullable=True)
    return np.isin(schema.layout.keys_of(rows.select(keys)), taken) & ~np.isin(new_values, held)


def drop_violating(exc: ConstraintViolation, rows: pa.Table, schema: TableSchema,
                   lines: np.ndarray | None, skipped: Skipped,
                   before: pa.Table | None = None) -> tuple[pa.Table, np.ndarray | None]:
    """`rows` without those a constraint's violation names (for a parent row taken away from
    its children, the rows that take it: see `parent_rows`, with `before` the table's old rows
    for the file's keys); the violation itself when none of them is (a keyless table, or a row
    the file did not give)."""
    if exc.violation.parent_side:
        bad = parent_rows(exc, rows, schema, before) if before is not None else np.zeros(rows.num_rows, bool)
    else:
        bad = matching_rows(rows, schema, exc.violation.rows)
    if not bad.any():
        raise exc
    return _drop(rows, lines, bad, skipped)


def first_line(exc: ConstraintViolation, rows: pa.Table, schema: TableSchema,
               lines: np.ndarray | None) -> int | None:
    """The file line of the first row a violation names, when known."""
    hits = np.flatnonzero(matching_rows(rows, schema, exc.violation.rows.slice(0, 1)))
    if not len(hits):
        return None
    return int(lines[hits[0]]) if lines is not None else int(hits[0]) + 1


def _drop(rows: pa.Table, lines: np.ndarray | None, bad: np.ndarray,
          skipped: Skipped) -> tuple[pa.Table, np.ndarray | None]:
    if not bad.any():
        return rows, lines
    skipped.add_table(rows.filter(pa.array(bad)), lines[bad] if lines is not None else None)
    keep = pa.array(~bad)
    return rows.filter(keep), (lines[~bad] if lines is not None else None)


def row_values(rows: pa.Table, index: int) -> dict[str, object]:
    """Row `index` of `rows`, column by column."""
    return {name: rows.column(name)[index].as_py() for name in rows.column_names}
