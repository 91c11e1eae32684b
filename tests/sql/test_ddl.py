"""CREATE / DROP / ALTER TABLE."""
from __future__ import annotations

import pyarrow as pa
import pytest
from dl.core.repo import Repository
from dl.sql.errors import SqlError
from dl.sql.session import Session

from tests.sql.conftest import rows, value


def schema_of(session: Session, name: str):
    return session._view().table(name).schema


def test_create_table_types_and_constraints(session: Session) -> None:
    session.run("create table t (id integer primary key, name varchar(20) not null default 'anon', "
                "score real, ok boolean, d date, ts timestamp, amount decimal(10, 2), raw blob, small smallint)")
    schema = schema_of(session, "t")
    assert schema.primary_key == ("id",)
    types = {c.name: c.type for c in schema.columns}
    assert types == {"id": pa.int64(), "name": pa.string(), "score": pa.float64(), "ok": pa.bool_(),
                     "d": pa.date32(), "ts": pa.timestamp("us"), "amount": pa.decimal128(10, 2),
                     "raw": pa.binary(), "small": pa.int16()}
    assert schema.column("name").not_null and schema.column("name").default == "anon"
    session.run("insert into t (id) values (1)")
    assert value(session, "select name from t") == "anon"


def test_table_level_and_composite_primary_key(session: Session) -> None:
    session.run("create table c (a int, b text, primary key (a, b))")
    assert schema_of(session, "c").primary_key == ("a", "b")


def test_create_existing_and_if_not_exists(session: Session) -> None:
    session.run("create table t (id int primary key)")
    with pytest.raises(SqlError, match="already exists: t"):
        session.run("create table t (id int primary key)")
    session.run("create table if not exists t (x int)")
    assert schema_of(session, "t").names == ["id"]
    session.run("create or replace table t (x int)")
    assert schema_of(session, "t").names == ["x"]


def test_create_table_as_select(session: Session) -> None:
    session.run("create table src (id int primary key, v double); insert into src values (1, 1.5), (2, 2.5)")
    session.run("create table dst as select id, v * 2 as w, 'k' as tag from src")
    schema = schema_of(session, "dst")
    assert schema.primary_key == () and [c.type for c in schema.columns] == [pa.int64(), pa.float64(), pa.string()]
    assert rows(session, "select * from dst order by id") == [(1, 3.0, "k"), (2, 5.0, "k")]
    session.run("create table keyed (id int primary key, w double) as select id, v from src")
    assert schema_of(session, "keyed").primary_key == ("id",)
    assert value(session, "select count(*) from keyed") == 2


def test_refused_constraints_and_types(session: Session) -> None:
    for text, word in [("create table u (id int primary key, d interval)", "not supported"),
                       ("create table u (a)", "needs a type"),
                       ("create index i on x (a)", "table not found: x"),
                       ("create table dolt_x (id int)", "reserved")]:
        with pytest.raises(SqlError, match=word):
            session.run(text)
    with pytest.raises(SqlError, match="auto column"):  # AUTO_INCREMENT must be a key (tests/sql/test_constraints.py)
        Session(session.repo, dialect="mysql").run("create table u (id int primary key, n int auto_increment)")


def test_default_must_fit(session: Session) -> None:
    with pytest.raises(SqlError, match="DEFAULT"):
        session.run("create table u (id int primary key, n int default 'abc')")
    with pytest.raises(SqlError, match="constant"):
        session.run("create table u (id int primary key, n int default id)")


def test_drop_table(session: Session) -> None:
    session.run("create table a (id int primary key); create table b (id int primary key)")
    session.run("drop table a, b")
    assert rows(session, "show tables") == []
    with pytest.raises(SqlError, match="table not found: a"):
        session.run("drop table a")
    session.run("drop table if exists a")


def test_alter_add_drop_rename_column(session: Session) -> None:
    session.run("create table t (id int primary key, v text); insert into t values (1, 'a'), (2, 'b')")
    session.run("alter table t add column n int not null default 5")
    assert rows(session, "select * from t order by id") == [(1, "a", 5), (2, "b", 5)]
    session.run("alter table t add column note text")
    assert value(session, "select count(*) from t where note is null") == 2
    with pytest.raises(SqlError, match="DEFAULT"):
        session.run("alter table t add column m int not null")
    session.run("alter table t drop column v")
    assert schema_of(session, "t").names == ["id", "n", "note"]
    with pytest.raises(SqlError, match="primary key"):
        session.run("alter table t drop column id")
    session.run("alter table t rename column id to key")
    assert schema_of(session, "t").primary_key == ("key",)
    assert rows(session, "select key, n from t order by key") == [(1, 5), (2, 5)]


def test_alter_column_type_and_nullability(session: Session) -> None:
    session.run("create table t (id int primary key, v text); insert into t values (1, '10'), (2, null)")
    session.run("alter table t alter column v type bigint")
    assert schema_of(session, "t").column("v").type == pa.int64()
    assert rows(session, "select v from t order by id") == [(10,), (None,)]
    with pytest.raises(SqlError, match="NULL values"):
        session.run("alter table t alter column v set not null")
    session.run("update t set v = 0 where v is null; alter table t alter column v set not null")
    assert schema_of(session, "t").column("v").not_null
    session.run("alter table t alter column v set default 3")
    assert schema_of(session, "t").column("v").default == 3
    session.run("insert into t (id) values (3)")
    assert value(session, "select v from t where id = 3") == 3
    session.run("alter table t alter column v drop default")
    assert schema_of(session, "t").column("v").default is None


def test_alter_rename_table(session: Session) -> None:
    session.run("create table t (id int primary key); insert into t values (1); create table other (id int)")
    session.run("alter table t rename to u")
    assert rows(session, "show tables") == [("other",), ("u",)]
    assert value(session, "select count(*) from u") == 1
    with pytest.raises(SqlError, match="already exists"):
        session.run("alter table u rename to other")


def test_column_change_gives_same_hash_as_fresh_table(session: Session) -> None:
    session.run("create table a (id int primary key, v int); insert into a select range, range from range(500)")
    session.run("alter table a add column w text")
    session.run("create table b (id int primary key, v int, w text); insert into b select range, range, null from range(500)")
    assert value(session, "select dolt_hashof_table('a')") == value(session, "select dolt_hashof_table('b')")


def test_mysql_dump_style_create(session: Session) -> None:
    mysql = Session(session.repo, dialect="mysql")
    mysql.run("CREATE TABLE `orders` (`id` int(11) NOT NULL, `note` varchar(255) DEFAULT NULL, PRIMARY KEY (`id`), "
              "KEY `idx_note` (`note`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
    assert schema_of(session, "orders").primary_key == ("id",)
    assert [(i.name, i.columns, i.unique) for i in schema_of(session, "orders").indexes] == \
        [("idx_note", ("note",), False)]
    mysql.run("create table u (id int, a int, unique key u (a))")
    assert [(i.name, i.columns, i.unique) for i in schema_of(session, "u").indexes] == [("u", ("a",), True)]


def test_alter_rewrites_the_table_a_window_of_leaves_at_a_time(session: Session,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """ALTER never reads a keyed table whole: each window of leaves is changed and built on,
    giving the tree a fresh table of the changed rows has, and errors name the whole table's
    rows."""
    from dl.core.tables import rewrite
    from dl.core.tables.table import Table
    n = 20_000
    session.run(f"create table a (id int primary key, v int, s text); "
                f"insert into a select range, range * 2, 's' || range from range({n})")
    session.run(f"create table b (id int primary key, w bigint, t text, x int default 7); "
                f"insert into b select range, range * 2, 's' || range, 7 from range({n})")
    monkeypatch.setattr(rewrite, "WINDOW_LEAVES", 2)
    windows: list[int] = []
    original = rewrite._windows
    monkeypatch.setattr(rewrite, "_windows", lambda table: (windows.append(w.num_rows) or w for w in original(table)))
    monkeypatch.setattr(Table, "scan", lambda self: pytest.fail("read the table whole"))
    session.run("alter table a rename column v to w; alter table a alter column w type bigint; "
                "alter table a rename column s to t; alter table a add column x int default 7; "
                "alter table a add column gone text; alter table a drop column gone")
    assert len(windows) > 5 * 10 and max(windows) < n / 10  # six rewrites, each in many windows
    monkeypatch.undo()
    assert value(session, "select dolt_hashof_table('a')") == value(session, "select dolt_hashof_table('b')")
    session.run(f"update a set t = cast(id as text); update a set t = 'x' where id = {n - 5}")
    with pytest.raises(SqlError, match=rf"cannot convert 'x' \(VARCHAR\) to BIGINT \(row {n - 5 + 1}\)"):
        session.run("alter table a alter column t type bigint")


def test_alter_that_changes_the_key_order_sorts_in_spilled_runs(session: Session,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Retyping a key column and altering a keyless table change the rows' key order, so each
    changed window is sorted and spilled as a run and the runs merged: never a whole read, many
    runs, and the tree a table created with the new schema and the same rows has (copies of a
    keyless row in several windows added up)."""
    from dl.core.tables import external_sort, rewrite
    from dl.core.tables.table import Table
    n = 12_000  # rows of every table but d
    session.run(f"create table k (id int primary key, v int); insert into k select range, range % 7 from range({n})")
    session.run(f"create table k2 (id text primary key, v int); insert into k2 select range, range % 7 from range({n})")
    session.run(f"create table kl (v int, s text, w int); insert into kl select range % 50, 's' || (range % 5000), "
                f"range % 2 from range({n})")
    session.run(f"create table kl2 (v bigint, w int, x int default 3); insert into kl2 select range % 50, range % 2, 3 "
                f"from range({n})")
    monkeypatch.setattr(rewrite, "WINDOW_LEAVES", 1)
    monkeypatch.setattr(rewrite, "RUN_BYTES", 1)
    runs: list[int] = []
    original = external_sort.RunSorter.add
    monkeypatch.setattr(external_sort.RunSorter, "add", lambda self, rows: (runs.append(rows.num_rows), original(self, rows)))
    monkeypatch.setattr(Table, "scan", lambda self: pytest.fail("read the table whole"))
    session.run("alter table k alter column id type text")
    session.run("alter table kl alter column v type bigint; alter table kl add column x int default 3")
    session.run("alter table kl drop column s")  # rows of other windows become copies of one row
    assert len(runs) > 4 * 5 and max(runs) < n / 5  # four rewrites, each in many runs
    monkeypatch.undo()
    assert value(session, "select dolt_hashof_table('k')") == value(session, "select dolt_hashof_table('k2')")
    assert value(session, "select dolt_hashof_table('kl')") == value(session, "select dolt_hashof_table('kl2')")
    assert value(session, "select count(*) from kl where v = 7 and w = 1") == n // 50
    session.run(f"create table kl3 (v bigint, s text, w int, x int default 3); insert into kl3 (v, s, w) "
                f"select range % 50, 's' || (range % 5000), range % 2 from range({n})")
    monkeypatch.setattr(rewrite, "WINDOW_LEAVES", 1)
    monkeypatch.setattr(rewrite, "RUN_BYTES", 1 << 30)  # one run of many windows: a row in several
    monkeypatch.setattr(external_sort, "MERGE_BATCH_ROWS", 7)  # and its copies across batches
    session.run("alter table kl3 drop column s")
    monkeypatch.undo()
    assert value(session, "select dolt_hashof_table('kl3')") == value(session, "select dolt_hashof_table('kl2')")
    session.run("create table d (id text primary key); insert into d select lpad(range::text, 5, '0') from range(3000)")
    session.run("insert into d values ('7')")  # '00007' and '7' are one integer
    monkeypatch.setattr(rewrite, "WINDOW_LEAVES", 2)
    monkeypatch.setattr(rewrite, "RUN_BYTES", 1)
    with pytest.raises(SqlError, match="duplicate primary key 7"):
        session.run("alter table d alter column id type int")
    assert schema_of(session, "d").column("id").type == pa.string()


def test_rename_table_statement(repo: Repository) -> None:
    with Session(repo, dialect="mysql") as mysql:
        mysql.run("create table temp__t1 (id int primary key); insert into temp__t1 values (1)")
        mysql.run("rename table temp__t1 to t1")
        assert mysql.query("select id from t1").column(0).to_pylist() == [1]
        with pytest.raises(SqlError, match="RENAME TABLE takes one old and one new name"):
            mysql.run("rename table t1 to a, b to c")
        with pytest.raises(SqlError, match="table not found: nope"):
            mysql.run("rename table nope to x")
