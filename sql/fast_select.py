"""`dl sql -q`'s fast path: a plain SELECT over the working set's tables, answered by DuckDB
directly from the tables' twins (`sql.twins`), with no sqlglot and no pyarrow.

The general path (`session`) parses with sqlglot, binds each table to an Arrow source, and runs
the user's text with only those names edited (`edits`) and each unaliased projection labelled
with its text (`headers`). For a statement that needs nothing else, the same text over views
named as the tables, each reading the table's twin, gives the same rows, names and types. So
`run` answers a statement only when it is sure the general path would do no more than that,
and returns None for anything else, before any output: the caller then takes the general path,
which gives every answer and every error as always. It answers only:

- one statement of the default (duckdb) dialect, starting with SELECT or WITH, without `@`
  (session variables), `?`/`$n` parameters, `:` (DuckDB's prefix aliases and struct literals,
  which sqlglot reads otherwise) or comments, and not a primary-key point statement (`point`);
- that DuckDB's own parser (`json_serialize_sql`) reads as a SELECT whose every table reference
  is an unqualified name of a table of the working root (not `dolt_*`, not `dual`, not a CTE
  name), with no table function, sample, AT clause, VALUES list, PIVOT, SHOW/DESCRIBE or
  COLUMNS(...), and no call of a function dl replaces (`dolt_*`, `active_branch`, `hashof`,
  `database`/`schema`/`current_schema`, `last_insert_id`);
- whose projections `headers` would label the same way (they are found on tokens here, and
  must agree in number with DuckDB's parse);
- over tables that have, or can be given, a twin (`twins.write`: not tables streamed whole);
- that DuckDB runs without error (an error is the general path's to report, in its words),
  returning at most `max_rows` rows of types `row_text` renders as the general path does.

The connection is `engine.connect`'s, with the same settings (`memory.memory_settings`) and the
same lock: no file, network or extension access, and no configuration change, from SQL.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dl.core.hashing import Address
from dl.core.store.twin_files import twin_files_of
from dl.sql import twins
from dl.sql.point_shapes import recognize

if TYPE_CHECKING:
    import duckdb
    from dl.core.repo import Repository
    from dl.core.versioning.root import RootValue

# Functions the general path replaces by their values (`functions`, `procedures`, `session`):
# DuckDB must never answer them with its own meaning. Every `dolt_*` name is refused too.
REPLACED_FUNCTIONS = frozenset({"active_branch", "hashof", "database", "schema", "current_schema",
                                "current_database", "last_insert_id"})
_TABLE_REFS = {"BASE_TABLE", "JOIN", "SUBQUERY", "EMPTY", "EMPTY_FROM", "TABLE_FUNCTION", "EXPRESSION_LIST",
               "PIVOT", "SHOW_REF", "COLUMN_DATA", "DELIM_GET", "CROSS_PRODUCT"}
_ALLOWED_REFS = {"BASE_TABLE", "JOIN", "SUBQUERY", "EMPTY", "EMPTY_FROM"}
_CATALOG = "__dl_twin_"


@dataclass(frozen=True)
class FastResult:
    """A query's result as DuckDB's Python values: column names, DuckDB type names, rows."""

    names: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]]


def run(repo: Repository, text: str, *, max_rows: int, supported: Any) -> FastResult | None:
    """The result of `text`, or None when the general path must run it (see the module
    docstring). `supported(types)` says whether the caller can render DuckDB types `types`."""
    import duckdb
    from dl.sql import engine
    statement = _single_statement(text)
    if statement is None:
        return None
    spans = projection_spans(statement)
    if spans is None:
        return None
    con = engine.unlocked()  # parses the statement, then is locked before it runs anything
    try:
        return _plan_and_run(repo, con, statement, spans, max_rows, supported)
    except duckdb.Error:
        return None
    finally:
        con.close()


def _plan_and_run(repo: Repository, con: duckdb.DuckDBPyConnection, statement: str, spans: list[tuple[int, int]],
                  max_rows: int, supported: Any) -> FastResult | None:
    tree = _parse(con, statement)
    if tree is None:
        return None
    shape = _shape(tree)
    if shape is None:
        return None
    labels = _labels(statement, spans, shape.projections)
    if labels is None:
        return None
    root = _working_root(repo)
    tables = _stored_names(root, shape.tables, shape.ctes)
    if tables is None:
        return None
    return _execute(repo, con, root, tables, labels, max_rows, supported)


# --- the statement's text ------------------------------------------------------------------

_WORD = re.compile(r"\s*([A-Za-z_]+)")


def _single_statement(text: str) -> str | None:
    """`text` without surrounding space and one trailing `;`, if it may qualify at all."""
    statement = text.strip()
    if statement.endswith(";"):
        statement = statement[:-1].rstrip()
    first = _WORD.match(statement)
    if not statement or first is None or first.group(1).lower() not in ("select", "with"):
        return None
    if "@" in statement or recognize(statement, "duckdb") is not None:
        return None
    return statement


_TOKEN = re.compile(r"""
      (?P<space>\s+)
    | (?P<str>[Ee]?'(?:[^']|'')*')
    | (?P<ident>"(?:[^"]|"")*")
    | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<cast>::)
    | (?P<op>[-+*/%<>=!|&^~.,()\[\]]+?)
    """, re.VERBOSE)
# what ends the outermost select list (sqlglot's token types in `headers._ENDS`)
_ENDS = {"from", "where", "group", "having", "window", "qualify", "order", "limit", "union", "except",
         "intersect", "into", "offset", "fetch"}


def tokens(statement: str) -> list[tuple[str, str, int, int]] | None:
    """(kind, text, start, end) of each token of `statement` (end inclusive); None for text this
    small tokenizer does not read as sqlglot does (comments, `?`, `$1`, `:`, backslashes...)."""
    out: list[tuple[str, str, int, int]] = []
    position = 0
    while position < len(statement):
        match = _TOKEN.match(statement, position)
        if match is None:
            return None
        kind = match.lastgroup or ""
        if kind == "op" and match.group() in ("-", "/") and statement[match.end():match.end() + 1] in ("-", "*"):
            return None  # a comment
        if kind == "str" and "\\" in match.group():
            return None  # escapes: sqlglot's reading may differ
        if kind != "space":
            out.append((kind, match.group(), match.start(), match.end() - 1))
        position = match.end()
    return out


def projection_spans(statement: str) -> list[tuple[int, int]] | None:
    """(start, end) of each item of the outermost SELECT list, as `headers.projection_spans`
    finds them on sqlglot's tokens; None where this cannot be sure of it."""
    found = tokens(statement)
    if not found:
        return None
    index = _first_select(found)
    if index is None:
        return None
    i = index + 1
    if i < len(found) and found[i][1].lower() in ("distinct", "all"):
        if found[i][1].lower() == "distinct" and i + 1 < len(found) and found[i + 1][1].lower() == "on":
            return None
        i += 1
    spans: list[tuple[int, int]] = []
    depth, first, last = 0, None, None
    for number, (kind, text, start, end) in enumerate(found[i:], i):
        word = text.lower() if kind == "word" else ""
        if depth == 0 and (word in _ENDS or text == ","):
            if first is None or last is None:
                return None
            if word in ("group", "order") and not _by_follows(found, number):
                return None
            spans.append((first, last))
            first = last = None
            if text != ",":
                return spans
            continue
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
            if depth < 0:
                return None
        elif kind == "op" and any(c in text for c in "()"):
            return None
        first = start if first is None else first
        last = end
    if first is not None and last is not None:
        spans.append((first, last))
    return spans


def _by_follows(found: list[tuple[str, str, int, int]], number: int) -> bool:
    return number + 1 < len(found) and found[number + 1][1].lower() == "by"


def _first_select(found: list[tuple[str, str, int, int]]) -> int | None:
    """The outermost query's SELECT: the first token, or the one right after the last CTE's
    closing parenthesis (`WITH ... ) SELECT`); None for any other shape (a parenthesized first
    query of a UNION, FROM-first syntax)."""
    depth = 0
    for i, (kind, text, _, _) in enumerate(found):
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
        elif depth == 0 and kind == "word" and text.lower() == "select":
            if i == 0 or (found[0][1].lower() == "with" and found[i - 1][1] == ")"):
                return i
            return None
    return None


_PLAIN_COLUMN = re.compile(r'(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")*")(?:\.(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")*"))*')


def _labels(statement: str, spans: list[tuple[int, int]], projections: list[dict[str, Any]]) -> str | None:
    """`statement` with ` AS "<its text>"` after each unaliased projection that is not a plain
    column or star, as `headers.label_projections` edits it; None where the two readings differ."""
    if len(spans) != len(projections):
        return None
    inserts: list[tuple[int, str]] = []
    for (start, end), node in zip(spans, projections):
        text = statement[start:end + 1].strip()
        kind = node.get("class")
        if node.get("alias"):
            if kind == "STAR":
                return None
            continue
        if kind == "STAR":
            if node.get("columns") or node.get("expr") or not re.fullmatch(
                    r'\*|(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")*")\.\*', text.split(" ", 1)[0]):
                return None
            continue
        if kind == "COLUMN_REF":
            inner = text[1:-1].strip() if text.startswith("(") and text.endswith(")") else text
            if not _PLAIN_COLUMN.fullmatch(inner):
                return None
            continue
        inserts.append((end + 1, ' AS "' + text.replace('"', '""') + '"'))
    out, position = [], 0
    for at, insert in inserts:
        out += [statement[position:at], insert]
        position = at
    return "".join(out) + statement[position:]


# --- DuckDB's parse ----------------------------------------------------------------------------

@dataclass
class _Shape:
    tables: set[str]  # the table (and CTE) names referenced, as written
    ctes: set[str]  # the names of the statement's CTEs
    projections: list[dict[str, Any]]  # the outermost SELECT list's expressions


def _parse(con: duckdb.DuckDBPyConnection, statement: str) -> dict[str, Any] | None:
    """DuckDB's parse tree of `statement` (one SELECT), or None."""
    from dl.sql.engine import parse_tree
    found = json.loads(parse_tree(con, statement))
    if found.get("error") or len(found.get("statements", [])) != 1:
        return None
    node = found["statements"][0].get("node")
    return node if isinstance(node, dict) else None


def _shape(node: dict[str, Any]) -> _Shape | None:
    """The tables and outermost projections of a parse tree every part of which qualifies."""
    tables: set[str] = set()
    ctes: set[str] = set()
    if not _walk(node, tables, ctes):
        return None
    outer = node
    while outer.get("type") == "SET_OPERATION_NODE":
        children = outer.get("children") or [outer.get("left")]
        outer = children[0] if isinstance(children[0], dict) else {}
    if outer.get("type") != "SELECT_NODE":
        return None
    return _Shape(tables, ctes, list(outer.get("select_list") or []))


def _walk(item: Any, tables: set[str], ctes: set[str]) -> bool:
    if isinstance(item, list):
        return all(_walk(i, tables, ctes) for i in item)
    if not isinstance(item, dict):
        return True
    kind = item.get("type")
    if item.get("sample"):
        return False
    if "class" in item:
        if not _expression_allowed(item):
            return False
    elif isinstance(kind, str) and kind in _TABLE_REFS:
        if kind not in _ALLOWED_REFS:
            return False
        if kind == "BASE_TABLE":
            if item.get("schema_name") or item.get("catalog_name") or item.get("at_clause"):
                return False
            tables.add(str(item.get("table_name")))
    if "cte_map" in item:
        for entry in (item.get("cte_map") or {}).get("map", []):
            ctes.add(str(entry.get("key")))
    return all(_walk(v, tables, ctes) for v in item.values())


def _expression_allowed(item: dict[str, Any]) -> bool:
    kind = item.get("class")
    if kind == "PARAMETER":
        return False
    if kind == "STAR" and item.get("columns"):
        return False
    if kind == "FUNCTION":
        name = str(item.get("function_name", "")).lower()
        if item.get("schema") or item.get("catalog") or name.startswith("dolt_") or name in REPLACED_FUNCTIONS:
            return False
    return True


# --- the tables and their twins ------------------------------------------------------------------

def _working_root(repo: Repository) -> RootValue:
    _, ws = repo.working_set(repo.current_branch())
    return repo.load_root(ws.working)


def _stored_names(root: RootValue, written: set[str], ctes: set[str]) -> dict[str, str] | None:
    """Each table name as written (but CTE names) -> its name in the root; None if any is not
    a user table, or a CTE is named as one (which reference is whose is then the general
    path's to tell)."""
    by_lower: dict[str, list[str]] = {}
    for name in root.tables:
        by_lower.setdefault(name.lower(), []).append(name)
    cte_names = {c.lower() for c in ctes}
    if cte_names & set(by_lower):
        return None
    out = {}
    for name in written:
        lower = name.lower()
        if lower in cte_names:
            continue
        found = by_lower.get(lower, [])
        if lower.startswith("dolt_") or lower == "dual" or len(found) != 1:
            return None
        out[name] = found[0]
    return out


def _twin_paths(repo: Repository, root: RootValue, names: set[str]) -> dict[str, tuple[Address, Path]] | None:
    """The twin file of each stored table name (written now where missing), or None."""
    files = twin_files_of(repo.store)
    if files is None:
        return None
    out = {}
    for name in sorted(names):
        address = root.tables[name]
        path = twins.existing(files, address)
        if path is None and (not files.writable or twins.too_large(files, address)):
            return None  # known before reading the table (which would import pyarrow)
        if path is None:
            path = twins.write(files, address, repo.table_in(root, name))
        if path is None:
            return None
        files.used(path)
        out[name] = (address, path)
    return out


def _execute(repo: Repository, con: duckdb.DuckDBPyConnection, root: RootValue, tables: dict[str, str], text: str,
             max_rows: int, supported: Any) -> FastResult | None:
    from dl.sql import engine
    from dl.sql.errors import SqlError
    from dl.sql.interrupt import run_interruptible
    from dl.sql.memory import memory_settings
    stored = set(tables.values())
    paths = _twin_paths(repo, root, stored)
    if paths is None:
        return None
    catalogs = {name: f"{_CATALOG}{i}" for i, name in enumerate(sorted(stored))}
    try:
        engine.lock(con, memory_settings(repo), attach={catalogs[n]: str(p) for n, (_, p) in paths.items()})
    except SqlError:
        return None
    if not twins.attached_sound(con, {catalogs[n]: a for n, (a, _) in paths.items()}):
        _discard(repo, [p for _, p in paths.values()])
        return None
    for name in stored:
        con.execute(f'CREATE VIEW {_identifier(name)} AS SELECT * FROM "{catalogs[name]}".main.{twins.ROWS}')
    return run_interruptible(con, lambda: _fetch(con, text, max_rows, supported))


def _fetch(con: duckdb.DuckDBPyConnection, text: str, max_rows: int, supported: Any) -> FastResult | None:
    relation = con.execute(text)
    description = relation.description or []
    names = [d[0] for d in description]
    types = [str(d[1]) for d in description]
    if not supported(types):
        return None
    rows = relation.fetchmany(max_rows + 1)
    if len(rows) > max_rows:
        return None
    return FastResult(names, types, rows)


def _discard(repo: Repository, paths: list[Path]) -> None:
    files = twin_files_of(repo.store)
    for path in paths:
        if files is not None:
            files.remove(path)


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
