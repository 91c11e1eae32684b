"""Stored bodies: the shuffled codec round-trips and shrinks leaves, chunks stored in the older
codecs keep reading, and every check that guards a body still names a damaged or forged chunk
(the store's xxh3 read check, the full SHA-256 check for received rows, and fsck)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from dl.core.errors import CorruptChunk, IntegrityError
from dl.core.hashing import Address, address_of
from dl.core.maintenance.fsck import fsck
from dl.core.repo import Author, Repository
from dl.core.store import bodies as bodies_module
from dl.core.store import sqlite as sqlite_module
from dl.core.store.bodies import (
    CHECK_BYTES, RAW, SHUFFLED, ZSTD, decode_body, encode_body, inflate_shuffled, read_body,
    read_inflated, shuffle, unshuffle)
from dl.core.store.sqlite import SqliteStore
from dl.core.tables.schema import Column, TableSchema
from dl.core.tables.table import Table
from hypothesis import given
from hypothesis import strategies as st

ME = Author("Ada", "ada@example.com")
SCHEMA = TableSchema((Column("id", pa.int64()), Column("a", pa.int64()), Column("c", pa.float64())),
                     ("id",))


def leaf_bytes(rows: int = 500, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    return pa.record_batch({
        "id": pa.array(np.arange(rows), pa.int64()),
        "a": pa.array(rng.integers(0, 10**6, rows), pa.int64()),
        "c": pa.array(np.round(rng.random(rows) * 1000, 4)),
    }).serialize().to_pybytes()


def zstd_row(data: bytes) -> tuple[int, bytes]:
    """A body as stores wrote it before the shuffled codec: plain zstd."""
    return ZSTD, pa.Codec("zstd", compression_level=1).compress(data, asbytes=True)


@given(st.binary(max_size=300))
def test_shuffle_round_trips_any_bytes(data: bytes) -> None:
    assert unshuffle(shuffle(data)) == data
    assert len(shuffle(data)) == len(data)


def test_shuffled_codec_round_trips_and_beats_plain_zstd_on_leaves() -> None:
    data = leaf_bytes()
    codec, body = encode_body(data)
    assert codec == SHUFFLED
    address = address_of(data)
    assert decode_body(address, codec, len(data), body) == data
    assert read_body(address, codec, len(data), body) == data
    assert len(body) < 0.9 * len(zstd_row(data)[1])


def test_bodies_that_would_not_shrink_stay_raw() -> None:
    noise = np.random.default_rng(1).bytes(5000)
    assert encode_body(noise) == (RAW, noise)
    assert encode_body(b"small") == (RAW, b"small")


@pytest.mark.parametrize("position", [0, CHECK_BYTES - 1, CHECK_BYTES + 40, -1])
def test_a_flipped_byte_anywhere_in_a_shuffled_body_is_caught(position: int) -> None:
    data = leaf_bytes()
    codec, body = encode_body(data)
    flipped = bytearray(body)
    flipped[position] ^= 0x01
    address = address_of(data)
    for check in (read_body, decode_body):
        with pytest.raises(IntegrityError, match=address.hex):
            check(address, codec, len(data), bytes(flipped))


def test_a_forged_row_with_a_valid_check_is_refused_by_the_full_check() -> None:
    """A remote could send the body of one chunk under the address of another: its xxh3 is
    right, its SHA-256 is not. Received rows go through `decode_body`, which refuses it."""
    codec, body = encode_body(leaf_bytes(seed=1))
    other = address_of(leaf_bytes(seed=2))
    with pytest.raises(CorruptChunk, match=other.hex):
        decode_body(other, codec, len(leaf_bytes(seed=1)), body)
    with pytest.raises(IntegrityError):
        decode_body(other, codec, len(leaf_bytes(seed=1)), body[:CHECK_BYTES - 1])


def test_a_new_store_writes_shuffled_bodies_on_small_pages_read_through_a_map(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db", create=True)
    data = leaf_bytes()
    store.put_many({address_of(data): data})
    assert store._db.execute("PRAGMA page_size").fetchone()[0] == sqlite_module.PAGE_BYTES
    assert store._db.execute("PRAGMA mmap_size").fetchone()[0] == sqlite_module.MMAP_BYTES
    store.close()
    with sqlite3.connect(tmp_path / "store.db") as db:
        assert db.execute("SELECT codec FROM chunks").fetchall() == [(SHUFFLED,)]
    db.close()


def _old_format_repository(path: Path) -> Repository:
    """A repository whose store has 4 KB pages and every chunk in the codecs written before
    the shuffled one (raw or plain zstd), as stores made by earlier versions are."""
    repo = Repository.init(path, author=ME)
    rows = pa.table({"id": pa.array(np.arange(20_000), pa.int64()),
                     "a": pa.array(np.arange(20_000) % 97, pa.int64()),
                     "c": pa.array(np.linspace(0, 1, 20_000))})
    repo.write_table("t", lambda cur, buf: Table.empty(buf, SCHEMA).replace_rows(rows))
    repo.commit("base", include_new=True, author=ME)
    repo.close()
    db = sqlite3.connect(path / ".dl" / "store.db")
    db.execute("PRAGMA journal_mode=DELETE")
    db.execute("PRAGMA page_size=4096")
    db.execute("VACUUM")
    for rowid, address, codec, size, body in db.execute(
            "SELECT id, address, codec, size, body FROM chunks").fetchall():
        if codec == SHUFFLED:
            data = decode_body(Address(bytes(address)), codec, size, body)
            old_codec, old_body = zstd_row(data)
            db.execute("UPDATE chunks SET codec = ?, body = ? WHERE id = ?", (old_codec, old_body, rowid))
    db.commit()
    db.close()
    return Repository.open(path)


def test_an_old_format_store_opens_reads_and_passes_fsck(tmp_path: Path) -> None:
    repo = _old_format_repository(tmp_path)
    codecs = {c for (c,) in repo.store._db.execute("SELECT DISTINCT codec FROM chunks")}
    assert codecs == {RAW, ZSTD}
    assert repo.store._db.execute("PRAGMA page_size").fetchone()[0] == 4096
    assert repo.table("t").scan().num_rows == 20_000
    assert fsck(repo.store).ok
    # a commit into it adds shuffled chunks beside the old ones; all of them read and check
    more = pa.table({"id": pa.array(np.arange(5_000), pa.int64()),
                     "a": pa.array(np.arange(5_000) * 3, pa.int64()), "c": pa.array(np.ones(5_000))})
    repo.write_table("u", lambda cur, buf: Table.empty(buf, SCHEMA).replace_rows(more))
    repo.commit("more", include_new=True, author=ME)
    codecs = {c for (c,) in repo.store._db.execute("SELECT DISTINCT codec FROM chunks")}
    assert codecs == {RAW, ZSTD, SHUFFLED}
    assert repo.table("t").scan().num_rows == 20_000 and repo.table("u").scan().num_rows == 5_000
    assert fsck(repo.store).ok
    repo.close()


def test_fsck_finds_a_forged_shuffled_chunk_the_read_check_lets_through(tmp_path: Path) -> None:
    """A shuffled body swapped for another chunk's (valid xxh3, wrong address): the store's
    read check cannot see it, fsck's SHA-256 does."""
    repo = Repository.init(tmp_path, author=ME)
    rows = pa.table({"id": pa.array(np.arange(20_000), pa.int64()),
                     "a": pa.array(np.arange(20_000) * 7, pa.int64()),
                     "c": pa.array(np.linspace(0, 1, 20_000))})
    repo.write_table("t", lambda cur, buf: Table.empty(buf, SCHEMA).replace_rows(rows))
    repo.commit("base", include_new=True, author=ME)
    assert fsck(repo.store).ok
    db = sqlite3.connect(tmp_path / ".dl" / "store.db")
    shuffled = db.execute("SELECT id, address, size, body FROM chunks WHERE codec = ? LIMIT 2",
                          (SHUFFLED,)).fetchall()
    (victim, address, _, _), (_, _, size, body) = shuffled
    db.execute("UPDATE chunks SET size = ?, body = ? WHERE id = ?", (size, body, victim))
    db.commit()
    db.close()
    report = fsck(repo.store)
    assert not report.ok
    assert any(bytes(address).hex() in p and "corrupt" in p for p in report.problems)
    repo.close()


# --- batched inflation (`inflate_shuffled`, `read_inflated`): bulk reads --------------------

def stored_row(data: bytes, codec: int | None = None) -> tuple[bytes, int, int, bytes]:
    """The row a store keeps for `data` (its own codec choice, or plain zstd for ZSTD)."""
    if codec == ZSTD:
        codec_, body = zstd_row(data)
    else:
        codec_, body = encode_body(data)
    return address_of(data).raw, codec_, len(data), body


chunk_bytes = st.one_of(
    st.binary(max_size=2000),  # mostly raw: too small or too random to shrink
    st.builds(lambda rows, seed: leaf_bytes(rows, seed), st.integers(1, 400), st.integers(0, 50)),
    st.builds(lambda n, b: bytes([b]) * n, st.integers(1024, 9000), st.integers(0, 255)),
)


@given(st.lists(st.tuples(chunk_bytes, st.booleans()), max_size=40))
def test_a_batch_reads_every_row_as_read_body_reads_it_alone(chunks: list[tuple[bytes, bool]]) -> None:
    """Mixed codecs in any order (shuffled, raw, and old plain-zstd bodies): one inflation of
    the batch gives each chunk exactly the bytes `read_body` gives it."""
    rows = [stored_row(data, ZSTD if old and len(data) >= 64 else None) for data, old in chunks]
    alone = [(Address(raw), read_body(Address(raw), codec, size, body)) for raw, codec, size, body in rows]
    assert read_inflated(rows, inflate_shuffled(rows)) == alone
    assert [data for _, data in alone] == [data for data, _ in chunks]
    assert read_inflated(rows, None) == alone  # no batch: every row alone


def test_a_batch_of_shuffled_rows_inflates_in_one_zstd_call(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [stored_row(leaf_bytes(300, seed)) for seed in range(20)]
    assert {codec for _, codec, _, _ in rows} == {SHUFFLED}
    calls: list[int] = []
    codec = pa.Codec("zstd", compression_level=1)

    class Counted:
        def decompress(self, data: bytes, decompressed_size: int) -> pa.Buffer:
            calls.append(decompressed_size)
            return codec.decompress(data, decompressed_size=decompressed_size)
    monkeypatch.setattr(bodies_module, "_zstd", lambda: Counted())
    inflated = inflate_shuffled(rows)
    assert calls == [sum(size for _, _, size, _ in rows)]
    monkeypatch.undo()
    assert [data for _, data in read_inflated(rows, inflated)] == [leaf_bytes(300, seed) for seed in range(20)]


@pytest.mark.parametrize("damage", ["flip", "garbage", "size", "truncate"])
def test_a_damaged_row_in_a_batch_is_named_and_its_neighbours_are_not_blamed(damage: str) -> None:
    """A flipped byte passes inflation but fails the row's check; garbage, a wrong stated size
    or a cut body make the whole batch fail to inflate. Either way the damaged row is read
    alone and its error names it; the rows before it read as they are."""
    rows = [stored_row(leaf_bytes(300, seed)) for seed in range(12)]
    raw, codec, size, body = rows[7]
    if damage == "flip":
        damaged = bytearray(body)
        damaged[len(body) // 2] ^= 0x01
        rows[7] = (raw, codec, size, bytes(damaged))
    elif damage == "garbage":
        rows[7] = (raw, codec, size, body[:CHECK_BYTES] + b"\x00" * (len(body) - CHECK_BYTES))
    elif damage == "size":
        rows[7] = (raw, codec, size + 8, body)
    else:
        rows[7] = (raw, codec, size, body[:len(body) // 2])
    inflated = inflate_shuffled(rows)
    assert (inflated is not None) == (damage == "flip")
    with pytest.raises(IntegrityError, match=Address(raw).hex):
        read_inflated(rows, inflated)
    assert [data for _, data in read_inflated(rows[:7], inflated)] == [leaf_bytes(300, s) for s in range(7)]


def test_packing_many_chunks_in_one_call_gives_the_rows_of_one_call_each() -> None:
    """`pack_rows` (one zstd call for all) and `encode_row` (a call each) store the same bytes,
    and those decompress as pyarrow's zstd reads them (the store's reader)."""
    rng = np.random.default_rng(9)
    datas = [leaf_bytes(rows, seed) for rows, seed in ((300, 1), (40, 2), (500, 3))]
    datas += [rng.bytes(2048), b"", b"tiny", bytes(5000)]
    chunks = [(address_of(d), d) for d in datas]
    packed = bodies_module.pack_rows([bodies_module.shuffled(a, d) for a, d in chunks])
    assert packed == [bodies_module.encode_row(a, d) for a, d in chunks]
    assert [codec for _, codec, _, _ in packed] == [SHUFFLED, SHUFFLED, SHUFFLED, RAW, RAW, RAW, SHUFFLED]
    for (address, data), (_, codec, size, body) in zip(chunks, packed):
        assert decode_body(address, codec, size, body) == data
    assert bodies_module.pack_rows([]) == []
