"""Referential integrity as a law: after any sequence of SQL writes on a parent and children
with every referential action (RESTRICT, CASCADE, SET NULL), through the point path and the
general path, no child row names a parent value that does not exist, and a refused statement
leaves the working set exactly as it was."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dl.core.repo import Repository
from dl.sql.errors import SqlError
from dl.sql.session import Session

SCHEMA = ("create table p (id int primary key, v int);"
          "create table r (id int primary key, pid int references p (id));"
          "create table c (id int primary key, pid int references p (id) on delete cascade on update cascade);"
          "create table n (id int primary key, pid int references p (id) on delete set null on update set null)")

keys = st.integers(0, 5)
statements = st.one_of(
    st.builds(lambda k, v: f"insert into p values ({k}, {v})", keys, keys),
    st.builds(lambda k: f"delete from p where id = {k}", keys),
    st.builds(lambda k: f"delete from p where v = {k}", keys),
    st.builds(lambda k, d: f"update p set id = id + {d} where id = {k}", keys, st.integers(1, 3)),
    st.builds(lambda t, k, p: f"insert into {t} values ({k}, {p})", st.sampled_from("rcn"), keys, keys),
    st.builds(lambda t, k: f"delete from {t} where id = {k}", st.sampled_from("rcn"), keys),
    st.builds(lambda t, p: f"update {t} set pid = {p}", st.sampled_from("rcn"), keys),
)


def _orphans(session: Session) -> int:
    return sum(session.query(f"select count(*) from {t} where pid is not null and pid not in "
                             "(select id from p)").column(0)[0].as_py() for t in "rcn")


@settings(max_examples=25)
@given(st.lists(statements, max_size=12))
def test_no_statement_leaves_an_orphan(script: list[str]) -> None:
    with Session(Repository.in_memory()) as session:
        session.run(SCHEMA)
        for text in script:
            before = session.repo.working_set()[1].working
            try:
                session.run(text)
            except SqlError:
                assert session.repo.working_set()[1].working == before
            assert _orphans(session) == 0, text
