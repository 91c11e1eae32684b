"""`dl table import --schema FILE`: a table's schema from a CREATE TABLE statement.

The file holds one `CREATE TABLE` (the first one is used; its table name is ignored, so a
schema written for one table can create another). Column types, NOT NULL, DEFAULT and the
primary key follow the same rules as `dl sql`'s CREATE TABLE.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import sqlglot
from dl.core.errors import InputError
from dl.core.tables.schema import TableSchema
from dl.sql.ddl import declared_schema
from dl.sql.engine import connect
from dl.sql.errors import SqlError
from dl.sql.parse import ddl_dialect
from sqlglot import exp


class _Constants:
    """The little of a binder that DEFAULT constants need: running a SELECT in DuckDB."""

    def __init__(self) -> None:
        self.con = connect()

    def run_sql(self, text: str) -> pa.Table:
        try:
            return self.con.sql(text).to_arrow_table()
        except duckdb.Error as exc:
            raise SqlError(str(exc).splitlines()[0]) from None


def schema_from_sql(text: str, where: str = "schema", dialect: str = "duckdb") -> TableSchema:
    """The schema the first CREATE TABLE in `text` declares."""
    try:
        statements = [s for s in sqlglot.parse(text, read=ddl_dialect(dialect)) if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise InputError(f"{where}: not valid SQL: {str(exc).splitlines()[0]}") from None
    create = next((s for s in statements if isinstance(s, exp.Create)
                   and str(s.args.get("kind") or "").upper() == "TABLE"), None)
    if create is None or not isinstance(create.this, exp.Schema) or not create.this.expressions:
        raise InputError(f"{where}: needs a CREATE TABLE statement with columns")
    constants = _Constants()
    try:
        return declared_schema(constants, create.this.expressions)  # type: ignore[arg-type]
    except SqlError as exc:
        raise InputError(f"{where}: {exc}") from None
    finally:
        constants.con.close()


def schema_from_file(path: Path, dialect: str = "duckdb") -> TableSchema:
    from dl.core.errors import NotFound
    from dl.core.io.streams import read_text_input
    try:  # bounded, text only, a device refused (core.io.streams)
        text = read_text_input(path, str(path), what="a schema file", limit=16 << 20)
    except NotFound:
        raise InputError(f"schema file not found: {path}") from None
    return schema_from_sql(text, str(path), dialect)
