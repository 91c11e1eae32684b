"""Corruption is detected and named, never returned as a wrong answer: a flipped byte in a
chunk, a missing chunk, a ref pointing at nothing, a damaged, truncated or empty store file.
Every command then ends with one clear `error:` line (or a right answer), never a traceback."""
from __future__ import annotations

import gc
import os
import random
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from dl.core.prolly.tree import NODE_CACHE
from dl.core.repo import Repository
from rel_cli import Cli, assert_clean_error

SUM_T = "select sum(a) as s from t"
SUM_U = "select sum(a) as s from u"


def write_csv(path: Path, n: int, seed: int) -> tuple[Path, int]:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 10**6, n)
    path.write_text("id,a,s\n" + "".join(f"{i},{x},s{x:08d}\n" for i, x in enumerate(a)))
    return path, int(a.sum())


@pytest.fixture
def two_tables(cli: Cli, tmp_path: Path) -> dict[str, int]:
    """A repository with tables t and u (20,000 rows each) committed; their sums of `a`."""
    cli.ok("init")
    t, sum_t = write_csv(tmp_path / "t.csv", 20000, 1)
    u, sum_u = write_csv(tmp_path / "u.csv", 20000, 2)
    cli.ok("table", "import", "-c", "--pk", "id", "t", t)
    cli.ok("table", "import", "-c", "--pk", "id", "u", u)
    cli.ok("commit", "-Am", "base")
    return {"t": sum_t, "u": sum_u}


def store_path() -> Path:
    return Path.cwd() / ".dl" / "store.db"


def tamper(sql: str, args: tuple[object, ...] = ()) -> None:
    db = sqlite3.connect(store_path())
    db.execute(sql, args)
    db.commit()
    db.close()
    NODE_CACHE.clear()  # each dl process starts with an empty cache; this one must too


def leaf_of(table: str, index: int = 1) -> str:
    repo = Repository.open(Path.cwd(), readonly=True)
    try:
        return repo.table(table, "HEAD").tree.leaf_addresses()[index].hex
    finally:
        repo.close()


def flip_byte(address: str) -> None:
    db = sqlite3.connect(store_path())
    body = bytearray(db.execute("SELECT body FROM chunks WHERE address = ?", (bytes.fromhex(address),)).fetchone()[0])
    db.close()
    body[len(body) // 2] ^= 0x55
    tamper("UPDATE chunks SET body = ? WHERE address = ?", (bytes(body), bytes.fromhex(address)))


def answer(cli: Cli, sql: str) -> str:
    return cli.ok("sql", "-q", sql, "-r", "csv").splitlines()[1]


def problem_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if not line.startswith("checked ")]


def test_a_flipped_byte_names_the_chunk_and_spares_other_tables(cli: Cli, two_tables: dict[str, int]) -> None:
    address = leaf_of("t")
    flip_byte(address)
    error = cli.fails("sql", "-q", SUM_T)
    assert address in error and ("corrupt" in error or "decompress" in error), error
    assert answer(cli, SUM_U) == str(two_tables["u"])  # the other table still reads
    assert answer(cli, "select count(*) as n from t as of 'HEAD' where id = 5") == "1"  # other leaves too
    fsck = cli("fsck")
    assert fsck.code == 1 and fsck.err == ""
    problems = problem_lines(fsck.out)
    assert len(problems) == 1 and problems[0].startswith(f"{address}: ") and "referred to by node " in problems[0]
    summary = fsck.out.splitlines()[-1]
    assert summary.startswith("checked ") and "chunks/s" in summary and "MB/s" in summary
    assert summary.endswith(": 1 problem(s)")
    quick = cli("fsck", "--quick")  # --quick does not re-hash leaf bodies: the damage is not read
    assert quick.code == 0


def test_a_flipped_byte_in_a_small_raw_chunk_is_named(cli: Cli, two_tables: dict[str, int]) -> None:
    repo = Repository.open(Path.cwd(), readonly=True)
    root = repo.load_commit(repo.branch_head("main")).root.hex
    repo.close()
    flip_byte(root)
    for argv in (["sql", "-q", "select count(*) from t as of 'HEAD'"], ["diff", "HEAD~1", "HEAD"],
                 ["table", "ls", "HEAD"]):
        assert root in cli.fails(*argv)
    fsck = cli("fsck")
    assert fsck.code == 1 and any(line.startswith(root) for line in problem_lines(fsck.out))


def test_a_missing_chunk_is_named_by_reads_and_fsck(cli: Cli, two_tables: dict[str, int]) -> None:
    address = leaf_of("u", 2)
    tamper("DELETE FROM chunks WHERE address = ?", (bytes.fromhex(address),))
    error = cli.fails("sql", "-q", SUM_U)
    assert f"missing chunk {address}" in error
    assert answer(cli, SUM_T) == str(two_tables["t"])
    for quick in ([], ["--quick"]):
        fsck = cli("fsck", *quick)
        assert fsck.code == 1
        [line] = problem_lines(fsck.out)
        assert line.startswith(f"{address}: ") and "missing chunk" in line and "referred to by node " in line


@pytest.mark.parametrize("value", ["ab" * 20, "not an address"], ids=["nothing-there", "garbage"])
def test_a_ref_pointing_at_nothing_is_a_clear_error(cli: Cli, two_tables: dict[str, int], value: str) -> None:
    tamper("UPDATE refs SET value = ? WHERE name = 'refs/heads/main'", (value,))
    for argv in (["log"], ["status"], ["sql", "-q", "select count(*) from t as of 'HEAD'"],
                 ["diff", "HEAD"], ["commit", "--allow-empty", "-m", "x"]):
        error = cli.fails(*argv)
        assert "refs/heads/main" in error or value[:40] in error, (argv, error)
    fsck = cli("fsck")
    assert fsck.code == 1 and any("refs/heads/main" in line for line in problem_lines(fsck.out))


def _settle() -> None:
    """Folds the write-ahead log into the database file, leaving no -wal or -shm (the last
    connection to close removes them; the in-process commands' ones are collected first)."""
    gc.collect()
    db = sqlite3.connect(store_path())
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    assert not Path(f"{store_path()}-wal").exists()


READS = (["log"], ["status"], ["sql", "-q", SUM_T, "-r", "csv"], ["sql", "-q", SUM_U, "-r", "csv"],
         ["fsck"], ["table", "import", "-u", "t", "t.csv"])


def _only_clean_errors_or_right_answers(cli: Cli, sums: dict[str, int]) -> int:
    """Runs the READS commands; each must fail cleanly or be right. Returns how many failed."""
    failed = 0
    for argv in READS:
        NODE_CACHE.clear()
        ran = cli(*argv)
        if ran.code != 0:
            assert ran.code == 1, ran
            if argv[0] != "fsck" or ran.err:
                assert_clean_error(ran.err)
            failed += 1
        elif argv[0] == "sql":
            table = "t" if argv[2] == SUM_T else "u"
            assert ran.out.splitlines()[1] == str(sums[table]), "a damaged store gave a wrong answer"
    return failed


def test_an_empty_store_file_is_a_clear_error(cli: Cli, two_tables: dict[str, int]) -> None:
    _settle()
    store_path().write_bytes(b"")
    for argv in READS:
        error = cli.fails(*argv)
        assert "empty" in error and "damaged" in error, error


@pytest.mark.parametrize("keep", [100, 4096, 0.5, 0.9, -1])
def test_a_truncated_store_file_is_a_clear_error_never_a_wrong_answer(
        cli: Cli, two_tables: dict[str, int], tmp_path: Path, keep: float) -> None:
    _settle()
    size = store_path().stat().st_size
    cut = int(keep) if keep >= 1 else size - 1 if keep == -1 else int(size * keep)
    with open(store_path(), "r+b") as f:
        f.truncate(cut)
    os.link(tmp_path / "t.csv", "t.csv")
    assert _only_clean_errors_or_right_answers(cli, two_tables) >= 1


@pytest.mark.parametrize("seed", range(4))
def test_damaged_pages_are_clear_errors_never_wrong_answers(
        cli: Cli, two_tables: dict[str, int], tmp_path: Path, seed: int) -> None:
    """Random bytes smashed over pages of the database file (not only chunk bodies)."""
    _settle()
    size = store_path().stat().st_size
    rng = random.Random(seed)
    with open(store_path(), "r+b") as f:
        for _ in range(8):
            f.seek(rng.randrange(100, size - 64))
            f.write(rng.randbytes(48))
    os.link(tmp_path / "t.csv", "t.csv")
    assert _only_clean_errors_or_right_answers(cli, two_tables) >= 1
