"""Views: stored in dolt_schemas as Dolt stores them, versioned with the data, read-only."""
from __future__ import annotations

import pytest
from dl.core.repo import Repository
from dl.sql.errors import SqlError
from dl.sql.session import Session

from tests.sql.conftest import rows, value


@pytest.fixture
def base(session: Session) -> Session:
    session.run("create table t (id int primary key, v int); insert into t values (1, 10), (2, 20), (3, 30)")
    return session


def test_create_query_and_nest(base: Session) -> None:
    base.run("create view big as select id, v * 2 as w from t where v > 15")
    base.run("create view bigger (k, ww) as select * from big where w > 50")
    assert rows(base, "select * from big order by id") == [(2, 40), (3, 60)]
    assert rows(base, "select * from bigger") == [(3, 60)]
    assert rows(base, "select b.id, t.v from big b join t on t.id = b.id where t.id = 2") == [(2, 20)]
    assert rows(base, "with x as (select * from big) select count(*) from x") == [(2,)]
    base.run("update t set v = 0 where id = 3")
    assert rows(base, "select * from big") == [(2, 40)]  # a view reads the tables as they are now
    assert rows(base, "show tables") == [("big",), ("bigger",), ("t",)]
    assert rows(base, "describe bigger") == [("k", "BIGINT", "YES", "", None, ""), ("ww", "BIGINT", "YES", "", None, "")]


def test_stored_in_dolt_schemas_like_dolt(base: Session) -> None:
    assert base.query("select * from dolt_schemas").column_names == ["type", "name", "fragment", "extra"]
    assert value(base, "select count(*) from dolt_schemas") == 0
    base.run("create view v as select id from t where v > 15")
    assert rows(base, "select type, name, fragment from dolt_schemas") == \
        [("view", "v", 'CREATE VIEW "v" AS select id from t where v > 15')]
    assert rows(base, "select table_name, status from dolt_status order by 1") == [("dolt_schemas", "new table"),
                                                                                   ("t", "new table")]
    with pytest.raises(SqlError, match="read-only"):
        base.run("delete from dolt_schemas")


def test_views_are_versioned(base: Session) -> None:
    base.run("create view v as select count(*) as n from t; call dolt_commit('-Am', 'one view')")
    base.run("create or replace view v as select sum(v) as n from t; insert into t values (4, 40)")
    assert value(base, "select n from v") == 100
    assert value(base, "select n from v as of 'HEAD'") == 3  # the old definition over the old rows
    assert rows(base, "select diff_type, from_fragment like '%count%', to_fragment like '%sum%' "
                      "from dolt_diff_dolt_schemas where to_commit = 'WORKING'") == [("modified", True, True)]
    base.run("call dolt_commit('-am', 'sum'); call dolt_checkout('-b', 'other'); drop view v")
    base.run("call dolt_commit('-am', 'no view')")
    with pytest.raises(SqlError, match="table not found: v"):
        base.run("select * from v")
    base.run("call dolt_checkout('main')")
    assert value(base, "select n from v") == 100


def test_create_and_drop_leave_the_root_as_it_was(base: Session) -> None:
    before = value(base, "select dolt_hashof_db()")
    base.run("create view a as select 1 as x; create view b as select 2 as y; drop view a, b")
    assert value(base, "select dolt_hashof_db()") == before


def test_dialects_and_as_of_inside_a_view(base: Session, repo: Repository) -> None:
    base.run("call dolt_commit('-Am', 'base'); update t set v = v + 1")
    mysql = Session(repo, dialect="mysql")
    mysql.run("create view m as select id, v div 3 as third from `t` as of 'HEAD' where id = 2")
    assert rows(base, "select * from m") == [(2, 6)]  # stored in DuckDB's dialect, readable from any
    sqlite = Session(repo, dialect="sqlite")
    sqlite.run("create view s as select id, v / 3 as third from t where id = 2")
    assert rows(base, "select * from s") == [(2, 7)]
    base.run("create view live as select active_branch() as b, count(*) as n from t")
    assert rows(base, "select * from live") == [("main", 3)]


def test_errors(base: Session) -> None:
    base.run("create view big as select * from t where v > 15")
    for text, match in [("create view a as select * from nosuch", "table not found: nosuch"),
                        ("create view a as select nope from t", "nope"),
                        ("create view t as select 1", "a table named t exists"),
                        ("create table big (x int)", "a view named big exists"),
                        ("create view big as select 1", "view already exists: big"),
                        ("insert into big values (1, 1)", "big is a view; views are read-only"),
                        ("update big set v = 1", "read-only"),
                        ("drop table big", "DROP VIEW big"),
                        ("drop view nosuch", "view not found: nosuch"),
                        ("create view dolt_v as select 1", "reserved"),
                        ("create view c (a, b) as select id from t", "names 2 columns for a query of 1")]:
        with pytest.raises(SqlError, match=match):
            base.run(text)
    base.run("create view if not exists big as select 1; drop view if exists nosuch")
    base.run("create view c1 as select * from t; create view c2 as select * from c1")
    base.run("create or replace view c1 as select * from c2")
    with pytest.raises(SqlError, match="refer to itself"):
        base.run("select * from c1")
