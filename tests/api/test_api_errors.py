"""Bad input to every public call of `import dl`: a `dl.Error` (never a bare DuckDB, Arrow or
SQLite exception, never a traceback of ours), and nothing written to the repository."""
from __future__ import annotations

import inspect
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

import dl
from dl.api.errors import as_dl_error, guard
from dl.api.results import Result

Call = Callable[[dl.Repo], Any]

# every public method of dl.Repo, with input it must refuse, and the family it raises
BAD_CALLS: dict[str, list[tuple[Call, type[dl.Error]]]] = {
    "sql": [(lambda r: r.sql("select * frm people"), dl.SqlError),
            (lambda r: r.sql("select * from nope"), dl.SqlError),
            (lambda r: r.sql("insert into people values (1, 'dup', 1)"), dl.SqlError),
            (lambda r: r.sql("select 1", dialect="cobol"), dl.SqlError),
            (lambda r: r.sql(42), dl.BadInput)],
    "table": [(lambda r: r.table("nope"), dl.NotFound),
              (lambda r: r.table("people", rev="no-such-rev"), dl.NotFound),
              (lambda r: r.table(None), dl.BadInput)],
    "tables": [(lambda r: r.tables("HEAD~99"), dl.NotFound)],
    "schema": [(lambda r: r.schema("nope"), dl.NotFound)],
    "index_entries": [(lambda r: r.index_entries("nope", "i"), dl.NotFound),
                      (lambda r: r.index_entries("people", "nope"), dl.NotFound),
                      (lambda r: r.index_entries("people", 3), dl.BadInput)],
    "write": [(lambda r: r.write("people", pa.table({"id": [1]}), pk="id"), dl.AlreadyExists),
              (lambda r: r.write("new", {"id": [1]}, pk="id"), dl.BadInput),
              (lambda r: r.write("new", pa.table({"id": [1]}), pk="nope"), dl.BadInput),
              (lambda r: r.write("new", pa.table({"id": [1]}), pk="id", mode="upsert"), dl.UsageError),
              (lambda r: r.write("people", pa.table({"id": [1]}), mode="update", pk="id"), dl.UsageError),
              (lambda r: r.write("people", pa.table({"id": ["x"]}), mode="update"), dl.InputError),
              (lambda r: r.write("nope", pa.table({"id": [1]}), mode="update"), dl.NotFound),
              (lambda r: r.write("bad/name", pa.table({"id": [1]}), pk="id"), dl.InvalidName),
              (lambda r: r.write("new", Path("/no/such/file.csv"), pk="id"), dl.NotFound),
              (lambda r: r.write("new", pa.table({"id": [1, 1]}), pk="id"), dl.DuplicateKey),
              (lambda r: r.write("new", pa.table({"a": [1], "b": [2]}).rename_columns(["a", "a"]), pk="a"),
               dl.InputError)],
    "drop": [(lambda r: r.drop("nope"), dl.NotFound)],
    "copy": [(lambda r: r.copy("nope", "x"), dl.NotFound),
             (lambda r: r.copy("people", "people"), dl.AlreadyExists)],
    "rename": [(lambda r: r.rename("people", "a/b"), dl.InvalidName)],
    "status": [],  # takes no input
    "add": [(lambda r: r.add("nope"), dl.NotFound), (lambda r: r.add(3), dl.BadInput)],
    "commit": [(lambda r: r.commit("nothing changed"), dl.Error),
               (lambda r: r.commit("x", author="no email"), dl.UsageError),
               (lambda r: r.commit("x", date="yesterday"), dl.UsageError)],
    "log": [(lambda r: r.log("nope"), dl.NotFound), (lambda r: r.log(limit=-1), dl.UsageError)],
    "blame": [(lambda r: r.blame("nope"), dl.NotFound), (lambda r: r.blame("people", "nope"), dl.NotFound)],
    "diff": [(lambda r: r.diff("nope"), dl.NotFound), (lambda r: r.diff("HEAD", table="nope"), dl.NotFound)],
    "active_branch": [],
    "branches": [],
    "branch": [(lambda r: r.branch("main"), dl.AlreadyExists), (lambda r: r.branch("a b\n"), dl.InvalidName),
               (lambda r: r.branch("x", "nope"), dl.NotFound)],
    "delete_branch": [(lambda r: r.delete_branch("main"), dl.Error), (lambda r: r.delete_branch("nope"), dl.NotFound)],
    "rename_branch": [(lambda r: r.rename_branch("nope", "x"), dl.NotFound)],
    "checkout": [(lambda r: r.checkout("nope"), dl.NotFound),
                 (lambda r: r.checkout("x", new=True, start="nope"), dl.NotFound)],
    "checkout_tables": [(lambda r: r.checkout_tables("nope"), dl.NotFound)],
    "tags": [],
    "tag": [(lambda r: r.tag("v1", "nope"), dl.NotFound), (lambda r: r.tag("bad\x00"), dl.InvalidName)],
    "delete_tag": [(lambda r: r.delete_tag("nope"), dl.NotFound)],
    "reset": [(lambda r: r.reset("nope", hard=True), dl.NotFound),
              (lambda r: r.reset(hard=True, soft=True), dl.UsageError)],
    "reset_tables": [(lambda r: r.reset_tables("nope"), dl.NotFound)],
    "merge": [(lambda r: r.merge("nope"), dl.NotFound), (lambda r: r.merge("main", squash=True, no_ff=True), dl.Error)],
    "merge_abort": [(lambda r: r.merge_abort(), dl.Error)],
    "merge_base": [(lambda r: r.merge_base("main", "nope"), dl.NotFound)],
    "conflicts": [(lambda r: r.conflicts(7), dl.BadInput)],
    "resolve": [(lambda r: r.resolve(), dl.UsageError), (lambda r: r.resolve("nope"), dl.NotFound)],
    "cherry_pick": [(lambda r: r.cherry_pick("nope"), dl.NotFound),
                    (lambda r: r.cherry_pick("HEAD~1"), dl.Error)],  # the first commit: no parent
    "revert": [(lambda r: r.revert(), dl.Error), (lambda r: r.revert("nope"), dl.NotFound)],
    "revert_continue": [(lambda r: r.revert_continue(), dl.Error),  # none in progress
                        (lambda r: r.revert_continue(author="nobody"), dl.BadInput)],
    "revert_abort": [(lambda r: r.revert_abort(), dl.Error)],
    "close": [],
    "stash": [(lambda r: r.stash(5), dl.BadInput)],
    "stash_list": [],
    "stash_pop": [(lambda r: r.stash_pop(0), dl.Error), (lambda r: r.stash_pop("0"), dl.UsageError)],
    "stash_drop": [(lambda r: r.stash_drop(3), dl.Error)],
    "stash_clear": [],
    "fsck": [],  # takes no input
    "gc": [],
}


def _public_methods() -> set[str]:
    return {name for name, value in inspect.getmembers(dl.Repo)
            if not name.startswith("_") and callable(value)}


def test_every_public_call_has_bad_input_cases() -> None:
    assert _public_methods() == set(BAD_CALLS)


def _state(repo: dl.Repo) -> tuple[dict[str, str], int]:
    """Every ref and the number of chunks: what a failed call must leave as it was."""
    store = repo.core.store
    path = Path(store.path)  # type: ignore[attr-defined]
    with sqlite3.connect(path) as db:
        chunks = db.execute("select count(*) from chunks").fetchone()[0]
    return dict(store.list_refs("")), chunks


@pytest.mark.parametrize("method", sorted(BAD_CALLS))
def test_bad_input_raises_a_dl_error_and_writes_nothing(people: dl.Repo, method: str) -> None:
    people.sql("update people set age = 1 where id = 1")  # a working change the failures must keep
    before = _state(people)
    for call, family in BAD_CALLS[method]:
        with pytest.raises(family) as failed:
            call(people)
        assert isinstance(failed.value, dl.Error)
        assert str(failed.value).strip() and "Traceback" not in str(failed.value)
        assert _state(people) == before, f"{method}: a failed call changed the repository"


def test_engine_exceptions_become_dl_errors() -> None:
    assert isinstance(as_dl_error(duckdb.ParserException("Parser Error: x\nLINE 1")), dl.SqlError)
    assert isinstance(as_dl_error(pa.ArrowInvalid("bad")), dl.BadInput)
    assert isinstance(as_dl_error(sqlite3.OperationalError("disk I/O error")), dl.StoreError)
    assert as_dl_error(KeyError("a bug")) is None  # a bug stays a bug

    @guard
    def engine_fails() -> None:
        pa.array([1, "x"])

    with pytest.raises(dl.BadInput, match="bad data") as failed:
        engine_fails()
    assert isinstance(failed.value.__cause__, pa.ArrowException)


def test_open_and_init_refuse_bad_paths(tmp_path: Path, people: dl.Repo) -> None:
    assert people.path is not None
    with pytest.raises(dl.NotARepository, match="no such directory"):
        dl.open(people.path / "typo")  # not the repository above it
    (tmp_path / "plain").mkdir()
    with pytest.raises(dl.NotFound):
        dl.open(tmp_path / "plain")
    with pytest.raises(dl.AlreadyExists):
        dl.init(people.path)  # type: ignore[arg-type]
    (tmp_path / "file").write_text("x")
    with pytest.raises(dl.UsageError, match="is a file"):
        dl.init(tmp_path / "file")
    with dl.init(tmp_path / "new" / "repo") as made:  # made if missing, as git init DIR
        assert made.tables() == []
    with pytest.raises(dl.InvalidName):
        dl.init(tmp_path / "other" / "repo", branch="bad\nname")
    assert not (tmp_path / "other").exists()  # a failed init leaves no directory behind
    with pytest.raises(dl.UsageError):
        dl.open(3)  # type: ignore[arg-type]


def test_missing_pandas_or_polars_says_what_to_install(people: dl.Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    result = people.sql("select * from people")
    assert isinstance(result, Result)
    for module, call in (("pandas", result.df), ("polars", result.pl)):
        monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
        with pytest.raises(dl.Error, match=rf"pip install 'dl\[{module}\]'"):
            call()


def test_result_conversions_raise_dl_errors(people: dl.Repo) -> None:
    result = people.sql("select '5000000-01-01'::date as d")  # beyond Python's and pandas' dates
    assert result.arrow().num_rows == 1
    with pytest.raises(dl.BadInput, match="pandas cannot hold these rows: year 5000000 is out of range"):
        result.df()


def test_one_hierarchy() -> None:
    for family in (dl.NotFound, dl.AlreadyExists, dl.BadInput, dl.Conflict, dl.SqlError,
                   dl.IntegrityError, dl.StoreError):
        assert issubclass(family, dl.Error)
    assert issubclass(dl.NotARepository, dl.NotFound)
    for family in (dl.InputError, dl.DuplicateKey, dl.SchemaError, dl.InvalidName, dl.UsageError):
        assert issubclass(family, dl.BadInput)
    assert issubclass(dl.MergeConflict, dl.Conflict) and issubclass(dl.ConcurrentUpdate, dl.Conflict)
