"""Secondary indexes in the core: definitions, trees, upkeep by edits, UNIQUE, merge."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from dl.core.chunks import decode_json_chunk, encode_json_chunk
from dl.core.errors import IntegrityError, SchemaError, UniqueViolation
from dl.core.repo import Author, Repository
from dl.core.store.counting import CountingStore
from dl.core.store.memory import MemoryStore
from dl.core.tables import indexes as index_module
from dl.core.tables.indexes import IndexDef
from dl.core.tables.schema import TableSchema
from dl.core.tables.table import Table, TableValue
from dl.core.versioning.merge_commits import MergeKind, merge, schema_conflicts_of
from dl.core.versioning.merge_violations import violations_of

ME = Author("Ada", "ada@example.com")
PLAIN = TableSchema.from_arrow(pa.schema([("id", pa.int64()), ("a", pa.string()), ("b", pa.int64())]), ["id"])
INDEXED = PLAIN.with_indexes([IndexDef("ia", ("a",)), IndexDef("ub", ("b",), True)])


def data(ids, a, b) -> pa.Table:
    return pa.table({"id": pa.array(ids, pa.int64()), "a": pa.array(a, pa.string()), "b": pa.array(b, pa.int64())})


def test_definitions_validate_and_round_trip() -> None:
    with pytest.raises(SchemaError, match="doesn't exist"):
        PLAIN.with_indexes([IndexDef("x", ("nope",))])
    with pytest.raises(SchemaError, match="Duplicate key name 'IA'"):
        PLAIN.with_indexes([IndexDef("ia", ("a",)), IndexDef("IA", ("b",))])
    with pytest.raises(SchemaError, match="names a column twice"):
        IndexDef("x", ("a", "A"))
    assert TableSchema.from_json(INDEXED.to_json()) == INDEXED
    assert "indexes" not in PLAIN.to_json()  # schemas without indexes encode as they always did


def test_old_table_values_without_indexes_still_load() -> None:
    value = TableValue(PLAIN, None)
    assert TableValue.decode(value.encode()) == value
    assert set(decode_json_chunk("T", value.encode(), None)) == {"schema", "rows"}
    with pytest.raises(IntegrityError, match="index roots"):
        TableValue.decode(encode_json_chunk("T", {"schema": INDEXED.to_json(), "rows": None, "indexes": ["x"]}))


def test_index_entries_are_index_values_then_key_nulls_first() -> None:
    table = Table.empty(MemoryStore(), INDEXED).replace_rows(data([3, 1, 2, 4], ["x", "y", None, "x"], [1, None, 3, None]))
    assert table.index_tree("ia").scan().to_pylist() == [
        {"a": None, "id": 2}, {"a": "x", "id": 3}, {"a": "x", "id": 4}, {"a": "y", "id": 1}]
    assert table.index_tree("ub").scan().column("id").to_pylist() == [1, 4, 3, 2]  # b: null, null, 1, 3


def test_indexes_follow_every_edit_and_depend_only_on_rows() -> None:
    store = MemoryStore()
    rng = np.random.default_rng(3)
    n = 3000
    rows = data(list(range(n)), [f"v{v}" for v in rng.integers(0, 50, n)], list(range(n)))
    built = Table.empty(store, INDEXED).replace_rows(rows)
    step = Table.empty(store, INDEXED)
    for start in range(n - 1, -1, -500):  # backwards, in batches
        step = step.upsert(rows.slice(max(0, start - 499), min(500, start + 1)))
    assert step.value == built.value
    edited = built.apply(data([5, 6], ["zz", None], [-5, -6]), pa.table({"id": pa.array([7, 8], pa.int64())}))
    edited = edited.delete(pa.table({"id": pa.array([9], pa.int64())}))
    assert edited.value == edited.with_indexes_rebuilt().value
    assert edited.index_tree("ia").count() == n - 3


def test_one_row_edit_writes_few_index_chunks() -> None:
    counting = CountingStore(MemoryStore())
    n = 50_000
    table = Table.empty(counting, INDEXED).replace_rows(
        data(list(range(n)), [f"name{i:06d}" for i in range(n)], list(range(n))))
    counting.reset()
    table.upsert(data([777], ["changed"], [-1]))
    assert counting.writes <= 3 * 3 * 4, counting.writes  # row tree + two index trees, a few levels each


def test_unique_refuses_duplicates_but_not_nulls() -> None:
    table = Table.empty(MemoryStore(), INDEXED).replace_rows(data([1, 2, 3], ["a", "b", "c"], [10, None, None]))
    table = table.insert(data([4], ["d"], [None]))  # NULLs never collide
    with pytest.raises(UniqueViolation, match=r"duplicate unique key given: \[10\]"):
        table.insert(data([5], ["e"], [10]))
    with pytest.raises(UniqueViolation, match=r"duplicate unique key given: \[7\]"):
        table.insert(data([5, 6], ["e", "f"], [7, 7]))  # within one batch
    with pytest.raises(UniqueViolation):
        Table.empty(MemoryStore(), INDEXED).replace_rows(data([1, 2], ["a", "b"], [1, 1]))
    moved = table.upsert(data([1, 2], ["a", "b"], [20, 10]))  # a value moving between rows is fine
    assert moved.value == moved.with_indexes_rebuilt().value


def test_unique_probe_of_a_value_whose_key_ends_in_zero_bytes() -> None:
    """0 after 1, 256 after 257: the probe of 0 once read from 0's key stripped of its zero
    bytes to that plus 0x02, which takes in 1's entry, and reported a false duplicate."""
    table = Table.empty(MemoryStore(), INDEXED).replace_rows(data([1, 2], ["a", "b"], [1, 257]))
    table = table.insert(data([3], ["c"], [0])).insert(data([4], ["d"], [256]))
    assert sorted(table.scan().column("b").to_pylist()) == [0, 1, 256, 257]
    with pytest.raises(UniqueViolation, match=r"\[256\]"):
        table.insert(data([5], ["e"], [256]))


def test_unique_over_many_new_values_checks_the_whole_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "PROBE_LIMIT", 4)
    table = Table.empty(MemoryStore(), INDEXED).replace_rows(data(list(range(100)), ["x"] * 100, list(range(100))))
    with pytest.raises(UniqueViolation, match=r"\[50\]"):
        table.upsert(data(list(range(100, 120)), ["y"] * 20, [50] + list(range(1000, 1019))))
    assert table.upsert(data(list(range(100, 120)), ["y"] * 20, list(range(1000, 1020)))).index_tree("ub").count() == 120


def test_composite_unique_with_a_null_part_does_not_collide() -> None:
    schema = PLAIN.with_indexes([IndexDef("uab", ("a", "b"), True)])
    table = Table.empty(MemoryStore(), schema).replace_rows(data([1, 2], ["x", "x"], [None, None]))
    with pytest.raises(UniqueViolation, match=r"\[x,1\]"):
        table.insert(data([3, 4], ["x", "x"], [1, 1]))


def test_keyless_tables_have_indexes_too() -> None:
    schema = TableSchema.from_arrow(PLAIN.arrow).with_indexes([IndexDef("ia", ("a",)), IndexDef("ub", ("b",), True)])
    table = Table.empty(MemoryStore(), schema).insert(data([1, 1, 2], ["x", "x", "y"], [None, None, 5]))
    assert table.index_tree("ia").count() == 2  # one entry per distinct row
    assert table.value == table.with_indexes_rebuilt().value
    with pytest.raises(UniqueViolation, match=r"\[5\]"):
        table.insert(data([2], ["y"], [5]))  # the same row twice repeats b = 5


def test_index_roots_are_part_of_the_value() -> None:
    table = Table.empty(MemoryStore(), INDEXED).replace_rows(data([1], ["a"], [1]))
    assert TableValue.decode(table.value.encode()) == table.value
    assert {n for n, _ in table.value.index_roots} == {"ia", "ub"}
    emptied = table.delete(pa.table({"id": pa.array([1], pa.int64())}))
    assert emptied.value.index_roots == () and emptied.value == Table.empty(MemoryStore(), INDEXED).value


# --- merge ---------------------------------------------------------------------------------

def _repo() -> Repository:
    repo = Repository.in_memory()
    repo.write_table("t", lambda cur, buf: Table.empty(buf, PLAIN).replace_rows(
        data([1, 2, 3], ["a", "b", "c"], [1, 2, 3])))
    repo.commit("base", include_new=True, author=ME)
    return repo


def _on_branch(repo: Repository, branch: str, change) -> None:  # type: ignore[no-untyped-def]
    repo.create_branch(branch, "main")
    repo.checkout(branch)
    repo.write_table("t", lambda cur, buf: change(Table(buf, cur.value)))
    repo.commit(branch, stage_all=True, author=ME)
    repo.checkout("main")


def _with_index(table: Table, index: IndexDef) -> Table:
    schema = table.schema.with_indexes([*table.schema.indexes, index])
    return Table(table.store, TableValue(schema, table.value.rows)).with_indexes_rebuilt()


def test_merge_takes_indexes_added_on_both_sides_and_keeps_them_fresh() -> None:
    repo = _repo()
    _on_branch(repo, "left", lambda t: _with_index(t, IndexDef("ia", ("a",))).upsert(data([4], ["d"], [4])))
    repo.write_table("t", lambda cur, buf: _with_index(Table(buf, cur.value), IndexDef("ub", ("b",), True))
                     .upsert(data([5], ["e"], [5])))
    repo.commit("main side", stage_all=True, author=ME)
    merge(repo, "left", author=ME)
    table = repo.table("t")
    assert [i.name for i in table.schema.indexes] == ["ia", "ub"]
    assert table.value == table.with_indexes_rebuilt().value
    assert table.index_tree("ia").count() == 5


def test_merge_conflicts_on_one_index_name_defined_two_ways() -> None:
    repo = _repo()
    _on_branch(repo, "left", lambda t: _with_index(t, IndexDef("ix", ("a",))))
    repo.write_table("t", lambda cur, buf: _with_index(Table(buf, cur.value), IndexDef("ix", ("b",))))
    repo.commit("main side", stage_all=True, author=ME)
    assert merge(repo, "left", author=ME).schema_conflicts == ["t"]
    [found] = schema_conflicts_of(repo)
    assert found.description == "index ix is KEY `ix` (`b`) on ours and KEY `ix` (`a`) on theirs"


def test_merge_records_rows_colliding_on_a_unique_index_as_dolt_does() -> None:
    repo = _repo()
    repo.write_table("t", lambda cur, buf: _with_index(Table(buf, cur.value), IndexDef("ub", ("b",), True)))
    repo.commit("unique b", stage_all=True, author=ME)
    _on_branch(repo, "left", lambda t: t.upsert(data([10, 12], ["x", "n"], [99, None])))
    repo.write_table("t", lambda cur, buf: Table(buf, cur.value).upsert(data([11, 13], ["y", "m"], [99, None])))
    repo.commit("main side", stage_all=True, author=ME)
    head = repo.branch_head("main")
    result = merge(repo, "left", author=ME)
    assert result.kind == MergeKind.CONFLICTS and result.violations == {"t": 2}
    assert repo.branch_head("main") == head  # nothing committed
    rows = violations_of(repo)["t"]
    assert rows.column("violation_type").to_pylist() == ["unique index"] * 2
    assert sorted(rows.column("id").to_pylist()) == [10, 11]  # both rows of the group; NULLs never collide
    assert set(rows.column("violation_info").to_pylist()) == {'{"Name": "ub", "Columns": ["b"]}'}
    table = repo.table("t")  # merged as is, its index trees consistent with its rows
    built = index_module.build_index(table.store, table.schema.index_layout(table.schema.index("ub")),
                                     table.tree.scan())
    assert table.count() == 7 and table.value.index_root("ub") == built


def test_an_ordinary_write_still_refuses_a_duplicate_unique_value() -> None:
    repo = _repo()
    repo.write_table("t", lambda cur, buf: _with_index(Table(buf, cur.value), IndexDef("ub", ("b",), True)))
    with pytest.raises(UniqueViolation, match=r"duplicate unique key given: \[3\]"):
        repo.write_table("t", lambda cur, buf: Table(buf, cur.value).upsert(data([11], ["y"], [3])))


def test_arrow_sorted_build_equals_edits_for_awkward_floats_and_strings() -> None:
    schema = TableSchema.from_arrow(pa.schema([("id", pa.int64()), ("f", pa.float64()), ("s", pa.string())]),
                                    ["id"]).with_indexes([IndexDef("if", ("f", "s"))])
    values = [0.0, -0.0, float("nan"), None, 1.0, float("-inf"), float("inf"), -1.0, 0.0, None]
    texts = ["b", "a\x00", "a", None, "é", "", "a\x00b", "Z", "b", "a"]
    rows = pa.table({"id": pa.array(range(10), pa.int64()), "f": pa.array(values, pa.float64()),
                     "s": pa.array(texts, pa.string())})
    built = Table.empty(MemoryStore(), schema).replace_rows(rows)
    stepwise = Table.empty(built.store, schema)
    for i in (9, 3, 0, 7, 1, 5, 2, 8, 4, 6):
        stepwise = stepwise.upsert(rows.slice(i, 1))
    assert stepwise.value == built.value


# --- reachability: gc, fsck, remotes --------------------------------------------------------

def test_index_trees_are_reachable_for_gc_fsck_and_clone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dl.core.maintenance.fsck import fsck
    from dl.core.maintenance.gc import collect_garbage
    from dl.core.remotes.clone import clone
    from dl.core.remotes.sync import add_remote, push
    repo = Repository.init(tmp_path / "a", author=ME)
    n = 20_000
    repo.write_table("t", lambda cur, buf: Table.empty(buf, INDEXED).replace_rows(
        data(list(range(n)), [f"name{i % 977}" for i in range(n)], list(range(n)))))
    repo.commit("indexed", include_new=True, author=ME)
    collect_garbage(repo.store)
    report = fsck(repo.store)
    assert report.ok, report.problems
    table = repo.table("t")
    assert table.index_tree("ia").scan().num_rows == n and table.index_tree("ub").count() == n
    add_remote(repo, "origin", f"file://{tmp_path / 'bare'}")
    push(repo, "origin", "main", set_upstream=True)
    cloned = Repository.open(clone(f"file://{tmp_path / 'bare'}", tmp_path / "b").directory)
    copy = cloned.table("t")
    assert copy.value == table.value and copy.index_tree("ia").scan().equals(table.index_tree("ia").scan())
    assert fsck(cloned.store).ok


def test_fsck_names_a_missing_index_chunk() -> None:
    from dl.core.maintenance.fsck import fsck
    repo = Repository.in_memory()
    repo.write_table("t", lambda cur, buf: Table.empty(buf, INDEXED).replace_rows(data([1, 2], ["a", "b"], [1, 2])))
    repo.commit("indexed", include_new=True, author=ME)
    root = dict(repo.table("t").value.index_roots)["ia"]
    repo.store._chunks.pop(root)
    assert any("index ia" in p for p in fsck(repo.store).problems)


def test_merge_records_duplicates_under_a_unique_index_the_other_side_added() -> None:
    repo = _repo()
    _on_branch(repo, "left", lambda t: _with_index(t, IndexDef("ub", ("b",), True)))
    repo.write_table("t", lambda cur, buf: Table(buf, cur.value).upsert(data([11], ["y"], [3])))
    repo.commit("main side", stage_all=True, author=ME)
    result = merge(repo, "left", author=ME)
    assert result.violations == {"t": 2}
    assert sorted(violations_of(repo)["t"].column("id").to_pylist()) == [3, 11]
    assert [i.name for i in repo.table("t").schema.indexes] == ["ub"]
