"""Deeply nested input is one clear line, never "internal error: RecursionError"."""
from __future__ import annotations

from pathlib import Path

import pytest
from dl.sql.diff_filter import _parse_condition
from dl.sql.errors import SqlError
from dl.sql.session import Session

from dl.app import main

DEEP = "(" * 5000 + "1" + ")" * 5000


@pytest.mark.parametrize("query", [
    f"select {DEEP} as x",
    f"select * from t where id in {DEEP}",
    "select " + " ".join(["(select"] * 500) + " 1" + ")" * 500,
    f"insert into t values ({DEEP}, 'a')",
])
def test_deep_statements_are_one_line(session: Session, query: str) -> None:
    session.run("create table t (id int primary key, v text)")
    with pytest.raises(SqlError) as failed:
        session.run(query)
    assert str(failed.value).startswith("statement nested too deeply") and "\n" not in str(failed.value)
    assert session.query("select count(*) as n from t").column("n").to_pylist() == [0]
    assert session.query("select ((1)) as x").column("x").to_pylist() == [1]  # the session goes on


def test_diff_where_too_deep() -> None:
    with pytest.raises(SqlError, match="--where: statement nested too deeply"):
        _parse_condition(DEEP)


def test_cli_sql_file_of_5000_parentheses(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from dl.core.repo import Author, Repository
    Repository.init(tmp_path, author=Author("T", "t@x")).close()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DL_HOME", str(tmp_path / "home"))
    (tmp_path / "deep.sql").write_text(f"select {DEEP};\n")
    with pytest.raises(SystemExit) as done:
        main(["sql", "-f", "deep.sql"])
    err = capsys.readouterr().err
    assert done.value.code == 1 and err.startswith("error: statement nested too deeply")
    assert len(err.strip().splitlines()) == 1 and "internal error" not in err
