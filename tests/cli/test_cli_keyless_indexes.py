"""A secondary index on a keyless table, as Dolt's keyless.bats uses one: every read through the
index (range, point, BETWEEN, IN; both dialects; committed or not; in a script) gives each
row as many times as it was inserted. `c1 > 0` once gave no rows: the index range started past
every entry (0's key, stripped of its zero bytes, then 0x02)."""
from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Dl


@pytest.fixture
def keyless(repo: Path, dl: Dl) -> Path:
    dl.ok("sql", "-q", "create table keyless (c0 int, c1 int)")
    dl.ok("sql", "-q", "insert into keyless values (0,0),(2,2),(1,1),(1,1)")
    dl.ok("sql", "-q", "create index idx on keyless (c1)")
    return repo


WHERES = {
    "c1 > 0": ["1,1", "1,1", "2,2"],
    "c1 >= 1": ["1,1", "1,1", "2,2"],
    "c1 = 1": ["1,1", "1,1"],
    "c1 = 0": ["0,0"],
    "c1 < 2": ["0,0", "1,1", "1,1"],
    "c1 <= 0": ["0,0"],
    "c1 between 1 and 2": ["1,1", "1,1", "2,2"],
    "c1 in (0, 1)": ["0,0", "1,1", "1,1"],
    "0 < c1 and c1 < 2": ["1,1", "1,1"],
    "c1 > 2": [],
}


def lines(out: str) -> list[str]:
    return out.splitlines()[1:]


@pytest.mark.parametrize("dialect", ["duckdb", "mysql"])
def test_reads_through_the_index_keep_every_copy(keyless: Path, dl: Dl, dialect: str) -> None:
    for where, want in WHERES.items():
        out = dl.ok("sql", "--dialect", dialect, "-r", "csv", "-q",
                    f"select * from keyless where {where} order by c0")
        assert lines(out) == want, where


def test_the_same_after_a_commit(keyless: Path, dl: Dl) -> None:
    dl.ok("commit", "-Am", "index")
    for where, want in WHERES.items():
        assert lines(dl.query(f"select * from keyless where {where} order by c0")) == want, where
    assert lines(dl.query("select c0 from keyless as of 'HEAD' where c1 > 0 order by c0")) == ["1", "1", "2"]


def test_a_script_writes_and_reads_through_the_index(keyless: Path, dl: Dl, tmp_path: Path) -> None:
    script = tmp_path / "script.sql"
    script.write_text("insert into keyless values (3,3), (4,4), (4,4);\n"
                      "select c0 from keyless where c1 > 0 order by c0;\n"
                      "delete from keyless where c0 = 4;\n"
                      "update keyless set c0 = c0 + 10 where c1 > 0;\n"
                      "select * from keyless where c1 > 0 order by c0;\n")
    out = dl.ok("sql", "-r", "csv", "-f", script)
    assert out.splitlines() == ["c0", "1", "1", "2", "3", "4", "4",
                                "c0,c1", "11,1", "11,1", "12,2", "13,3"]
    assert lines(dl.query("select * from keyless where c1 = 0")) == ["0,0"]
