"""DuckDB twins of tables: each table's rows as a DuckDB database file, for `dl sql -q`'s fast path.

A twin holds exactly the rows DuckDB scans when the general path registers the table
(`Table.scan()`, the scan cache's rows), stored by DuckDB itself from that Arrow table
(`CREATE TABLE rows AS SELECT * FROM <the registered scan>`), so a query over the twin sees the
same column names, types and values, in the same order. A twin is:

- table `rows`: the rows; table `twin`: one row naming the table value address the rows are
  of and the format tag (`TAG`: this layout's version and DuckDB's), and the row count;
- named by that address and tag (`core.store.twin_files`), attached READ_ONLY before the
  connection is locked (`engine.connect`), and checked before use (`attached_sound`): the file
  must name the address and tag asked for (a file copied under another name is refused), and
  hold the two tables and nothing else (no views, which would run SQL of the file's making).
  DuckDB verifies each block's checksum as it reads it, so a damaged file fails the query
  instead of answering wrongly; the fast path then removes the file and takes the general path.

Twins are written only for tables the general path would read whole (`tree_source.should_stream`
false: up to ~128 MB in memory); a larger table is streamed by the general path and gets no
twin. Writing one costs a scan of the table and DuckDB's compression: ~0.4 s of CPU for 1M rows,
once per table value.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dl.core.hashing import Address
from dl.core.store.twin_files import TwinFiles

if TYPE_CHECKING:
    import duckdb
    from dl.core.tables.table import Table

LAYOUT = "t1"  # bump when what a twin holds, or how, changes
ROWS, META = "rows", "twin"


def tag() -> str:
    """The format tag of twins this process writes and reads: the layout and DuckDB's version
    (a newer DuckDB may store, or read Arrow into, other types)."""
    import duckdb
    return f"{LAYOUT}-duckdb{re.sub(r'[^0-9A-Za-z.]', '_', duckdb.__version__)}"


def existing(files: TwinFiles, address: Address) -> Path | None:
    """The twin file of the table value `address`, if one was written."""
    path = files.path_for(address, tag())
    return path if path.is_file() else None


def too_large(files: TwinFiles, address: Address) -> bool:
    """Whether an earlier query found the table value `address` too large for a twin."""
    return files.marker_for(files.path_for(address, tag())).exists()


def write(files: TwinFiles, address: Address, table: Table) -> Path | None:
    """Writes the twin of `table` (the table value at `address`); None when the table is too
    large for one (then marked so, `too_large`), the repository is read-only, or writing fails
    (nothing is left behind)."""
    from dl.sql.tree_source import should_stream
    if not files.writable:
        return None
    path = files.path_for(address, tag())
    if should_stream(table):
        try:
            files.directory.mkdir(exist_ok=True)
            files.marker_for(path).touch()
        except OSError:
            pass
        return None
    temporary = files.temporary_for(path)
    try:
        files.directory.mkdir(exist_ok=True)
        _dump(table, address, temporary)
        files.publish(temporary, path)
    except Exception:  # noqa: BLE001 - derived data: any failure (disk full, DuckDB) leaves none
        files.remove(temporary)
        return None
    return path


def _dump(table: Table, address: Address, path: Path) -> None:
    from dl.sql.engine import connect_file
    rows = table.scan()
    con = connect_file(str(path))  # one thread: a file half the size of two threads' (measured)
    try:
        con.register("scan", rows)
        con.execute(f"CREATE TABLE {ROWS} AS SELECT * FROM scan")
        con.execute(f"CREATE TABLE {META} (address VARCHAR, tag VARCHAR, row_count BIGINT)")
        con.execute(f"INSERT INTO {META} VALUES (?, ?, ?)", [address.hex, tag(), rows.num_rows])
        con.unregister("scan")
    finally:
        con.close()


def attached_sound(con: duckdb.DuckDBPyConnection, catalogs: dict[str, Address]) -> bool:
    """Whether every attached twin (catalog name -> the table value address it must hold)
    names its address and tag and holds the tables `rows` and `twin` only."""
    if not catalogs:
        return True
    names = list(catalogs)
    marks = ", ".join("?" for _ in names)
    try:
        objects = con.execute(
            f"SELECT database_name, 'table:' || table_name FROM duckdb_tables() WHERE database_name IN ({marks}) "
            f"UNION ALL SELECT database_name, 'view:' || view_name FROM duckdb_views() "
            f"WHERE database_name IN ({marks}) AND NOT internal", names + names).fetchall()
        held: dict[str, set[str]] = {n: set() for n in names}
        for database, item in objects:
            held[database].add(item)
        if any(items != {f"table:{ROWS}", f"table:{META}"} for items in held.values()):
            return False
        for name, address in catalogs.items():
            found: Any = con.execute(f'SELECT address, tag FROM "{name}".main.{META}').fetchall()
            if found != [(address.hex, tag())]:
                return False
    except Exception:  # noqa: BLE001 - a file DuckDB cannot read as a twin is not one
        return False
    return True
