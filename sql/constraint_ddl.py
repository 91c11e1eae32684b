"""CHECK, FOREIGN KEY and AUTO_INCREMENT in CREATE and ALTER TABLE, as MySQL declares them.

Column level (`a INT CHECK (a > 0)`, `b INT REFERENCES p(id) ON DELETE CASCADE`,
`id INT AUTO_INCREMENT`) and table level (`[CONSTRAINT name] CHECK (...)`, `[CONSTRAINT name]
FOREIGN KEY (cols) REFERENCES p (cols) [ON DELETE ...] [ON UPDATE ...]`) become a
`TableConstraints` on the schema. Unnamed constraints get MySQL's names: `<table>_chk_<n>` and
`<table>_ibfk_<n>`. CHECK expressions are kept as DuckDB SQL text (evaluated by
`sql.check_eval`). A foreign key's parent must exist (or be the table itself) and have the
referenced columns; `ALTER TABLE ADD CONSTRAINT` checks the rows already there, `DROP
CONSTRAINT` / `DROP FOREIGN KEY` / `DROP CHECK` remove one.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from dl.core.tables.constraints import CheckConstraint, ForeignKey, ReferentialAction, TableConstraints
from dl.sql.errors import SqlError
from sqlglot import exp

_OPTION = re.compile(r"^\s*ON\s+(DELETE|UPDATE)\s+(RESTRICT|CASCADE|SET\s+NULL|NO\s+ACTION|SET\s+DEFAULT)\s*$",
                     re.IGNORECASE)


@dataclass
class PendingConstraints:
    """Constraints read from a column list, before names are given and columns resolved."""

    checks: list[tuple[str | None, exp.Expression]] = field(default_factory=list)
    foreign_keys: list[tuple[str | None, list[str], exp.Reference]] = field(default_factory=list)
    auto_increment: str | None = None
    declared: list[tuple[str, str]] = field(default_factory=list)
    comments: list[tuple[str, str]] = field(default_factory=list)

    def read_item(self, item: exp.Expression) -> bool:
        """Takes a table-level constraint item; False when `item` is not one."""
        name = None
        if isinstance(item, exp.Constraint):
            name = item.name
            if len(item.expressions) != 1:
                raise SqlError(f"constraint not supported: {item.sql()}")
            item = item.expressions[0]
        if isinstance(item, exp.CheckColumnConstraint):
            self.checks.append((name, item.this))
            return True
        if isinstance(item, exp.ForeignKey):
            columns = [e.name for e in item.expressions]
            self.foreign_keys.append((name, columns, item.args["reference"]))
            return True
        if name is not None:
            raise SqlError(f"constraint not supported: {item.sql()}")
        return False

    def read_column_constraint(self, column: str, rule: exp.Expression) -> bool:
        """Takes a column-level CHECK, REFERENCES or AUTO_INCREMENT; False for other rules."""
        if isinstance(rule, exp.CheckColumnConstraint):
            self.checks.append((None, rule.this))
        elif isinstance(rule, exp.Reference):
            self.foreign_keys.append((None, [column], rule))
        elif isinstance(rule, exp.AutoIncrementColumnConstraint):
            if self.auto_increment is not None:
                raise SqlError("Incorrect table definition; there can be only one auto column")
            self.auto_increment = column
        else:
            return False
        return True

    def build(self, table: str, columns: list[str], key: list[str], *,
              existing: TableConstraints | None = None) -> TableConstraints:
        """The constraints with names given and column names resolved (case-insensitively)."""
        base = existing or TableConstraints()
        checks = list(base.checks)
        for name, expression in self.checks:
            checks.append(CheckConstraint(name or _next_name(table, "chk", checks), _check_text(expression, columns)))
        fks = list(base.foreign_keys)
        for name, cols, reference in self.foreign_keys:
            fks.append(_foreign_key(name or _next_name(table, "ibfk", fks), table, cols, reference, columns))
        auto = base.auto_increment
        if self.auto_increment is not None:
            auto = resolve(columns, self.auto_increment)
            if auto not in key:
                raise SqlError("Incorrect table definition; there can be only one auto column "
                               "and it must be defined as a key")
        declared = dict(base.declared_types)
        declared.update(self.declared)
        comments = dict(base.comments)
        comments.update(self.comments)
        return TableConstraints(tuple(checks), tuple(fks), auto, tuple(declared.items()),
                                tuple(comments.items()), base.auto_increment_start if auto else None)


def _next_name(table: str, kind: str, existing: list[CheckConstraint] | list[ForeignKey]) -> str:
    taken = {c.name.lower() for c in existing}
    number = 1
    while f"{table}_{kind}_{number}".lower() in taken:
        number += 1
    return f"{table}_{kind}_{number}"


def resolve(columns: list[str], name: str) -> str:
    for column in columns:
        if column.lower() == name.lower():
            return column
    raise SqlError(f"Key column '{name}' doesn't exist in table")


def _check_text(expression: exp.Expression, columns: list[str]) -> str:
    """The CHECK expression as DuckDB SQL, its columns resolved to the table's (no subqueries),
    without outer parentheses: `CHECK ((a > 0))`, as SHOW CREATE TABLE prints it, keeps the
    same text as `CHECK (a > 0)`, so a replayed dump makes the same table."""
    expression = expression.copy()
    while isinstance(expression, exp.Paren):
        expression = expression.this
    if any(isinstance(n, (exp.Select, exp.Subquery)) for n in expression.walk()):
        raise SqlError(f"An expression of a check constraint contains disallowed function: {expression.sql()}")
    for column in expression.find_all(exp.Column):
        try:
            column.replace(exp.column(resolve(columns, column.name), quoted=True))
        except SqlError:
            raise SqlError(f"Check constraint refers to an unknown column '{column.name}'") from None
    return expression.sql("duckdb")


def _foreign_key(name: str, table: str, cols: list[str], reference: exp.Reference, columns: list[str]) -> ForeignKey:
    target = reference.this
    parent = target.this.name if isinstance(target, exp.Schema) else target.name
    parent_cols = [e.name for e in target.expressions] if isinstance(target, exp.Schema) else []
    if not parent_cols:
        raise SqlError(f"foreign key {name}: name the referenced columns, e.g. REFERENCES {parent} (id)")
    on_delete = on_update = ReferentialAction.RESTRICT
    for option in reference.args.get("options") or []:
        match = _OPTION.match(option if isinstance(option, str) else option.sql())
        if match is None:
            raise SqlError(f"foreign key {name}: unsupported option {option}")
        if match.group(2).upper().startswith("SET") and "DEFAULT" in match.group(2).upper():
            raise SqlError(f"foreign key {name}: SET DEFAULT is not supported (as in MySQL's InnoDB)")
        action = ReferentialAction.parse(match.group(2))
        if match.group(1).upper() == "DELETE":
            on_delete = action
        else:
            on_update = action
    try:
        resolved = [resolve(columns, c) for c in cols]
    except SqlError:
        missing = next(c for c in cols if c.lower() not in {n.lower() for n in columns})
        raise SqlError(f"foreign key {name}: table `{table}` does not have column `{missing}`") from None
    return ForeignKey(name, tuple(resolved), parent, tuple(parent_cols), on_delete, on_update)


def check_references(constraints: TableConstraints, table: str, columns: list[str],
                     lookup: Callable[[str], tuple[str, list[str]] | None],
                     required: bool = True) -> TableConstraints:
    """Each foreign key's parent exists with the referenced columns (names resolved to the
    parent's spelling); `lookup(name)` gives a parent's (stored name, column names) or None.
    With `required` False (FOREIGN_KEY_CHECKS=0) a missing parent is accepted, as MySQL does."""
    fks = []
    for fk in constraints.foreign_keys:
        if fk.parent.lower() == table.lower():
            parent, parent_columns = table, columns
        else:
            found = lookup(fk.parent)
            if found is None and not required:
                fks.append(fk)
                continue
            if found is None:
                raise SqlError(f"Failed to open the referenced table '{fk.parent}': table not found: {fk.parent}")
            parent, parent_columns = found
        try:
            cols = tuple(resolve(parent_columns, c) for c in fk.parent_columns)
        except SqlError:
            missing = next(c for c in fk.parent_columns if c.lower() not in {p.lower() for p in parent_columns})
            raise SqlError(f"Failed to add the foreign key constraint. Missing index for constraint "
                           f"'{fk.name}': table `{parent}` does not have column `{missing}`") from None
        fks.append(replace(fk, parent=parent, parent_columns=cols))
    return replace(constraints, foreign_keys=tuple(fks))


def drop_constraint(constraints: TableConstraints, name: str, kind: str) -> TableConstraints:
    """The constraints without the one named `name` (`kind`: CONSTRAINT, FOREIGN KEY or CHECK)."""
    lowered = name.lower()
    checks = tuple(c for c in constraints.checks if c.name.lower() != lowered)
    fks = tuple(f for f in constraints.foreign_keys if f.name.lower() != lowered)
    if kind == "FOREIGN KEY":
        checks = constraints.checks
    elif kind == "CHECK":
        fks = constraints.foreign_keys
    if len(checks) == len(constraints.checks) and len(fks) == len(constraints.foreign_keys):
        raise SqlError(f"Constraint '{name}' does not exist.")
    return replace(constraints, checks=checks, foreign_keys=fks)
