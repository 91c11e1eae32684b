"""Compiled plans give the general path's answers: each shape run both ways (the general
path being the statement's text with the values as literals, made unrecognizable to the point
grammar where it would otherwise take the point path), with NULLs, empty and reversed ranges,
and a plan reused after an ALTER, a checkout to another branch, and inside a rolled-back
transaction."""
from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pytest
from dl.core.repo import Repository
from dl.sql.plans import PointPlan, RangePlan, compile_prepared
from dl.sql.session import Result, Session

from tests.sql.conftest import AUTHOR, rows, value

RANGE_SHAPES = [
    "SELECT c FROM t WHERE id BETWEEN ? AND ?",
    "SELECT id, k, c FROM t WHERE id BETWEEN ? AND ?",
    "SELECT * FROM t WHERE id >= ? AND id <= ?",
    "SELECT c FROM t WHERE id <= ? AND id >= ?",
    "SELECT SUM(k) FROM t WHERE id BETWEEN ? AND ?",
    "SELECT COUNT(*) FROM t WHERE id BETWEEN ? AND ?",
    "SELECT COUNT(c) FROM t WHERE id BETWEEN ? AND ?",
    "SELECT MIN(k) FROM t WHERE id BETWEEN ? AND ?",
    "SELECT MAX(c) FROM t WHERE id BETWEEN ? AND ?",
    "SELECT c FROM t WHERE id BETWEEN ? AND ? ORDER BY c",
    "SELECT c FROM t WHERE id BETWEEN ? AND ? ORDER BY c DESC",
    "SELECT id FROM t WHERE id BETWEEN ? AND ? ORDER BY k DESC",
    "SELECT DISTINCT c FROM t WHERE id BETWEEN ? AND ? ORDER BY c",
    "SELECT DISTINCT k FROM t WHERE id BETWEEN ? AND ?",
]
BOUNDS = [(3, 12), (1, 40), (12, 3), (50, 60), (7, 7), (None, 5), (-5, 2), (-(2 ** 63), 2 ** 63 - 1)]


@pytest.fixture(autouse=True)
def fresh_plans() -> None:
    """Plans are shared by the process: each test starts with none learned."""
    from dl.sql import plans
    plans._PLANS.clear()


@pytest.fixture
def session(repo: Repository) -> Session:
    s = Session(repo, dialect="mysql", author=AUTHOR)
    s.run("create table t (id bigint primary key, k bigint, c varchar(20))")
    # NULLs in k and c, repeated values (DISTINCT, ties under ORDER BY of one column)
    values = ", ".join(f"({i}, {'NULL' if i % 7 == 0 else i % 5}, {'NULL' if i % 6 == 0 else repr(f'c{i % 4}')})"
                       for i in range(1, 31))
    s.run(f"insert into t values {values}; call dolt_commit('-Am', 'base')")
    return s


def bound(template: str, params: Sequence[object]) -> str:
    from dl.server.protocol import sql_literal
    pieces = template.split("?")
    return pieces[0] + "".join(sql_literal(v) + p for v, p in zip(params, pieces[1:]))


def general(session: Session, template: str, params: Sequence[object]) -> Result:
    """The general path's answer: a comment keeps the point grammar from reading it."""
    return session.run(bound(template, params) + " /* general */")[-1]


def planned(session: Session, template: str, params: Sequence[object]) -> Result:
    """The plan's answer; it learns from the general path's first answer, as the server does."""
    plan = compile_prepared(template.split("?"), "mysql")
    assert plan is not None, template
    first = plan.run(session, params)
    if first is None:
        plan.learn(general(session, template, params))
    answer = plan.run(session, params)
    assert answer is not None, template
    return answer


def same(a: pa.Table, b: pa.Table, ordered: bool) -> None:
    assert a.schema == b.schema
    if ordered:
        assert a.to_pylist() == b.to_pylist()
    else:
        key = lambda row: repr(sorted(row.items()))  # noqa: E731
        assert sorted(a.to_pylist(), key=key) == sorted(b.to_pylist(), key=key)


@pytest.mark.parametrize("template", RANGE_SHAPES)
def test_range_plans_answer_as_the_general_path(session: Session, template: str) -> None:
    plan = compile_prepared(template.split("?"), "mysql")
    assert isinstance(plan, RangePlan)
    ordered = "ORDER BY" in template and "id FROM" not in template  # ORDER BY k: ties in any order
    for params in BOUNDS:
        expected = general(session, template, params).table
        answer = planned(session, template, params).table
        assert answer is not None and expected is not None
        same(answer, expected, ordered)


def test_ties_under_order_by_keep_the_order_of_the_key(session: Session) -> None:
    template = "SELECT id FROM t WHERE id BETWEEN ? AND ? ORDER BY k DESC"
    answer = planned(session, template, (1, 30)).table.column(0).to_pylist()
    ks = dict(rows(session, "select id, k from t"))
    assert [ks[i] for i in answer] == sorted((ks[i] for i in answer), key=lambda k: (k is not None, k), reverse=True)


@pytest.mark.parametrize("template", [
    "SELECT c FROM t WHERE id BETWEEN ? AND ? GROUP BY c",
    "SELECT c FROM t WHERE id BETWEEN ? AND ? LIMIT 3",
    "SELECT c FROM t WHERE id BETWEEN ? AND ? ORDER BY c NULLS LAST",
    "SELECT SUM(k + 1) FROM t WHERE id BETWEEN ? AND ?",
    "SELECT c FROM t JOIN u ON t.id = u.id WHERE id BETWEEN ? AND ?",
    "SELECT c FROM t WHERE id BETWEEN ? AND 5",
    "SELECT c FROM t",
])
def test_other_shapes_have_no_plan(template: str) -> None:
    assert compile_prepared(template.split("?"), "mysql") is None


def learned(session: Session, template: str) -> RangePlan:
    """A range plan after its first execute (the general path's answer learned)."""
    plan = compile_prepared(template.split("?"), "mysql")
    assert isinstance(plan, RangePlan)
    assert plan.run(session, (1, 2)) is None
    plan.learn(general(session, template, (1, 2)))
    return plan


def test_a_range_of_another_column_goes_the_general_way(session: Session) -> None:
    assert learned(session, "SELECT c FROM t WHERE k BETWEEN ? AND ?").run(session, (1, 2)) is None


def test_a_bound_value_it_does_not_take_goes_the_general_way(session: Session) -> None:
    plan = learned(session, "SELECT c FROM t WHERE id BETWEEN ? AND ?")
    assert plan.run(session, ("1", 2)) is None  # a string: DuckDB casts it
    assert plan.run(session, (1.5, 2)) is None
    plan = compile_prepared("SELECT c FROM t WHERE id = ?".split("?"), "mysql")
    assert plan is not None and plan.run(session, ("1",)) is None


POINT_CASES = [
    ("SELECT c FROM t WHERE id = ?", [(3,), (6,), (99,), (None,)]),
    ("SELECT * FROM t WHERE id = ?", [(7,), (-1,)]),
]


@pytest.mark.parametrize("template, cases", POINT_CASES)
def test_point_selects_answer_as_the_general_path(session: Session, template: str,
                                                  cases: list[tuple[object, ...]]) -> None:
    for params in cases:
        plan = compile_prepared(template.split("?"), "mysql")
        assert isinstance(plan, PointPlan)
        answer = plan.run(session, params)
        expected = general(session, template, params).table
        if answer is None:  # NULL key: the general path answers
            assert params == (None,)
            continue
        assert answer.table is not None and expected is not None
        same(answer.table, expected, True)


WRITES = [
    ("UPDATE t SET k = k + 1 WHERE id = ?", (4,)),
    ("UPDATE t SET c = ? WHERE id = ?", ("new", 5)),
    ("UPDATE t SET c = ? WHERE id = ?", (None, 6)),
    ("UPDATE t SET k = ? WHERE id = ?", (-3, 99)),
    ("DELETE FROM t WHERE id = ?", (8,)),
    ("DELETE FROM t WHERE id = ?", (1000,)),
    ("INSERT INTO t (id, k, c) VALUES (?, ?, ?)", (100, 1, "x")),
    ("INSERT INTO t (id, k, c) VALUES (?, ?, ?)", (101, None, None)),
    ("REPLACE INTO t (id, k, c) VALUES (?, ?, ?)", (2, 9, "r")),
]


@pytest.mark.parametrize("template, params", WRITES)
def test_point_writes_leave_the_table_the_general_path_leaves(repo: Repository, template: str,
                                                              params: tuple[object, ...]) -> None:
    s = Session(repo, dialect="mysql", author=AUTHOR)
    s.run("create table t (id bigint primary key, k bigint, c varchar(20)); "
          "insert into t values (1, 1, 'a'), (2, 2, 'b'), (4, 4, 'd'), (5, 5, 'e'), (6, 6, 'f'), (8, 8, 'h'); "
          "call dolt_commit('-Am', 'base'); call dolt_branch('other')")
    plan = compile_prepared(template.split("?"), "mysql")
    assert isinstance(plan, PointPlan)
    answer = plan.run(s, params)
    assert answer is not None
    other = Session(repo, dialect="mysql", author=AUTHOR, branch="other")
    expected = general(other, template, params)
    assert answer.rows_affected == expected.rows_affected
    assert rows(s, "select * from t order by id") == rows(other, "select * from t order by id")


def test_a_duplicate_insert_fails_as_the_general_path_fails(session: Session) -> None:
    plan = compile_prepared("INSERT INTO t (id, k, c) VALUES (?, ?, ?)".split("?"), "mysql")
    assert plan is not None
    from dl.sql.errors import SqlError
    assert plan.run(session, (3, 1, "dup")) is None  # core refused it: the general path words it
    with pytest.raises(SqlError, match="duplicate primary key 3"):
        general(session, "INSERT INTO t (id, k, c) VALUES (?, ?, ?)", (3, 1, "dup"))
    assert rows(session, "select c from t where id = 3") == [("c3",)]


def test_a_plan_reused_after_alter_answers_with_the_new_schema(session: Session) -> None:
    template = "SELECT * FROM t WHERE id BETWEEN ? AND ?"
    plan = learned(session, template)
    before = plan.run(session, (1, 5))
    assert before is not None and before.table.column_names == ["id", "k", "c"]
    session.run("alter table t add column d int")
    assert plan.run(session, (1, 5)) is None  # the schema it learned is gone
    plan.learn(general(session, template, (1, 5)))
    after = plan.run(session, (1, 5))
    assert after is not None and after.table.column_names == ["id", "k", "c", "d"]
    point = compile_prepared("SELECT * FROM t WHERE id = ?".split("?"), "mysql")
    assert point is not None
    answer = point.run(session, (2,))
    assert answer is not None and answer.table.column_names == ["id", "k", "c", "d"]


def test_a_plan_follows_the_sessions_branch(session: Session) -> None:
    session.run("call dolt_checkout('-b', 'feature'); update t set c = 'on feature' where id = 3; "
                "call dolt_commit('-am', 'feature')")
    ranged = learned(session, "SELECT c FROM t WHERE id BETWEEN ? AND ?")
    point = compile_prepared("SELECT c FROM t WHERE id = ?".split("?"), "mysql")
    assert point is not None
    assert ranged.run(session, (3, 3)).table.column(0).to_pylist() == ["on feature"]  # type: ignore[union-attr]
    session.run("call dolt_checkout('main')")
    assert ranged.run(session, (3, 3)).table.column(0).to_pylist() == ["c3"]  # type: ignore[union-attr]
    assert point.run(session, (3,)).table.column(0).to_pylist() == ["c3"]  # type: ignore[union-attr]
    session.run("use `%s/feature`" % session.database.name)
    assert point.run(session, (3,)).table.column(0).to_pylist() == ["on feature"]  # type: ignore[union-attr]


def test_plans_inside_a_rolled_back_transaction(session: Session) -> None:
    update = compile_prepared("UPDATE t SET k = ? WHERE id = ?".split("?"), "mysql")
    total = learned(session, "SELECT SUM(k) FROM t WHERE id BETWEEN ? AND ?")
    assert update is not None
    before = total.run(session, (1, 3)).table.column(0).to_pylist()  # type: ignore[union-attr]
    session.run("begin")
    assert update.run(session, (1000, 2)) is not None
    inside = total.run(session, (1, 3)).table.column(0).to_pylist()  # type: ignore[union-attr]
    other = Session(session.repo, dialect="mysql", author=AUTHOR)
    assert value(other, "select sum(k) from t where id between 1 and 3") == before[0]  # not landed
    session.run("rollback")
    after = total.run(session, (1, 3)).table.column(0).to_pylist()  # type: ignore[union-attr]
    assert inside[0] == before[0] - 2 + 1000 and after == before


def test_autocommit_off_a_plan_reads_the_transaction_it_opens(session: Session) -> None:
    session.autocommit = False
    point = compile_prepared("SELECT k FROM t WHERE id = ?".split("?"), "mysql")
    assert point is not None
    assert point.run(session, (2,)).table.column(0).to_pylist() == [2]  # type: ignore[union-attr]
    assert session.in_transaction
    Session(session.repo, dialect="mysql", author=AUTHOR).run("update t set k = 77 where id = 2")
    assert point.run(session, (2,)).table.column(0).to_pylist() == [2]  # type: ignore[union-attr]
    session.run("commit")
    assert point.run(session, (2,)).table.column(0).to_pylist() == [77]  # type: ignore[union-attr]


def test_a_revision_database_is_read_and_never_written(session: Session) -> None:
    commit = value(session, "select hashof('HEAD')")
    session.run("update t set c = 'later' where id = 3")
    session.run("use `%s/%s`" % (session.database.name, commit))
    point = compile_prepared("SELECT c FROM t WHERE id = ?".split("?"), "mysql")
    update = compile_prepared("UPDATE t SET c = ? WHERE id = ?".split("?"), "mysql")
    assert point is not None and update is not None
    assert point.run(session, (3,)).table.column(0).to_pylist() == ["c3"]  # type: ignore[union-attr]
    from dl.core.errors import DlError
    with pytest.raises(DlError):
        update.run(session, ("x", 3))


@pytest.mark.parametrize("kind", ["bigint", "int", "smallint"])
def test_a_key_found_straight_down_the_tree_is_the_one_get_many_finds(repo: Repository, kind: str) -> None:
    """`row_at_int_key` against `ProllyTree.get_many` on a tree of many leaves: every key present,
    keys between and beyond them, negatives and keys whose encoding ends in zero bytes."""
    import numpy as np
    from dl.core.tables.encoding import encode_values
    from dl.core.tables.int_key_reads import row_at_int_key
    s = Session(repo, dialect="mysql", author=AUTHOR)
    s.run(f"create table w (id {kind} primary key, v varchar(30))")
    keys = sorted({*range(-3000, 3000, 3), 0, 256, 512, -256, 32767, -32768})
    s.run("insert into w values " + ", ".join(f"({k}, 'value {k}')" for k in keys))
    table = s.snapshot().table("w")
    assert table.tree.height >= 1  # more than one leaf
    key_type = table.schema.column("id").type
    for key in [*keys, -2999, 1, 2, 257, -32767, 32766, 9999 if kind == "smallint" else 10 ** 6]:
        expected = table.tree.get_many(np.array([encode_values([key], [key_type])]))
        found = row_at_int_key(table.tree, key, key_type, 0)
        assert pa.Table.from_batches([found]).to_pylist() == expected.to_pylist(), key


def test_a_point_select_plan_answers_by_the_tree_after_learning(session: Session) -> None:
    plan = compile_prepared("SELECT c, k FROM t WHERE id = ?".split("?"), "mysql")
    assert isinstance(plan, PointPlan)
    first = plan.run(session, (5,))
    assert first is not None and plan.fast is not None  # learned: the next ones go down the tree
    for key in [*range(-2, 33), 2 ** 63 - 1, -(2 ** 63)]:
        answer = plan.run(session, (key,))
        expected = general(session, "SELECT c, k FROM t WHERE id = ?", (key,)).table
        assert answer is not None and expected is not None
        same(answer.table, expected, True)
    assert plan.run(session, (2 ** 63,)) is None  # out of the key's range: the general path


def test_one_plan_serves_sessions_on_branches_of_different_schemas(session: Session) -> None:
    session.run("call dolt_branch('wide')")
    wide = Session(session.repo, dialect="mysql", author=AUTHOR, branch="wide")
    wide.run("alter table t add column d int; update t set d = id * 10")
    template = "SELECT * FROM t WHERE id BETWEEN ? AND ?"
    assert compile_prepared(template.split("?"), "mysql") is compile_prepared(template.split("?"), "mysql")
    for _ in range(2):
        for s, columns in ((session, ["id", "k", "c"]), (wide, ["id", "k", "c", "d"])):
            answer = planned(s, template, (2, 3))
            assert answer.table.column_names == columns
            same(answer.table, general(s, template, (2, 3)).table, True)  # type: ignore[arg-type]


def test_a_range_read_by_integer_keys_is_the_range_scan_range_reads(repo: Repository) -> None:
    """`rows_between_int_keys` against `ProllyTree.scan_range` over many leaves, with bounds on,
    between and beyond the keys."""
    import random

    from dl.core.tables.encoding import encode_values
    from dl.core.tables.int_key_reads import rows_between_int_keys
    s = Session(repo, dialect="mysql", author=AUTHOR)
    s.run("create table w (id int primary key, v varchar(30))")
    keys = list(range(-3000, 3000, 3))
    s.run("insert into w values " + ", ".join(f"({k}, 'value {k}')" for k in keys))
    table = s.snapshot().table("w")
    assert table.tree.height >= 1
    key_type = table.schema.column("id").type
    chooser = random.Random(7)
    for _ in range(200):
        low, high = sorted(chooser.randint(-3100, 3100) for _ in range(2))
        expected = table.tree.scan_range(encode_values([low], [key_type]), encode_values([high], [key_type]))
        assert rows_between_int_keys(table.tree, low, high, key_type, 0).to_pylist() == expected.to_pylist(), (low, high)


def test_a_read_only_session_refuses_a_planned_write(repo: Repository) -> None:
    from dl.core.errors import DlError
    Session(repo, author=AUTHOR).run("create table t (id int primary key, v int); insert into t values (1, 1)")
    reader = Session(repo, dialect="mysql", author=AUTHOR, readonly=True)
    for template, params in (("UPDATE t SET v = ? WHERE id = ?", (5, 1)), ("DELETE FROM t WHERE id = ?", (1,)),
                             ("INSERT INTO t (id, v) VALUES (?, ?)", (2, 2))):
        plan = compile_prepared(template.split("?"), "mysql")
        assert isinstance(plan, PointPlan)
        with pytest.raises(DlError, match="read-only|read only"):
            plan.run(reader, params)
    assert rows(reader, "select * from t") == [(1, 1)]


def test_system_tables_and_views_take_the_general_path(session: Session) -> None:
    session.run("create view t_view as select * from t")
    for template in ("SELECT * FROM t_view WHERE id BETWEEN ? AND ?", "SELECT * FROM dolt_log WHERE id BETWEEN ? AND ?"):
        plan = compile_prepared(template.split("?"), "mysql")
        assert isinstance(plan, RangePlan)
        assert plan.run(session, (1, 5)) is None
    point = compile_prepared("SELECT * FROM t_view WHERE id = ?".split("?"), "mysql")
    assert isinstance(point, PointPlan) and point.run(session, (1,)) is None


def test_the_text_of_a_range_select_finds_its_plan_by_shape(session: Session) -> None:
    from dl.sql.plans import text_plan
    first = text_plan("SELECT c FROM t WHERE id BETWEEN 3 AND 12", "mysql")
    second = text_plan("select c from t where id between 5 and 6", "mysql")
    again = text_plan("SELECT c FROM t WHERE id BETWEEN 7 AND 9", "mysql")
    assert first is not None and again is not None and second is not None
    assert first[0] is again[0] and first[1] == [3, 12] and again[1] == [7, 9]
    for text in ("SELECT c FROM t WHERE id BETWEEN -3 AND 12", "SELECT c FROM t WHERE id BETWEEN 3 AND 12 LIMIT 2",
                 "SELECT c FROM t WHERE id BETWEEN 3 AND 12 AND c = '5'", "SELECT c FROM t WHERE id BETWEEN 3.5 AND 12",
                 "SELECT c FROM t WHERE id = 3", "UPDATE t SET k = 1 WHERE id BETWEEN 1 AND 2"):
        assert text_plan(text, "mysql") is None, text
    plan, values = first
    assert plan.run(session, values) is None
    plan.learn(session.run("SELECT c FROM t WHERE id BETWEEN 3 AND 12")[-1])
    answer = plan.run(session, again[1])
    assert answer is not None
    assert answer.table.to_pylist() == session.run("SELECT c FROM t WHERE id BETWEEN 7 AND 9 /* g */")[-1].table.to_pylist()  # type: ignore[union-attr]
