"""UPDATE and DELETE find the rows they touch with a sorted select (sql/dml.py `_touched_rows`):
without it DuckDB keeps each scanned chunk's few matching rows in a chunk of their own to
preserve insertion order, and a 1% update held memory in proportion to the table. With the
statement's own ORDER BY or LIMIT (which pick the rows) the select is left as written."""
from __future__ import annotations

import pytest
from dl.sql.resolve import Binder
from dl.sql.session import Session

from tests.sql.conftest import rows


@pytest.fixture
def t(session: Session) -> Session:
    session.run("create table t (id int primary key, name text, score double)")
    session.run("insert into t values (1, 'a', 1.5), (2, 'b', 2.5), (3, 'c', null)")
    return session


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    texts: list[str] = []
    original = Binder.run_sql
    monkeypatch.setattr(Binder, "run_sql", lambda self, text: texts.append(text) or original(self, text))
    return texts


def test_update_and_delete_read_the_touched_rows_sorted(t: Session, sent: list[str]) -> None:
    t.run("update t set score = score + 1 where id % 2 = 0")
    t.run("delete from t where name = 'a'")
    touching = [s for s in sent if "WHERE" in s.upper()]
    assert len(touching) == 2 and all(s.rstrip().upper().endswith("ORDER BY 1") for s in touching), touching
    assert rows(t, "select id, score from t order by id") == [(2, 3.5), (3, None)]


def test_a_limit_keeps_the_statement_s_own_order(t: Session, sent: list[str]) -> None:
    t.run("update t set score = 0 where id > 0 order by id desc limit 1")
    t.run("delete from t where id > 0 limit 1")
    touching = [s for s in sent if "LIMIT" in s.upper()]
    assert len(touching) == 2 and not any("ORDER BY 1" in s.upper() for s in touching), touching
