"""The project's error families.

One root, `DlError`, with families a caller can catch (`NotFound`, `BadInput`, `Conflict`,
`IntegrityError`, `AlreadyExists`, `StoreError`); each error carries the fields a caller needs
to say what went wrong in one line. `dl/app.py` maps them to a message on stderr and an exit code; anything that is not
a `DlError` is a bug.
"""
from __future__ import annotations

from typing import Any


class DlError(Exception):
    """Root of every error dl raises on purpose."""

    exit_code: int = 1
    multiline: bool = False  # True: every line of the message is part of it (a list of patterns...)


class NotFound(DlError):
    """A named thing (branch, table, revision, chunk, file) does not exist."""

    def __init__(self, kind: str, name: str, hint: str = "", message: str = "") -> None:
        self.kind, self.name, self.hint = kind, name, hint
        text = message or f"{kind} not found: {name}"
        super().__init__(f"{text}; {hint}" if hint else text)


class NotARepository(NotFound):
    """No `.dl/` repository at (or above) a directory."""

    def __init__(self, path: str, hint: str = "") -> None:
        super().__init__("repository", path, hint)


class AlreadyExists(DlError):
    """A name that must be new is taken."""

    def __init__(self, kind: str, name: str, message: str = "") -> None:
        self.kind, self.name = kind, name
        super().__init__(message or f"{kind} already exists: {name}")


class BadInput(DlError):
    """Input the caller can fix: a bad file, value, name, schema or argument."""


class InvalidName(BadInput):
    """A table, branch, tag or column name that dl refuses (path separators, control characters...).
    A table's is said in Dolt's words (`'x' is not a valid table name`), the others as dl's."""

    def __init__(self, kind: str, name: str, reason: str) -> None:
        self.kind, self.name, self.reason = kind, name, reason
        said = f"{name!r} is not a valid table name" if kind == "table" else f"invalid {kind} name {name!r}"
        super().__init__(f"{said}: {reason}")


class IntegrityError(DlError):
    """Stored data is corrupt: a chunk that does not hash to its address, or does not decode."""

    def __init__(self, message: str, address: str | None = None) -> None:
        self.address = address
        super().__init__(message)


class CorruptChunk(IntegrityError):
    """A chunk's bytes do not hash to the address it is stored under."""

    def __init__(self, expected: str, actual: str) -> None:
        self.expected, self.actual = expected, actual
        super().__init__(f"corrupt chunk {expected}: its bytes hash to {actual}", expected)


class MissingChunk(IntegrityError):
    """A chunk that something refers to is not in the store."""

    def __init__(self, address: str, referrer: str = "") -> None:
        self.referrer = referrer
        where = f" (referred to by {referrer})" if referrer else ""
        super().__init__(f"missing chunk {address}{where}", address)


class Conflict(DlError):
    """Two lines of work disagree: a merge's conflicting rows, or a lost race between writers."""


class CheckoutWouldOverwrite(Conflict):
    """A branch switch would overwrite uncommitted changes to tables the target branch changed
    too (Dolt's and git's message, one table a line)."""

    multiline = True

    def __init__(self, tables: list[str]) -> None:
        self.tables = tables
        lines = ["Your local changes to the following tables would be overwritten by checkout:"]
        lines += [f"\t{t}" for t in tables]
        lines += ["Please commit your changes or stash them before you switch branches.", "Aborting"]
        super().__init__("\n".join(lines))


class CheckoutWouldOverwriteIgnored(Conflict):
    """`checkout --no-overwrite-ignore`: the branch holds other contents for tables that
    dolt_ignore ignores in the working set (Dolt's message, one table a line)."""

    multiline = True

    def __init__(self, tables: list[str]) -> None:
        self.tables = tables
        lines = ["The following ignored tables would be overwritten by checkout:"]
        lines += [f"\t{t}" for t in tables]
        lines += ["Please move or remove them before you switch branches.", "Use --overwrite-ignore to force."]
        super().__init__("\n".join(lines))


class ConcurrentUpdate(Conflict):
    """A compare-and-swap lost: another writer moved the ref since it was read."""

    def __init__(self, ref: str) -> None:
        self.ref = ref
        super().__init__(f"concurrent update of {ref}, retry")


class StoreError(DlError):
    """The store cannot be opened or written (not a repository, read-only, disk full...)."""


class InputError(BadInput):
    """Bad input from a user's file or arguments: says what, where (line, column) and why."""

    def __init__(self, message: str, line: int | None = None, column: str | None = None) -> None:
        self.line, self.column = line, column
        super().__init__(message)


class RefusedValue(InputError):
    """A field of a text file its column's type cannot read (`x` for an int): `zero` is the
    text of that type's zero value, which MySQL's INSERT IGNORE stores instead (and Dolt's
    `table import --continue`), or None where dl has no zero value to give (dates)."""

    def __init__(self, message: str, line: int | None, column: str, zero: str | None) -> None:
        super().__init__(message, line=line, column=column)
        self.zero = zero


class InvalidText(InputError):
    """A field of a text file that is not UTF-8: `value` holds its bytes and `valid` how many of
    them, from the start, are (what an import with --continue keeps)."""

    def __init__(self, message: str, line: int | None, column: str, value: bytes, valid: int) -> None:
        super().__init__(message, line=line, column=column)
        self.value, self.valid = value, valid


class RaggedRow(InputError):
    """A record of a delimited text file with more or fewer fields than its header: `fields`
    holds the record's own values, for the rows an import with --continue skips."""

    def __init__(self, where: str, reason: str, line: int | None, fields: tuple[str, ...]) -> None:
        super().__init__(f"{where}: {reason}", line=line)
        self.reason, self.fields = reason, fields


class DuplicateKey(InputError):
    """Two rows share a primary key."""

    def __init__(self, table: str, key: object, lines: tuple[int, ...] = ()) -> None:
        self.table, self.key, self.lines = table, key, lines
        where = f" (lines {', '.join(map(str, lines))})" if lines else ""
        super().__init__(f"duplicate primary key {key!r} in {table}{where}")


class UniqueViolation(InputError):
    """A write would give two rows the same value in a UNIQUE index, said in Dolt's words
    (`duplicate unique key given: [a,b]`; MySQL's "Duplicate entry 'a-b' for key 't.u'" is
    what its server sends with error 1062)."""

    def __init__(self, index: str, values: tuple[object, ...], table: str = "") -> None:
        self.index, self.values, self.table = index, tuple(values), table
        super().__init__(f"duplicate unique key given: [{','.join(map(str, self.values))}]")

    def in_table(self, table: str) -> "UniqueViolation":
        """The same violation, naming its table (the core's tables do not know their names)."""
        return self if self.table else UniqueViolation(self.index, self.values, table)


class SchemaError(BadInput):
    """A value or a change does not fit a table's schema."""


class ValueRuleError(SchemaError):
    """A value its column's declared MySQL type does not allow (`core.tables.column_rules`):
    `row` is its 0-based position among the values checked, `value` the value itself."""

    def __init__(self, message: str, column: str, row: int, value: object, *, too_long: bool = False) -> None:
        super().__init__(message)
        self.column, self.row, self.value, self.too_long = column, row, value, too_long


class ConstraintViolation(BadInput):
    """A write would break a CHECK or FOREIGN KEY constraint (MySQL's message and the row);
    `violation` carries the details (`core.versioning.constraint_check.Violation`)."""

    def __init__(self, violation: Any, message: str | None = None) -> None:
        super().__init__(message or violation.message())
        self.violation = violation


class MergeConflict(Conflict):
    """A merge or cherry-pick stopped on conflicts that the user must resolve."""


class UsageError(BadInput):
    """The command was called wrongly (bad flags, missing arguments)."""

    exit_code = 2
