"""Names reserved for system tables (`dolt_schemas`, `dolt_log`, `dolt_branches`, every
`dolt_*`) are refused on every path that names a new table, with one line."""
from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import FIXTURES, Dl
from dl.core.errors import InvalidName
from dl.core.names import check_table_name

RESERVED = ["dolt_schemas", "dolt_log", "dolt_branches", "dolt_status", "dolt_diff_people", "DOLT_Tags"]


@pytest.mark.parametrize("name", RESERVED)
def test_import_refuses_reserved_names(people: Path, dl: Dl, name: str) -> None:
    message = dl.fails("table", "import", "-c", "--pk", "id", name, FIXTURES / "people.csv")
    assert message == f"{name!r} is not a valid table name: names starting with dolt_ are reserved for system tables"
    assert dl.tables() == ["people"]
    dl.ok("sql", "-q", "create view adults as select * from people where age >= 18")  # views still work
    assert "table not found: nope" in dl.fails("sql", "-q", "select * from nope")


@pytest.mark.parametrize("command", ["mv", "cp"])
@pytest.mark.parametrize("name", ["dolt_schemas", "dolt_log", "dolt_branches"])
def test_mv_and_cp_refuse_reserved_names(people: Path, dl: Dl, command: str, name: str) -> None:
    message = dl.fails("table", command, "people", name)
    assert message == f"{name!r} is not a valid table name: names starting with dolt_ are reserved for system tables"
    assert dl.tables() == ["people"]
    assert dl.query("select count(*) as n from dolt_branches") == "n\n1\n"  # the system table answers


def test_sql_refuses_them_too(people: Path, dl: Dl) -> None:
    assert "reserved" in dl.fails("sql", "-q", "create table dolt_log (id int primary key)")
    assert "reserved" in dl.fails("sql", "-q", "alter table people rename to dolt_schemas")


def test_check_table_name() -> None:
    assert check_table_name("doltish") == "doltish" and check_table_name("my_dolt_log") == "my_dolt_log"
    for name in RESERVED:
        with pytest.raises(InvalidName, match="reserved for system tables"):
            check_table_name(name)
