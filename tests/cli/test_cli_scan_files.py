"""`dl sql -q` over a large table keeps its decoded scan (`.dl/scans/`), answers the next query
from it with the same rows, never from a file of an older version of the table, and `dl gc`
removes the files."""
from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Dl
from dl.core.prolly.tree import NODE_CACHE, ProllyTree
from dl.core.store import scan_files

ROWS = 2000


@pytest.fixture
def big(repo: Path, dl: Dl, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with a table `t` of ROWS rows, large enough to keep a scan file here."""
    monkeypatch.setattr(scan_files, "MIN_ROWS", 500)
    csv = repo / "t.csv"
    csv.write_text("id,a,b\n" + "".join(f"{i},{i % 7},name{i}\n" for i in range(ROWS)))
    dl.ok("table", "import", "-c", "--pk", "id", "t", csv)
    return repo


def scans(repo: Path) -> list[Path]:
    folder = repo / ".dl" / "scans"
    return sorted(folder.iterdir()) if folder.exists() else []


def query(dl: Dl, sql: str) -> str:
    NODE_CACHE.clear()  # as a new process: nothing decoded in memory
    return dl.query(sql)


def test_repeated_queries_read_the_scan_file_and_agree(big: Path, dl: Dl, monkeypatch: pytest.MonkeyPatch) -> None:
    sql = "select count(*), sum(a), max(b) from t"
    expected = f"count(*),sum(a),max(b)\n{ROWS},{sum(i % 7 for i in range(ROWS))},name999\n"
    assert scans(big) == []
    assert query(dl, sql) == expected
    [kept] = scans(big)

    def refuse(self: ProllyTree, *args: object, **kwargs: object) -> None:
        raise AssertionError("the leaves were read")
    monkeypatch.setattr(ProllyTree, "leaf_addresses", refuse)
    assert query(dl, sql) == expected
    assert scans(big) == [kept]


def test_an_update_is_seen_and_gc_removes_the_files(big: Path, dl: Dl) -> None:
    sql = "select sum(a) from t"
    before = query(dl, sql)
    dl.ok("sql", "-q", "update t set a = a + 1 where id < 10")
    after = query(dl, sql)
    assert int(after.split()[1]) == int(before.split()[1]) + 10
    assert len(scans(big)) == 2
    dl.ok("gc")
    assert scans(big) == []
    assert query(dl, sql) == after
