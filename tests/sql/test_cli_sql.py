"""`dl sql` as a user runs it: -q, -f, stdin, result formats, errors, the shell."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from dl.core.repo import Author, Repository
from dl.sql.session import Session

from dl.app import main
from dl.shell import run_shell


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    Repository.init(tmp_path, author=Author("T", "t@x")).close()
    home = tmp_path / "home"
    home.mkdir()
    (home / "config_global.json").write_text(json.dumps({"user.name": "T", "user.email": "t@x"}))
    monkeypatch.setenv("DL_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def dl(capsys, *args: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out = capsys.readouterr()
    return done.value.code, out.out, out.err


SEED = ("create table users (id integer primary key, name text, score real); "
        "insert into users values (1, 'Alice', 99.9), (3, 'Charlie', 92.1)")


def test_query_formats(workdir: Path, capsys) -> None:
    assert dl(capsys, "sql", "-q", SEED)[0] == 0
    code, out, _ = dl(capsys, "sql", "-q", "select id, name, score from users order by id", "-r", "csv")
    assert code == 0 and out == "id,name,score\n1,Alice,99.9\n3,Charlie,92.1\n"
    _, out, _ = dl(capsys, "sql", "-q", "select name from users order by id", "-r", "json")
    assert json.loads(out) == {"rows": [{"name": "Alice"}, {"name": "Charlie"}]}
    _, out, _ = dl(capsys, "sql", "-q", "select id, name from users where id = 1", "-r", "vertical")
    assert out.splitlines()[1:] == ["  id: 1", "name: Alice"]
    _, out, _ = dl(capsys, "sql", "-q", "select id, name from users order by id")
    assert out.splitlines() == ["+----+---------+", "| id | name    |", "+----+---------+",
                                "| 1  | Alice   |", "| 3  | Charlie |", "+----+---------+"]
    _, out, _ = dl(capsys, "sql", "-q", "update users set score = 0 where id < 10")
    assert out == "Query OK, 2 rows affected\n"


def test_csv_tail_for_scripts(workdir: Path, capsys) -> None:
    dl(capsys, "sql", "-q", SEED)
    _, out, _ = dl(capsys, "sql", "-q", "select dolt_commit('-A', '-m', 'first')", "-r", "csv")
    assert len(out.splitlines()[-1]) == 40
    _, out, _ = dl(capsys, "sql", "-q", "select dolt_hashof_table('users') as h", "-r", "csv")
    assert out.splitlines()[0] == "h" and len(out.splitlines()[1]) == 40


def test_parquet_output(workdir: Path, capsys) -> None:
    dl(capsys, "sql", "-q", SEED)
    code, _, _ = dl(capsys, "sql", "-q", "select * from users", "-r", "parquet", "-o", "out.parquet")
    assert code == 0 and pq.read_table(workdir / "out.parquet").num_rows == 2


def test_file_and_stdin(workdir: Path, capsys, monkeypatch) -> None:
    (workdir / "s.sql").write_text(SEED + ";\nselect count(*) as n from users;\n")
    code, out, _ = dl(capsys, "sql", "-f", "s.sql", "-r", "csv")
    assert code == 0 and out.splitlines()[-2:] == ["n", "2"]
    code, out, _ = dl(capsys, "sql", "-r", "csv", stdin="select max(id) as m from users;", monkeypatch=monkeypatch)
    assert code == 0 and out == "m\n3\n"


def test_errors_are_one_line(workdir: Path, capsys) -> None:
    dl(capsys, "sql", "-q", SEED)
    for query, words in [("selec * from users", "syntax error"), ("select * from nosuch", "table not found: nosuch"),
                         ("insert into users values (1, 'again', 0)", "duplicate primary key 1 in users")]:
        code, _, err = dl(capsys, "sql", "-q", query)
        assert code == 1 and words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    code, _, err = dl(capsys, "sql", "-q", "select 1", "-r", "xml")
    assert code == 2 and "result format" in err
    code, _, err = dl(capsys, "sql", "-f", "missing.sql")
    assert code == 2 and "cannot read" in err


def test_open_transaction_at_end_is_rolled_back(workdir: Path, capsys) -> None:
    dl(capsys, "sql", "-q", SEED)
    code, _, err = dl(capsys, "sql", "-q", "begin; delete from users")
    assert code == 0 and "rolled back" in err
    _, out, _ = dl(capsys, "sql", "-q", "select count(*) as n from users", "-r", "csv")
    assert out == "n\n2\n"


def test_shell(repo: Repository) -> None:
    session = Session(repo)
    lines = iter(["create table t (id int primary key);", "insert into t", "values (1), (2);",
                  "select nosuch from t;", "begin;", "select count(*) as n", "from t;", "exit"])
    prompts, shown, said = [], [], []

    def read(prompt: str) -> str:
        prompts.append(prompt)
        return next(lines)
    run_shell(session, lambda table: shown.append(table.to_pylist()), read_line=read, write=said.append)
    assert shown == [[{"n": 2}]]
    assert "Query OK, 2 rows affected" in said
    assert any(s.startswith("error:") and "nosuch" in s for s in said)  # the shell went on
    assert prompts[:3] == ["main> ", "main> ", "    -> "] and "main*> " in prompts
    assert not session.in_transaction  # rolled back on exit


def test_shell_ends_on_eof(repo: Repository) -> None:
    def read(prompt: str) -> str:
        raise EOFError
    said: list[str] = []
    run_shell(Session(repo), lambda table: None, read_line=read, write=said.append)
    assert said[-1] == ""


def test_dialect_option(workdir: Path, capsys) -> None:
    code, out, _ = dl(capsys, "sql", "--dialect", "sqlite", "-q", "select 7 / 2 as q, 2147483647 + 1 as w", "-r", "csv")
    assert code == 0 and out == "q,w\n3,2147483648\n"
    code, out, _ = dl(capsys, "sql", "--dialect", "mysql", "-q", "select 7 / 2 as q, 7 div 2 as d", "-r", "csv")
    assert code == 0 and out == "q,d\n3.5,3\n"
    _, out, _ = dl(capsys, "sql", "-q", "select 7 / 2 as q", "-r", "csv")
    assert out == "q\n3.5\n"
    code, _, err = dl(capsys, "sql", "--dialect", "oracle", "-q", "select 1")
    assert code == 2 and "unknown dialect" in err


def test_error_inside_a_transaction_lands_nothing(workdir: Path, capsys) -> None:
    dl(capsys, "sql", "-q", SEED)
    code, _, err = dl(capsys, "sql", "-q", "insert into users values (7, 'G', 1); begin; "
                                           "delete from users where id = 1; insert into users values (3, 'dup', 0); commit")
    assert code == 1 and "statement 4" in err and "duplicate primary key 3" in err
    _, out, _ = dl(capsys, "sql", "-q", "select id from users order by id", "-r", "csv")
    assert out == "id\n1\n3\n7\n"  # statement 1 landed on its own; the transaction did not


def test_every_format_to_a_file(workdir: Path, capsys) -> None:
    dl(capsys, "sql", "-q", SEED)
    for fmt, check in (("csv", lambda t: t.startswith("id,name")), ("json", lambda t: json.loads(t)["rows"][0]["id"] == 1),
                       ("vertical", lambda t: "name: Alice" in t), ("tabular", lambda t: t.startswith("+----"))):
        code, out, _ = dl(capsys, "sql", "-q", "select id, name from users order by id", "-r", fmt, "-o", f"out.{fmt}")
        assert code == 0 and out == "" and check((workdir / f"out.{fmt}").read_text()), fmt


def test_parquet_to_piped_stdout_and_refused_on_a_terminal(workdir: Path, capsys, monkeypatch) -> None:
    dl(capsys, "sql", "-q", SEED)
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-m", "dl", "sql", "-q", "select id, name from users order by id",
                           "-r", "parquet"], cwd=workdir, capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr
    assert pq.read_table(io.BytesIO(done.stdout)).to_pylist() == [{"id": 1, "name": "Alice"}, {"id": 3, "name": "Charlie"}]
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, _, err = dl(capsys, "sql", "-q", "select 1", "-r", "parquet")
    assert code == 2 and "refusing to write Parquet to a terminal" in err
