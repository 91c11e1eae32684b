"""`dl diff -r json|csv|sql` of a change spanning many leaves is written a window of leaves at
a time: the same rows, tables and statements as the whole diff, and `-r sql` replayed with
`dl sql` still turns the old side into the new one."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from cli_helpers import Dl
from dl.core.versioning import diff as core_diff

N = 6000


@pytest.fixture
def big_change(repo: Path, dl: Dl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HEAD: t (N rows) and gone; working: 1 row in 7 updated, 1 in 11 deleted, N/2 added;
    gone dropped, fresh added. Diffs read 2 differing leaves per side at a time."""
    ids = np.arange(N)
    pacsv.write_csv(pa.table({"id": ids, "a": ids % 100, "s": [f"v{i}" for i in ids]}), tmp_path / "t.csv")
    pacsv.write_csv(pa.table({"k": ids[:3000], "b": ids[:3000] * 2}), tmp_path / "g.csv")
    dl.ok("table", "import", "-c", "--pk", "id", "t", tmp_path / "t.csv")
    dl.ok("table", "import", "-c", "--pk", "k", "gone", tmp_path / "g.csv")
    dl.ok("commit", "-Am", "base")
    dl.ok("sql", "-q", f"update t set a = -a, s = s || 'x' where id % 7 = 0; delete from t where id % 11 = 3; "
                       f"insert into t select i + {N}, 1, 'new' from range(0, {N // 2}) r(i); "
                       "create table fresh (k int primary key, note text); "
                       "insert into fresh select i, 'n' || i from range(0, 2000) r(i); drop table gone")
    monkeypatch.setattr(core_diff, "DIFF_WINDOW", 2)
    return repo


def whole(dl: Dl, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    """The same diff read whole: one window holding every differing leaf."""
    with monkeypatch.context() as inner:
        inner.setattr(core_diff, "DIFF_WINDOW", 10**9)
        inner.setattr(core_diff, "STEP_WINDOW", 10**9)
        return dl.ok("diff", "HEAD", *args)


def counted_pieces(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the pieces the tree diff yields (what a diff reads), from now on."""
    from dl.core.prolly import diff as tree_diff
    pieces: list[int] = []
    original = tree_diff.iter_diff

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        for piece in original(*args, **kwargs):
            pieces.append(len(piece))
            yield piece
    monkeypatch.setattr(core_diff, "iter_diff", counting)
    return pieces


def test_streamed_json_diff_holds_the_same_rows(big_change: Path, dl: Dl,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    pieces: list[int] = []
    original = core_diff.diff_table_pieces
    monkeypatch.setattr(core_diff, "diff_table_pieces",
                        lambda *a, **k: (pieces.append(1) or p for p in original(*a, **k)))
    streamed = json.loads(dl.ok("diff", "HEAD", "-r", "json"))
    assert len(pieces) > 20  # really written in pieces
    expected = json.loads(whole(dl, monkeypatch, "-r", "json"))
    assert [t["name"] for t in streamed["tables"]] == ["fresh", "gone", "t"]
    for got, want in zip(streamed["tables"], expected["tables"]):
        assert got["schema_diff"] == want["schema_diff"]
        key = lambda row: json.dumps(row, sort_keys=True)
        assert sorted(map(key, got["data_diff"])) == sorted(map(key, want["data_diff"]))
    assert len(streamed["tables"][2]["data_diff"]) == N // 7 + 1 + N // 2 + len(range(3, N, 11)) - len(
        [i for i in range(3, N, 11) if i % 7 == 0])


def test_streamed_csv_and_sql_diffs(big_change: Path, dl: Dl, monkeypatch: pytest.MonkeyPatch) -> None:
    streamed = dl.ok("diff", "HEAD", "t", "-r", "csv").splitlines()
    expected = whole(dl, monkeypatch, "t", "-r", "csv").splitlines()
    assert streamed[0] == expected[0] == "diff_type,id,a,s"
    assert sorted(streamed[1:]) == sorted(expected[1:]) and len(streamed) > N // 2
    script = dl.ok("diff", "HEAD", "-r", "sql")
    assert script.count("DROP TABLE") == 1 and script.count("CREATE TABLE") == 1
    assert sorted(script.splitlines()) == sorted(whole(dl, monkeypatch, "-r", "sql").splitlines())
    dl.ok("branch", "replay", "HEAD")
    dl.ok("commit", "-Am", "target")
    dl.ok("checkout", "replay")
    dl.ok("sql", "--dialect", "mysql", "-q", script)  # Dolt's MySQL statements
    dl.ok("commit", "-Am", "replayed")
    assert dl.ok("diff", "replay", "main", "-r", "json") == ""


def test_streamed_stat_counts_as_the_whole_diff(big_change: Path, dl: Dl,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    streamed = dl.ok("diff", "HEAD", "--stat")
    assert streamed == whole(dl, monkeypatch, "--stat")
    assert f"{N // 2:,} Rows Added" in streamed and "Rows Modified" in streamed


def test_where_filters_each_window_and_gives_the_whole_answer(big_change: Path, dl: Dl,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    condition = "diff_type = 'modified' and to_a < -50 or to_id >= 8990"
    expected = whole(dl, monkeypatch, "t", "-r", "csv", "--where", condition)
    pieces = counted_pieces(monkeypatch)
    streamed = dl.ok("diff", "HEAD", "t", "-r", "csv", "--where", condition)
    assert len(pieces) > 5  # filtered window by window
    assert streamed == expected and streamed.count("\n") == 1 + 2 * len(
        [i for i in range(N) if i % 7 == 0 and i % 100 > 50 and i % 11 != 3]) + 10
    every_table = "diff_type <> 'added'"  # tabular, all tables (fresh: none; gone: all rows)
    assert whole(dl, monkeypatch, "--where", every_table) == dl.ok("diff", "HEAD", "--where", every_table)


def test_limit_stops_reading_the_diff_early(big_change: Path, dl: Dl, monkeypatch: pytest.MonkeyPatch) -> None:
    pieces = counted_pieces(monkeypatch)
    everything = dl.ok("diff", "HEAD", "t", "-r", "csv")
    total = len(pieces)
    pieces.clear()
    limited = dl.ok("diff", "HEAD", "t", "-r", "csv", "--limit", "5")
    assert 0 < len(pieces) <= 3 < total  # a few windows read, not the whole change
    lines = limited.splitlines()
    assert lines[0] == "diff_type,id,a,s"  # the first 5 changed rows by key: 0, 7, 21 updated; 3, 14 deleted
    assert [line.split(",")[1] for line in lines[1:]] == ["0", "0", "3", "7", "7", "14", "21", "21"]
    assert limited == whole(dl, monkeypatch, "t", "-r", "csv", "--limit", "5")
    assert everything.splitlines()[:3] == lines[:3]
    tabular = dl.ok("diff", "HEAD", "--where", "diff_type <> 'added'", "--limit", "2")
    assert tabular == whole(dl, monkeypatch, "--where", "diff_type <> 'added'", "--limit", "2")
    assert tabular.count("| - |") == 3 and tabular.count("| < |") == 1  # gone: 2 removed; t: 0 updated, 3 deleted


def test_a_csv_diff_of_several_tables_streams_under_one_header(big_change: Path, dl: Dl,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Every table (modified, added, dropped; different columns) under one header of the union
    of their columns, written a window at a time: the text of the whole diff rendered at once,
    and no table's diff read whole."""
    from dl import render
    from dl.core.repo import Repository
    repo = Repository.open(big_change)
    expected = render.csv_diff(core_diff.diff_roots(repo.store, repo.resolve_root("HEAD"),
                                                    repo.resolve_root("WORKING")))
    repo.close()
    pieces = counted_pieces(monkeypatch)
    monkeypatch.setattr(core_diff, "diff_roots", lambda *a, **k: pytest.fail("a diff read whole"))
    streamed = dl.ok("diff", "HEAD", "-r", "csv")
    assert sorted(streamed.splitlines()[0].split(",")) == ["a", "b", "diff_type", "id", "k", "note", "s", "table"]
    assert streamed == expected
    assert len(pieces) > 10
