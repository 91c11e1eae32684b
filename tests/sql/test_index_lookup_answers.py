"""Index reads give a scan's answer on any data and any predicate on the leading column, keyless
tables included (each row as many times as it was inserted): the index path is forced (the
selectivity shares set to infinity), so small random tables exercise it, and the same query on
the same rows without the index is the oracle."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from dl.core.repo import Repository
from dl.sql import index_lookup
from dl.sql.session import Session
from hypothesis import given
from hypothesis import strategies as st

from tests.sql.conftest import rows

# values around the encodings' zero bytes (0, 256, 65536) and the sign flip, and NULL
VALUES = st.one_of(st.none(), st.sampled_from([0, 1, -1, 2, 255, 256, 257, 511, 512, 65536, 65537]),
                   st.integers(-300, 300))
LITERALS = st.sampled_from([0, 1, -1, 2, 255, 256, 257, 512, 65536, 3, -256])
OPS = st.sampled_from(["=", "<", "<=", ">", ">="])


@st.composite
def predicates(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["cmp", "cmp", "flipped", "between", "in", "and"]))
    a, b = draw(LITERALS), draw(LITERALS)
    if kind == "cmp":
        return f"c1 {draw(OPS)} {a}"
    if kind == "flipped":
        return f"{a} {draw(OPS)} c1"
    if kind == "between":
        return f"c1 between {a} and {b}"
    if kind == "in":
        return f"c1 in ({', '.join(str(v) for v in draw(st.lists(LITERALS, min_size=1, max_size=4)))})"
    return f"c1 {draw(OPS)} {a} and c1 {draw(OPS)} {b}"


@contextmanager
def index_always_used() -> Iterator[None]:
    """Every usable index is read, however many rows it names (a context, not a fixture:
    hypothesis runs a test's body many times under one fixture)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(index_lookup, "COLD_LEAF_SHARE", float("inf"))
        patch.setattr(index_lookup, "WARM_LEAF_SHARE", float("inf"))
        yield


def _tables(data: list[tuple[int, int | None]], keyless: bool) -> Session:
    session = Session(Repository.in_memory())
    key = "" if keyless else ", primary key (c0)"
    for name in ("indexed", "plain"):
        session.run(f"create table {name} (c0 int, c1 int{key})")
        if data:
            values = ", ".join(f"({c0}, {'null' if c1 is None else c1})" for c0, c1 in data)
            session.run(f"insert into {name} values {values}")
    session.run("create index idx on indexed (c1)")
    return session


def _every_comparison(literal: int) -> list[str]:
    return [f"c1 {op} {literal}" for op in ("=", "<", "<=", ">", ">=")]


def _same_answers(session: Session, where: str) -> None:
    got = sorted(rows(session, f"select * from indexed where {where}"), key=repr)
    want = sorted(rows(session, f"select * from plain where {where}"), key=repr)
    assert got == want, where


@given(data=st.lists(st.tuples(st.integers(0, 3), VALUES), max_size=30),
       wheres=st.lists(predicates(), min_size=1, max_size=5), pivot=LITERALS)
def test_keyless_index_answers_equal_scan_answers(data, wheres, pivot) -> None:
    """Duplicate rows (c0 drawn from four values) are counted copies behind one index entry."""
    session = _tables(data, keyless=True)
    with index_always_used():
        for where in wheres + _every_comparison(pivot):
            _same_answers(session, where)


@given(data=st.dictionaries(st.integers(0, 1000), VALUES, max_size=30),
       wheres=st.lists(predicates(), min_size=1, max_size=5), pivot=LITERALS)
def test_keyed_index_answers_equal_scan_answers(data, wheres, pivot) -> None:
    session = _tables(sorted(data.items()), keyless=False)
    with index_always_used():
        for where in wheres + _every_comparison(pivot):
            _same_answers(session, where)


@pytest.fixture
def always_index() -> Iterator[None]:
    with index_always_used():
        yield


def test_strict_bound_on_a_value_whose_key_ends_in_zero_bytes(always_index: None) -> None:
    """The reported case: `c1 > 0` read the index from past every entry (0's key stripped of its
    zero bytes, then 0x02 appended), and gave no rows."""
    session = _tables([(0, 0), (1, 1), (1, 1), (2, 2), (3, 256), (4, 257)], keyless=True)
    assert sorted(rows(session, "select * from indexed where c1 > 0")) == [(1, 1), (1, 1), (2, 2), (3, 256), (4, 257)]
    assert sorted(rows(session, "select * from indexed where c1 > 256")) == [(4, 257)]
    assert sorted(rows(session, "select * from indexed where c1 = 256")) == [(3, 256)]


def test_update_and_delete_of_keyless_copies_through_an_index(always_index: None) -> None:
    session = _tables([(0, 0), (1, 1), (1, 1), (2, 2)], keyless=True)
    session.run("update indexed set c0 = 9 where c1 > 0")
    assert sorted(rows(session, "select * from indexed")) == [(0, 0), (9, 1), (9, 1), (9, 2)]
    session.run("delete from indexed where c1 > 1")
    assert sorted(rows(session, "select * from indexed")) == [(0, 0), (9, 1), (9, 1)]
    table = session.repo.table("indexed")
    assert table.with_indexes_rebuilt().value == table.value
