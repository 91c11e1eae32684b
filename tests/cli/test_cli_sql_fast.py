"""`dl sql -q`'s fast path (`dl.fast_sql`, `sql.fast_select`, `sql.row_text`, `sql.twins`).

Every statement of the corpus runs both ways in-process: the fast path (`fast_sql.answer`, as
the `dl` entry point calls it) and the general path (`dl.app.main`, what `dl` runs when the
fast path declines); the output must be the same bytes, in every result format. Statements the
fast path must not answer (files, COPY, ATTACH, system tables, Dolt's functions, variables,
other dialects...) are declined before any output, and the real `dl` then refuses or answers
them exactly as with the fast path turned off (`DL_SQL_FAST=0`).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import Dl, run_dl
from dl.core.repo import Repository
from dl.sql import fast_select, row_text

from dl import fast_sql

FORMATS = ("tabular", "csv", "json", "vertical")

SETUP = [
    ("create table typed (id bigint primary key, i8 tinyint, i16 smallint, i32 integer, u8 utinyint, "
     "u64 ubigint, f double, b boolean, s text, bl blob, d date, tm time, ts timestamp, dec decimal(10,2))"),
    ("insert into typed values "
     "(1, -128, 32767, 7, 255, 18446744073709551615, 1.5, true, 'plain', 'ab', '2020-01-02', '12:34:56', "
     "'2020-01-02 03:04:05', 12.50), "
     "(2, 0, -1, null, 0, 0, 1e20, false, '', '', '0999-12-31', '00:00:00.5', '2021-06-30 23:59:59.25', -0.05), "
     "(3, null, null, null, null, null, null, null, null, null, null, null, null, null), "
     "(4, 1, 2, 3, 4, 5, -0.0, true, 'a,b \"q\"', 'x', '2024-02-29', '23:59:59', '1970-01-01 00:00:00', 0), "
     "(5, 5, 5, 5, 5, 5, 1e-7, false, e'line\\nbreak\\ttab\\x1b[31m', null, null, null, null, 1), "
     "(6, 6, 6, 6, 6, 6, 'nan', true, '漢字 wide', null, null, null, null, 2), "
     "(7, 7, 7, 7, 7, 7, 0.1, false, 'ünï', null, null, null, null, 3), "
     "(8, 8, 8, 8, 8, 8, 123456789.0, true, 'x', null, null, null, null, 4)"),
    "create table d (id bigint primary key, name text, w double)",
    "insert into d select range, 'n' || range, range / 4 from range(200)",
    "create table bag (a bigint, b text)",  # keyless: duplicates count
    "insert into bag values (1, 'x'), (1, 'x'), (2, null)",
    "create table nothing (id bigint primary key, v text)",
    "create table wide (id bigint primary key, " + ", ".join(f"c{i} bigint" for i in range(60)) + ")",
    "insert into wide values (1, " + ", ".join(str(i * 1000) for i in range(60)) + ")",
]

CORPUS = [
    "select * from typed order by id",
    "select id, s, f from typed where id > 2 order by id desc",
    "select count(*), sum(i32), avg(i16), min(s), max(d) from typed",
    "select count(*) as n, sum(u64) from typed",
    "select id * 2, -id, id / 3, id // 3, 7 / 2 from typed order by id",
    "select s || '!', upper(s), length(s) from typed order by id",
    "select f, f * 2 as twice, cast(f as float) as single from typed order by id",
    "select dec, dec * 3, cast(dec as decimal(18, 6)) from typed order by id",
    "select d, tm, ts, ts + interval 1 day as tomorrow from typed order by id",
    "select b, not b, b and true from typed order by id",
    "select bl, bl || bl from typed order by id",
    "select null, null as n, 1 as one",
    "select 1 as a, 2 as a",
    "select t.id, (t.i8), t.s, typed.i16 from typed t, typed where t.id = typed.id order by 1",
    "select * from typed where id > 99",
    "select * from nothing",
    "select count(*) from nothing",
    "select * from bag order by a, b",
    "select a, count(*) from bag group by a order by a",
    "select * from wide",
    "select typed.id, d.name, d.w from typed join d on typed.id = d.id order by typed.id",
    "select count(*), sum(w) from d join typed on d.id = typed.id % 3",
    "with x as (select id, s from typed where id < 5) select id, s from x order by id",
    "with recursive r(n) as (select 1 union all select n + 1 from r where n < 5) select n, n * n from r",
    "select id from typed where id < 3 union all select id from d where id < 2 order by 1",
    "select id, rank() over (order by f desc nulls last) as r from typed order by id",
    "select distinct b from typed order by b",
    "select id % 2 as g, count(*), string_agg(s, '|' order by id) from typed group by g order by g",
    "select * from d order by w desc limit 5",
    "select id, case when f > 1 then 'big' else 'small' end from typed order by id",
    "select max(id) from d where name in (select s from typed)",
    "SELECT Id, S FROM TYPED ORDER BY ID;",
    "  select 1 + 1  ;  ",
    "select id, i8 + i16 from typed order by id limit 3 offset 1",
    "select coalesce(s, 'none'), ifnull(i32, -1) from typed order by id",
    "select list_value(1, 2) is null, 'a''b'",
]


@pytest.fixture
def tables(repo: Path, dl: Dl) -> Path:
    for statement in SETUP:
        dl.ok("sql", "-q", statement)
    return repo


def fast(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[bool, str]:
    """`dl ARGS` through the fast path only: whether it answered, and what it printed."""
    capsys.readouterr()
    answered = fast_sql.answer(list(args))
    return answered, capsys.readouterr().out


@pytest.mark.parametrize("query", CORPUS)
def test_the_fast_path_prints_what_the_general_path_prints(tables: Path, dl: Dl, capsys: pytest.CaptureFixture[str],
                                                           query: str) -> None:
    for result_format in FORMATS:
        answered, mine = fast(capsys, "sql", "-q", query, "-r", result_format)
        assert answered, (query, result_format)
        assert mine == dl.ok("sql", "-q", query, "-r", result_format), (query, result_format)


def test_option_spellings(tables: Path, dl: Dl, capsys: pytest.CaptureFixture[str]) -> None:
    query = "select id, s from typed order by id"
    expected = dl.ok("sql", "-q", query, "-r", "csv")
    for args in (["-q", query, "-r", "csv"], ["--query", query, "--result-format", "csv"], ["-r=csv", "-q", query],
                 ["--query=" + query, "--result-format=csv", "--dialect", "duckdb", "-b"]):
        assert fast(capsys, "sql", *args) == (True, expected), args
    assert fast(capsys, "sql", "-q", query) == (True, dl.ok("sql", "-q", query))


REFUSED = [
    "select * from read_csv('/etc/passwd')",
    "select * from '/etc/passwd'",
    "select * from read_text('/etc/hostname')",
    "select * from range(3)",
    "copy typed to '/tmp/x.csv'",
    "attach '/tmp/x.duckdb' as x",
    "install httpfs",
    "load httpfs",
    "select * from glob('/*')",
    "select * from dolt_log",
    "select * from dolt_status",
    "select * from dolt_diff('HEAD', 'WORKING', 'typed')",
    "select active_branch()",
    "select dolt_hashof('HEAD')",
    "select database()",
    "select current_schema()",
    "select last_insert_id()",
    "select dolt_commit('-am', 'x')",
    "select * from typed as of 'HEAD'",
    "select * from information_schema.tables",
    "select * from memory.main.typed",
    "select * from duckdb_tables()",
    "select * from sqlite_master",
    "select @x",
    "select @@version",
    "select * from missing",
    "select * from typed where id = 1",  # a point statement: `point` answers it
    "insert into d values (1000, 'x', 1)",
    "update d set w = 0",
    "delete from d",
    "create table t2 (a int)",
    "select 1; select 2",
    "set x = 1",
    "explain select * from typed",
    "describe typed",
    "show tables",
    "pivot typed on b using count(*)",
    "select * from typed using sample 2",
    "values (1), (2)",
    "from typed",
    "with typed as (select 1 as x) select * from typed",
    "select columns('i.*') from typed",
    "select x: 1",
    "select {'a': 1}",
    "select $1",
    "select ((id)) from typed",
    "select distinct on (b) b, id from typed",
    "(select 1 as a) union select 2",
    "select 1 -- a comment",
    "select ts::timestamptz from typed",
    "select interval 1 day",
    "select [1, 2]",
    "select cast('x' as int)",
]


@pytest.mark.parametrize("query", REFUSED)
def test_the_fast_path_declines_what_it_must_not_answer(tables: Path, capsys: pytest.CaptureFixture[str],
                                                        query: str) -> None:
    assert fast(capsys, "sql", "-q", query, "-r", "csv") == (False, "")


@pytest.mark.parametrize("args", [
    ["sql", "-q", "select 1", "--dialect", "mysql"],
    ["sql", "-q", "select 1", "-r", "parquet"],
    ["sql", "-q", "select 1", "-o", "out.csv"],
    ["sql", "-q", "select 1", "-r", "xml"],
    ["--branch", "main", "sql", "-q", "select 1"],
    ["sql", "-f", "x.sql"],
    ["status"],
])
def test_other_command_lines_are_left_to_the_cli(tables: Path, capsys: pytest.CaptureFixture[str],
                                                 args: list[str]) -> None:
    assert fast(capsys, *args) == (False, "")


def test_a_large_result_is_left_to_the_general_path(tables: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast_sql, "MAX_ROWS", 100)
    assert fast(capsys, "sql", "-q", "select * from d", "-r", "csv") == (False, "")
    assert fast(capsys, "sql", "-q", "select * from d limit 100", "-r", "csv")[0]


def test_refused_statements_fail_as_with_the_fast_path_off(tables: Path, cli_env: Path) -> None:
    for query in ("select * from read_csv('/etc/passwd')", "copy typed to 'x.csv'", "select * from missing",
                  "select 1/0 as x, cast('x' as int) from typed", "select * from dolt_log limit 0"):
        mine = run_dl("sql", "-q", query, cwd=tables, home=cli_env)
        general = _run_general(tables, cli_env, "sql", "-q", query)
        assert (mine.returncode, mine.stdout, mine.stderr) == (general.returncode, general.stdout, general.stderr)
    assert not (tables / "x.csv").exists()


def test_stdin_holding_one_statement_or_a_script(tables: Path, cli_env: Path) -> None:
    for script in ("select id, s from typed order by id;\n", "select 1; select 2;",
                   "insert into d values (500, 'x', 1); select count(*) from d;"):
        mine = run_dl("sql", "-r", "csv", cwd=tables, home=cli_env, stdin=script)
        assert mine.returncode == 0, mine.stderr
        if "insert" not in script:
            general = _run_general(tables, cli_env, "sql", "-r", "csv", stdin=script)
            assert mine.stdout == general.stdout
    assert run_dl("sql", "-q", "select count(*) from d where id = 500", "-r", "csv", cwd=tables,
                  home=cli_env).stdout == "count(*)\n1\n"


def test_a_qualifying_query_imports_neither_sqlglot_nor_pyarrow(tables: Path, cli_env: Path) -> None:
    query = "select count(*), sum(w) from d join typed on d.id = typed.id % 3"
    assert run_dl("sql", "-q", query, cwd=tables, home=cli_env).returncode == 0  # writes the twins
    probe = ("import sys\nimport dl.__main__ as entry\nsys.argv = ['dl', 'sql', '-q', sys.argv[1], '-r', 'csv']\n"
             "try:\n    entry.main()\nexcept SystemExit:\n    pass\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlglot', 'pyarrow', 'numpy', 'typer', 'rich'}))")
    env = {**os.environ, "DL_HOME": str(cli_env)}
    out = subprocess.run([sys.executable, "-c", probe, query], cwd=tables, env=env, capture_output=True, text=True,
                         check=True).stdout
    expected = _run_general(tables, cli_env, "sql", "-q", query, "-r", "csv").stdout
    assert out == expected + "[]\n"


def test_a_declined_query_falls_back_to_the_general_path(tables: Path, cli_env: Path) -> None:
    out = run_dl("sql", "-q", "select count(*) from dolt_log", "-r", "csv", cwd=tables, home=cli_env)
    assert (out.returncode, out.stdout) == (0, "count(*)\n1\n")


def _twins(repo: Path) -> list[Path]:
    return sorted((repo / ".dl" / "twins").glob("*.duckdb"))


def test_twins_are_named_by_table_value_and_checked(tables: Path, dl: Dl, capsys: pytest.CaptureFixture[str]) -> None:
    query = "select id, w from d order by id limit 3"
    expected = dl.ok("sql", "-q", query, "-r", "csv")
    assert fast(capsys, "sql", "-q", query, "-r", "csv") == (True, expected)
    [twin] = _twins(tables)
    dl.ok("sql", "-q", "update d set w = w + 1 where id = 0")  # a new table value: a new twin
    changed = dl.ok("sql", "-q", query, "-r", "csv")
    assert changed != expected and fast(capsys, "sql", "-q", query, "-r", "csv") == (True, changed)
    current = [p for p in _twins(tables) if p != twin]
    assert len(current) == 1
    shutil.copyfile(twin, current[0])  # another table value's rows under this one's name: refused
    assert fast(capsys, "sql", "-q", query, "-r", "csv") == (False, "")
    assert not current[0].exists()  # removed; the next query writes it again
    assert fast(capsys, "sql", "-q", query, "-r", "csv") == (True, changed)


def test_a_damaged_twin_never_answers(tables: Path, dl: Dl, capsys: pytest.CaptureFixture[str]) -> None:
    query = "select sum(id), sum(w) from d"
    expected = dl.ok("sql", "-q", query, "-r", "csv")
    assert fast(capsys, "sql", "-q", query, "-r", "csv") == (True, expected)
    [twin] = _twins(tables)
    data = bytearray(twin.read_bytes())
    for offset in range(8192, len(data), 4096):  # every block past the headers
        data[offset + 100] ^= 0xFF
    twin.write_bytes(bytes(data))
    answered, out = fast(capsys, "sql", "-q", query, "-r", "csv")
    assert not answered or out == expected


def test_gc_removes_the_twins(tables: Path, dl: Dl, capsys: pytest.CaptureFixture[str]) -> None:
    assert fast(capsys, "sql", "-q", "select count(*) from d", "-r", "csv")[0]
    assert _twins(tables)
    dl.ok("gc")
    assert not _twins(tables)


def test_fast_select_declines_without_output_for_other_dialect_words(tables: Path) -> None:
    repo = Repository.open(tables)
    try:
        assert fast_select.run(repo, "select count(*) from d", max_rows=10, supported=row_text.supported) is not None
        assert fast_select.run(repo, "select * from d", max_rows=10, supported=row_text.supported) is None
        assert fast_select.run(repo, "select ts::timestamptz from typed", max_rows=10,
                               supported=row_text.supported) is None
    finally:
        repo.close()


def _run_general(cwd: Path, home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DL_HOME": str(home), "COLUMNS": "120", "NO_COLOR": "1", "TZ": "UTC", "DL_SQL_FAST": "0"}
    env.pop("DL_DEBUG", None)
    return subprocess.run(["dl", *args], cwd=cwd, env=env, input=stdin, capture_output=True, text=True,
                          timeout=60, check=False)


def test_a_table_too_large_for_a_twin_is_marked_and_left_to_the_general_path(
        tables: Path, dl: Dl, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from dl.sql import tree_source
    monkeypatch.setattr(tree_source, "STREAM_MIN_BYTES", 1000)  # d (200 rows) is streamed now
    assert fast(capsys, "sql", "-q", "select count(*) from d", "-r", "csv") == (False, "")
    assert [p.name.endswith(".large") for p in (tables / ".dl" / "twins").iterdir()] == [True]
    monkeypatch.setattr(fast_select.twins, "write", lambda *a: pytest.fail("read the table again"))
    assert fast(capsys, "sql", "-q", "select count(*) from d", "-r", "csv") == (False, "")
    assert dl.ok("sql", "-q", "select count(*) from d", "-r", "csv") == "count(*)\n200\n"
    dl.ok("gc")
    assert not list((tables / ".dl" / "twins").iterdir())


def test_binary_values_are_the_same_raw_bytes_either_way(tables: Path, dl: Dl) -> None:
    """CSV writes a BLOB's own bytes (as Dolt does), UTF-8 or not: the fast path as the
    general path, byte for byte."""
    dl.ok("sql", "-q", "insert into typed (id, bl) values (9, '\\xFF\\xFEz'::blob)")
    env = {**os.environ, "DL_HOME": str(tables.parent / "home"), "COLUMNS": "120", "NO_COLOR": "1", "TZ": "UTC"}
    env.pop("DL_DEBUG", None)
    args = ["dl", "sql", "-q", "select id, bl from typed where id = 9", "-r", "csv"]
    fast_out = subprocess.run(args, cwd=tables, env=env, capture_output=True, timeout=60, check=True).stdout
    general = subprocess.run(args, cwd=tables, env={**env, "DL_SQL_FAST": "0"}, capture_output=True,
                             timeout=60, check=True).stdout
    assert fast_out == general == b"id,bl\n9,\xff\xfez\n"


def test_a_cell_with_line_breaks_is_drawn_over_its_lines_either_way(tables: Path, dl: Dl) -> None:
    """A box draws a cell's lines one under the other, as Dolt's tables do: the fast path as
    the general path."""
    dl.ok("sql", "-q", "insert into typed (id, s) values (9, e'one\\ntwo')")
    env = {**os.environ, "DL_HOME": str(tables.parent / "home"), "COLUMNS": "120", "NO_COLOR": "1", "TZ": "UTC"}
    env.pop("DL_DEBUG", None)
    args = ["dl", "sql", "-q", "select id, s from typed where id = 9"]
    fast_out = subprocess.run(args, cwd=tables, env=env, capture_output=True, timeout=60, check=True).stdout
    general = subprocess.run(args, cwd=tables, env={**env, "DL_SQL_FAST": "0"}, capture_output=True,
                             timeout=60, check=True).stdout
    assert fast_out == general
    assert b"| 9  | one |\n|    | two |\n" in fast_out
