"""Reading and writing through `import dl`: tables as Arrow, every kind of data in, SQL results."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from api_helpers import PEOPLE

import dl

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_write_then_read_an_arrow_table(repo: dl.Repo) -> None:
    result = repo.write("people", PEOPLE, pk="id")
    assert (result.processed, result.added, result.modified) == (4, 4, 0)
    assert repo.table("people").equals(PEOPLE.cast(repo.schema("people")))
    assert repo.tables() == ["people"]
    assert repo.schema("people").field("id").nullable is False
    assert repo.schema("people").metadata == {b"primary_key": b"id"}


def test_table_at_a_revision(people: dl.Repo) -> None:
    people.sql("delete from people where id = 2")
    assert people.table("people").column("id").to_pylist() == [1, 3, 4]
    assert people.table("people", rev="HEAD").column("id").to_pylist() == [1, 2, 3, 4]
    people.commit("drop Bo", all=True)
    assert people.table("people", rev="HEAD~1").num_rows == 4
    assert people.tables(rev="HEAD~2") == []


def test_write_modes(people: dl.Repo) -> None:
    changes = pa.table({"id": [2, 5], "name": ["Bob", "Eve"], "age": [18, 29]})
    update = people.write("people", changes, mode="update")
    assert (update.added, update.modified, update.unchanged) == (1, 1, 0)
    assert people.table("people").num_rows == 5
    with pytest.raises(dl.InputError, match="already exists"):
        people.write("people", pa.table({"id": [1], "name": ["x"], "age": [1]}), mode="append")
    people.write("people", pa.table({"id": [9], "name": ["Zed"], "age": [9]}), mode="append")
    replaced = people.write("people", pa.table({"id": [7], "name": ["Only"], "age": [1]}), mode="replace")
    assert replaced.deleted == 6
    assert people.table("people").column("name").to_pylist() == ["Only"]
    with pytest.raises(dl.AlreadyExists):
        people.write("people", PEOPLE, pk="id")
    people.write("people", PEOPLE, pk="id", force=True)
    assert people.table("people").num_rows == 4


def test_write_a_record_batch_reader(repo: dl.Repo) -> None:
    reader = pa.RecordBatchReader.from_batches(PEOPLE.schema, PEOPLE.to_batches(max_chunksize=2))
    repo.write("people", reader, pk=["id"])
    assert repo.table("people").num_rows == 4
    with pytest.raises(dl.UsageError, match=r"pk='id'"):  # as `dl table import -c` needs --pk
        repo.write("log", pa.table({"msg": ["a", "a", "b"]}))


def test_pandas_round_trip(repo: dl.Repo) -> None:
    frame = pd.DataFrame({"id": [1, 2], "city": ["Paris", "Oslo"], "score": [1.5, None]})
    repo.write("cities", frame, pk="id")
    back = repo.sql("select * from cities order by id").df()
    assert isinstance(back, pd.DataFrame)
    assert back["city"].tolist() == ["Paris", "Oslo"]
    assert back["score"].iloc[0] == 1.5 and pd.isna(back["score"].iloc[1])
    assert repo.schema("cities").field("city").type == pa.string()  # pandas' large_string stored plain


def test_polars_round_trip(repo: dl.Repo) -> None:
    frame = pl.DataFrame({"id": [1, 2, 3], "tag": ["x", "y", None]})
    repo.write("tags", frame, pk="id")
    back = repo.sql("select * from tags order by id").pl()
    assert isinstance(back, pl.DataFrame)
    assert back.equals(frame)
    repo.write("tags", pl.DataFrame({"id": [3], "tag": ["z"]}), mode="update")
    assert repo.table("tags").column("tag").to_pylist() == ["x", "y", "z"]


def test_write_a_duckdb_relation(repo: dl.Repo) -> None:
    relation = duckdb.sql("select range as id, range * 2 as twice from range(1000)")
    repo.write("numbers", relation, pk="id")
    assert repo.sql("select sum(twice) from numbers").fetchall() == [(999_000,)]


def test_write_a_file_uses_the_import_rules(repo: dl.Repo, tmp_path: Path) -> None:
    result = repo.write("people", FIXTURES / "people.csv", pk="id")
    assert result.added == 20
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\n1,a\n1,b\n")
    with pytest.raises(dl.DuplicateKey, match=r"lines 2, 3"):
        repo.write("dup", bad, pk="id")
    assert "dup" not in repo.tables()
    path = tmp_path / "more.parquet"
    pq.write_table(pa.table({"id": [100], "name": ["New"]}), path)
    repo.write("people", str(path), mode="update")
    assert repo.table("people").num_rows == 21


def test_in_memory_values_are_checked_like_a_file(people: dl.Repo) -> None:
    with pytest.raises(dl.InputError, match=r"data, row 2, column age: 'old' is not a valid"):
        people.write("people", pa.table({"id": [8, 9], "age": ["3", "old"]}), mode="update")
    with pytest.raises(dl.InputError, match=r"line|null"):
        people.write("people", pa.table({"id": pa.array([None], pa.int64()), "age": [1]}), mode="update")
    with pytest.raises(dl.DuplicateKey):
        people.write("twice", pa.table({"id": [1, 1]}), pk="id")
    with pytest.raises(dl.InputError, match="not found in schema"):
        people.write("people", pa.table({"id": [1], "shoe": [42]}), mode="update")


def test_sql_results(people: dl.Repo) -> None:
    written = people.sql("insert into people values (5, 'Eve', 29), (6, 'Fay', 41)")
    assert written.rowcount == 2
    assert written.arrow().num_columns == 0 and written.fetchall() == []
    result = people.sql("select name from people where age > 40 order by id")
    assert result.rowcount == -1
    assert result.fetchall() == [("Cy",), ("Di",), ("Fay",)]
    assert result.arrow().column_names == ["name"]
    batches = result.batches()
    assert isinstance(batches, pa.RecordBatchReader)
    assert batches.read_all().equals(result.arrow())
    script = people.sql("update people set age = age + 1 where id = 1; select age from people where id = 1")
    assert script.rowcount == 1 and script.fetchall() == [(37,)]
    assert [s.rowcount for s in script.statements] == [1, -1]


def test_sql_dialects_and_transactions(people: dl.Repo) -> None:
    assert people.sql("select 7/2 as q", dialect="sqlite").fetchall() == [(3,)]
    assert people.sql("select 7/2 as q").fetchall() == [(3.5,)]
    people.sql("begin; insert into people values (10, 'Tx', 1)")
    people.sql("rollback")
    assert 10 not in people.table("people").column("id").to_pylist()


def test_group_by_in_process_matches_duckdb(people: dl.Repo) -> None:
    ours = people.sql("select age > 40 as old, count(*) as n from people group by 1 order by 1")
    rows = people.table("people")  # noqa: F841 - read by duckdb below
    theirs = duckdb.sql("select age > 40 as old, count(*) as n from rows group by 1 order by 1")
    assert ours.fetchall() == theirs.fetchall() == [(False, 2), (True, 2)]


def test_drop_copy_rename(people: dl.Repo) -> None:
    people.copy("people", "backup")
    people.rename("backup", "archive")
    assert people.tables() == ["archive", "people"]
    assert people.table("archive").equals(people.table("people"))
    people.drop("archive")
    assert people.tables() == ["people"]


def test_a_failing_script_keeps_the_statements_before_it_unless_in_a_transaction(people: dl.Repo) -> None:
    with pytest.raises(dl.SqlError, match="statement 2"):
        people.sql("insert into people values (5, 'Eve', 29); insert into people values (1, 'Dup', 1)")
    assert people.table("people").column("id").to_pylist() == [1, 2, 3, 4, 5]
    with pytest.raises(dl.SqlError):
        people.sql("begin; insert into people values (6, 'Fay', 41); insert into people values (1, 'Dup', 1)")
    people.sql("rollback")
    assert people.table("people").column("id").to_pylist() == [1, 2, 3, 4, 5]
