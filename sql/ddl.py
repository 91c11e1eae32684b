"""CREATE, DROP and ALTER TABLE as changes of table values in the working root.

- CREATE TABLE: columns with types (`sql.types`), PRIMARY KEY (column or table constraint),
  NOT NULL, DEFAULT (a constant, evaluated and cast once by DuckDB); `IF NOT EXISTS`,
  `OR REPLACE`; `CREATE TABLE ... AS SELECT` (keyless unless columns with a key are declared).
  Indexes (`KEY idx (col)`, `UNIQUE KEY`, `UNIQUE (cols)`, a column's UNIQUE) become the
  table's secondary indexes (`sql.index_ddl`). CHECK, FOREIGN KEY and AUTO_INCREMENT are read
  by `sql.constraint_ddl`, and MySQL types keep their declared text (`sql.types.declared_text`).
- DROP TABLE [IF EXISTS] a, b; TRUNCATE TABLE a (rows gone, schema kept).
- CREATE VIEW and DROP VIEW are `sql.views`'; a table and a view never share a name.
- ALTER TABLE: ADD/DROP/RENAME COLUMN, ALTER COLUMN (TYPE, SET/DROP NOT NULL, SET/DROP
  DEFAULT), RENAME TO, ADD [UNIQUE] INDEX / ADD CONSTRAINT name UNIQUE, DROP INDEX (indexes
  follow renamed and dropped columns). A column change rewrites the rows a window of leaves at
  a time (`core.tables.rewrite`: leaves hold the columns), so it holds a window, not the table,
  and the result is the same tree any other route to those rows gives.
"""
from __future__ import annotations

from typing import Any

import pyarrow as pa
from dl.core.errors import DlError, UniqueViolation
from dl.core.names import check_name
from dl.core.tables import auto_increment
from dl.core.tables.rewrite import Change, rewritten
from dl.core.tables.indexes import IndexDef
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table
from dl.core.versioning.constraint_check import referencing_key, truncate_refused
from dl.core.versioning.root import RootValue
from dl.sql import index_ddl, views
from dl.sql.constraint_ddl import PendingConstraints, check_references, drop_constraint
from dl.sql.dml import coerce, column_of
from dl.sql.errors import SqlError, wrap
from dl.sql.resolve import Binder
from dl.sql.system_tables import system_table_name
from dl.sql.types import arrow_type, declared_text, duckdb_type, stored_type
from sqlglot import exp

Tables = dict[str, Table | None]  # name -> new table (None: dropped)


def _new_name(binder: Binder, node: exp.Expression) -> str:
    table = node.this if isinstance(node, exp.Schema) else node
    if not isinstance(table, exp.Table) or not table.name:
        raise SqlError("expected a table name")
    if table.args.get("db") or table.args.get("catalog"):
        raise SqlError(f"qualified table names are not supported: {table.sql()}")
    if system_table_name(table.name) or table.name.lower().startswith("dolt_"):
        raise SqlError(f"table names starting with dolt_ are reserved: {table.name}")
    try:
        return check_name("table", table.name)
    except DlError as exc:
        raise wrap(exc) from None


def _not_a_view(binder: Binder, name: str) -> None:
    if name.lower() in views.definitions(binder.view):
        raise SqlError(f"a view named {name} exists")


# --- CREATE ---------------------------------------------------------------------------------

def create(binder: Binder, statement: exp.Create) -> Tables:
    kind = str(statement.args.get("kind") or "").upper()
    if kind != "TABLE":
        raise SqlError(f"CREATE {kind or '?'} is not supported (tables only)")
    props = statement.args.get("properties")
    if props is not None and any(isinstance(p, exp.TemporaryProperty) for p in props.expressions):
        raise SqlError("temporary tables are not supported")
    name = _new_name(binder, statement.this)
    _not_a_view(binder, name)
    existing = binder.view.table_name(name)
    if existing is not None and not statement.args.get("replace"):
        if statement.args.get("exists"):
            return {}
        raise SqlError(f"table already exists: {existing}")
    query = statement.args.get("expression")
    if isinstance(statement.this, exp.Schema) and statement.this.expressions:
        schema = declared_schema(binder, statement.this.expressions, name)
        schema = schema.with_constraints(check_references(schema.constraints, name, schema.names,
                                                          lambda p: _parent_columns(binder, p),
                                                          binder.foreign_key_checks))
        table = Table.empty(binder.view.store, schema)
        start = next((p for p in props.expressions if isinstance(p, exp.AutoIncrementProperty)), None) \
            if props is not None else None
        if start is not None:
            table = auto_increment.with_start(table, _option_count(start))
        if query is not None:
            rows = binder.query(query)
            if rows.num_columns != len(schema.names):
                raise SqlError(f"the query gives {rows.num_columns} columns for {len(schema.names)} declared")
            table = auto_increment.settled(table.insert(coerce(binder, rows.rename_columns(schema.names), schema)))
        table = index_ddl.with_foreign_key_indexes(table, name)
    elif query is not None:
        table = _table_from_query(binder, query)
    else:
        raise SqlError("CREATE TABLE needs columns or AS SELECT")
    changes: Tables = {name: table}
    if existing is not None and existing != name:
        changes[existing] = None
    return changes


def _parent_columns(binder: Binder, name: str) -> tuple[str, list[str]] | None:
    stored = binder.view.table_name(name)
    return None if stored is None else (stored, binder.view.table(stored).schema.names)


def declared_schema(binder: Binder, items: list[exp.Expression], table: str = "t") -> TableSchema:
    columns: list[Column] = []
    key: list[str] = []
    indexes: list[IndexDef] = []
    pending = PendingConstraints()
    for item in items:
        if isinstance(item, exp.ColumnDef):
            column, is_key = column_def(binder, item, pending)
            columns.append(column)
            if _declares_unique(item) and not is_key:
                indexes.append(index_ddl.unique_column_index(column.name, indexes))
            if is_key and key:  # two columns each PRIMARY KEY: MySQL refuses, not a composite key
                raise SqlError(f"Multiple primary key defined ({key[0]} and {column.name}); "
                               "for a composite key write PRIMARY KEY (a, b)")
            if is_key:
                key.append(column.name)
        elif isinstance(item, exp.PrimaryKey):
            if key:
                raise SqlError("Multiple primary key defined (the primary key is declared twice)")
            key = [_plain_name(e) for e in item.expressions]
        elif (index := index_ddl.declared_index(item, columns, indexes)) is not None:
            indexes.append(index)
        elif isinstance(item, (exp.Identifier, exp.Column)):
            raise SqlError(f"column {item.name} needs a type")
        elif not pending.read_item(item):
            raise SqlError(f"table constraint not supported: {item.sql()}")
    names = [c.name for c in columns]
    key = [column_of_names(names, k) for k in key]
    # a key column is NOT NULL by being a key: `a int NOT NULL, PRIMARY KEY (a)` is the same
    # table as `a int PRIMARY KEY` (a dump's CREATE TABLE makes the table it came from)
    columns = [Column(c.name, c.type, False, c.default) if c.name in key and c.not_null else c
               for c in columns]
    try:
        return TableSchema(tuple(columns), tuple(key), tuple(indexes), pending.build(table, names, key))
    except DlError as exc:
        raise wrap(exc) from None


def column_of_names(names: list[str], name: str) -> str:
    for candidate in names:
        if candidate.lower() == name.lower():
            return candidate
    raise SqlError(f"primary key column {name} is not a column")


def _plain_name(node: exp.Expression) -> str:
    while isinstance(node, (exp.Ordered, exp.Column)) and not isinstance(node, exp.Identifier):
        if isinstance(node, exp.Column):
            return node.name
        node = node.this
    return node.name


def _declares_unique(item: exp.ColumnDef) -> bool:
    return any(isinstance(c.args.get("kind"), exp.UniqueColumnConstraint) for c in item.args.get("constraints") or [])


_REFUSED = {
    exp.CheckColumnConstraint: "CHECK",
    exp.AutoIncrementColumnConstraint: "AUTO_INCREMENT", exp.Reference: "REFERENCES",
    exp.GeneratedAsIdentityColumnConstraint: "GENERATED/IDENTITY",
    exp.ComputedColumnConstraint: "computed columns",
}
_IGNORED = (exp.CharacterSetColumnConstraint,
            exp.UniqueColumnConstraint)  # UNIQUE: an index of the table (declared_schema)


def column_def(binder: Binder, item: exp.ColumnDef,
               pending: PendingConstraints | None = None) -> tuple[Column, bool]:
    """A column definition as a `Column`, and whether it declares the primary key; its declared
    MySQL type and its CHECK / REFERENCES / AUTO_INCREMENT go to `pending` (refused without)."""
    name = item.name
    kind = item.args.get("kind")
    if kind is None:
        raise SqlError(f"column {name} needs a type")
    arrow = arrow_type(kind)
    declared = declared_text(kind)
    if declared is not None and pending is not None:
        pending.declared.append((name, declared))
    not_null, default, is_key = False, None, False
    for constraint in item.args.get("constraints") or []:
        rule = constraint.args.get("kind")
        if isinstance(rule, exp.PrimaryKeyColumnConstraint):
            is_key = True
        elif isinstance(rule, exp.NotNullColumnConstraint):
            not_null = not rule.args.get("allow_null")
        elif isinstance(rule, exp.DefaultColumnConstraint):
            default = constant(binder, rule.this, arrow, name)
        elif isinstance(rule, exp.CommentColumnConstraint):
            if pending is not None and rule.this is not None and rule.this.name:
                pending.comments.append((name, rule.this.name))
        elif isinstance(rule, _IGNORED):
            continue
        elif pending is not None and pending.read_column_constraint(name, rule):
            continue
        else:
            label = next((v for k, v in _REFUSED.items() if isinstance(rule, k)), None)
            text = label or (rule.sql() if rule is not None else constraint.sql())
            raise SqlError(f"column {name}: {text} is not supported yet")
    return Column(name, arrow, not_null and not is_key, default), is_key


def constant(binder: Binder, node: exp.Expression, kind: pa.DataType, column: str) -> Any:
    """A DEFAULT value: a constant expression, cast by DuckDB to the column's type."""
    if any(isinstance(n, (exp.Column, exp.Select)) for n in node.walk()):
        raise SqlError(f"column {column}: DEFAULT must be a constant, got {node.sql()}")
    if isinstance(node, exp.Null):
        return None
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_string(kind)
            or pa.types.is_boolean(kind)):
        raise SqlError(f"column {column}: DEFAULT is supported for numbers, text and booleans only")
    result = binder.run_sql(f"SELECT TRY_CAST({node.sql('duckdb')} AS {duckdb_type(kind)}) AS v")
    value = result.column(0)[0].as_py()
    if value is None:
        raise SqlError(f"column {column}: DEFAULT {node.sql()} is not a {duckdb_type(kind)}")
    return value


def _table_from_query(binder: Binder, query: exp.Expression) -> Table:
    rows = binder.query(query)
    fields = [pa.field(f.name, stored_type(f.type)) for f in rows.schema]
    try:
        schema = TableSchema.from_arrow(pa.schema(fields))
    except DlError as exc:
        raise wrap(exc) from None
    table = Table.empty(binder.view.store, schema)
    return table.replace_rows(coerce(binder, rows, schema)) if rows.num_rows else table


# --- DROP -----------------------------------------------------------------------------------

def drop(binder: Binder, statement: exp.Drop) -> Tables:
    kind = str(statement.args.get("kind") or "").upper()
    if kind != "TABLE":
        raise SqlError(f"DROP {kind or '?'} is not supported (tables only)")
    changes: Tables = {}
    for node in statement.args.get("expressions") or statement.args.get("tables") or [statement.this]:
        stored = binder.view.table_name(node.name) if node is not None else None
        if stored is None:
            if statement.args.get("exists"):
                continue
            if node is not None and node.name.lower() in views.definitions(binder.view):
                raise SqlError(f"{node.name} is a view: DROP VIEW {node.name} drops it")
            raise SqlError(f"table not found: {node.name if node is not None else '?'}")
        changes[stored] = None
    _refuse_referenced(binder, list(changes))
    return changes


def _refuse_referenced(binder: Binder, dropped: list[str]) -> None:
    """MySQL refuses to drop a table another (kept) table's foreign key references, unless
    FOREIGN_KEY_CHECKS is off (a script that recreates both tables turns it off first)."""
    if not binder.foreign_key_checks:
        return
    found = referencing_key(binder.view.store, binder.view.root, dropped)
    if found is not None:
        fk, name = found
        raise SqlError(f"cannot drop table {fk.parent}: it is referenced by foreign key "
                       f"'{fk.name}' on table '{name}'")


def truncate(binder: Binder, statement: exp.TruncateTable) -> Tables:
    """TRUNCATE TABLE a, b: every row deleted, schemas kept. As in MySQL, a table another
    table's foreign key references cannot be truncated while FOREIGN_KEY_CHECKS is on, even
    if no row refers to it (Dolt's words)."""
    changes: Tables = {}
    for node in statement.expressions:
        stored = binder.view.table_name(node.name)
        if stored is None:
            raise SqlError(f"table not found: {node.name}")
        table = binder.view.table(stored)
        changes[stored] = Table.empty(table.store, table.schema)
    if binder.foreign_key_checks:
        found = referencing_key(binder.view.store, binder.view.root, list(changes))
        if found is not None:
            raise SqlError(truncate_refused(found[0], found[1]))
    return changes


# --- ALTER ----------------------------------------------------------------------------------

def alter(binder: Binder, statement: exp.Alter) -> Tables:
    if str(statement.args.get("kind") or "TABLE").upper() != "TABLE":
        raise SqlError("ALTER works on tables only")
    node = statement.this
    stored = binder.view.table_name(node.name)
    if stored is None:
        if statement.args.get("exists"):
            return {}
        raise SqlError(f"table not found: {node.name}")
    name, table = stored, binder.view.table(stored)
    changes: Tables = {}
    for action in statement.args.get("actions") or []:
        if isinstance(action, exp.AlterRename):
            new = _new_name(binder, action.this)
            _not_a_view(binder, new)
            if binder.view.table_name(new) is not None and new.lower() != name.lower():
                raise SqlError(f"table already exists: {new}")
            changes[name] = None
            name = new
        else:
            try:
                table = _alter_columns(binder, table, action)
            except UniqueViolation as exc:  # core tables do not know their names
                raise exc.in_table(name) from None
        changes[name] = table
    for option in statement.args.get("options") or []:
        if isinstance(option, exp.AutoIncrementProperty):  # the one table option dl keeps (ENGINE,
            table = auto_increment.with_start(table, _option_count(option))  # CHARSET...: accepted as ever)
            changes[name] = table
    return changes


def _option_count(option: exp.Expression) -> int:
    try:
        value = int(option.this.name)
    except (AttributeError, ValueError):
        raise SqlError(f"AUTO_INCREMENT needs a whole number, not {option.this.sql('mysql')}") from None
    if value < 0:
        raise SqlError(f"AUTO_INCREMENT needs a whole number, not {value}")
    return value


def _alter_columns(binder: Binder, table: Table, action: exp.Expression) -> Table:
    schema = table.schema
    if isinstance(action, exp.ColumnDef):
        return _add_column(binder, table, action)
    if isinstance(action, exp.Drop) and str(action.args.get("kind") or "").upper() == "COLUMN":
        return _drop_columns(table, [_plain_name(c) for c in action.expressions or action.args.get("tables", [])],
                             bool(action.args.get("exists")))
    if isinstance(action, exp.RenameColumn):
        return _rename_column(table, action.this.name, action.args["to"].name)
    if isinstance(action, exp.AlterColumn):
        return _alter_column(binder, table, action)
    if isinstance(action, exp.DropPrimaryKey):
        return _rekey(table, ())
    if isinstance(action, exp.AddConstraint) and len(action.expressions) == 1 \
            and isinstance(action.expressions[0], exp.PrimaryKey):
        if schema.primary_key:
            raise SqlError("Multiple primary key defined")
        return _rekey(table, tuple(column_of(schema, _plain_name(e)) for e in action.expressions[0].expressions))
    if isinstance(action, exp.AddConstraint):
        index = index_ddl.declared_index(action.expressions[0], list(schema.columns), list(schema.indexes)) \
            if len(action.expressions) == 1 else None
        if index is not None:
            return index_ddl.add_index(table, index.name, list(index.columns), index.unique)
        return _add_constraints(binder, table, action)
    if isinstance(action, exp.Drop) and str(action.args.get("kind") or "").upper() in (
            "CONSTRAINT", "FOREIGN KEY", "CHECK"):
        kind = str(action.args["kind"]).upper()
        constraints = schema.constraints
        for node in action.args.get("tables") or action.expressions:
            constraints = drop_constraint(constraints, node.name, kind)
        return _rebuild(table, list(schema.columns), schema.primary_key, None, constraints=constraints)
    if isinstance(action, exp.ModifyColumn):
        if action.args.get("rename_from") is not None:  # MySQL's CHANGE COLUMN old new definition
            table = _rename_column(table, action.args["rename_from"].name, action.this.name)
        return _modify_column(binder, table, action.this)
    if isinstance(action, exp.Drop) and str(action.args.get("kind") or "").upper() == "INDEX":
        for node in action.args.get("expressions") or action.args.get("tables") or [action.this]:
            table = index_ddl.remove_index(table, node.name, bool(action.args.get("exists")))
        return table
    raise SqlError(f"ALTER TABLE action not supported: {action.sql()}")


def _rename_column(table: Table, old_name: str, new: str) -> Table:
    """RENAME COLUMN old TO new (and CHANGE COLUMN's rename): the column keeps its place,
    values, key membership, indexes and constraints."""
    schema = table.schema
    old = column_of(schema, old_name)
    if schema.has_column(new) and new != old:
        raise SqlError(f"column already exists: {new}")
    columns = [Column(new, c.type, c.not_null, c.default) if c.name == old else c for c in schema.columns]
    key = tuple(new if k == old else k for k in schema.primary_key)
    names = [new if n == old else n for n in schema.names]
    return _rebuild(table, columns, key, lambda rows, first: rows.rename_columns(names), {old: new},
                    _renamed_constraints(schema, old, new))


def _add_constraints(binder: Binder, table: Table, action: exp.AddConstraint) -> Table:
    """ALTER TABLE ADD [CONSTRAINT name] CHECK / FOREIGN KEY: the rows already there must meet it."""
    schema = table.schema
    pending = PendingConstraints()
    for item in action.expressions:
        if not pending.read_item(item):
            raise SqlError(f"ALTER TABLE ADD: not supported: {item.sql()}")
    name = _stored_name_of(binder, table)
    constraints = pending.build(name, schema.names, list(schema.primary_key), existing=schema.constraints)
    constraints = check_references(constraints, name, schema.names, lambda p: _parent_columns(binder, p))
    rebuilt = _rebuild(table, list(schema.columns), schema.primary_key, None, constraints=constraints)
    return index_ddl.with_foreign_key_indexes(rebuilt, name)


def _rekey(table: Table, key: tuple[str, ...]) -> Table:
    """ALTER TABLE DROP PRIMARY KEY (`key` empty: the table becomes keyless) or ADD PRIMARY KEY:
    the rows keyed anew; a key column must hold no NULL and no value twice (MySQL's rules)."""
    schema = table.schema
    if not key and not schema.primary_key:
        raise SqlError("Can't DROP 'PRIMARY'; check that column/key exists")
    for name in key:
        if any(leaf.column(name).null_count for leaf in table.tree.stream_leaves()):
            raise SqlError(f"All parts of a PRIMARY KEY must be NOT NULL: column {name} holds NULL")
    columns = [Column(c.name, c.type, c.not_null and c.name not in key, c.default) for c in schema.columns]
    return _rebuild(table, columns, key, None)


def _stored_name_of(binder: Binder, table: Table) -> str:
    return next((n for n, a in binder.view.root.tables.items() if a == table.value.address), "t")


def _add_column(binder: Binder, table: Table, item: exp.ColumnDef) -> Table:
    schema = table.schema
    pending = PendingConstraints()
    column, is_key = column_def(binder, item, pending)
    if is_key:
        raise SqlError(f"cannot add primary key column {column.name} to an existing table")
    if schema.has_column(column.name) or any(n.lower() == column.name.lower() for n in schema.names):
        raise SqlError(f"column already exists: {column.name}")
    if column.not_null and column.default is None and table.value.rows is not None:
        raise SqlError(f"column {column.name} is NOT NULL: give it a DEFAULT to add it to a table with rows")

    at = _added_position(schema, item)

    def added(rows: pa.Table, first: int) -> pa.Table:
        values = pa.array([column.default] * rows.num_rows, column.type) if column.default is not None \
            else pa.nulls(rows.num_rows, column.type)
        return rows.add_column(at, column.name, values)
    names = [*schema.names[:at], column.name, *schema.names[at:]]
    constraints = pending.build(_stored_name_of(binder, table), names, list(schema.primary_key),
                                existing=schema.constraints)
    constraints = check_references(constraints, _stored_name_of(binder, table), names,
                                   lambda p: _parent_columns(binder, p))
    columns = [*schema.columns[:at], column, *schema.columns[at:]]
    new = _rebuild(table, columns, schema.primary_key, added, constraints=constraints)
    if _declares_unique(item):
        new = index_ddl.add_index(new, index_ddl.auto_name(column.name, schema.indexes), [column.name], True)
    return index_ddl.with_foreign_key_indexes(new, _stored_name_of(binder, table))


def _added_position(schema: TableSchema, item: exp.ColumnDef) -> int:
    """Where ADD COLUMN puts the column: last, FIRST, or AFTER a column (MySQL's positions)."""
    position = item.args.get("position")
    if position is None:
        return len(schema.columns)
    if str(position.args.get("position") or "").upper() == "FIRST":
        return 0
    after = position.this
    if after is None:
        return len(schema.columns)
    return schema.names.index(column_of(schema, after.name)) + 1


def _drop_columns(table: Table, names: list[str], if_exists: bool) -> Table:
    schema = table.schema
    drop = []
    for name in names:
        try:
            drop.append(column_of(schema, name))
        except SqlError:
            if not if_exists:
                raise
    for name in drop:
        if name in schema.primary_key:
            raise SqlError(f"cannot drop primary key column {name}")
    kept = [c for c in schema.columns if c.name not in drop]
    if not kept:
        raise SqlError("cannot drop every column of a table (DROP TABLE does that)")
    if not drop:
        return table
    constraints = schema.constraints
    for name in drop:
        for check in constraints.checks:
            if name in _check_columns(check.expression):
                raise SqlError(f"Check constraint '{check.name}' uses column '{name}', hence column cannot be dropped")
        try:
            constraints = constraints.without_column(name)
        except DlError as exc:
            raise wrap(exc) from None
    return _rebuild(table, kept, schema.primary_key, lambda rows, first: rows.drop_columns(drop),
                    constraints=constraints)


def _check_columns(text: str) -> set[str]:
    import sqlglot
    return {c.name for c in sqlglot.parse_one(text, read="duckdb").find_all(exp.Column)}


def _renamed_constraints(schema: TableSchema, old: str, new: str) -> Any:
    """The schema's constraints after column `old` became `new` (CHECK texts rewritten too)."""
    import sqlglot
    from dataclasses import replace
    checks = []
    for check in schema.constraints.checks:
        tree = sqlglot.parse_one(check.expression, read="duckdb")
        for column in tree.find_all(exp.Column):
            if column.name == old:
                column.replace(exp.column(new, quoted=True))
        checks.append(replace(check, expression=tree.sql("duckdb")))
    return replace(schema.constraints.renamed(old, new), checks=tuple(checks))


def _alter_column(binder: Binder, table: Table, action: exp.AlterColumn) -> Table:
    schema = table.schema
    name = column_of(schema, action.this.name)
    column = schema.column(name)
    if action.args.get("dtype") is not None:
        return _retype(binder, table, name, action.args["dtype"])
    if action.args.get("allow_null") is not None:
        not_null = not action.args["allow_null"]
        if name in schema.primary_key and not not_null:
            raise SqlError(f"primary key column {name} cannot allow NULL")
        if not_null and any(leaf.column(name).null_count for leaf in table.tree.stream_leaves()):
            raise SqlError(f"column {name} has NULL values; update them before SET NOT NULL")
        changed = Column(name, column.type, not_null and name not in schema.primary_key, column.default)
    elif action.args.get("drop"):
        changed = Column(name, column.type, column.not_null, None)
    elif action.args.get("default") is not None:
        changed = Column(name, column.type, column.not_null,
                         constant(binder, action.args["default"], column.type, name))
    else:
        raise SqlError(f"ALTER COLUMN action not supported: {action.sql()}")
    columns = [changed if c.name == name else c for c in schema.columns]
    return _rebuild(table, columns, schema.primary_key, None)


def _modify_column(binder: Binder, table: Table, item: exp.ColumnDef) -> Table:
    """MODIFY COLUMN: the column redefined in its place, as MySQL does: its type, then NOT NULL,
    DEFAULT and COMMENT as the new definition says (what it leaves out is gone)."""
    name = column_of(table.schema, item.name)
    pending = PendingConstraints()
    defined, _ = column_def(binder, item, pending)
    table = _retype(binder, table, name, item.args["kind"])
    schema = table.schema
    not_null = defined.not_null and name not in schema.primary_key
    if not_null and not schema.column(name).not_null and any(
            leaf.column(name).null_count for leaf in table.tree.stream_leaves()):
        raise SqlError(f"column {name} has NULL values; update them before making it NOT NULL")
    changed = Column(name, schema.column(name).type, not_null, defined.default)
    columns = [changed if c.name == name else c for c in schema.columns]
    comment = dict(pending.comments).get(item.name)
    return _rebuild(table, columns, schema.primary_key, None,
                    constraints=schema.constraints.with_comment(name, comment))


def _retype(binder: Binder, table: Table, name: str, kind: exp.DataType) -> Table:
    schema = table.schema
    arrow = arrow_type(kind)
    column = schema.column(name)
    columns = [Column(name, arrow, c.not_null, c.default) if c.name == name else c for c in schema.columns]
    constraints = schema.constraints.with_declared(name, declared_text(kind))
    new_schema = TableSchema(tuple(columns), schema.primary_key, constraints=constraints)
    if column.default is not None:
        try:
            pa.array([column.default], arrow)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            raise SqlError(f"column {name}: its DEFAULT {column.default!r} does not fit {kind.sql()}") from None
    index = schema.names.index(name)

    def retyped(rows: pa.Table, first: int) -> pa.Table:
        values = coerce(binder, rows.select([name]), new_schema, first_row=first).column(name)
        return rows.set_column(index, name, values)
    return _rebuild(table, columns, schema.primary_key, retyped, constraints=constraints)


def _rebuild(table: Table, columns: list[Column], key: tuple[str, ...], change: Change | None,
             renamed: dict[str, str] | None = None, constraints: Any = None) -> Table:
    """`table` under the new columns and key, its rows through `change` (leaf by leaf); its
    indexes follow renamed columns and drop with dropped ones; `constraints` replace the
    table's when given."""
    try:
        schema = TableSchema(tuple(columns), key,
                             index_ddl.surviving_indexes(table.schema.indexes, columns, renamed),
                             table.schema.constraints if constraints is None else constraints)
        return rewritten(table, schema, change)
    except DlError as exc:
        raise wrap(exc) from None


def apply(root: RootValue, changes: Tables, put: Any) -> RootValue:
    """`root` with `changes` applied (`put` stores a table value and returns its address)."""
    for name, table in changes.items():
        root = root.with_table(name, None if table is None else put(table))
    return root
