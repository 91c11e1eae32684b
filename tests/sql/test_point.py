"""Point statements (sql.point, sql.point_shapes): the fast path gives the general path's
answers, errors and roots, and plans nothing in sqlglot or DuckDB."""
from __future__ import annotations

from unittest import mock

import duckdb
import pytest
from dl.core.repo import Repository
from dl.sql import point_shapes
from dl.sql.errors import SqlError
from dl.sql.point_shapes import Verb, recognize
from dl.sql.session import Result, Session
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.sql.conftest import AUTHOR

SETUP = [
    "create table t (id bigint primary key, a int, b text, c double not null default 0)",
    "insert into t values (1, 10, 'x', 1.5), (2, null, 'it''s', 2.25), (3, 2147483647, null, -1)",
    "create table p (k text, n smallint, v bigint, primary key (k, n))",
    "insert into p values ('a', 1, 100), ('b', 2, null), ('A', 1, 5)",
    "create table bag (x int, y text)",
    "insert into bag values (1, 'a')",
]


def make_repo() -> Repository:
    repo = Repository.in_memory()
    with Session(repo, author=AUTHOR) as session:
        session.run(";".join(SETUP))
    return repo


def general_only():
    """The session with the fast path switched off: every statement goes through sqlglot + DuckDB."""
    return mock.patch("dl.sql.session.recognize", return_value=None)


def outcome(session: Session, text: str) -> tuple:
    try:
        result: Result = session.run(text)[-1]
    except SqlError as exc:
        return ("error", str(exc))
    table = result.table
    return (result.kind, result.rows_affected, result.message,
            None if table is None else (table.schema, table.to_pylist()))


# --- the same answers as the general path -----------------------------------------------------

INTS = st.one_of(st.integers(-4, 4), st.sampled_from([2147483647, 2147483648, -2**63, 2**63 - 1, 2**63,
                                                      32767, 32768, 10**20]))
DECIMALS = st.sampled_from(["0.5", "1.25", "0.0", "123456789.123456", "1234567890123456.5", "2.5000"])
STRINGS = st.sampled_from(["'x'", "'it''s'", "'a'", "'A'", "''", "'é'", "'5'"])


def literal() -> st.SearchStrategy[str]:
    signed_int = INTS.map(str)
    return st.one_of(signed_int, DECIMALS, DECIMALS.map(lambda d: "-" + d), STRINGS, st.just("null"))


FITTING = {"int": st.integers(-3, 5).map(str), "text": STRINGS,
           "double": st.one_of(st.integers(-3, 3).map(str), DECIMALS, DECIMALS.map(lambda d: "-" + d))}
TYPES = {"t": {"id": "int", "a": "int", "b": "text", "c": "double"},
         "p": {"k": "text", "n": "int", "v": "int"}}
KEYS = {"t": ["id"], "p": ["k", "n"]}


def rarely(usual: st.SearchStrategy, odd: st.SearchStrategy) -> st.SearchStrategy:
    """`usual` nine times in ten, else `odd`."""
    return st.integers(0, 9).flatmap(lambda i: odd if i == 0 else usual)


def literal_for(base: str, column: str) -> st.SearchStrategy[str]:
    """Mostly a value that fits the column (the fast path's cases), sometimes anything."""
    return rarely(FITTING[TYPES[base].get(column, "int")], literal())


@st.composite
def statement(draw: st.DrawFn) -> str:
    table = draw(rarely(st.sampled_from(["t", "p", "T"]), st.sampled_from(["bag", "missing"])))
    base = table.lower() if table.lower() in KEYS else "t"
    keys = [(name, draw(literal_for(base, name))) for name in KEYS[base]]
    if draw(st.integers(0, 19)) == 0:
        keys = keys[:-1] or keys + keys  # not the full key: the general path's business
    where = " and ".join(f"{draw(st.sampled_from([k, k.upper()]))} = {v}" for k, v in keys)
    columns = list(TYPES[base])
    verb = draw(st.sampled_from(["select", "update", "delete", "insert", "replace"]))
    if verb == "select":
        listed = draw(st.one_of(st.just("*"), st.lists(rarely(st.sampled_from(columns), st.sampled_from(["zz", "B"])),
                                                         min_size=1, max_size=3).map(", ".join)))
        text = f"select {listed} from {table} where {where}"
    elif verb == "update":
        assigned = draw(st.lists(rarely(st.sampled_from(columns), st.just("zz")), min_size=1, max_size=3))
        sets = []
        for column in assigned:
            value = draw(st.one_of(literal_for(base, column), st.sampled_from([column, *columns]).flatmap(
                lambda c: st.sampled_from(["", " + ", " - "]).flatmap(
                    lambda op: (literal_for(base, c) if op else st.just("")).map(lambda v: f"{c}{op}{v}")))))
            sets.append(f"{column} = {value}")
        text = f"update {table} set {', '.join(sets)} where {where}"
    elif verb == "delete":
        text = f"delete from {table} where {where}"
    else:
        listed = draw(st.one_of(st.just(None), st.permutations(columns).flatmap(
            lambda cs: st.integers(1, len(cs)).map(lambda n: list(cs[:n])))))
        width = len(listed) if listed else len(columns)
        if draw(st.integers(0, 19)) == 0:
            width += 1
        targets = (listed or columns) + ["id"]
        rows = draw(st.lists(st.tuples(*[literal_for(base, c) for c in targets[:width]]), min_size=1, max_size=3))
        names = f" ({', '.join(listed)})" if listed else ""
        values = ", ".join("(" + ", ".join(row) + ")" for row in rows)
        text = f"{verb} into {table}{names} values {values}"
    return text + draw(st.sampled_from(["", ";", " ; "]))


@settings(max_examples=60, deadline=None)
@given(st.lists(statement(), min_size=1, max_size=6), st.sampled_from(["duckdb", "mysql", "sqlite"]))
def test_point_statements_answer_like_the_general_path(texts: list[str], dialect: str) -> None:
    fast_repo, general_repo = make_repo(), make_repo()
    with Session(fast_repo, dialect=dialect) as fast, Session(general_repo, dialect=dialect) as general:
        for text in texts:
            expected_outcome = None
            with general_only():
                expected_outcome = outcome(general, text)
            assert outcome(fast, text) == expected_outcome, text
            assert fast_repo.working_set()[1].working == general_repo.working_set()[1].working, text


def test_the_generated_statements_often_take_the_fast_path() -> None:
    """The law above is not vacuous: many generated statements are answered by the fast path."""
    recognized, answered = [], []
    with Session(make_repo()) as session:
        run_point = session._run_point

        def counted(statement):  # type: ignore[no-untyped-def]
            result = run_point(statement)
            answered.append(result is not None)
            return result
        session._run_point = counted  # type: ignore[method-assign]

        @settings(max_examples=150, deadline=None, database=None, derandomize=True)
        @given(statement())
        def run(text: str) -> None:
            recognized.append(recognize(text, "duckdb") is not None)
            outcome(session, text)
        run()
    assert sum(recognized) > 0.7 * len(recognized)
    assert sum(answered) > 0.2 * len(recognized), (sum(answered), len(recognized))


# --- no sqlglot, no DuckDB ---------------------------------------------------------------------

def test_point_statements_plan_no_duckdb_query_and_no_sqlglot_parse() -> None:
    repo = make_repo()
    with mock.patch.object(duckdb, "connect", side_effect=AssertionError("DuckDB opened")), \
            mock.patch("dl.sql.session.split_script", side_effect=AssertionError("sqlglot used")), \
            Session(repo) as session:
        assert session.query("select b, c from t where id = 2").to_pylist() == [{"b": "it's", "c": 2.25}]
        assert session.run("update t set a = a + 1, b = 'y' where id = 1")[0].rows_affected == 1
        assert session.run("insert into t (id, b) values (9, 'nine')")[0].rows_affected == 1
        assert session.run("replace into t values (9, 1, 'ix', 0.5)")[0].rows_affected == 1
        assert session.run("delete from t where id = 3;")[0].rows_affected == 1
        session.run("begin")
        session.run("update p set v = -7 where k = 'b' and n = 2")
        session.run("commit")
        assert session.query("select * from t where id = 1").to_pylist() == [{"id": 1, "a": 11, "b": "y", "c": 1.5}]
        assert session.query("select * from p where n = 2 and k = 'b'").to_pylist() == [{"k": "b", "n": 2, "v": -7}]
        assert session._duckdb is None


def test_a_statement_off_the_happy_path_falls_back_with_the_general_error() -> None:
    repo = make_repo()
    with Session(repo) as session:
        with pytest.raises(SqlError, match=r"duplicate primary key 1 in t"):
            session.run("insert into t values (1, 1, 'a', 1)")
        with pytest.raises(SqlError, match=r"column a: cannot convert 'q'"):
            session.run("update t set a = 'q' where id = 1")
        with pytest.raises(SqlError, match=r"'c' is NOT NULL"):
            session.run("update t set c = null where id = 1")
        assert session.query("select * from t where id = 1").to_pylist() == [{"id": 1, "a": 10, "b": "x", "c": 1.5}]


def test_in_a_transaction_point_writes_stay_private_until_commit() -> None:
    repo = make_repo()
    with Session(repo) as session, Session(repo) as other:
        session.run("begin")
        session.run("update t set a = 5 where id = 1")
        assert session.query("select a from t where id = 1").to_pylist() == [{"a": 5}]
        assert other.query("select a from t where id = 1").to_pylist() == [{"a": 10}]
        session.run("rollback")
        assert session.query("select a from t where id = 1").to_pylist() == [{"a": 10}]


# --- the recognizer -----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "select * from t where id = 1 limit 1", "select * from t where id = 1 -- note",
    "select * from t where id = 1; select 1", "select count(*) from t where id = 1",
    "update t set a = a * 2 where id = 1", "delete from t where id > 1", "insert into t select * from t",
    "select * from t as of 'HEAD' where id = 1", "select * from t where id = 1e3",
    "insert into t values (1, 2, 3, 4) on conflict do nothing", "select * from t where id = ?",
])
def test_other_shapes_are_not_point_statements(text: str) -> None:
    assert recognize(text, "duckdb") is None


def test_shapes_are_cached_with_literals_abstracted() -> None:
    point_shapes._SHAPES.clear()
    first = recognize("update t set a = a + 1 where id = 5", "duckdb")
    second = recognize("UPDATE t SET a = a + 7 WHERE id = 12;", "duckdb")
    assert len(point_shapes._SHAPES) == 1
    assert first is not None and second is not None and second.verb is Verb.UPDATE
    assert second.text == "UPDATE t SET a = a + 7 WHERE id = 12"
    third = recognize("update t set a = a + 1 where id = -5", "duckdb")
    assert len(point_shapes._SHAPES) == 2
    assert [(c, v.text, v.negative) for c, v in third.where] == [("id", "5", True)]  # type: ignore[union-attr]


def test_long_texts_are_left_to_the_general_path() -> None:
    rows = ", ".join(f"({i}, 1, 'x', 1.5)" for i in range(10, 1000))
    assert recognize(f"insert into t values {rows}", "duckdb") is None
    assert recognize("insert into t values (10, 1, 'x', 1.5), (11, 1, 'y', 2)", "duckdb") is not None


def test_dialect_quoting() -> None:
    assert recognize('select "a b" from "T" where id = 1', "duckdb").columns == ("a b",)  # type: ignore[union-attr]
    assert recognize("select `a b` from t where id = 1", "mysql").columns == ("a b",)  # type: ignore[union-attr]
    assert recognize('select * from t where b = "x"', "mysql") is None  # a string in MySQL
    assert recognize(r"select * from t where b = 'a\'b'", "mysql") is None
