"""`dl sql-server` through clients no one here wrote: pymysql (text protocol) and
mysql-connector-python (its prepared statements use the binary protocol)."""
from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pymysql
import pytest

from tests.server.conftest import Server


def fetch(conn, sql, args=None):  # type: ignore[no-untyped-def]
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def test_typed_results_and_database_name(server: Server) -> None:
    conn = server.connect()
    assert fetch(conn, "select id, name, price, day, n from t order by id") == (
        (1, "one", Decimal("1.50"), datetime.date(2024, 1, 2), 10), (2, None, None, None, None))
    assert fetch(conn, "select database()") == (("shop_data",),)  # the directory's name, as Dolt names it
    assert fetch(conn, "select active_branch()") == (("main",),)
    assert fetch(conn, "select 1 + 1 as two, 'x' as s") == ((2, "x"),)


def test_show_and_information_schema(server: Server) -> None:
    conn = server.connect()
    assert sorted(fetch(conn, "show tables")) == [("counter",), ("t",)]
    names = fetch(conn, "select table_name from information_schema.tables where table_schema = 'shop_data' "
                        "order by table_name")
    assert names == (("counter",), ("t",))
    columns = fetch(conn, "select column_name from information_schema.columns where table_name = 't'")
    assert [c[0] for c in columns] == ["id", "name", "price", "day", "n"]
    assert ("shop_data",) in fetch(conn, "show databases")
    assert fetch(conn, "select @@autocommit") == ((1,),)


def test_mysql_error_numbers_pick_the_clients_exception_classes(server: Server) -> None:
    conn = server.connect()
    cases = [("selec 1", pymysql.err.ProgrammingError, 1064),
             ("select * from nosuch", pymysql.err.ProgrammingError, 1146),
             ("insert into t (id) values (1)", pymysql.err.IntegrityError, 1062),
             ("use nosuchdb", pymysql.err.OperationalError, 1049)]
    for sql, kind, code in cases:
        with pytest.raises(kind) as caught:
            fetch(conn, sql)
        assert caught.value.args[0] == code, sql
    assert fetch(conn, "select count(*) from t") == ((2,),)  # the connection goes on


def test_writes_report_affected_rows_and_parameters_stay_values(server: Server) -> None:
    conn = server.connect()
    with conn.cursor() as cur:
        assert cur.execute("insert into t (id, name) values (%s, %s), (%s, %s)", (3, "it's", 4, "a\\b; drop table t")) == 2
        assert cur.execute("update t set n = 5 where id > 2") == 2
    assert fetch(conn, "select name from t where id in (3, 4) order by id") == (("it's",), ("a\\b; drop table t",))


def test_each_connection_has_its_own_branch(server: Server) -> None:
    a, b = server.connect(), server.connect()
    fetch(a, "call dolt_checkout('feature')")
    assert fetch(a, "select active_branch()") == (("feature",),)
    assert fetch(b, "select active_branch()") == (("main",),)
    fetch(a, "insert into t (id, name) values (10, 'on feature')")
    fetch(a, "call dolt_commit('-am', 'feature row')")
    assert fetch(b, "select count(*) from t") == ((2,),)
    fetch(b, "use `shop_data/feature`")
    assert fetch(b, "select database(), active_branch()") == (("shop_data/feature", "feature"),)
    assert fetch(b, "select count(*) from t") == ((3,),)
    head = fetch(b, "select dolt_hashof('HEAD~1')")[0][0]
    fetch(b, f"use `shop_data/{head}`")
    assert fetch(b, "select count(*) from t") == ((2,),)
    with pytest.raises(pymysql.err.OperationalError) as caught:
        fetch(b, "insert into t (id) values (99)")
    assert caught.value.args[0] == 1290 and "read-only" in caught.value.args[1]
    c = server.connect(database="shop_data/feature")  # a branch database at connect time
    assert fetch(c, "select active_branch()") == (("feature",),)


def test_transactions_begin_commit_rollback_and_autocommit(server: Server) -> None:
    a, b = server.connect(autocommit=False), server.connect()
    fetch(a, "insert into t (id) values (20)")
    assert fetch(b, "select count(*) from t") == ((2,),)  # not committed yet
    a.commit()
    assert fetch(b, "select count(*) from t") == ((3,),)
    fetch(a, "insert into t (id) values (21)")
    a.rollback()
    assert fetch(b, "select count(*) from t") == ((3,),)
    fetch(b, "begin")
    fetch(b, "delete from t where id = 20")
    fetch(b, "rollback")
    assert fetch(b, "select count(*) from t") == ((3,),)


def test_conflicting_transaction_is_error_1213(server: Server) -> None:
    a, b = server.connect(), server.connect()
    fetch(a, "begin")
    fetch(a, "update counter set n = 1 where id = 1")
    fetch(b, "update counter set n = 2 where id = 1")
    with pytest.raises(pymysql.err.OperationalError) as caught:
        fetch(a, "commit")
    assert caught.value.args[0] == 1213
    assert fetch(a, "select n from counter") == ((2,),)


def test_no_increment_is_lost_across_connections(server: Server) -> None:
    """N clients incrementing one counter M times, retrying on 1213: the counter ends at N x M."""
    clients, times, errors = 4, 8, []

    def work() -> None:
        conn = server.connect(autocommit=False)
        done = 0
        try:
            while done < times:
                try:
                    fetch(conn, "update counter set n = n + 1 where id = 1")
                    conn.commit()
                    done += 1
                except pymysql.err.OperationalError as exc:
                    if exc.args[0] != 1213:
                        raise
                    conn.rollback()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=work) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert fetch(server.connect(), "select n from counter") == ((clients * times,),)


def test_mysql_connector_prepared_statements(server: Server) -> None:
    import mysql.connector
    conn = mysql.connector.connect(host="127.0.0.1", port=server.port, user="root", password="",
                                   database=server.database, use_pure=True)
    cur = conn.cursor(prepared=True)
    for key in (1, 2, 1):  # executes after the first reuse the bound parameter types
        cur.execute("select id, name, price, day from t where id = %s", (key,))
        rows = cur.fetchall()
        assert rows == ([(1, "one", Decimal("1.50"), datetime.date(2024, 1, 2))] if key == 1
                        else [(2, None, None, None)])
    cur.execute("insert into t (id, name) values (%s, %s)", (7, "quote ' and \\ backslash"))
    conn.commit()
    cur.execute("select name from t where id = %s", (7,))
    assert cur.fetchall() == [("quote ' and \\ backslash",)]
    plain = conn.cursor()
    plain.execute("select count(*) from t")
    assert plain.fetchall() == [(3,)]
    with pytest.raises(mysql.connector.errors.ProgrammingError) as caught:
        plain.execute("select * from nosuch")
    assert caught.value.errno == 1146 and caught.value.sqlstate == "42S02"
    conn.close()


def test_a_script_gives_multiple_result_sets(server: Server) -> None:
    from pymysql.constants import CLIENT
    conn = server.connect(client_flag=CLIENT.MULTI_STATEMENTS)
    with conn.cursor() as cur:
        cur.execute("select count(*) from t; insert into t (id) values (40), (41); select id from t where id > 39 "
                    "order by id")
        assert cur.fetchall() == ((2,),)
        assert cur.nextset() and cur.rowcount == 2
        assert cur.nextset() and cur.fetchall() == ((40,), (41,))
        assert not cur.nextset()
    assert fetch(conn, "select 1") == ((1,),)  # the connection is in step afterwards


def test_prepared_range_and_point_plans_over_the_binary_protocol(server: Server) -> None:
    """The compiled plans (`sql.plans`) answer a client's prepared statements as the text
    protocol answers the same statements; after an ALTER from another connection too."""
    import mysql.connector
    conn = mysql.connector.connect(host="127.0.0.1", port=server.port, user="root", password="",
                                   database=server.database, use_pure=True, autocommit=True)
    text = server.connect()
    fetch(text, "insert into t (id, name, price) values (10, 'b', 1.25), (11, 'a', NULL), (12, NULL, 3.00), "
                "(13, 'a', 2.50)")
    cur = conn.cursor(prepared=True)
    shapes = ["select id, name from t where id between %s and %s",
              "select name from t where id between %s and %s order by name",
              "select distinct name from t where id >= %s and id <= %s order by name desc",
              "select sum(id), count(*) from t where id between %s and %s",
              "select sum(id) from t where id between %s and %s",
              "select max(name) from t where id between %s and %s",
              "select name, price from t where id = %s"]
    for _ in range(2):  # the first execute learns, the next ones run the plan
        for shape in shapes:
            for low, high in ((1, 13), (10, 12), (13, 10), (50, 60)):
                args = (low,) if shape.endswith("id = %s") else (low, high)
                cur.execute(shape, args)
                assert [tuple(r) for r in cur.fetchall()] == [tuple(r) for r in fetch(text, shape, args)], shape
        fetch(text, "alter table t add column extra int")
        cur.execute("select * from t where id between %s and %s", (10, 11))
        assert len(cur.fetchall()[0]) == len(fetch(text, "select * from t where id = 10")[0])
        fetch(text, "alter table t drop column extra")
    conn.close()
