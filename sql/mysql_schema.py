"""Schemas as MySQL text, as Dolt prints them: SHOW CREATE TABLE, its line diff, ALTER TABLE.

One text serves every place a Dolt user reads a schema: `dl schema show`, `SHOW CREATE TABLE`,
the schema part of `dl diff` (the two CREATE TABLE texts diffed line by line, Dolt's
`diff --schema`), `diff -r json`'s `schema_diff` and `diff -r sql`. It is MySQL's form:

    CREATE TABLE `t` (
      `pk` int NOT NULL,
      `c1` varchar(10) DEFAULT 'x' COMMENT 'a note',
      PRIMARY KEY (`pk`),
      UNIQUE KEY `u` (`c1`),
      CONSTRAINT `fk` FOREIGN KEY (`c1`) REFERENCES `p` (`c1`),
      CONSTRAINT `chk` CHECK ((`pk` > 0))
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin

A column's type is the MySQL type it was declared with where the table keeps it (`int`,
`varchar(10)`, `enum(...)`, ...: `TableConstraints.declared_types`), else the MySQL name of its
Arrow type (`mysql_type`). A changed table's statements (`alter_statements`) come in
Dolt's order: columns dropped, renamed or changed (in the old order), then added, the primary
key, then indexes.
"""
from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

    from dl.core.tables.constraints import TableConstraints
    from dl.core.tables.indexes import IndexDef
    from dl.core.tables.schema import Column, TableSchema
    from dl.core.versioning.diff import TableDiff

TABLE_OPTIONS = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin"
"""The table options Dolt's SHOW CREATE TABLE ends with (dl keeps one other: AUTO_INCREMENT=N)."""


def table_options(schema: "TableSchema") -> str:
    """The options after the closing parenthesis: `AUTO_INCREMENT=N` after ENGINE where the
    table keeps that option (`TableConstraints.auto_increment_start`), as MySQL places it."""
    start = schema.constraints.auto_increment_start
    if start is None:
        return TABLE_OPTIONS
    engine, rest = TABLE_OPTIONS.split(" ", 1)
    return f"{engine} AUTO_INCREMENT={start} {rest}"

_INTEGERS = {8: "tinyint", 16: "smallint", 32: "int", 64: "bigint"}


def mysql_type(kind: "pa.DataType") -> str:
    """The MySQL type name for an Arrow type a column holds (where no declared text says more)."""
    import pyarrow as pa
    if pa.types.is_boolean(kind):
        return "tinyint(1)"
    if pa.types.is_integer(kind):
        name = _INTEGERS.get(kind.bit_width, "bigint")
        return name + (" unsigned" if pa.types.is_unsigned_integer(kind) else "")
    if pa.types.is_float32(kind):
        return "float"
    if pa.types.is_floating(kind):
        return "double"
    if pa.types.is_decimal(kind):
        return f"decimal({kind.precision},{kind.scale})"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "longtext"
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return "longblob"
    if pa.types.is_date(kind):
        return "date"
    if pa.types.is_timestamp(kind):
        return {"us": "datetime(6)", "ns": "datetime(6)", "ms": "datetime(3)"}.get(kind.unit, "datetime")
    if pa.types.is_time(kind):
        return "time"
    return "json"


def quote(name: str) -> str:
    """`name` as a MySQL identifier in backquotes (embedded backquotes doubled)."""
    return "`" + name.replace("`", "``") + "`"


def string_literal(text: str) -> str:
    """`text` as a MySQL string literal, escaped as MySQL (and Dolt) write it."""
    escaped = "".join(_ESCAPES.get(ch, ch) for ch in text)
    return f"'{escaped}'"


_ESCAPES = {"\x00": "\\0", "'": "\\'", '"': '\\"', "\b": "\\b", "\n": "\\n", "\r": "\\r",
            "\t": "\\t", "\x1a": "\\Z", "\\": "\\\\"}


def column_type(column: "Column", schema: "TableSchema") -> str:
    """The MySQL type of `column`: as declared, else its Arrow type's MySQL name."""
    return schema.constraints.declared_type(column.name) or mysql_type(column.type)


def column_definition(column: "Column", schema: "TableSchema") -> str:
    """One column as MySQL's CREATE TABLE writes it: `name` type [NOT NULL] [DEFAULT 'v']
    [AUTO_INCREMENT] [COMMENT '...'] (a primary-key column is NOT NULL)."""
    text = f"{quote(column.name)} {column_type(column, schema)}"
    if column.not_null or column.name in schema.primary_key:
        text += " NOT NULL"
    if column.default is not None:
        text += f" DEFAULT {_default(column.default)}"
    if schema.constraints.auto_increment == column.name:
        text += " AUTO_INCREMENT"
    comment = schema.constraints.comment(column.name)
    if comment:
        text += f" COMMENT {string_literal(comment)}"
    return text


def _default(value: Any) -> str:
    """A DEFAULT value as MySQL's SHOW CREATE TABLE shows a literal: quoted."""
    if isinstance(value, bool):
        return "'1'" if value else "'0'"
    return string_literal(str(value))


def show_create_table(name: str, schema: "TableSchema") -> str:
    """SHOW CREATE TABLE's text for `schema`, one column a line, without a final `;`."""
    lines = [f"  {column_definition(c, schema)}" for c in schema.columns]
    if schema.primary_key:
        lines.append(f"  PRIMARY KEY ({_names(schema.primary_key)})")
    lines += [f"  {'UNIQUE ' if index.unique else ''}KEY {quote(index.name)} ({_index_columns(index)})"
              for index in schema.indexes]
    lines += [f"  {line}" for line in constraint_lines(schema.constraints)]
    return f"CREATE TABLE {quote(name)} (\n" + ",\n".join(lines) + f"\n) {table_options(schema)}"


def create_table(name: str, schema: "TableSchema") -> str:
    """The CREATE TABLE statement for `schema` (SHOW CREATE TABLE's text and `;`)."""
    return show_create_table(name, schema) + ";"


def constraint_lines(constraints: "TableConstraints") -> list[str]:
    """FOREIGN KEY and CHECK constraints as MySQL's CREATE TABLE lines."""
    lines = []
    for fk in constraints.foreign_keys:
        lines.append(f"CONSTRAINT {quote(fk.name)} FOREIGN KEY ({_names(fk.columns)}) "
                     f"REFERENCES {quote(fk.parent)} ({_names(fk.parent_columns)})" + fk.action_clauses())
    for check in constraints.checks:
        text = f"CONSTRAINT {quote(check.name)} CHECK ({_mysql_expression(check.expression)})"
        lines.append(text if check.enforced else text + " /*!80016 NOT ENFORCED */")
    return lines


def _mysql_expression(duckdb_text: str) -> str:
    """A CHECK expression (kept as DuckDB SQL) in MySQL's words, wrapped as MySQL shows it."""
    import sqlglot
    from sqlglot import exp
    try:
        tree = sqlglot.parse_one(duckdb_text, read="duckdb")
    except sqlglot.errors.ParseError:
        return duckdb_text
    while isinstance(tree, exp.Paren):
        tree = tree.this
    return "(" + tree.sql("mysql") + ")"


def schema_diff_lines(name: str, old: "TableSchema | None", new: "TableSchema | None") -> list[str]:
    """The two CREATE TABLE statements diffed line by line, as Dolt's `diff` shows a schema
    change: shared lines after a space, lines only in the old one after `-`, only in the new
    one after `+` (a run of removed lines before the added ones). Empty when equal."""
    before = create_table(name, old).splitlines() if old is not None else []
    after = create_table(name, new).splitlines() if new is not None else []
    return line_diff(before, after)


def line_diff(before: list[str], after: list[str]) -> list[str]:
    """Two texts' lines diffed as Dolt's schema diff shows them: shared lines after a space,
    lines only in `before` after `-`, only in `after` after `+` (removed before added in each
    changed run). Empty when the two are equal."""
    if before == after:
        return []
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += [f" {line}" for line in before[i1:i2]]
            continue
        out += [f"-{line}" for line in before[i1:i2]]
        out += [f"+{line}" for line in after[j1:j2]]
    return out


def schema_statements(diff: "TableDiff") -> list[str]:
    """The MySQL statements that take the diff's old schema to its new one (Dolt's order)."""
    if diff.change.value == "deleted":
        return [f"DROP TABLE {quote(diff.name)};"]
    new = diff.to_schema
    assert new is not None
    if diff.change.value == "added" or diff.from_schema is None:
        return [create_table(diff.name, new)]
    return alter_statements(diff.name, diff.from_schema, new)


def renamed_columns(old: "TableSchema", new: "TableSchema") -> dict[str, str]:
    """Columns renamed from `old` to `new`, old name -> new name, as core reads them
    (`core.tables.column_renames`: a column gone and one new in its place, alike but named)."""
    from dl.core.tables.column_renames import renamed_columns as found
    return found(old, new)


def alter_statements(name: str, old: "TableSchema", new: "TableSchema") -> list[str]:
    """ALTER TABLE statements from `old` to `new`: columns (dropped, renamed or changed, in the
    old order, then added), the primary key, indexes, then a raised AUTO_INCREMENT."""
    table = quote(name)
    renames = renamed_columns(old, new)
    out: list[str] = []
    for column in old.columns:
        if column.name in renames:
            out.append(f"ALTER TABLE {table} RENAME COLUMN {quote(column.name)} TO {quote(renames[column.name])};")
        elif not new.has_column(column.name):
            out.append(f"ALTER TABLE {table} DROP {quote(column.name)};")
        elif _column_changed(column, new.column(column.name), old, new):
            out.append(f"ALTER TABLE {table} MODIFY COLUMN {column_definition(new.column(column.name), new)};")
    out += [f"ALTER TABLE {table} ADD {column_definition(c, new)};"
            for c in new.columns if not old.has_column(c.name) and c.name not in renames.values()]
    if old.primary_key != new.primary_key:
        out.append(f"ALTER TABLE {table} DROP PRIMARY KEY;")
        if new.primary_key:
            out.append(f"ALTER TABLE {table} ADD PRIMARY KEY ({','.join(new.primary_key)});")
    before = {i.name: i for i in old.indexes}
    after = {i.name: i for i in new.indexes}
    for index_name, index in before.items():
        if after.get(index_name) != index:
            out.append(f"ALTER TABLE {table} DROP INDEX {quote(index_name)};")
    for index_name, index in after.items():
        if before.get(index_name) != index:
            out.append(f"ALTER TABLE {table} ADD INDEX {quote(index_name)}({_index_columns(index)});")
    start = new.constraints.auto_increment_start
    if start is not None and start != old.constraints.auto_increment_start:
        out.append(f"ALTER TABLE {table} AUTO_INCREMENT={start};")
    return out


def _column_changed(old: "Column", new: "Column", before: "TableSchema", after: "TableSchema") -> bool:
    """Whether the column's own definition changed (not the NOT NULL a primary key implies)."""
    def own(column: "Column", schema: "TableSchema") -> tuple[Any, ...]:
        rules = schema.constraints
        return (column_type(column, schema), column.not_null, column.default,
                rules.comment(column.name), rules.auto_increment == column.name)
    return own(old, before) != own(new, after)


def _names(names: tuple[str, ...]) -> str:
    return ",".join(quote(n) for n in names)


def _index_columns(index: "IndexDef") -> str:
    return ",".join(quote(c) for c in index.columns)
