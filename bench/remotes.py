"""Remotes: push and clone of a 1M-row repository, then push and fetch of a one-row change,
over an S3-compatible store (moto's server on 127.0.0.1) and a directory; bytes and requests
sent, seconds; beside uploading and downloading the same rows as one Parquet file through the
same client the remote uses (dl's `S3Objects` / `DirectoryObjects`: a put, which for a directory
writes a temp file, fsyncs and renames it, as a pushed pack is written; a get whose bytes are
then written to a local file, as `aws s3 cp` does), so both sides move their bytes the same way.
The clone's cost is then broken down: verifying every chunk (decompress and hash, on the
store's thread pool) and writing the stored forms into a fresh store.

    python bench/remotes.py [--rows 1000000] [--repeat 3] [--transport s3,dir] [--stages]

Aims (issue 12): a one-row change pushes and fetches in at most 64 KB and 10 requests; push
and clone of the whole repository within 2x the Parquet upload / download. moto keeps objects
in its own process memory over HTTP on loopback: absolute S3 times are moto's, the ratios are
what the aim compares. The machine is shared: read the medians and ratios, not single runs.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bench.common import standard_rows


def build_repo(directory: Path, rows: int):  # type: ignore[no-untyped-def]
    """A repository with the standard rows in table t, committed; and its Parquet export."""
    import pyarrow.parquet as pq
    from dl.core.repo import Author, Repository
    from dl.core.tables.schema import Column, TableSchema
    from dl.core.tables.table import Table
    data = standard_rows(rows)
    schema = TableSchema(tuple(Column(f.name, f.type) for f in data.schema), ("id",))
    repo = Repository.init(directory, author=Author("bench", "bench@example.com"))
    repo.write_table("t", lambda cur, buf: Table.empty(buf, schema).replace_rows(data))
    repo.commit("rows", stage_all=True, include_new=True, author=Author("bench", "bench@example.com"))
    parquet = directory.parent / "export.parquet"
    pq.write_table(repo.table("t", "HEAD").scan(), parquet)
    return repo, parquet


def one_row_change(repo, k: int) -> None:  # type: ignore[no-untyped-def]
    import pyarrow as pa
    from dl.core.repo import Author
    from dl.core.tables.table import Table
    row = pa.table({"id": pa.array([500_000 + k], pa.int64()), "a": pa.array([-k], pa.int64()),
                    "b": pa.array(["changed"]), "c": pa.array([0.5])})
    repo.write_table("t", lambda cur, buf: Table(buf, cur.value).upsert(row))
    repo.commit(f"change {k}", stage_all=True, author=Author("bench", "bench@example.com"))


CPU: dict[int, float] = {}  # id(result) -> this process's CPU seconds (all its threads)


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    wall = time.perf_counter() - start
    CPU[id(out)] = time.process_time() - cpu
    return wall, out


def cpu_timed(fn: Callable[[], object]) -> float:
    """CPU seconds of this process (all threads) for `fn`: on a loaded machine a steadier
    figure than wall time (moto's server runs in another process and is not counted)."""
    start = time.process_time()
    fn()
    return time.process_time() - start


def _baseline(transport: str, server, parquet: Path, scratch: Path, k: int  # type: ignore[no-untyped-def]
              ) -> tuple[str, Callable[[], object], Callable[[], object]]:
    """A fresh remote's URL, and the Parquet upload and download through the client the
    remote uses: upload reads the file and puts it; download gets it and writes a local file."""
    from dl.core.remotes.objects import DirectoryObjects
    if transport == "s3":
        from dl.core.remotes.s3 import S3Objects
        bucket = server.bucket()
        url, objects = f"s3://{bucket}/repo", S3Objects(bucket, "baseline")
    else:
        target = scratch / f"remote{k}"
        target.mkdir()
        url, objects = f"file://{target}", DirectoryObjects(scratch / f"baseline{k}", create=True)
    download = scratch / "download.parquet"
    def up() -> None:
        objects.put("export.parquet", parquet.read_bytes())
    def down() -> None:
        found = objects.get("export.parquet")
        assert found is not None
        download.write_bytes(found[0])
    return url, up, down


def clone_breakdown(directory: Path) -> tuple[float, float, float]:
    """Seconds to verify every chunk of a clone (decompress and hash, on the store's pool), and
    to write their stored forms into a fresh store as a clone does (one transaction, then
    the one sync of `seal`); and the stored megabytes."""
    from dl.core.store.sqlite import SqliteStore, decode_rows
    with_rows = SqliteStore(directory / ".dl" / "store.db", readonly=True)
    rows = [(bytes(a), c, s, bytes(b)) for a, c, s, b in
            with_rows._read("SELECT address, codec, size, body FROM chunks")]
    with_rows.close()
    verify = statistics.median(timed(partial(decode_rows, rows))[0] for _ in range(3))
    writes = []
    for k in range(3):
        fresh = SqliteStore(directory.parent / f"breakdown{k}.db", create=True, building=True)
        def write(store: SqliteStore = fresh) -> None:
            with store._write("bench") as db:
                db.executemany("INSERT INTO chunks (address, codec, size, body) VALUES (?, ?, ?, ?)", rows)
            store.seal()
        writes.append(timed(write)[0])
        fresh.close()
    return verify, statistics.median(writes), sum(len(r[3]) for r in rows) / 1e6


def stage_profiles(transport: str, server, repo, scratch: Path) -> None:  # type: ignore[no-untyped-def]
    """One push to a fresh remote and one clone of it, each with its time split by stage."""
    from dl.core.remotes.clone import clone
    from dl.core.remotes.sync import add_remote, push

    from bench.remote_stages import Stages, clone_targets, patched, push_targets
    url, _, _ = _baseline(transport, server, scratch / "export.parquet", scratch, 99)
    add_remote(repo, "staged", url)
    stages = Stages()
    with patched(stages, push_targets()):
        wall, _ = timed(partial(push, repo, "staged", "main"))
    print(stages.report("push by stage", wall, CPU[id(_)]))
    stages = Stages()
    targets, iterators = clone_targets()
    with patched(stages, targets, iterators):
        wall, _ = timed(partial(clone, url, scratch / "staged-clone"))
    print(stages.report("clone by stage", wall, CPU[id(_)]))


def run(transport: str, rows: int, repeat: int, scratch: Path, server,  # type: ignore[no-untyped-def]
        stages: bool = False) -> None:
    from dl.core.remotes.clone import clone
    from dl.core.remotes.sync import add_remote, fetch, push
    from dl.core.repo import Repository
    repo, parquet = build_repo(scratch / "a", rows)
    size = parquet.stat().st_size
    pushes, clones, uploads, downloads = [], [], [], []
    cpu_up: list[float] = []
    cpu_down: list[float] = []
    for k in range(repeat):
        url, up, down = _baseline(transport, server, parquet, scratch, k)
        uploads.append(timed(up)[0])
        downloads.append(timed(down)[0])
        cpu_up.append(cpu_timed(up))
        cpu_down.append(cpu_timed(down))
        add_remote(repo, f"r{k}", url)
        pushes.append(timed(partial(push, repo, f"r{k}", "main")))
        clones.append(timed(partial(clone, url, scratch / f"clone{k}")))
    p_med = statistics.median(s for s, _ in pushes)
    c_med = statistics.median(s for s, _ in clones)
    p_cpu = statistics.median(CPU[id(r)] for _, r in pushes)
    c_cpu = statistics.median(CPU[id(r)] for _, r in clones)
    first = pushes[0][1]
    fetched = clones[0][1].fetched
    print(f"\n[{transport}] {rows:,} rows; Parquet export {size:,} bytes; medians of {repeat}")
    print(f"  push whole repo   {p_med:7.2f} s  sent {first.stats.bytes_sent:>12,} B in "
          f"{first.stats.requests:>4} requests ({first.chunks:,} chunks)")
    print(f"  parquet upload    {statistics.median(uploads):7.2f} s  ratio push/upload "
          f"{p_med / statistics.median(uploads):6.2f}x (aim <= 2x)")
    print(f"  clone whole repo  {c_med:7.2f} s  read {fetched.stats.bytes_received:>12,} B in "
          f"{fetched.stats.requests:>4} requests")
    print(f"  parquet download  {statistics.median(downloads):7.2f} s  ratio clone/download "
          f"{c_med / statistics.median(downloads):6.2f}x (aim <= 2x)")
    print(f"  cpu seconds       push {p_cpu:5.2f} / upload {statistics.median(cpu_up):5.2f} = "
          f"{p_cpu / statistics.median(cpu_up):5.2f}x; clone {c_cpu:5.2f} / download "
          f"{statistics.median(cpu_down):5.2f} = {c_cpu / statistics.median(cpu_down):5.2f}x")
    verify, write, megabytes = clone_breakdown(clones[0][1].directory)
    print(f"  clone breakdown   verify {verify:5.2f} s, write {write:5.2f} s ({megabytes:.1f} MB "
          f"stored), the rest {c_med - verify - write:5.2f} s (reads, walk, refs)")
    if stages:
        stage_profiles(transport, server, repo, scratch)
    b = Repository.open(clones[0][1].directory)
    small_push, small_fetch = [], []
    for k in range(repeat):
        one_row_change(repo, k)
        small_push.append(timed(partial(push, repo, "r0", "main")))
        small_fetch.append(timed(partial(fetch, b, "origin")))
    for label, runs, attr in (("push one-row change ", small_push, "bytes_sent"),
                              ("fetch one-row change", small_fetch, "bytes_received")):
        worst_bytes = max(getattr(r.stats, attr) for _, r in runs)
        worst_requests = max(r.stats.requests for _, r in runs)
        print(f"  {label} {statistics.median(s for s, _ in runs) * 1000:7.1f} ms  at most "
              f"{worst_bytes:,} B in {worst_requests} requests (aim <= 64 KB, 10 requests)")
    b.close()
    repo.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--transport", default="s3,dir")
    parser.add_argument("--stages", action="store_true", help="also split a push and a clone by stage")
    args = parser.parse_args()
    import os

    import s3_server
    server = s3_server.start() if "s3" in args.transport else None
    try:
        if server is not None:
            os.environ.update(s3_server.CREDENTIALS)
            os.environ["AWS_ENDPOINT_URL"] = server.endpoint
        for transport in args.transport.split(","):
            with tempfile.TemporaryDirectory(prefix="dl-bench-remotes-") as scratch:
                run(transport, args.rows, args.repeat, Path(scratch), server, args.stages)
    finally:
        if server is not None:
            s3_server.stop(server)


if __name__ == "__main__":
    main()
