"""Session.execute(stream=True): a query's rows come as a RowStream of bounded batches, which
the session closes before the next statement or on close; errors while reading name the
statement; without stream=True results are whole tables as before."""
from __future__ import annotations

import pytest
from dl.sql.errors import SqlError
from dl.sql.row_stream import BATCH_ROWS, RowStream
from dl.sql.session import ResultKind, Session

ROWS = 3 * BATCH_ROWS + 5


@pytest.fixture
def filled(session: Session) -> Session:
    session.run(f"create table t (id bigint primary key, a bigint); insert into t select range, range * 3 from range({ROWS})")
    return session


def test_a_query_streams_in_bounded_batches(filled: Session) -> None:
    result = next(filled.execute("select id, a * 2 from t order by id", stream=True))
    assert result.kind is ResultKind.ROWS and result.table is None
    assert isinstance(result.stream, RowStream)
    assert result.stream.schema.names == ["id", "a * 2"]
    sizes = [batch.num_rows for batch in result.stream]
    assert sum(sizes) == ROWS and max(sizes) <= BATCH_ROWS and len(sizes) >= 4
    assert result.stream.closed


def test_the_stream_is_the_same_rows_as_the_table(filled: Session) -> None:
    whole = filled.query("select * from t where a % 7 = 1 order by id")
    result = next(filled.execute("select * from t where a % 7 = 1 order by id", stream=True))
    assert result.stream is not None and result.stream.read_all().equals(whole)


def test_an_unread_stream_is_closed_before_the_next_statement(filled: Session) -> None:
    results = filled.execute("select * from t; insert into t values (-1, 0); select count(*) from t", stream=True)
    first = next(results)
    assert first.stream is not None and not first.stream.closed
    second = next(results)  # the session moved on: the first stream was released
    assert first.stream.closed and second.rows_affected == 1
    third = next(results)
    assert third.stream is not None and third.stream.read_all().column(0).to_pylist() == [ROWS + 1]


def test_closing_the_session_releases_an_open_stream(filled: Session) -> None:
    result = next(filled.execute("select * from t", stream=True))
    assert result.stream is not None and next(iter(result.stream)).num_rows
    filled.close()  # not "connection is busy"
    assert result.stream is not None and result.stream.closed


def test_an_error_while_reading_names_the_statement(filled: Session) -> None:
    late = f"select cast(case when id > {ROWS - 10} then 'x' else '1' end as bigint) from t order by id"
    for text in ("select cast('x' || id as bigint) from t", late):
        with pytest.raises(SqlError, match=r"Conversion Error.*statement 1") as raised:
            result = next(filled.execute(text, stream=True))
            assert result.stream is not None
            result.stream.read_all()
        assert "`select cast(" in str(raised.value)
    assert filled.query("select count(*) from t").column(0).to_pylist() == [ROWS]  # still usable


def test_writes_and_procedures_do_not_stream(filled: Session) -> None:
    results = list(filled.execute("update t set a = 0 where id = 1; select active_branch()", stream=True))
    assert results[0].kind is ResultKind.COUNT and results[0].stream is None
