"""`sql.row_text`: DuckDB's Python rows as text, the same bytes as `formats` over the Arrow result.

Each case runs one DuckDB query and renders it both ways: the Arrow result through
`dl.results.write_batches` (what `dl sql` writes on the general path) and the Python rows
through `row_text.write` (the fast path). Hypothesis draws the values of every type the fast
path renders, NULLs, NaN and infinities, text needing quotes or escapes, and empty results.
"""
from __future__ import annotations

import datetime
import decimal
import io
import math

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from dl.sql import fast_select, headers, row_text
from dl.sql.row_stream import BATCH_ROWS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dl.results import write_batches
from dl.terminal_text import printable, printable_cell

FORMATS = ("tabular", "csv", "json", "vertical")
_CON = duckdb.connect()


def both(query: str) -> list[tuple[str, str]]:
    """(general path's text, fast path's text) of `query` in every format."""
    out = []
    for result_format in FORMATS:
        reader = _CON.sql(query).to_arrow_reader(BATCH_ROWS)  # as `Binder.stream_sql` reads it
        general: list[str] = []
        batches = [b for b in reader if b.num_rows]
        write_batches(reader.schema, batches, result_format, general.append)
        relation = _CON.execute(query)
        names = [d[0] for d in relation.description]
        types = [str(d[1]) for d in relation.description]
        assert row_text.supported(types), types
        fast: list[str] = []
        row_text.write(names, types, relation.fetchall(), result_format, fast.append, printable, printable_cell)
        out.append(("".join(general), "".join(fast)))
    return out


@pytest.mark.parametrize("query", [
    "select 1::hugeint * 10000000000000000000 as h, 1.5::decimal(10,2) as d, 0::decimal(18,10) as z",
    "select 1.0::double as f, 1e20 as g, 1e-7::double as h, -0.0::double as n, 'nan'::double as nan, 'inf'::double as i",
    "select 0.1::float as f, 16777217::float as g, 'nan'::float as n",
    "select date '0999-12-31' as d, time '00:00:00.5' as t, timestamp '2021-06-30 23:59:59.25' as ts",
    "select true as b, false as c, null as n, null::int as i",
    "select ''::varchar as e, 'a,b' as q, 'say \"hi\"' as dq, e'two\\nlines' as nl, e'esc\\x1b[31m' as esc",
    "select '漢字' as wide, 'ünï' as accents, 'x' as \"a,b\"",
    "select 'ab'::blob as b, ''::blob as e",
    "select 1 as a, 2 as a",
    "select 42 as x where false",
    "select range as r, range * 1.5 as f from range(3000)",
    "select 255::utinyint as u, 18446744073709551615::ubigint as big, (-128)::tinyint as t",
])
def test_known_values(query: str) -> None:
    for general, fast in both(query):
        assert fast == general


_values = {
    "BIGINT": st.integers(-2**63, 2**63 - 1),
    "DOUBLE": st.floats(allow_nan=True, allow_infinity=True),
    "VARCHAR": st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8),
    "BOOLEAN": st.booleans(),
    "DATE": st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)),
    "TIMESTAMP": st.datetimes(datetime.datetime(1, 1, 1), datetime.datetime(9999, 12, 31)),
    "DECIMAL(12,3)": st.decimals(min_value=-10**8, max_value=10**8, places=3, allow_nan=False),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(*[st.one_of(st.none(), s) for s in _values.values()]), max_size=6))
def test_drawn_rows(rows: list[tuple[object, ...]]) -> None:
    columns = list(_values)
    _CON.execute("create or replace table drawn (" + ", ".join(f"c{i} {t}" for i, t in enumerate(columns)) + ")")
    for row in rows:
        _CON.execute("insert into drawn values (" + ", ".join("?" for _ in row) + ")", list(row))
    for general, fast in both("select * from drawn"):
        assert fast == general


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False), st.booleans())
def test_arrow_float_is_arrows_csv_text(value: float, single: bool) -> None:
    if single:
        value = float(pa.array([value], pa.float32())[0].as_py())
        if math.isinf(value) and not math.isinf(value):
            return
    array = pa.array([value], pa.float32() if single else pa.float64())
    sink = io.BytesIO()
    pacsv.write_csv(pa.table({"f": array}), sink, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    assert row_text.arrow_float(array[0].as_py(), single) == sink.getvalue().decode().strip()


def test_decimal_text_is_arrows() -> None:
    for value in ("0E-10", "1.000E-7", "-0.0000010000", "123.0000000000", "0.100"):
        assert str(decimal.Decimal(value)) == value


@pytest.mark.parametrize("query", [
    "select a, count(*), sum(b) + 1 from t group by a",
    "select distinct a + 1, b from t",
    "select a as x, 'lit' as y, (b), t.c, * from t",
    "select case when a then 1 else 2 end, [1, 2][1], 2 ** 10, a::int from t where a > 1 order by 1 limit 2",
    "with x as (select 1 as a) select a * 2, \"weird \"\" name\" from x",
    "with x as (select 1), y(a) as (select 2) select count(*) filter (where a > 1) over (partition by a) from y",
    "select 1 union all select 2",
    "select 'it''s', e'x', 1.5e3, .5, 1. from t",
    "select a || b, a != b, a <> b, a >= b, a::varchar from t qualify true window w as ()",
    "select sum(a) over (order by b rows between 1 preceding and current row) from t",
])
def test_projection_spans_are_sqlglots(query: str) -> None:
    import sqlglot
    expected = headers.projection_spans(sqlglot.Dialect.get_or_raise("duckdb").tokenize(query))
    assert fast_select.projection_spans(query) == expected


@pytest.mark.parametrize("query", ["select 1 -- c", "select /* c */ 1", "select ?", "select $1", "select x: 1",
                                   "select e'\\n'", "from t", "(select 1) union select 2", "values (1)",
                                   "select distinct on (a) a from t", "select $$x$$"])
def test_projection_spans_decline_what_they_may_read_otherwise(query: str) -> None:
    assert fast_select.projection_spans(query) is None
