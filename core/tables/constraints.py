"""A table's declared constraints and MySQL column types, beside its columns.

`TableConstraints` is one value on `TableSchema` (`schema.constraints`): CHECK constraints
(`CheckConstraint`, the expression kept as SQL text), FOREIGN KEYs (`ForeignKey`, with MySQL's
referential actions), the AUTO_INCREMENT column, and the MySQL type each column was declared
with (`declared_types`, e.g. `enum('a','b')`, `varchar(10)`, `year`), whose value rules
`column_rules` enforces, and each column's COMMENT (`comments`, shown by SHOW CREATE TABLE). It is self-contained: it encodes under its own key of the schema's
JSON only when non-empty, so schemas without constraints keep their bytes (and addresses), and
old schemas load unchanged.

Core stores and checks what needs no SQL engine (value rules, foreign keys by primary-key
lookup); CHECK expressions are evaluated through `check_eval`, which the SQL layer provides.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING, Any

from dl.core.errors import SchemaError

if TYPE_CHECKING:
    import pyarrow as pa

CheckEvaluator = Callable[[str, "pa.Table"], "pa.Array"]
"""(CHECK expression, rows) -> a boolean array: False where the row violates it."""

_evaluator: list[CheckEvaluator] = []


def set_check_evaluator(evaluate: CheckEvaluator) -> None:
    """Registers the CHECK evaluator: the SQL layer's (core cannot import a SQL engine). Kept
    here, in a module that imports nothing heavy, so registering it costs no start-up."""
    _evaluator[:] = [evaluate]


def check_evaluator() -> CheckEvaluator | None:
    return _evaluator[0] if _evaluator else None


class ReferentialAction(Enum):
    """What a parent row's DELETE or key UPDATE does to its children (MySQL's actions)."""

    RESTRICT = "RESTRICT"
    CASCADE = "CASCADE"
    SET_NULL = "SET NULL"
    NO_ACTION = "NO ACTION"

    @staticmethod
    def parse(text: str) -> "ReferentialAction":
        words = " ".join(text.upper().split())
        for action in ReferentialAction:
            if action.value == words:
                return action
        raise SchemaError(f"unknown referential action {text!r} (RESTRICT, CASCADE, SET NULL, NO ACTION)")


@dataclass(frozen=True)
class CheckConstraint:
    """`CONSTRAINT name CHECK (expression)`; the expression is SQL text over the row's columns."""

    name: str
    expression: str
    enforced: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "expression": self.expression, "enforced": self.enforced}

    @staticmethod
    def from_json(value: dict[str, Any]) -> "CheckConstraint":
        return CheckConstraint(str(value["name"]), str(value["expression"]), bool(value.get("enforced", True)))


@dataclass(frozen=True)
class ForeignKey:
    """`CONSTRAINT name FOREIGN KEY (columns) REFERENCES parent (parent_columns) ON DELETE ..
    ON UPDATE ..`: every child row whose columns are all non-NULL names an existing parent row."""

    name: str
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    on_delete: ReferentialAction = ReferentialAction.RESTRICT
    on_update: ReferentialAction = ReferentialAction.RESTRICT

    def __post_init__(self) -> None:
        if len(self.columns) != len(self.parent_columns) or not self.columns:
            raise SchemaError(f"foreign key {self.name}: {len(self.columns)} columns reference "
                              f"{len(self.parent_columns)} parent columns")

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "columns": list(self.columns), "parent": self.parent,
                "parent_columns": list(self.parent_columns), "on_delete": self.on_delete.value,
                "on_update": self.on_update.value}

    @staticmethod
    def from_json(value: dict[str, Any]) -> "ForeignKey":
        return ForeignKey(str(value["name"]), tuple(value["columns"]), str(value["parent"]),
                          tuple(value["parent_columns"]), ReferentialAction.parse(value["on_delete"]),
                          ReferentialAction.parse(value["on_update"]))

    def describe(self, child: str) -> str:
        """MySQL's text of the constraint inside its error messages."""
        cols = ", ".join(f"`{c}`" for c in self.columns)
        parent_cols = ", ".join(f"`{c}`" for c in self.parent_columns)
        return (f"`{child}`, CONSTRAINT `{self.name}` FOREIGN KEY ({cols}) REFERENCES "
                f"`{self.parent}` ({parent_cols})") + self.action_clauses()

    def action_clauses(self) -> str:
        """` ON DELETE ...` and ` ON UPDATE ...` for the actions other than RESTRICT (MySQL's
        default, which MySQL leaves out), as every CREATE TABLE text and message prints them."""
        text = ""
        if self.on_delete is not ReferentialAction.RESTRICT:
            text += f" ON DELETE {self.on_delete.value}"
        if self.on_update is not ReferentialAction.RESTRICT:
            text += f" ON UPDATE {self.on_update.value}"
        return text


@dataclass(frozen=True)
class TableConstraints:
    """Everything a table declares beyond columns, NOT NULL, defaults and the primary key."""

    checks: tuple[CheckConstraint, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    auto_increment: str | None = None
    declared_types: tuple[tuple[str, str], ...] = field(default=())  # (column, MySQL type text)
    comments: tuple[tuple[str, str], ...] = field(default=())  # (column, COMMENT text)
    auto_increment_start: int | None = None  # the table option AUTO_INCREMENT=N: the next value
    # generated is at least N (kept only while it says more than the rows: see sql.auto_increment)

    def __post_init__(self) -> None:
        """Per-column texts in column-name order, whatever order the statements set them in:
        the same table has the same encoding (history independence), whether a column was
        declared `text` at CREATE or retyped by ALTER."""
        object.__setattr__(self, "declared_types", tuple(sorted(self.declared_types)))
        object.__setattr__(self, "comments", tuple(sorted(self.comments)))

    @property
    def empty(self) -> bool:
        return not (self.checks or self.foreign_keys or self.auto_increment or self.declared_types
                    or self.comments or self.auto_increment_start is not None)

    def declared_type(self, column: str) -> str | None:
        return next((kind for name, kind in self.declared_types if name == column), None)

    def comment(self, column: str) -> str | None:
        return next((text for name, text in self.comments if name == column), None)

    def names(self) -> list[str]:
        return [c.name for c in self.checks] + [f.name for f in self.foreign_keys]

    def validate(self, columns: list[str]) -> None:
        """Every named column exists and constraint names are unique (case-insensitively)."""
        known = set(columns)
        for fk in self.foreign_keys:
            for name in fk.columns:
                if name not in known:
                    raise SchemaError(f"foreign key {fk.name}: {name!r} is not a column")
        for name, _ in self.declared_types + self.comments:
            if name not in known:
                raise SchemaError(f"declared type or comment for unknown column {name!r}")
        if self.auto_increment is not None and self.auto_increment not in known:
            raise SchemaError(f"AUTO_INCREMENT column {self.auto_increment!r} is not a column")
        if self.auto_increment_start is not None and self.auto_increment is None:
            raise SchemaError("the table option AUTO_INCREMENT needs an AUTO_INCREMENT column")
        lowered = [n.lower() for n in self.names()]
        dupes = sorted({n for n in lowered if lowered.count(n) > 1})
        if dupes:
            raise SchemaError(f"Duplicate constraint name '{dupes[0]}'")

    # --- changes that follow column changes ------------------------------------------------

    def renamed(self, old: str, new: str) -> "TableConstraints":
        """The constraints after column `old` became `new` (CHECK texts are left to the SQL
        layer, which rewrites them before calling this)."""
        def swap(names: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(new if n == old else n for n in names)
        return replace(self,
                       foreign_keys=tuple(replace(f, columns=swap(f.columns)) for f in self.foreign_keys),
                       auto_increment=new if self.auto_increment == old else self.auto_increment,
                       declared_types=tuple((new if n == old else n, k) for n, k in self.declared_types),
                       comments=tuple((new if n == old else n, k) for n, k in self.comments))

    def without_column(self, name: str) -> "TableConstraints":
        """The constraints after column `name` is dropped; a foreign key on it is refused, as MySQL
        refuses dropping a column a constraint needs."""
        for fk in self.foreign_keys:
            if name in fk.columns:
                raise SchemaError(f"cannot drop column {name!r}: needed in foreign key constraint '{fk.name}'")
        gone = self.auto_increment == name
        return replace(self, auto_increment=None if gone else self.auto_increment,
                       auto_increment_start=None if gone else self.auto_increment_start,
                       declared_types=tuple((n, k) for n, k in self.declared_types if n != name),
                       comments=tuple((n, k) for n, k in self.comments if n != name))

    def with_declared(self, column: str, kind: str | None) -> "TableConstraints":
        kept = tuple((n, k) for n, k in self.declared_types if n != column)
        return replace(self, declared_types=kept + (((column, kind),) if kind else ()))

    def with_comment(self, column: str, text: str | None) -> "TableConstraints":
        kept = tuple((n, k) for n, k in self.comments if n != column)
        return replace(self, comments=kept + (((column, text),) if text else ()))

    # --- canonical encoding ----------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        value: dict[str, Any] = {}
        if self.checks:
            value["checks"] = [c.to_json() for c in self.checks]
        if self.foreign_keys:
            value["foreign_keys"] = [f.to_json() for f in self.foreign_keys]
        if self.auto_increment is not None:
            value["auto_increment"] = self.auto_increment
        if self.declared_types:
            value["declared_types"] = [[n, k] for n, k in self.declared_types]
        if self.comments:
            value["comments"] = [[n, k] for n, k in self.comments]
        if self.auto_increment_start is not None:
            value["auto_increment_start"] = self.auto_increment_start
        return value

    @staticmethod
    def from_json(value: Any) -> "TableConstraints":
        if value is None:
            return TableConstraints()
        return TableConstraints(
            tuple(CheckConstraint.from_json(c) for c in value.get("checks", [])),
            tuple(ForeignKey.from_json(f) for f in value.get("foreign_keys", [])),
            value.get("auto_increment"),
            tuple((str(n), str(k)) for n, k in value.get("declared_types", [])),
            tuple((str(n), str(k)) for n, k in value.get("comments", [])),
            _optional_int(value.get("auto_increment_start")))


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def merge_constraints(base: TableConstraints | None, ours: TableConstraints, theirs: TableConstraints,
                      columns: list[str]) -> TableConstraints:
    """Three-way merge of a table's constraints, by name (declared types by column): one side's
    change is taken, both sides' additions kept; the same constraint changed differently on
    both sides raises `SchemaError`. Declarations about columns the merge dropped go."""
    if ours == theirs:
        merged = ours
    elif base == ours:
        merged = theirs
    elif base == theirs:
        merged = ours
    else:
        prior = base or TableConstraints()
        checks = _merge_named(prior.checks, ours.checks, theirs.checks)
        fks = _merge_named(prior.foreign_keys, ours.foreign_keys, theirs.foreign_keys)
        declared = _merge_named_pairs(prior.declared_types, ours.declared_types, theirs.declared_types)
        comments = _merge_named_pairs(prior.comments, ours.comments, theirs.comments)
        auto = ours.auto_increment if ours.auto_increment != prior.auto_increment else theirs.auto_increment
        starts = [s.auto_increment_start for s in (ours, theirs) if s.auto_increment_start is not None]
        start = max(starts) if starts else None  # both sides moved the counter: the higher holds
        merged = TableConstraints(tuple(checks), tuple(fks), auto, tuple(declared), tuple(comments), start)
    known = set(columns)
    return replace(merged,
                   foreign_keys=tuple(f for f in merged.foreign_keys if set(f.columns) <= known),
                   declared_types=tuple((n, k) for n, k in merged.declared_types if n in known),
                   comments=tuple((n, k) for n, k in merged.comments if n in known),
                   auto_increment=merged.auto_increment if merged.auto_increment in known else None,
                   auto_increment_start=merged.auto_increment_start if merged.auto_increment in known else None)


def _merge_named(base: tuple[Any, ...], ours: tuple[Any, ...], theirs: tuple[Any, ...]) -> list[Any]:
    before = {c.name: c for c in base}
    mine = {c.name: c for c in ours}
    other = {c.name: c for c in theirs}
    out = []
    for name in list(mine) + [n for n in other if n not in mine]:
        a, b, o = mine.get(name), other.get(name), before.get(name)
        if a == b or b == o:
            chosen = a
        elif a == o:
            chosen = b
        else:
            raise SchemaError(f"schema conflict: constraint {name} was changed differently on both sides")
        if chosen is not None:
            out.append(chosen)
    return out


def _merge_named_pairs(base: tuple[tuple[str, str], ...], ours: tuple[tuple[str, str], ...],
                       theirs: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    @dataclass(frozen=True)
    class Named:
        name: str
        kind: str
    merged = _merge_named(tuple(Named(*p) for p in base), tuple(Named(*p) for p in ours),
                          tuple(Named(*p) for p in theirs))
    return [(n.name, n.kind) for n in merged]
