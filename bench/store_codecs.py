"""Chunk body codecs on real chunks: stored bytes and CPU to encode, decode and check.

    python bench/store_codecs.py [ROWS]      (default 1000000)

Builds a repository of ROWS standard rows (bench/common.py), reads every chunk back, and for
each candidate codec prints the total stored bytes and the median CPU ms (of 3) to encode and to
decode all chunks in this process, beside the read checks (SHA-256 vs xxh3). This is how
`core/store/bodies.py` chose the shuffled zstd codec and its xxh3 read check (issue 15): the
store's size against the cold read's CPU. CPU, not wall time: the machines are shared.
"""
from __future__ import annotations

import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import xxhash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dl.core.repo import Author, Repository  # noqa: E402
from dl.core.store.bodies import shuffle, unshuffle  # noqa: E402

from bench.common import standard_rows  # noqa: E402
from bench.sql import load  # noqa: E402

ZSTD1 = pa.Codec("zstd", compression_level=1)
LZ4 = pa.Codec("lz4")


def cpu_ms(work: Callable[[], object]) -> float:
    times = []
    for _ in range(3):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1e3


def chunks_of(rows: int, scratch: Path) -> list[bytes]:
    repo = Repository.init(scratch, author=Author("bench", "bench@localhost"))
    load(repo, "t", standard_rows(rows))
    store = repo.store
    chunks = list(store.get_many(list(store.all_addresses())).values())
    repo.close()
    return [c for c in chunks if len(c) >= 1024]


def main(rows: int) -> None:
    with tempfile.TemporaryDirectory(prefix="dl-codecs-") as tmp:
        chunks = chunks_of(rows, Path(tmp))
    print(f"{len(chunks):,} chunks of 1 KB or more, {sum(map(len, chunks)):,} bytes, {rows:,} rows")
    codecs: dict[str, tuple[Callable[[bytes], bytes], Callable[[bytes, int], bytes]]] = {
        "zstd -1 (before)": (lambda d: ZSTD1.compress(d, asbytes=True),
                             lambda b, n: ZSTD1.decompress(b, decompressed_size=n, asbytes=True)),
        "shuffle + zstd -1 (now)": (lambda d: ZSTD1.compress(shuffle(d), asbytes=True),
                                    lambda b, n: unshuffle(ZSTD1.decompress(b, decompressed_size=n, asbytes=True))),
        "lz4": (lambda d: LZ4.compress(d, asbytes=True),
                lambda b, n: LZ4.decompress(b, decompressed_size=n, asbytes=True)),
        "shuffle + lz4": (lambda d: LZ4.compress(shuffle(d), asbytes=True),
                          lambda b, n: unshuffle(LZ4.decompress(b, decompressed_size=n, asbytes=True))),
    }
    for name, (encode, decode) in codecs.items():
        bodies = [encode(c) for c in chunks]
        assert [decode(b, len(c)) for b, c in zip(bodies, chunks)] == chunks
        enc = cpu_ms(lambda encode=encode: [encode(c) for c in chunks])
        dec = cpu_ms(lambda decode=decode, bodies=bodies: [decode(b, len(c)) for b, c in zip(bodies, chunks)])
        print(f"  {name:<26} {sum(map(len, bodies)):>12,} bytes   encode {enc:6.1f} ms   decode {dec:6.1f} ms CPU")
    print(f"  read check: SHA-256 {cpu_ms(lambda: [hashlib.sha256(c).digest() for c in chunks]):.1f} ms, "
          f"xxh3_64 {cpu_ms(lambda: [xxhash.xxh3_64_digest(c) for c in chunks]):.1f} ms CPU")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
