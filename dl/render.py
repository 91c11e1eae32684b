"""Text for the terminal: diffs (tabular, JSON, CSV, SQL, --stat, --summary), logs, status.

Pure functions from core values to strings, so the CLI tests can check them exactly. Every
piece of stored data (messages, names, cells) goes through `dl.terminal_text` before it is
printed, so no control character in a repository reaches the terminal raw. Diffs
render from the row tables a tree diff produced (what changed, never the whole table): each
table's changes are merged into one Arrow table in key order with a marker column (`+`, `-`,
`<`, `>`, as Dolt prints them), and only that is turned into text.
"""
from __future__ import annotations

import datetime
import json
import math
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from dl.terminal_text import printable, printable_lines

if TYPE_CHECKING:
    import pyarrow as pa

    from dl.core.hashing import Address
    from dl.core.repo import Status
    from dl.core.remotes.tracking import Tracking
    from dl.core.versioning.commit import Commit
    from dl.core.versioning.diff import DiffStat, RowCounts, TableDiff

MARK = "__dl_mark"
ORDER = "__dl_order"
GREEN, RED, YELLOW, BOLD, RESET = "\x1b[32m", "\x1b[31m", "\x1b[33m", "\x1b[1m", "\x1b[0m"
MARK_COLOURS = {"+": GREEN, "-": RED, "<": RED, ">": GREEN}


# --- diff rows ------------------------------------------------------------------------------

def marked_rows(diff: "TableDiff") -> "pa.Table":
    """The table's changed rows in key order with a marker column first: `-` removed, `+`
    added, and for a modified row its old side `<` right before its new side `>`."""
    import numpy as np
    import pyarrow as pa
    rows = diff.rows
    columns = diff.columns
    parts, marks, orders = [], [], []
    n_mod = rows.modified_to.num_rows
    for table, mark, order in ((rows.removed, "-", None), (rows.added, "+", None),
                               (rows.modified_from, "<", 0), (rows.modified_to, ">", 1)):
        if table.num_rows == 0:
            continue
        parts.append(table.select(columns))
        marks.append(np.full(table.num_rows, mark, dtype=object))
        # a modified pair sorts together: old side first
        orders.append(np.zeros(table.num_rows, np.int8) if order is None
                      else np.full(table.num_rows, order, np.int8))
    schema = pa.schema([diff.rows.added.schema.field(c) for c in columns])
    if not parts:
        empty = schema.empty_table()
        return empty.add_column(0, MARK, pa.array([], pa.string()))
    combined = pa.concat_tables(parts).cast(schema) if len(parts) > 1 else parts[0]
    combined = combined.add_column(0, MARK, pa.array(np.concatenate(marks), pa.string()))
    combined = combined.append_column(ORDER, pa.array(np.concatenate(orders)))
    key = list(diff.to_schema.primary_key if diff.to_schema else ()) or \
        list(diff.from_schema.primary_key if diff.from_schema else ())
    key = [k for k in key if k in columns]
    if key and n_mod + rows.added.num_rows + rows.removed.num_rows > 1:
        try:
            combined = combined.sort_by([(k, "ascending") for k in key] + [(ORDER, "ascending")])
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
            pass  # a key type Arrow cannot sort: keep part order
    return combined.drop_columns([ORDER])


def cell(value: Any) -> str:
    """One value as the tabular diff shows it, as Dolt does: floats in Go's shortest `%g`
    form (`1`, `1.234`, `1.6777216e+07`), UTC timestamps without their offset."""
    from dl.sql.formats import cell_text
    if isinstance(value, float) and math.isfinite(value):
        return go_float(value)
    if isinstance(value, datetime.datetime) and value.utcoffset() == datetime.timedelta(0):
        value = value.replace(tzinfo=None)
    return printable(cell_text(value))


def go_float(value: float) -> str:
    """`value` as Go's strconv.FormatFloat(v, 'g', -1, 64): the shortest digits that read back
    as `value`, in exponent form when the exponent is below -4 or at least 6 (Dolt's text)."""
    import decimal
    sign, digits, exponent = decimal.Decimal(repr(value)).normalize().as_tuple()
    if not any(digits):
        return "-0" if sign else "0"
    text = "".join(map(str, digits))
    point = len(text) + int(exponent)  # digits before the decimal point
    if point - 1 < -4 or point - 1 >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        power = point - 1
        body = f"{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}"
    elif point <= 0:
        body = "0." + "0" * -point + text
    elif point >= len(text):
        body = text + "0" * (point - len(text))
    else:
        body = text[:point] + "." + text[point:]
    return ("-" if sign else "") + body


def tabular_diff(diffs: list["TableDiff"], colour: bool = False) -> str:
    """Dolt's tabular diff: a header per table, schema changes, then a box of marked rows."""
    out: list[str] = []
    write_tabular_diff(([diff] for diff in diffs), out.append, colour)
    return "".join(out)


def write_tabular_diff(tables: Iterable[Iterable["TableDiff"]], write: Callable[[str], Any],
                       colour: bool = False, *, schema: bool = True, data: bool = True) -> None:
    """`tabular_diff` written as it is found: per table, its parts in key order (the first
    carries the header; see `diff_roots_in_steps`), each part's rows written before the next
    part is read, in one box per table that widens if later rows need more room. `schema=False`
    (Dolt's `--data`) leaves the schema lines out, `data=False` the rows."""
    from dl.sql.formats import BoxWriter
    for parts in tables:
        box = None
        for index, diff in enumerate(parts):
            if index == 0:
                header = _table_header(diff) if schema else _diff_header(diff)
                write("\n".join(header) + "\n")
            if not data:
                continue
            rows = marked_rows(diff)
            if not rows.num_rows:
                continue
            if box is None:
                box = BoxWriter(["", *(printable(n) for n in rows.column_names[1:])], write, _mark_colour if colour else None)
            texts = [[cell(v) for v in column.to_pylist()] for column in rows.columns[1:]]
            marks = rows.column(0).to_pylist()
            box.rows([[mark, *values] for mark, *values in zip(marks, *texts)])
        if box is not None:
            box.close()


def _table_header(diff: "TableDiff") -> list[str]:
    """Dolt's header of a table's diff: the `diff` line, `added table`/`deleted table` or the
    `---`/`+++` lines, then the CREATE TABLE statements diffed line by line if they differ."""
    out = _diff_header(diff)
    if diff.from_schema == diff.to_schema:
        return out
    from dl.sql.mysql_schema import schema_diff_lines
    return out + [printable(line) for line in schema_diff_lines(diff.name, diff.from_schema, diff.to_schema)]


def _diff_header(diff: "TableDiff") -> list[str]:
    return table_diff_header(diff.name, diff.change.value)


def table_diff_header(name: str, change: str) -> list[str]:
    """The lines that open a table's diff (`change`: added, deleted or modified), as Dolt's."""
    name = printable(name)
    if change == "added":
        return [f"diff --dl a/{name} b/{name}", "added table"]
    if change == "deleted":
        return [f"diff --dl a/{name} b/{name}", "deleted table"]
    return [f"diff --dl a/{name} b/{name}", f"--- a/{name}", f"+++ b/{name}"]


def _mark_colour(cells: list[str], line: str) -> str:
    colour = MARK_COLOURS.get(cells[0])
    return colour + line + RESET if colour else line


def json_diff(diffs: list["TableDiff"]) -> str:
    """Dolt's JSON shape: {"tables":[{"name","schema_diff","data_diff":[{from_row,to_row}]}]}."""
    return "".join(json_diff_pieces([[diff] for diff in diffs]))


def json_diff_pieces(tables: Iterable[Iterable["TableDiff"]], *, schema: bool = True,
                     data: bool = True) -> Iterator[str]:
    """`json_diff` as text pieces, from each table's diff in pieces (`diff_table_pieces`), built
    as the rows arrive (bounded memory). Dolt's text: compact, each row's columns by name with
    NULLs left out, rows in key order (a modified row one entry), schema changes as MySQL
    statements (`sql.mysql_schema`); nothing at all when nothing changed. `schema=False` (Dolt's
    `--data`) leaves `schema_diff` out; `data=False` (`--schema`) leaves `data_diff` empty."""
    started = False
    for pieces in tables:
        written = 0
        for index, diff in enumerate(pieces):
            if index == 0:
                yield ("," if started else '{"tables":[') + '{"name":' + _compact(diff.name)
                started = True
                if schema:
                    yield ',"schema_diff":' + _compact(_schema_diff(diff))
                yield ',"data_diff":['
            if not data:
                continue
            entries = list(_json_row_entries(diff))
            if entries:
                yield ("," if written else "") + ",".join(entries)
                written += len(entries)
        yield "]}"
    if started:
        yield "]}\n"


def _compact(value: Any) -> str:
    from dl.sql.formats import json_value
    return json.dumps(value, default=json_value, ensure_ascii=False, separators=(",", ":"),
                      sort_keys=True)


def _json_row_entries(diff: "TableDiff") -> Iterator[str]:
    """Each changed row as `{"from_row":{...},"to_row":{...}}`, in key order."""
    rows = marked_rows(diff)
    marks = rows.column(0).to_pylist()
    values = rows.drop_columns([MARK]).to_pylist()
    pending: dict[str, Any] | None = None
    for mark, row in zip(marks, values):
        present = {k: v for k, v in row.items() if v is not None}
        if mark == "<":
            pending = present
            continue
        old, new = {"-": (present, {}), "+": ({}, present)}.get(mark, (pending or {}, present))
        yield '{"from_row":' + _compact(old) + ',"to_row":' + _compact(new) + "}"


def _schema_diff(diff: "TableDiff") -> list[str]:
    from dl.sql.mysql_schema import schema_statements  # pyarrow: only when a schema is to be written
    return schema_statements(diff)


def csv_diff(diffs: list["TableDiff"]) -> str:
    """CSV of the changed rows: `diff_type` (added, removed, modified_from, modified_to) then the
    columns; with more than one table, a `table` column first (the union of their columns)."""
    import pyarrow as pa

    from dl.sql.formats import to_csv
    frames = [_csv_frame(diff, len(diffs) > 1) for diff in diffs]
    if not frames:
        return "diff_type\n"
    if len(frames) == 1:
        return to_csv(frames[0])
    return to_csv(pa.concat_tables(frames, promote_options="permissive"))


def csv_diff_pieces(pieces: Iterable["TableDiff"]) -> Iterator[str]:
    """`csv_diff` of one table's diff in pieces: the header once, then each piece's rows."""
    for index, diff in enumerate(pieces):
        text = csv_diff([diff])
        yield text if index == 0 else text.split("\n", 1)[1]


def csv_diff_tables_pieces(headers: list["TableDiff"],
                           tables: Iterable[Iterable["TableDiff"]]) -> Iterator[str]:
    """`csv_diff` of several tables' diffs in pieces, the same text as the whole: the header
    of the union of every table's columns (from `headers`, their diffs without rows) once,
    then each piece's rows cast to it (columns a table lacks empty)."""
    import pyarrow as pa

    from dl.sql.formats import to_csv
    schemas = [_csv_frame(diff, True).schema for diff in headers]
    if not schemas:
        yield "diff_type\n"
        return
    union = pa.unify_schemas(schemas, promote_options="permissive")
    yield to_csv(union.empty_table())
    for pieces in tables:
        for diff in pieces:
            frame = _csv_frame(diff, True)
            if frame.num_rows:
                columns = [frame.column(f.name).cast(f.type) if f.name in frame.column_names
                           else pa.nulls(frame.num_rows, f.type) for f in union]
                yield to_csv(pa.Table.from_arrays(columns, schema=union), header=False)


def _csv_frame(diff: "TableDiff", named: bool) -> "pa.Table":
    """One diff's rows as `csv_diff` writes them: diff_type first (and the table's name before
    it when several tables share the text)."""
    import pyarrow as pa
    marks = {"+": "added", "-": "removed", "<": "modified_from", ">": "modified_to"}
    rows = marked_rows(diff)
    kinds = pa.array([marks[m] for m in rows.column(0).to_pylist()], pa.string())
    frame = rows.drop_columns([MARK]).add_column(0, "diff_type", kinds)
    if named:
        frame = frame.add_column(0, "table", pa.array([diff.name] * frame.num_rows, pa.string()))
    return frame


def sql_diff_pieces(tables: Iterable[Iterable["TableDiff"]], *, schema: bool = True, data: bool = True,
                    skipped: Callable[[str], Any] = lambda message: None) -> Iterator[str]:
    """Dolt's `diff -r sql` (`sql.mysql_diff`) of each table's diff in pieces; a table whose rows
    cannot be written as statements gets its schema statements, then `skipped(message)`."""
    from dl.sql.mysql_diff import RowsSkipped, table_statements
    for pieces in tables:
        for index, diff in enumerate(pieces):
            lines: list[str] = []
            try:
                lines.extend(table_statements(diff, schema=schema, data=data, first=index == 0))
            except RowsSkipped as skip:
                if lines:
                    yield "\n".join(lines) + "\n"
                skipped(str(skip))
                break
            if lines:
                yield "\n".join(lines) + "\n"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def stat_text(diff: "TableDiff", stat: "DiffStat") -> str:
    """Dolt's --stat block for one table."""
    old = max(stat.old_rows, 1)
    unmodified = max(stat.old_rows - stat.rows_deleted - stat.rows_modified, 0)
    columns = max(len(diff.columns), 1)
    cells_old = max(stat.old_rows * columns, 1)

    def pct(n: int, of: int) -> str:
        return f"({100.0 * n / of:.2f}%)"
    lines = _diff_header(diff)[1:]
    lines += [f"{_plural(unmodified, 'Row')} Unmodified {pct(unmodified, old)}",
              f"{_plural(stat.rows_added, 'Row')} Added {pct(stat.rows_added, old)}",
              f"{_plural(stat.rows_deleted, 'Row')} Deleted {pct(stat.rows_deleted, old)}",
              f"{_plural(stat.rows_modified, 'Row')} Modified {pct(stat.rows_modified, old)}",
              f"{_plural(stat.cells_modified, 'Cell')} Modified {pct(stat.cells_modified, cells_old)}",
              f"({_plural(stat.old_rows, 'Row Entry').replace('Entrys', 'Entries')} vs "
              f"{_plural(stat.new_rows, 'Row Entry').replace('Entrys', 'Entries')})"]
    return "\n".join(lines) + "\n"


def json_stat(stats: list[tuple["TableDiff", "DiffStat"]]) -> str:
    """Dolt's `diff --stat -r json`: per table its row and cell counts (`{}` when no row
    changed, e.g. a new empty table)."""
    tables = []
    for diff, stat in stats:
        columns = len(diff.columns)
        counts: dict[str, int] = {}
        if stat.rows_added or stat.rows_deleted or stat.rows_modified:
            counts = {"rows_added": stat.rows_added, "rows_deleted": stat.rows_deleted,
                      "rows_modified": stat.rows_modified,
                      "rows_unmodified": max(stat.old_rows - stat.rows_deleted - stat.rows_modified, 0),
                      "cells_added": stat.rows_added * columns, "cells_deleted": stat.rows_deleted * columns,
                      "cells_modified": stat.cells_modified}
        tables.append({"name": diff.name, "stats": counts})
    return json.dumps({"tables": tables}, separators=(",", ":"), ensure_ascii=False)


def summary_text(diffs: list[tuple["TableDiff", bool]]) -> str:
    """Dolt's --summary: one line per table with its diff type, data and schema change (each
    diff comes with whether its data changed: its rows need not have been read)."""
    import pyarrow as pa

    from dl.sql.formats import to_box
    rows = {"Table name": [], "Diff type": [], "Data change": [], "Schema change": []}
    for diff, data in diffs:
        schema = diff.change.value != "modified" or bool(diff.schema_changes)
        rows["Table name"].append(printable(diff.name))
        rows["Diff type"].append("dropped" if diff.change.value == "deleted" else diff.change.value)
        rows["Data change"].append("true" if data else "false")
        rows["Schema change"].append("true" if schema else "false")
    return to_box(pa.table({k: pa.array(v, pa.string()) for k, v in rows.items()}))


# --- log and show ---------------------------------------------------------------------------

def when(timestamp: float) -> str:
    """A commit time as git prints it, in local time with its offset."""
    moment = datetime.datetime.fromtimestamp(timestamp).astimezone()
    return moment.strftime("%a %b %d %H:%M:%S %Y %z")


def decorations(address: "Address", current: str, branches: dict[str, "Address"],
                tags: dict[str, "Address"], remotes: dict[str, "Address"] | None = None,
                *, full: bool = False) -> str:
    """`(HEAD -> main, feature, origin/main, tag: v1)` for a commit that refs point at; `full`
    names the refs in full (`refs/heads/main`, `tag: refs/tags/v1`), as `log --decorate=full`."""
    heads, tag_refs, remote_refs = ("refs/heads/", "refs/tags/", "refs/remotes/") if full else ("", "", "")
    names = []
    if branches.get(current) == address:
        names.append(f"HEAD -> {heads}{current}")
    names += sorted(heads + b for b, a in branches.items() if a == address and b != current)
    names += sorted(remote_refs + r for r, a in (remotes or {}).items() if a == address)
    names += [f"tag: {tag_refs}{t}" for t, a in sorted(tags.items()) if a == address]
    names = [printable(n) for n in names]
    return f" ({', '.join(names)})" if names else ""


def commit_text(address: "Address", commit: "Commit", decoration: str, colour: bool) -> str:
    """One commit the way `dl log` prints it."""
    head = f"commit {address.hex}{decoration}"
    if colour:  # as Dolt's: "commit <hash> " in yellow, so `cut -d' ' -f2` still gives the hash
        head = f"{YELLOW}commit {address.hex} {RESET}{decoration.lstrip(' ')}"
    lines = [head]
    if len(commit.parents) > 1:
        lines.append("Merge: " + " ".join(p.hex for p in commit.parents))
    lines += [f"Author: {printable(commit.author)} <{printable(commit.email)}>",
              f"Date:   {when(commit.timestamp)}", ""]
    lines += [f"    {line}" for line in printable_lines(commit.message.rstrip("\n")) or [""]]
    return "\n".join(lines) + "\n"


def log_stat_text(counts: list["RowCounts"]) -> str:
    """Dolt's `log --stat` lines for one commit: per modified table its count of changed rows
    and a bar of `+`, `*`, `-` (at most about 30 signs, scaled to the busiest table), a total
    line, then the tables added and deleted."""
    modified = sorted((c for c in counts if c.change.value == "modified"), key=lambda c: c.name)
    lines = []
    if modified:
        busiest = max(c.added + c.modified + c.deleted for c in modified) or 1
        name_width = max(len(printable(c.name)) for c in modified)
        count_width = len(str(busiest))

        def bar(n: int, sign: str) -> str:
            return sign * min(n, max(1, int(30 * n / busiest))) if n else ""
        for c in modified:
            total = c.added + c.modified + c.deleted
            signs = bar(c.added, "+") + bar(c.modified, "*") + bar(c.deleted, "-")
            lines.append(f" {printable(c.name).ljust(name_width)} | {str(total).ljust(count_width)} {signs}")
        lines.append(f" {len(modified)} tables changed, {sum(c.added for c in modified)} rows added(+), "
                     f"{sum(c.modified for c in modified)} rows modified(*), "
                     f"{sum(c.deleted for c in modified)} rows deleted(-)")
    lines += [f" {printable(c.name)} added" for c in counts if c.change.value == "added"]
    lines += [f" {printable(c.name)} deleted" for c in counts if c.change.value == "deleted"]
    return "".join(line + "\n" for line in lines)


def first_line(message: str) -> str:
    """A commit message's first line (as `--oneline` shows it), made printable."""
    return printable_lines(message)[0] if message else ""


def oneline(address: "Address", commit: "Commit", decoration: str, colour: bool) -> str:
    first = first_line(commit.message)
    text = address.hex
    if colour:
        text = YELLOW + text + RESET
    return f"{text}{decoration} {first}"


# --- status ---------------------------------------------------------------------------------

_LABELS = {"added": "new table:", "modified": "modified:", "deleted": "deleted:"}


def tracking_lines(tracking: "Tracking | None") -> list[str]:
    """git's line on the branch against its upstream: up to date, ahead, behind, diverged."""
    if tracking is None:
        return []
    name = f"'{tracking.upstream}'"
    if tracking.gone:
        return [f"Your branch is based on {name}, but the upstream is gone (dl fetch it)."]

    def commits(n: int) -> str:
        return f"{n} commit{'s' if n != 1 else ''}"
    if tracking.ahead and tracking.behind:
        return [f"Your branch and {name} have diverged,",
                f"and have {tracking.ahead} and {tracking.behind} different commits each, respectively."]
    if tracking.ahead:
        return [f"Your branch is ahead of {name} by {commits(tracking.ahead)}."]
    if tracking.behind:
        return [f"Your branch is behind {name} by {commits(tracking.behind)}, and can be fast-forwarded."]
    return [f"Your branch is up to date with {name}."]


def _staged_lines(status: "Status") -> list[str]:
    """The staged changes, a rename as one `renamed: old -> new` line, sorted as Dolt sorts them."""
    moved = set(status.renamed) | set(status.renamed.values())
    entries = [(t, _LABELS[c], printable(t)) for t, c in status.staged.items() if t not in moved]
    entries += [(f"{old} -> {new}", "renamed:", f"{printable(old)} -> {printable(new)}")
                for new, old in status.renamed.items()]
    return [f"\t{label:<18}{text}" for _, label, text in sorted(entries)]


def status_text(status: "Status", tracking: "Tracking | None" = None, *, show_ignored: bool = False) -> str:
    """`dl status` as Dolt prints it (with where the branch stands against its upstream)."""
    lines = [f"On branch {printable(status.branch)}", *tracking_lines(tracking)]
    if status.merging or status.conflicts or status.violations or status.schema_conflicts:
        if status.conflicts or status.schema_conflicts:
            lines += ["You have unmerged tables.",
                      '  (fix conflicts and run "dl commit")',
                      '  (use "dl merge --abort" to abort the merge)', "",
                      "Unmerged paths:",
                      '  (use "dl conflicts resolve --ours|--theirs <table>..." to mark resolution)']
            lines += [f"\tschema conflict:  {printable(t)}" for t in status.schema_conflicts]
            lines += [f"\tboth modified:    {printable(t)}" for t in status.conflicts]
            lines.append("")
        if status.violations:
            lines += ["You have unmerged tables.",
                      '  (fix constraint violations and run "dl commit")',
                      '  (use "dl merge --abort" to abort the merge)', "",
                      "Tables with constraint violations:",
                      '  (fix the rows, then DELETE FROM dolt_constraint_violations_<table>)']
            lines += [f"\tmodified:         {printable(t)}" for t in status.violations]
            lines.append("")
        if not status.conflicts and not status.violations and not status.schema_conflicts:
            lines += ["All conflicts and constraint violations fixed but you are still merging.",
                      '  (use "dl commit" to conclude merge)', ""]
    untracked = {t: c for t, c in status.unstaged.items() if c == "added" and t not in status.staged}
    unstaged = {t: c for t, c in status.unstaged.items() if t not in untracked}
    if status.staged:
        lines += ["", "Changes to be committed:", '  (use "dl reset <table>..." to unstage)']
        lines += _staged_lines(status)
    if unstaged:
        lines += ["", "Changes not staged for commit:",
                  '  (use "dl add <table>" to update what will be committed)',
                  '  (use "dl checkout <table>" to discard changes in working directory)']
        lines += [f"\t{_LABELS[c]:<18}{printable(t)}" for t, c in sorted(unstaged.items())]
    if untracked:
        lines += ["", "Untracked tables:", '  (use "dl add <table>" to include in what will be committed)']
        lines += [f"\t{_LABELS[c]:<18}{printable(t)}" for t, c in sorted(untracked.items())]
    if show_ignored and status.ignored:
        lines += ["", "Ignored tables:", '  (use "dl add -f <table>" to include in what will be committed)']
        lines += [f"\t{'new table:':<18}{printable(t)}" for t in status.ignored]
    if status.ignore_conflicts:
        lines += ["", "Tables with conflicting dolt_ignore patterns:",
                  '  (use "dl add -f <table>" to include in what will be committed)']
        lines += [f"\t{'new table:':<18}{printable(t)}" for t in status.ignore_conflicts]
    if not (status.staged or status.unstaged or status.merging or (show_ignored and status.ignored)):
        lines.append("nothing to commit, working tree clean")
    return "\n".join(lines) + "\n"
