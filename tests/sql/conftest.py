"""Fixtures for the SQL tests: an in-memory repository and a session over it."""
from __future__ import annotations

import pytest
from dl.core.repo import Author, Repository
from dl.sql.session import Session

AUTHOR = Author("Tester", "tester@example.com")


@pytest.fixture
def repo() -> Repository:
    return Repository.in_memory()


@pytest.fixture
def session(repo: Repository) -> Session:
    with Session(repo, author=AUTHOR) as s:
        yield s


def rows(session: Session, text: str) -> list[tuple]:
    """The rows of the last result of `text`, as tuples."""
    table = session.query(text)
    return [tuple(r.values()) for r in table.to_pylist()]


def value(session: Session, text: str):
    """The single value of a one-row, one-column result."""
    result = rows(session, text)
    assert len(result) == 1 and len(result[0]) == 1, result
    return result[0][0]
