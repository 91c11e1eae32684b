"""Receiving leaves: every chunk verified against its address while the next part is read and
the previous one is written.

Most of a fetch's or clone's bytes are tree leaves. They link to nothing, so the walk that
finds what is missing never needs their contents (`walk.find_missing(defer_leaves=True)`):
they only have to be verified and stored as they came. Verifying means decompressing and
hashing (SHA-256) every one, which costs far more CPU than reading them (measured on 1M rows,
2,512 leaves, 18 MB stored, 38 MB raw: ~60 ms zstd, ~37 ms unshuffling, ~18 ms SHA-256). So
it runs as a pipeline: the caller's thread reads part k+1 (a file read or an HTTP range, both
releasing the GIL) and writes part k-1 into the store (SQLite releases the GIL too), while a
pool of threads verifies the parts in between (zstd, numpy's copy and hashlib release it).

Invariant kept: a part is yielded only once every chunk in it has been fully verified
(`decode_body`: SHA-256 of the uncompressed bytes equals the address, and a SHUFFLED body's
own check matches, so it always reads back) and found to link to nothing, as a leaf must (a
chunk that links to others would otherwise land without what it links to). The first failure
is raised, naming the chunk, and the consumer lands nothing (the store's transaction rolls
back).
"""
from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from dl.core.errors import IntegrityError
from dl.core.hashing import Address
from dl.core.maintenance.links import links
from dl.core.store.bodies import Row, decode_body
from dl.core.workers import pool

if TYPE_CHECKING:  # imported when first used: commands that never receive stay cheap to start
    from concurrent.futures import Future

PART_BYTES = 4 << 20  # stored bytes read from a remote in one request
VERIFY_BYTES = 1 << 20  # stored bytes verified as one task of the pool: small, so that the
# last task (verified while the rest of the pipeline has nothing to do) is short
AHEAD = 6  # parts being verified before the oldest is handed on


def verify_leaves(rows: list[Row]) -> list[Row]:
    """`rows` (stored forms received from elsewhere) once each is verified against its
    address and found to link to nothing; `IntegrityError` naming the first that is not."""
    for raw, codec, size, body in rows:
        address = Address(bytes(raw))
        data = decode_body(address, codec, size, body)
        if links(data, address):
            raise IntegrityError(f"chunk {address.hex} was received as a tree leaf but links to "
                                 "other chunks", address.hex)
    return rows


def verified_parts(parts: Iterable[list[Row]]) -> Iterator[list[Row]]:
    """The parts of `parts`, in order, each verified (`verify_leaves`) on the pool while the
    following parts are read: up to `AHEAD` parts are in flight. If the consumer stops early or
    a part fails, the parts not yet started are cancelled."""
    pending: deque[Future[list[Row]]] = deque()
    try:
        for part in parts:
            pending.append(pool().submit(verify_leaves, part))
            if len(pending) >= AHEAD:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


def split_rows(rows: list[Row], limit: int | None = None) -> Iterator[list[Row]]:
    """`rows` in consecutive parts of about `limit` (default `VERIFY_BYTES`) stored bytes (at
    least one row each)."""
    limit = VERIFY_BYTES if limit is None else limit
    part: list[Row] = []
    size = 0
    for row in rows:
        if part and size + len(row[3]) > limit:
            yield part
            part, size = [], 0
        part.append(row)
        size += len(row[3])
    if part:
        yield part
