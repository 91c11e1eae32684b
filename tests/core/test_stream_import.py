"""Streamed import (files read in parts, sorted in runs, trees built as rows arrive) gives the
same tables, counts and errors as reading the file whole; its building blocks keep their laws."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from dl.core.errors import DuplicateKey, InputError
from dl.core.io.stream import join_types, open_stream
from dl.core.prolly.builder import TreeBuilder, build_tree
from dl.core.prolly.diff import diff_trees, iter_diff
from dl.core.prolly.edit import apply_edits
from dl.core.prolly.layout import RowLayout
from dl.core.prolly.tree import ProllyTree
from dl.core.repo import Repository
from dl.core.store.buffered import BufferedStore
from dl.core.store.memory import MemoryStore
from dl.core.tables.external_sort import RunSorter
from dl.core.tables.importer import ImportMode, import_table

PART = 4096  # bytes per part: the files below are read in dozens of parts


def rows(n: int, seed: int = 1, shuffled: bool = True) -> pa.Table:
    rng = np.random.default_rng(seed)
    ids = rng.permutation(n) if shuffled else np.arange(n)
    return pa.table({"id": pa.array(ids, pa.int64()), "a": pa.array(rng.integers(0, 100, n)),
                     "s": pa.array([f"v{i}" for i in ids]), "f": pa.array(rng.random(n))})


def write_csv(path: Path, table: pa.Table) -> Path:
    pacsv.write_csv(table, path)
    return path


def two_repos(tmp_path: Path) -> tuple[Repository, Repository]:
    return Repository.init(tmp_path / "streamed"), Repository.init(tmp_path / "whole")


@pytest.mark.parametrize("shuffled", [True, False])
def test_streamed_csv_import_builds_the_same_table_as_a_whole_read(tmp_path: Path, shuffled: bool) -> None:
    source = write_csv(tmp_path / "t.csv", rows(3000, shuffled=shuffled))
    assert open_stream(source, part_bytes=PART) is not None  # really read in parts
    streamed, whole = two_repos(tmp_path)
    got = import_table(streamed, "t", source, ImportMode.CREATE, primary_key=["id"], part_bytes=PART)
    want = import_table(whole, "t", source, ImportMode.CREATE, primary_key=["id"])
    assert got == want
    a, b = streamed.table("t", "WORKING"), whole.table("t", "WORKING")
    assert a.schema == b.schema and a.value.rows == b.value.rows


def test_streamed_update_replace_and_append_match_whole_reads(tmp_path: Path) -> None:
    base = rows(2000)
    changes = rows(3000, seed=2).slice(1000)  # ids overlap the table's and go past them
    start = write_csv(tmp_path / "start.csv", base)
    change = write_csv(tmp_path / "change.csv", changes)
    extra = write_csv(tmp_path / "extra.csv", rows(2000, seed=3).set_column(
        0, "id", pa.array(np.arange(5000, 7000), pa.int64())))
    streamed, whole = two_repos(tmp_path)
    for repo in (streamed, whole):
        import_table(repo, "t", start, ImportMode.CREATE, primary_key=["id"])
    for mode, source in ((ImportMode.UPDATE, change), (ImportMode.APPEND, extra),
                         (ImportMode.REPLACE, change)):
        got = import_table(streamed, "t", source, mode, part_bytes=PART)
        want = import_table(whole, "t", source, mode)
        assert got == want, mode
        assert streamed.table("t", "WORKING").value.rows == whole.table("t", "WORKING").value.rows


def test_keyless_tables_stream_with_copies_summed_across_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A keyless table (no primary key) imports in parts, sorted by row hash in runs: rows
    repeated in different parts become one stored row with all their copies, as whole."""
    from dl.core.tables import stream_import
    from dl.core.tables.schema import TableSchema
    rng = np.random.default_rng(9)
    picks = rng.integers(0, 700, 3000)  # 700 distinct rows, most repeated, spread over the file
    base = pa.table({"a": pa.array(picks % 50, pa.int64()), "s": pa.array([f"v{i}" for i in picks])})
    start = write_csv(tmp_path / "start.csv", base)
    more = write_csv(tmp_path / "more.csv", base.slice(0, 1500))
    schema = TableSchema.from_arrow(pa.schema([("a", pa.int64()), ("s", pa.string())]))
    assert schema.is_keyless and open_stream(start, part_bytes=PART) is not None
    parts: list[int] = []
    keyless_rows = stream_import.keyless_rows
    monkeypatch.setattr(stream_import, "keyless_rows",
                        lambda *a: (parts.append(1) or item for item in keyless_rows(*a)))
    streamed, whole = two_repos(tmp_path)
    for mode, source in ((ImportMode.CREATE, start), (ImportMode.UPDATE, more), (ImportMode.APPEND, more),
                         (ImportMode.REPLACE, more)):
        got = import_table(streamed, "t", source, mode, schema=schema, part_bytes=PART)
        want = import_table(whole, "t", source, mode, schema=schema)
        assert got == want, mode
        a, b = streamed.table("t", "WORKING"), whole.table("t", "WORKING")
        assert a.value.rows == b.value.rows, mode
    assert len(parts) >= 4  # every import streamed (the whole-file path never calls it)
    assert whole.table("t", "WORKING").count() == 1500


def test_streamed_errors_name_the_lines_of_the_whole_file(tmp_path: Path) -> None:
    repo = Repository.init(tmp_path / "r")
    table = rows(2000, shuffled=False)
    ids = table.column("id").to_numpy().copy()
    ids[1500] = 17  # line 1502 repeats the key of line 19, many parts apart
    source = write_csv(tmp_path / "dup.csv", table.set_column(0, "id", pa.array(ids)))
    with pytest.raises(DuplicateKey) as dup:
        import_table(repo, "t", source, ImportMode.CREATE, primary_key=["id"], part_bytes=PART)
    assert dup.value.lines == (19, 1502) and "17" in str(dup.value)
    good = write_csv(tmp_path / "good.csv", table)
    import_table(repo, "u", good, ImportMode.CREATE, primary_key=["id"], part_bytes=PART)
    text = good.read_text().splitlines()
    text[1700] = text[1700].replace(",", ",x", 1)  # not an int in column a, line 1701
    (tmp_path / "bad.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(InputError, match=r"bad.csv, line 1701, column a: 'x"):
        import_table(repo, "u", tmp_path / "bad.csv", ImportMode.UPDATE, part_bytes=PART)
    text = good.read_text().splitlines()
    text[1234] = "," + text[1234].split(",", 1)[1]  # a missing key on line 1235
    (tmp_path / "null.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(InputError, match=r"null.csv, line 1235: primary key column 'id' is empty"):
        import_table(repo, "v", tmp_path / "null.csv", ImportMode.CREATE, primary_key=["id"],
                     part_bytes=PART)


def test_types_are_joined_across_parts_as_a_whole_read_infers_them(tmp_path: Path) -> None:
    n = 2000
    lines = ["id,num,code,empty"] + [f"{i},{i},{i + 100},NA" for i in range(n)]
    lines[1800] = "1799,2.5,007,"  # a float late in num, a leading zero late in code
    source = tmp_path / "late.csv"
    source.write_text("\n".join(lines) + "\n")
    streamed, whole = two_repos(tmp_path)
    import_table(streamed, "t", source, ImportMode.CREATE, primary_key=["id"], part_bytes=PART)
    import_table(whole, "t", source, ImportMode.CREATE, primary_key=["id"])
    a, b = streamed.table("t", "WORKING"), whole.table("t", "WORKING")
    assert a.schema.arrow.types == [pa.int64(), pa.float64(), pa.string(), pa.string()]
    assert a.schema == b.schema and a.scan().equals(b.scan())
    assert join_types(pa.int64(), pa.decimal128(38, 0)) == pa.decimal128(38, 0)
    assert join_types(pa.bool_(), pa.int64()) == pa.string()


def test_quoted_newlines_do_not_cut_a_record_in_two(tmp_path: Path) -> None:
    table = rows(1500).set_column(2, "s", pa.array([f"line\n{i},\"x\"" for i in range(1500)]))
    source = write_csv(tmp_path / "q.csv", table)
    streamed, whole = two_repos(tmp_path)
    import_table(streamed, "t", source, ImportMode.CREATE, primary_key=["id"], part_bytes=PART)
    import_table(whole, "t", source, ImportMode.CREATE, primary_key=["id"])
    assert streamed.table("t", "WORKING").value.rows == whole.table("t", "WORKING").value.rows


def test_streamed_parquet_import(tmp_path: Path) -> None:
    source = tmp_path / "t.parquet"
    pq.write_table(rows(5000), source, row_group_size=700)
    assert open_stream(source, part_rows=512) is not None
    streamed, whole = two_repos(tmp_path)
    import_table(streamed, "t", source, ImportMode.CREATE, primary_key=["id"], part_bytes=512 * 64)
    import_table(whole, "t", source, ImportMode.CREATE, primary_key=["id"])
    assert streamed.table("t", "WORKING").value.rows == whole.table("t", "WORKING").value.rows


# -- building blocks ------------------------------------------------------------------------------

LAYOUT = RowLayout(rows(1).schema, ("id",))


def test_tree_builder_fed_in_batches_gives_the_bulk_build_root() -> None:
    data = rows(20_000, shuffled=False)
    store = MemoryStore()
    for size in (1, 97, 5000):
        builder = TreeBuilder(store, LAYOUT, flush_bytes=10_000)
        for batch in data.to_batches(max_chunksize=size):
            builder.add(batch, LAYOUT.keys_of(batch))
        assert builder.finish() == build_tree(MemoryStore(), LAYOUT, data)


def test_run_sorter_merges_runs_into_key_order_keeping_file_order_for_ties(tmp_path: Path) -> None:
    data = rows(10_000, seed=5)
    with RunSorter(LAYOUT, tmp_path, batch_rows=300) as sorter:
        for part in data.to_batches(max_chunksize=1234):
            sorter.add(pa.Table.from_batches([part]))
        merged = [b for b, _ in sorter.merged()]
        assert len(list(tmp_path.glob("sort-*/run-*"))) == 9
    assert pa.Table.from_batches(merged).equals(data.sort_by("id"))
    assert not list(tmp_path.glob("sort-*"))  # removed on close


def test_iter_diff_in_small_windows_adds_up_to_the_whole_diff() -> None:
    store = MemoryStore()
    old = ProllyTree(store, LAYOUT, build_tree(store, LAYOUT, rows(30_000, shuffled=False)))
    changed = rows(30_000, seed=9).slice(0, 3000)  # modify and add across the whole key range
    changed = changed.set_column(0, "id", pa.array(changed.column("id").to_numpy() * 2, pa.int64()))
    gone = np.setdiff1d(np.arange(1, 30_000, 7), changed.column("id").to_numpy())
    new = apply_edits(old, changed, LAYOUT.keys_of(pa.table({"id": pa.array(gone, pa.int64())})))
    whole = diff_trees(old, new)
    pieces = list(iter_diff(old, new, window=3))
    assert len(pieces) > 5
    for name in ("added", "removed", "modified_from", "modified_to"):
        got = pa.concat_tables([getattr(p, name) for p in pieces])
        assert got.equals(getattr(whole, name)), name


def test_buffered_store_spills_leaves_but_lands_whole() -> None:
    inner = MemoryStore()
    buffer = BufferedStore(inner, spill_bytes=50_000)
    root = build_tree(buffer, LAYOUT, rows(20_000, shuffled=False))
    assert buffer.spilled > 0 and all(d[:1] != b"L" for d in buffer.pending.values())
    tree = ProllyTree(buffer, LAYOUT, root)
    assert tree.scan().equals(rows(20_000, shuffled=False))
    assert buffer.flush()
    assert ProllyTree(inner, LAYOUT, root).count() == 20_000


def test_a_large_edit_applied_in_key_chunks_gives_the_canonical_root(monkeypatch: pytest.MonkeyPatch) -> None:
    from dl.core.prolly import edit
    store = MemoryStore()
    data = rows(20_000, shuffled=False)
    tree = ProllyTree(store, LAYOUT, build_tree(store, LAYOUT, data))
    changed = rows(20_000, seed=4, shuffled=False).filter(pa.array(np.arange(20_000) % 9 == 0))
    gone = np.arange(5, 20_000, 11)
    gone = gone[gone % 9 != 0]
    deletes = LAYOUT.keys_of(pa.table({"id": pa.array(gone, pa.int64())}))
    monkeypatch.setattr(edit, "EDIT_CHUNK_KEYS", 100)
    chunked = apply_edits(tree, changed, deletes)
    ids = data.column("id").to_numpy()
    kept = data.filter(pa.array(~np.isin(ids, gone) & (ids % 9 != 0)))
    expected = pa.concat_tables([kept, changed]).sort_by("id")
    assert chunked.root == build_tree(MemoryStore(), LAYOUT, expected)


def test_a_sparse_large_edit_holds_a_bounded_number_of_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 1% update touches every leaf with a few keys each: chunks are bounded by the leaves
    they touch, not only by their keys, and the result is still the canonical root."""
    from dl.core.prolly import edit
    store = MemoryStore()
    data = rows(60_000, shuffled=False)
    tree = ProllyTree(store, LAYOUT, build_tree(store, LAYOUT, data))
    leaves = len(tree.leaf_addresses(check_leaves=False))
    changed = rows(60_000, seed=5, shuffled=False).filter(pa.array(np.arange(60_000) % 50 == 0))
    monkeypatch.setattr(edit, "EDIT_CHUNK_KEYS", 600)  # more keys than leaves: only leaves bound
    monkeypatch.setattr(edit, "EDIT_CHUNK_LEAVES", 8)
    touched: list[int] = []
    leaf_changes = edit._leaf_changes

    def counting(walk, up_batch, up_keys, del_keys):  # type: ignore[no-untyped-def]
        changes = leaf_changes(walk, up_batch, up_keys, del_keys)
        touched.append(len(changes))
        return changes
    monkeypatch.setattr(edit, "_leaf_changes", counting)
    edited = apply_edits(tree, changed)
    assert leaves > 40 and len(touched) >= leaves // 8 and max(touched) <= 8
    ids = data.column("id").to_numpy()
    expected = pa.concat_tables([data.filter(pa.array(ids % 50 != 0)), changed]).sort_by("id")
    assert edited.root == build_tree(MemoryStore(), LAYOUT, expected)


def _outcome(repo: Repository, source: Path, part: int | None) -> object:
    try:
        import_table(repo, "t", source, ImportMode.CREATE, primary_key=["id"], part_bytes=part)
    except InputError as exc:
        return str(exc)
    table = repo.table("t", "WORKING")
    return table.value.rows, table.schema


LINES = [f'{i},{i * 3 % 17},"x{i}"' for i in range(3000, 0, -1)]
RAGGED = LINES[:2500] + ["501,7"] + LINES[2501:]
NOT_UTF8 = LINES[:2600] + ['401,7,"caf\udce9"'] + LINES[2601:]


@pytest.mark.parametrize("name, text", [
    ("crlf.csv", "id,a,s\r\n" + "\r\n".join(LINES) + "\r\n"),
    ("bom.csv", "\ufeffid,a,s\n" + "\n".join(LINES) + "\n"),
    ("t.tsv", "id\ta\ts\n" + "\n".join(x.replace(",", "\t") for x in LINES) + "\n"),
    ("blank.csv", "id,a,s\n" + "\n\n".join(LINES) + "\n\n"),
    ("stray.csv", "id,a,s\n" + "\n".join(LINES[:1500]) + '\n1,5"2,x\n' + "\n".join(LINES[1501:]) + "\n"),
    ("ragged.csv", "id,a,s\n" + "\n".join(RAGGED) + "\n"),
    ("utf8.csv", "id,a,s\n" + "\n".join(NOT_UTF8) + "\n"),
])
def test_streamed_and_whole_imports_agree_on_awkward_files(tmp_path: Path, name: str, text: str) -> None:
    source = tmp_path / name
    source.write_bytes(text.encode("utf-8", "surrogateescape"))
    streamed, whole = two_repos(tmp_path)
    got, want = _outcome(streamed, source, PART), _outcome(whole, source, None)
    assert got == want
    if name in ("ragged.csv", "utf8.csv"):
        assert f"line {2502 if name == 'ragged.csv' else 2602}" in str(got)


def _json_line(i: int) -> str:
    row: dict[str, object] = {"id": 3000 - i, "a": i % 17, "s": f"x{i}", "d": "2024-01-02"}
    if i > 2000:  # a column that appears late, integers then a fraction
        row["f"] = 1.5 if i == 2500 else i
    if i == 2700:
        row["z"] = None
    return json.dumps(row)


JSONL = "\n".join(_json_line(i) for i in range(3000)) + "\n"


@pytest.mark.parametrize("text, error", [
    (JSONL, None),
    (JSONL.replace('"a": 12, "s": "x2800"', '"a": "five", "s": "x2800"'), "line 2801, column a: 'five' is a string"),
    (JSONL.replace('"id": 10,', '"id": 10, "b": 123456789012345678901234567890,'), None),
])
def test_streamed_json_lines_import_as_a_whole_read_does(tmp_path: Path, text: str, error: str | None) -> None:
    source = tmp_path / "t.jsonl"
    source.write_text(text)
    if error is None:
        assert open_stream(source, part_bytes=PART) is not None
    streamed, whole = two_repos(tmp_path)
    got, want = _outcome(streamed, source, PART), _outcome(whole, source, None)
    assert got == want
    if error:
        assert error in str(got)


def _document(rows: list[str], shape: str) -> str:
    if shape == "array":
        return "[\n" + ",\n".join(rows) + "\n]\n"
    if shape == "pretty":  # objects over several lines, members after the rows
        pretty = [json.dumps(json.loads(r), indent=1) for r in rows]
        return '{"note": "before", "rows": [\n' + ",\n".join(pretty) + '\n], "count": 1234567890}\n'
    return '{"rows": [' + ", ".join(rows) + "]}"  # one line


ROWS = [_json_line(i) for i in range(3000)]


@pytest.mark.parametrize("shape", ["array", "pretty", "compact"])
@pytest.mark.parametrize("change, error", [
    (None, None),
    ('"s": 2800', "column s"),
    ('"s": "x2800", "s": "y"', "key 's' appears twice in one object"),
    ('"s" "x2800"', "cause: invalid character after object key: '\"'"),
])
def test_streamed_json_documents_import_as_a_whole_read_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             shape: str, change: str | None,
                                                             error: str | None) -> None:
    from dl.core.io import json_document
    monkeypatch.setattr(json_document, "READ_BYTES", 777)  # elements cut by the end of the text in hand
    text = _document(ROWS, shape)
    if change:
        assert text.count('"s": "x2800"') == 1
        text = text.replace('"s": "x2800"', change)
    source = tmp_path / "t.json"
    source.write_text(text)
    if error is None:
        assert open_stream(source, part_bytes=PART) is not None
        assert len(list(json_document.document_parts(source, PART))) > 20  # really in parts
    streamed, whole = two_repos(tmp_path)
    got, want = _outcome(streamed, source, PART), _outcome(whole, source, None)
    assert got == want
    if error:
        assert error in str(got) and "line " in str(got)


@pytest.mark.parametrize("text", [
    "[" + ", ".join(ROWS) + "] trailing",
    '{"rows": [' + ", ".join(ROWS) + '], "rows": []}',
    '{"other": [' + ", ".join(ROWS) + "]}",
    "[" + ", ".join(ROWS) + ", 7]",
    "[" + ", ".join(ROWS),
])
def test_streamed_json_document_errors_match_the_whole_read(tmp_path: Path, text: str) -> None:
    source = tmp_path / "t.json"
    source.write_text(text)
    streamed, whole = two_repos(tmp_path)
    got, want = _outcome(streamed, source, PART), _outcome(whole, source, None)
    assert isinstance(got, str) and got == want


def test_streamed_files_with_extra_columns_match_whole_reads_and_partial_updates_are_refused(
        tmp_path: Path) -> None:
    start = write_csv(tmp_path / "start.csv", rows(2000))
    wider = write_csv(tmp_path / "wider.csv", rows(3000, seed=2).append_column("zz", pa.array(["x"] * 3000)))
    narrow = write_csv(tmp_path / "narrow.csv", rows(3000, seed=4).drop_columns(["f"]))
    streamed, whole = two_repos(tmp_path)
    for repo in (streamed, whole):
        import_table(repo, "t", start, ImportMode.CREATE, primary_key=["id"])
    got = import_table(streamed, "t", wider, ImportMode.UPDATE, part_bytes=PART)
    want = import_table(whole, "t", wider, ImportMode.UPDATE)
    assert got == want and got.extra == ("zz",) and got.missing == ()
    assert streamed.table("t", "WORKING").value.rows == whole.table("t", "WORKING").value.rows
    before = streamed.table("t", "WORKING").value.rows
    with pytest.raises(InputError, match="a large update must give every column"):
        import_table(streamed, "t", narrow, ImportMode.UPDATE, part_bytes=PART)
    assert streamed.table("t", "WORKING").value.rows == before
    kept = import_table(whole, "t", narrow, ImportMode.UPDATE)  # read whole: f keeps its values
    assert kept.missing == ("f",) and kept.modified > 0
