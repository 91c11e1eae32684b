"""Schema changes as MySQL statements, the text of a JSON diff's `schema_diff`.

Dolt's `diff -r json` lists each table's schema changes as the MySQL DDL that makes them:
`CREATE TABLE`/`DROP TABLE` for a whole table, and for a changed one `ALTER TABLE ... DROP`,
`ADD`, `MODIFY COLUMN`, `DROP PRIMARY KEY`/`ADD PRIMARY KEY (...)` and index changes, in that
order, names quoted with backquotes. A column's type is the MySQL type it was declared with
where the table keeps it (VARCHAR(n), ENUM, ...), else the MySQL name of its Arrow type.
`dl diff -r sql` is a different text (DuckDB statements that `dl sql` replays: `sql.script`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

    from dl.core.tables.constraints import TableConstraints
    from dl.core.tables.indexes import IndexDef
    from dl.core.tables.schema import Column, TableSchema
    from dl.core.versioning.diff import TableDiff

_INTEGERS = {8: "tinyint", 16: "smallint", 32: "int", 64: "bigint"}


def quote(name: str) -> str:
    """`name` as a MySQL identifier in backquotes (embedded backquotes doubled)."""
    return "`" + name.replace("`", "``") + "`"


def mysql_type(kind: "pa.DataType") -> str:
    """The MySQL type name for an Arrow type a column holds."""
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
        return "datetime(6)" if kind.unit in ("us", "ns") else "datetime"
    if pa.types.is_time(kind):
        return "time"
    return "json"


def column_definition(column: "Column", schema: "TableSchema") -> str:
    """One column as MySQL's CREATE TABLE writes it: `name` type [NOT NULL] [DEFAULT v] (a
    primary-key column is NOT NULL)."""
    from dl.sql.script import literal
    kind = schema.constraints.declared_type(column.name) or mysql_type(column.type)
    text = f"{quote(column.name)} {kind}"
    if column.not_null or column.name in schema.primary_key:
        text += " NOT NULL"
    if column.default is not None:
        text += f" DEFAULT {literal(column.default)}"
    return text


def create_table(name: str, schema: "TableSchema") -> str:
    """The MySQL CREATE TABLE statement for `schema`, one column a line."""
    lines = [f"  {column_definition(c, schema)}" for c in schema.columns]
    if schema.primary_key:
        lines.append(f"  PRIMARY KEY ({','.join(quote(k) for k in schema.primary_key)})")
    lines += [f"  {'UNIQUE ' if index.unique else ''}KEY {quote(index.name)} ({_index_columns(index)})"
              for index in schema.indexes]
    return f"CREATE TABLE {quote(name)} (\n" + ",\n".join(lines) + "\n);"


def schema_statements(diff: "TableDiff") -> list[str]:
    """The MySQL statements that take the diff's old schema to its new one (Dolt's order)."""
    if diff.change.value == "deleted":
        return [f"DROP TABLE {quote(diff.name)};"]
    new = diff.to_schema
    assert new is not None
    if diff.change.value == "added" or diff.from_schema is None:
        return [create_table(diff.name, new)]
    return alter_statements(diff.name, diff.from_schema, new)


def alter_statements(name: str, old: "TableSchema", new: "TableSchema") -> list[str]:
    """ALTER TABLE statements from `old` to `new`: columns (dropped or changed, in the old
    order, then added), the primary key, then indexes."""
    table = quote(name)
    out: list[str] = []
    for column in old.columns:
        if not new.has_column(column.name):
            out.append(f"ALTER TABLE {table} DROP {quote(column.name)};")
        elif _column_changed(column, new.column(column.name), old.constraints, new.constraints):
            definition = column_definition(new.column(column.name), new)
            out.append(f"ALTER TABLE {table} MODIFY COLUMN {definition};")
    out += [f"ALTER TABLE {table} ADD {column_definition(c, new)};"
            for c in new.columns if not old.has_column(c.name)]
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
    return out


def _column_changed(old: "Column", new: "Column", old_rules: "TableConstraints",
                    new_rules: "TableConstraints") -> bool:
    return (old.type != new.type or old.not_null != new.not_null or old.default != new.default
            or old_rules.declared_type(old.name) != new_rules.declared_type(new.name))


def _index_columns(index: "IndexDef") -> str:
    return ",".join(quote(c) for c in index.columns)
