"""Session variables: `SET @v = ...`, `SET @@autocommit = 0`, `SET autocommit = off`, and
reading them back as `@v` and `@@name` in later statements.

MySQL (and Dolt) keep two kinds per session: user variables (`@v`, NULL until set) and system
variables (`@@name`, `@@session.name`, `@@global.name`, or a bare name after SET). dl keeps
both as plain Python values in the session that set them; nothing is persisted, and a system
variable dl does not act on is remembered (so scripts that set one run) but changes nothing.
A value is computed by the session (`SELECT <expr>`), so it may be any expression, including a
subquery; statements that read a variable see it as a literal, substituted before binding.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from dl.sql.errors import SqlError
from dl.sql.identity import VARIABLES as IDENTITY_VARIABLES
from sqlglot import exp

# system variables read before any SET, as MySQL answers them
DEFAULTS: dict[str, Any] = {"autocommit": 1, "sql_mode": "", "version_comment": "dl",
                            "transaction_isolation": "REPEATABLE-READ", "time_zone": "SYSTEM",
                            **{name: "" for name in IDENTITY_VARIABLES}}
_WORDS = {"on": 1, "off": 0, "true": 1, "false": 0}


class Computed(Protocol):
    """System variables whose values the session computes (Dolt's `@@<db>_head` and kin)."""

    def get(self, name: str) -> tuple[bool, Any]:
        """(whether `name` is one, its value)."""

    def set(self, name: str, value: Any) -> bool:
        """Acts on `SET @@name = value` if `name` is one; whether it was."""


class SessionVariables:
    """The user (`@v`) and system (`@@v`) variables of one SQL session."""

    def __init__(self, computed: Computed | None = None) -> None:
        self.user: dict[str, Any] = {}
        self.system: dict[str, Any] = dict(DEFAULTS)
        self.computed = computed

    def assign(self, statement: exp.Expression, evaluate: Callable[[exp.Expression], Any]) -> None:
        """Runs a SET statement: each `name = expr` is evaluated (`evaluate` runs SELECT expr) and stored."""
        if isinstance(statement, exp.Command):  # sqlglot gives up on `SET @a = (SELECT ...), @b = 2`
            statement = _as_set(statement)
        if not isinstance(statement, exp.Set):
            raise SqlError("SET takes name = value pairs, e.g. SET @v = 1 or SET autocommit = 0")
        for item in statement.expressions:
            assignment = item.this if isinstance(item, exp.SetItem) else None
            if not isinstance(assignment, exp.EQ):
                raise SqlError(f"SET takes name = value pairs, not {item.sql('mysql')!r}")
            target, value = assignment.this, assignment.expression
            if isinstance(target, exp.Parameter):
                self.user[target.name.lower()] = evaluate(self.substitute(value.copy()))
            else:
                name, given = _system_name(target), self._system_value(value, evaluate)
                if self.computed is None or not self.computed.set(name, given):
                    self.system[name] = given

    def _system_value(self, value: exp.Expression, evaluate: Callable[[exp.Expression], Any]) -> Any:
        if isinstance(value, (exp.Var, exp.Column)) and not isinstance(value, exp.Parameter):
            word = value.name.lower()  # SET autocommit = off; SET sql_mode = ansi
            return _WORDS.get(word, value.name)
        return evaluate(self.substitute(value.copy()))

    def substitute(self, expression: exp.Expression) -> exp.Expression:
        """`expression` with every `@v` and `@@v` replaced by its value as a literal."""
        def value_of(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.SessionParameter):
                name = node.name.lower()
                if name in self.system:
                    return _literal(self.system[name])
                found, computed = self.computed.get(name) if self.computed is not None else (False, None)
                if not found:
                    raise SqlError(f"unknown system variable: @@{node.name}")
                return _literal(computed)
            if isinstance(node, exp.Parameter) and isinstance(node.this, (exp.Var, exp.Identifier)):
                return _literal(self.user.get(node.name.lower()))
            return node
        return expression.transform(value_of, copy=False)


def mentions_variables(expression: exp.Expression | None) -> bool:
    """Whether a statement reads any `@v` or `@@v` (so it needs `substitute`)."""
    if expression is None:
        return False
    return any(isinstance(n.this, (exp.Var, exp.Identifier)) or isinstance(n, exp.SessionParameter)
               for n in expression.find_all(exp.Parameter, exp.SessionParameter))


def _as_set(command: exp.Command) -> exp.Expression:
    """`SET a = x, b = y` that sqlglot kept as text: its assignments read as a select list."""
    import sqlglot
    from sqlglot.errors import ParseError
    rest = command.expression
    text = rest.name if isinstance(rest, exp.Expression) else str(rest or "")
    try:
        select = sqlglot.parse_one(f"SELECT {text}", read="mysql")
    except ParseError:
        return command
    if not isinstance(select, exp.Select):
        return command
    return exp.Set(expressions=[exp.SetItem(this=e) for e in select.expressions])


def _system_name(target: exp.Expression) -> str:
    while isinstance(target, exp.Abs):  # DuckDB's grammar reads `@@x` as abs(abs(x)): `@` is abs there
        target = target.this
    if isinstance(target, (exp.SessionParameter, exp.Column, exp.Var, exp.Identifier)):
        return target.name.lower()
    raise SqlError(f"SET: not a variable name: {target.sql('mysql')}")


def _literal(value: Any) -> exp.Expression:
    if isinstance(value, bool):
        value = int(value)
    return exp.convert(value)
