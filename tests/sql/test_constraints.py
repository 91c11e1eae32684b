"""CHECK, FOREIGN KEY and AUTO_INCREMENT through SQL (sql.constraint_ddl, sql.referential,
core.tables.auto_increment, core.versioning.constraint_check): MySQL's messages naming the constraint
and the row, referential actions, FOREIGN_KEY_CHECKS, and nothing written by a refused
statement, on the general path and on the primary-key point path."""
from __future__ import annotations

import pytest
from tests.sql.conftest import rows, value
from dl.sql.errors import SqlError
from dl.sql.session import Session


def working(session: Session) -> str:
    return session.repo.working_set()[1].working.hex


def refused(session: Session, text: str, match: str) -> str:
    """Runs `text`, which must fail with `match`, and checks that nothing landed."""
    before = working(session)
    with pytest.raises(SqlError, match=match) as failure:
        session.run(text)
    assert working(session) == before
    assert "\n" not in str(failure.value)
    return str(failure.value)


@pytest.fixture
def family(session: Session) -> Session:
    session.run("create table parent (id int primary key, v int);"
                "create table child (id int primary key, pid int, "
                "constraint fk_p foreign key (pid) references parent (id));"
                "insert into parent values (1, 10), (2, 20); insert into child values (1, 1), (2, 2)")
    return session


# --- CHECK --------------------------------------------------------------------------------

def test_check_constraints_named_unnamed_column_and_table_level(session: Session) -> None:
    session.run("create table t (id int primary key, a int check (a > 0), b int, "
                "constraint b_small check (b < 10), check (a <> b))")
    session.run("insert into t values (1, 1, 2), (2, 5, null)")
    message = refused(session, "insert into t values (3, -1, 2)", r"Check constraint 't_chk_1' is violated\.")
    assert "(3, -1, 2)" in message  # names the row
    refused(session, "insert into t values (3, 1, 10)", r"Check constraint 'b_small' is violated\.")
    refused(session, "update t set b = a where id = 1", r"Check constraint 't_chk_2' is violated\.")
    refused(session, "update t set a = 0", "t_chk_1")
    assert rows(session, "select * from t order by id") == [(1, 1, 2), (2, 5, None)]


def test_check_on_the_point_path_and_in_transactions(session: Session) -> None:
    session.run("create table t (id int primary key, a int, constraint pos check (a >= 0))")
    refused(session, "insert into t values (1, -5)", "Check constraint 'pos' is violated")
    session.run("insert into t values (1, 5)")
    refused(session, "update t set a = -1 where id = 1", "pos")
    session.run("begin")
    with pytest.raises(SqlError, match="pos"):
        session.run("insert into t values (2, -2)")
    session.run("insert into t values (2, 2); commit")
    assert rows(session, "select * from t order by id") == [(1, 5), (2, 2)]


def test_alter_add_and_drop_check(session: Session) -> None:
    session.run("create table t (id int primary key, a int); insert into t values (1, -1)")
    refused(session, "alter table t add constraint pos check (a > 0)", "Check constraint 'pos' is violated")
    session.run("update t set a = 1; alter table t add constraint pos check (a > 0)")
    refused(session, "insert into t values (2, 0)", "pos")
    session.run("alter table t drop constraint pos; insert into t values (2, 0)")
    assert value(session, "select count(*) from t") == 2
    with pytest.raises(SqlError, match="Constraint 'nope' does not exist"):
        session.run("alter table t drop constraint nope")


def test_renaming_a_column_keeps_its_check(session: Session) -> None:
    session.run("create table t (id int primary key, a int check (a > 0))")
    session.run("alter table t rename column a to b")
    refused(session, "insert into t values (1, 0)", "t_chk_1")
    with pytest.raises(SqlError, match="uses column 'b'"):
        session.run("alter table t drop column b")


# --- FOREIGN KEY ---------------------------------------------------------------------------

def test_child_without_parent_is_refused_with_mysql_1452_text(family: Session) -> None:
    message = refused(family, "insert into child values (3, 9)",
                      r"Cannot add or update a child row: a foreign key constraint fails "
                      r"\(`child`, CONSTRAINT `fk_p` FOREIGN KEY \(`pid`\) REFERENCES `parent` \(`id`\)\)")
    assert "(3, 9)" in message
    refused(family, "update child set pid = 7 where id = 1", "Cannot add or update a child row")
    family.run("insert into child values (3, null)")  # NULL references nothing: allowed
    assert value(family, "select count(*) from child") == 3


def test_parent_delete_and_update_restrict(family: Session) -> None:
    refused(family, "delete from parent where id = 1",  # the point path
            r"Cannot delete or update a parent row: a foreign key constraint fails \(`child`, CONSTRAINT `fk_p`")
    refused(family, "delete from parent where v > 0", "Cannot delete or update a parent row")
    refused(family, "update parent set id = 5 where id = 2", "Cannot delete or update a parent row")
    family.run("update parent set v = 11 where id = 1")  # not a referenced column: fine
    family.run("delete from child where id = 1; delete from parent where id = 1")
    assert rows(family, "select id from parent") == [(2,)]


def test_cascade_and_set_null(session: Session) -> None:
    session.run("create table p (id int primary key);"
                "create table c (id int primary key, pid int references p (id) on delete cascade on update cascade);"
                "create table n (id int primary key, pid int references p (id) on delete set null on update set null);"
                "create table g (id int primary key, cid int references c (id) on delete cascade);"
                "insert into p values (1), (2), (3); insert into c values (10, 1), (20, 2), (30, 3);"
                "insert into n values (1, 1), (2, 2); insert into g values (100, 10), (200, 20)")
    session.run("delete from p where id = 1")
    assert rows(session, "select * from c order by id") == [(20, 2), (30, 3)]
    assert rows(session, "select * from g order by id") == [(200, 20)]  # cascades down a level
    assert rows(session, "select * from n order by id") == [(1, None), (2, 2)]
    session.run("update p set id = 5 where id = 2")
    assert rows(session, "select * from c order by id") == [(20, 5), (30, 3)]
    assert rows(session, "select * from n order by id") == [(1, None), (2, None)]
    session.run("update p set id = id + 100")
    assert rows(session, "select * from c order by id") == [(20, 105), (30, 103)]


def test_foreign_key_checks_session_variable(family: Session) -> None:
    family.run("SET FOREIGN_KEY_CHECKS = 0")
    family.run("insert into child values (3, 99); delete from parent where id = 1")
    family.run("SET @@SESSION.foreign_key_checks = 1")
    refused(family, "insert into child values (4, 98)", "Cannot add or update a child row")
    assert value(family, "select count(*) from child") == 3


def test_foreign_key_ddl(family: Session) -> None:
    with pytest.raises(SqlError, match="Failed to open the referenced table 'nope'"):
        family.run("create table x (id int primary key, a int references nope (id))")
    with pytest.raises(SqlError, match="Missing index for constraint"):
        family.run("create table x (id int primary key, a int references parent (nope))")
    with pytest.raises(SqlError, match="referenced by foreign key 'fk_p'"):
        family.run("drop table parent")
    family.run("drop table child, parent")
    assert rows(family, "show tables") == []


def test_truncate_of_a_referenced_table_is_refused_while_checks_are_on(family: Session) -> None:
    """Dolt's words; MySQL refuses even when no child row refers to it."""
    family.run("delete from child")
    refused(family, "truncate table parent",
            "^cannot truncate table parent as it is referenced in foreign key fk_p on table child")
    family.run("truncate table child, parent")  # both at once: nothing left to point at them
    assert value(family, "select count(*) from parent") == 0


def test_with_checks_off_a_referenced_table_drops_and_truncates(family: Session) -> None:
    """A dump script turns FOREIGN_KEY_CHECKS off to drop and recreate related tables."""
    family.run("SET FOREIGN_KEY_CHECKS = 0; truncate table parent")
    family.run("drop table parent")
    assert rows(family, "show tables") == [("child",)]
    family.run("create table parent (id int primary key, v int); insert into parent values (1, 10), (2, 20)")
    family.run("SET FOREIGN_KEY_CHECKS = 1")
    refused(family, "insert into child values (3, 3)", "Cannot add or update a child row")


def test_foreign_key_on_a_non_key_parent_column_and_alter(session: Session) -> None:
    session.run("create table p (id int primary key, code text);"
                "create table c (id int primary key, code text);"
                "insert into p values (1, 'a'); insert into c values (1, 'a'), (2, 'zz')")
    refused(session, "alter table c add constraint c_code foreign key (code) references p (code)",
            "Cannot add or update a child row")
    session.run("delete from c where id = 2; alter table c add constraint c_code foreign key (code) references p (code)")
    refused(session, "update p set code = 'b'", "Cannot delete or update a parent row")
    session.run("alter table c drop foreign key c_code; update p set code = 'b'")
    assert value(session, "select code from p") == "b"


def test_self_reference(session: Session) -> None:
    session.run("create table emp (id int primary key, boss int, foreign key (boss) references emp (id) on delete cascade);"
                "insert into emp values (1, null); insert into emp values (2, 1), (3, 2)")
    refused(session, "insert into emp values (4, 9)", "emp_ibfk_1")
    session.run("delete from emp where id = 1")
    assert rows(session, "select * from emp") == []


# --- AUTO_INCREMENT ------------------------------------------------------------------------

def test_auto_increment_from_max_plus_one_with_explicit_values(session: Session) -> None:
    session.run("create table a (id int primary key auto_increment, v text)")
    session.run("insert into a (v) values ('x'), ('y')")
    assert value(session, "select last_insert_id()") == 1
    session.run("insert into a values (10, 'z'); insert into a (id, v) values (null, 'w'), (0, 'q')")
    assert value(session, "select last_insert_id()") == 11
    session.run("insert into a values (null, 'r'), (50, 's'), (null, 't')")
    assert rows(session, "select id from a order by id") == [(1,), (2,), (10,), (11,), (12,), (13,), (50,), (51,)]
    assert rows(session, "describe a")[0][5] == "auto_increment"
    session.run("create table refs (id int primary key, a int); insert into refs values (1, last_insert_id())")
    assert value(session, "select a from refs") == 13  # the first value the last INSERT generated
    with pytest.raises(SqlError, match="auto column"):
        session.run("create table b (id int primary key, n int auto_increment)")


def test_foreign_key_to_a_table_not_yet_created_with_checks_off(session: Session) -> None:
    session.run("set foreign_key_checks=0;"
                "create table child (j int primary key, foreign key (j) references parent (i));"
                "create table parent (i int primary key);"
                "set foreign_key_checks=1;"
                "delete from parent where i = 0")
    refused(session, "insert into child values (1)", "child_ibfk_1")
    session.run("insert into parent values (1); insert into child values (1)")
    with pytest.raises(SqlError, match="Failed to open the referenced table 'nope'"):
        session.run("create table other (j int primary key, foreign key (j) references nope (i))")


def _start(session: Session, table: str) -> int | None:
    return session.repo.table(table).schema.constraints.auto_increment_start


def test_table_option_auto_increment_raises_the_next_value_while_above_the_rows(session: Session) -> None:
    session.run("create table a (id int primary key auto_increment, v text) auto_increment=5")
    assert _start(session, "a") == 5
    session.run("insert into a (v) values ('x')")
    assert rows(session, "select id from a") == [(5,)]
    assert _start(session, "a") is None  # the rows reached it: the table is as if it was never set
    before = session.repo.table("a").value.address
    session.run("alter table a auto_increment = 100")
    assert _start(session, "a") == 100 and session.repo.table("a").value.rows is not None
    session.run("insert into a (v) values ('y'), ('z')")
    assert rows(session, "select id from a order by id") == [(5,), (100,), (101,)]
    session.run("alter table a auto_increment = 3")  # at or below max+1: MySQL gives max+1
    assert _start(session, "a") is None
    session.run("delete from a where id > 5; alter table a auto_increment = 1")
    assert session.repo.table("a").value.address == before  # the same rows, no option: the same table


def test_insert_of_every_default_values_and_default_values(session: Session) -> None:
    session.run("create table a (id int primary key auto_increment, v text default 'd', n int)")
    session.run("insert into a values ()")
    session.run("insert into a () values (), ()")
    session.run("insert into a default values")
    assert rows(session, "select id, v, n from a order by id") == [(1, "d", None), (2, "d", None),
                                                                   (3, "d", None), (4, "d", None)]
