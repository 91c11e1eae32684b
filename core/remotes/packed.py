"""A remote in dl's pack format over an object store: a bare directory or an S3 prefix.

Layout under the remote's root:
    manifest.json         {"format": "dl-remote-1", "refs": {name: hex}, "packs": [name...]}
    packs/<name>.pack     chunk bodies back to back (immutable, named by their hash)
    packs/<name>.idx      the pack's index (see `packs`)

The manifest is the only object ever replaced, and only by a conditional put on the version
read (`If-Match`, or `If-None-Match: *` for the first push): that is the compare-and-swap
every push moves refs by. A push uploads its pack and index first and then swaps the manifest;
a killed or losing push leaves at most a pack no manifest names (invisible to every reader;
`prune_packs` removes them). The manifest lists only packs whose chunks close over their
links together with the packs before them, so whatever a ref names is complete.

Reading: pack indexes are fetched once and cached on disk (`cache_dir`, shared by remotes:
names are hashes); a pack of at most `WHOLE_PACK` bytes is read in one request when any of its
chunks is needed (a push's pack is usually wanted whole), larger packs by ranges merged across
gaps of up to `GAP` bytes (the walk's with a read-ahead, `READ_AHEAD`), their leaves in parts
of `receive.PART_BYTES`, verified on a pool while the next part is read (`stream_leaves`).
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from dl.core.errors import ConcurrentUpdate, IntegrityError, MissingChunk
from dl.core.hashing import HEX_LENGTH, Address, is_hex_prefix
from dl.core.remotes import receive
from dl.core.remotes.objects import ObjectStore
from dl.core.remotes.packs import (
    PackEntry,
    build_packs,
    check_lengths,
    decode_entries,
    index_key,
    pack_key,
    read_index,
)
from dl.core.store.base import RefUpdate
from dl.core.store.sqlite import Row

MANIFEST = "manifest.json"
FORMAT = "dl-remote-1"
WHOLE_PACK = 8 << 20
GAP = 1 << 20
READ_AHEAD = 1 << 20  # bytes read at least when a walk reads a large pack (`_get_range`)
RETRIES = 20
PACK_BYTES = 256 << 20  # one PUT each (S3 takes up to 5 GB in one); bigger pushes make several
PRUNE_GRACE_S = 3600.0  # a push taking longer than an hour between its pack and its manifest loses it


class PackedRemote:
    """Refs in a manifest, chunks in packs, all through an `ObjectStore`."""

    def __init__(self, objects: ObjectStore, cache_dir: Path | None = None) -> None:
        self.objects = objects
        self.stats = objects.stats
        self.cache_dir = cache_dir
        self._manifest: dict[str, Any] | None = None
        self._index: dict[Address, PackEntry] = {}
        self._pack_sizes: dict[str, int] = {}
        self._whole: dict[str, bytes] = {}
        self._window: dict[str, tuple[int, bytes]] = {}  # a large pack's last read-ahead
        self._received: dict[Address, Row] = {}

    def describe(self) -> str:
        return self.objects.describe()

    def close(self) -> None:
        self._whole.clear()
        self._window.clear()
        self._received.clear()

    def stored_rows(self) -> dict[Address, Row]:
        return self._received

    # --- manifest and indexes ---------------------------------------------------------

    def _read_manifest(self) -> tuple[dict[str, Any], str | None]:
        found = self.objects.get(MANIFEST)
        if found is None:
            return {"format": FORMAT, "refs": {}, "packs": []}, None
        data, tag = found
        try:
            value = json.loads(data)
        except ValueError:
            raise IntegrityError(f"{self.describe()}/{MANIFEST} is not JSON") from None
        if not isinstance(value, dict) or value.get("format") != FORMAT \
                or not isinstance(value.get("refs"), dict) or not isinstance(value.get("packs"), list):
            raise IntegrityError(f"{self.describe()} is not a dl remote of format {FORMAT}")
        _check_manifest(self.describe(), value)
        return value, tag

    def _load(self) -> dict[str, Any]:
        if self._manifest is None:
            self._manifest, _ = self._read_manifest()
            self._load_indexes(self._manifest["packs"])
        return self._manifest

    def _load_indexes(self, names: list[str]) -> None:
        for name in names:
            if name in self._pack_sizes:
                continue
            entries = read_index(name, self._index_bytes(name))
            self._index.update(entries)
            self._pack_sizes[name] = max((e.offset + e.stored for e in entries.values()), default=0)

    def _index_bytes(self, name: str) -> bytes:
        cached = self.cache_dir / f"{name}.idx" if self.cache_dir else None
        if cached is not None and cached.is_file():
            return cached.read_bytes()
        found = self.objects.get(index_key(name))
        if found is None:
            raise IntegrityError(f"remote {self.describe()} lists pack {name} but its index is missing")
        self._cache_index(name, found[0])
        return found[0]

    def _cache_index(self, name: str, data: bytes) -> None:
        if self.cache_dir is None:
            return
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.cache_dir, prefix=".tmp.")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, self.cache_dir / f"{name}.idx")
        except OSError:
            pass  # a cache: fetching the index again is always possible

    # --- the Remote interface ---------------------------------------------------------

    def exists(self) -> bool:
        if self._manifest is None:
            manifest, tag = self._read_manifest()
            if tag is None:
                return False
            self._manifest = manifest  # kept: `list_refs` reads no second copy
            self._load_indexes(manifest["packs"])
        return True

    def list_refs(self) -> dict[str, str]:
        return dict(self._load()["refs"])

    def has_many(self, addresses: Iterable[Address]) -> set[Address]:
        self._load()
        return {a for a in addresses if a in self._index}

    def get_many(self, addresses: Iterable[Address]) -> dict[Address, bytes]:
        self._load()
        out: dict[Address, bytes] = {}
        for name, wanted in self._by_pack(addresses).items():
            out.update(self._read_pack(name, wanted))
        return out

    def _read_pack(self, name: str, wanted: list[tuple[Address, PackEntry]]) -> dict[Address, bytes]:
        bodies = [body for part in self._pack_parts(name, wanted, None) for body in part]
        chunks, rows = decode_entries(bodies)
        self._received.update(rows)
        return chunks

    def _pack_parts(self, name: str, wanted: list[tuple[Address, PackEntry]], span: int | None
                    ) -> Iterator[list[tuple[Address, PackEntry, bytes]]]:
        """The bodies of `wanted` from pack `name`, part by part: a small pack is read whole
        once (and kept); a large one by range requests merging gaps of up to `GAP` bytes, each
        covering at most `span` bytes (None: no bound; a chunk larger than that gets its own).
        A part is read only when the consumer asks for it."""
        if self._pack_sizes[name] <= WHOLE_PACK:
            if name not in self._whole:
                self._whole[name] = self.objects.get_range(pack_key(name), 0, self._pack_sizes[name])
            data = self._whole[name]
            yield [(a, e, data[e.offset:e.offset + e.stored]) for a, e in wanted]
            return
        for start, end, group in _ranges(sorted(wanted, key=lambda x: x[1].offset), span):
            data = self._get_range(name, start, end, span is None)
            yield [(a, e, data[e.offset - start:e.offset - start + e.stored]) for a, e in group]

    def _get_range(self, name: str, start: int, end: int, ahead: bool) -> bytes:
        """Bytes `start:end` of a large pack. With `ahead`, at least `READ_AHEAD` bytes are
        read and kept, and later reads inside them cost no request: a walk reads a pack's
        commits, roots, tables and tree nodes level by level, and a push wrote them in that
        order at the front of its pack, so one request serves every level above the leaves."""
        held = self._window.get(name)
        have = b""
        if held is not None and held[0] <= start < held[0] + len(held[1]):
            have = held[1][start - held[0]:end - held[0]]
            if len(have) == end - start:
                return have
        if not ahead:  # what the window holds of the range is not read again
            return have + self.objects.get_range(pack_key(name), start + len(have),
                                                 end - start - len(have))
        stop = min(max(end, start + READ_AHEAD), self._pack_sizes[name])
        data = self.objects.get_range(pack_key(name), start, stop - start)
        self._window[name] = (start, data)
        return data[:end - start]

    def stream_leaves(self, addresses: Iterable[Address]) -> Iterator[list[Row]]:
        """The chunks (tree leaves, which link to nothing) in their stored form, part by part
        of about `PART_BYTES`, each part verified (`receive.verify_leaves`) on a thread pool
        while the next is read: nothing is yielded unverified. `MissingChunk` before anything
        is read if the remote lacks one."""
        self._load()
        by_pack = self._by_pack(addresses)
        def parts() -> Iterator[list[Row]]:
            for name, wanted in by_pack.items():
                for bodies in self._pack_parts(name, wanted, receive.PART_BYTES):
                    check_lengths(bodies)
                    yield from receive.split_rows([(a.raw, e.codec, e.size, bytes(b)) for a, e, b in bodies])
        return receive.verified_parts(parts())

    def _by_pack(self, addresses: Iterable[Address]) -> dict[str, list[tuple[Address, PackEntry]]]:
        by_pack: dict[str, list[tuple[Address, PackEntry]]] = {}
        for address in dict.fromkeys(addresses):
            entry = self._index.get(address)
            if entry is None:
                raise MissingChunk(address.hex, f"remote {self.describe()}")
            by_pack.setdefault(entry.pack, []).append((address, entry))
        return by_pack

    def update(self, chunks: list[tuple[Address, bytes]], updates: list[RefUpdate],
               leaves: dict[Address, Row] | None = None) -> bool:
        new_packs = []
        for pack in build_packs(chunks, list((leaves or {}).values()), PACK_BYTES):
            self.objects.put(pack_key(pack.name), pack.data)
            self.objects.put(index_key(pack.name), pack.index)
            self._cache_index(pack.name, pack.index)
            new_packs.append(pack.name)
        for _ in range(RETRIES):
            manifest, tag = self._read_manifest()
            refs = dict(manifest["refs"])
            if any(refs.get(u.name) != u.expected for u in updates):
                return False
            for u in updates:
                if u.new is None:
                    refs.pop(u.name, None)
                else:
                    refs[u.name] = u.new
            packs = list(manifest["packs"]) + new_packs
            value = {"format": FORMAT, "refs": dict(sorted(refs.items())), "packs": packs}
            body = json.dumps(value, indent=1).encode()
            if self.objects.put_if(MANIFEST, body, tag):
                self._manifest = None
                self._pack_sizes.clear()
                self._index.clear()
                return True
        raise ConcurrentUpdate(f"{self.describe()}/{MANIFEST}")

    # --- maintenance ------------------------------------------------------------------

    def prune_packs(self, now: float, grace: float = PRUNE_GRACE_S) -> list[str]:
        """Deletes packs and indexes that no manifest names (left by killed or losing pushes)
        and that were written more than `grace` seconds before `now`; returns their names. The
        grace period spares the pack of a push still running (written, not yet named), as
        git's gc spares young unreachable objects."""
        named = set(self._read_manifest()[0]["packs"])
        stray = set()
        for key, written in self.objects.list("packs/").items():
            name = key.rsplit("/", 1)[-1].split(".")[0]
            if name not in named and now - written > grace:
                stray.add(name)
                self.objects.delete(key)
        return sorted(stray)


def _check_manifest(where: str, value: dict[str, Any]) -> None:
    """Pack names are hashes and ref values addresses: anything else (a path, say) in a
    manifest is damage or hostility, refused before it is used."""
    for name in value["packs"]:
        if not (isinstance(name, str) and len(name) == HEX_LENGTH and is_hex_prefix(name)):
            raise IntegrityError(f"{where}/{MANIFEST} names a pack {str(name)[:60]!r} that is not a hash")
    for ref, target in value["refs"].items():
        valid = isinstance(target, str) and len(target) == HEX_LENGTH and is_hex_prefix(target)
        if not (isinstance(ref, str) and ref.startswith(("refs/heads/", "refs/tags/")) and valid):
            raise IntegrityError(f"{where}/{MANIFEST} holds a malformed ref {str(ref)[:60]!r}")


def _ranges(entries: list[tuple[Address, PackEntry]], span: int | None = None
            ) -> list[tuple[int, int, list[tuple[Address, PackEntry]]]]:
    """Sorted entries merged into read ranges wherever the gap between them is at most GAP
    and the merged range would cover at most `span` bytes (None: no bound)."""
    out: list[tuple[int, int, list[tuple[Address, PackEntry]]]] = []
    for address, entry in entries:
        end = entry.offset + entry.stored
        if out and entry.offset - out[-1][1] <= GAP and (span is None or end - out[-1][0] <= span):
            start, last, group = out[-1]
            group.append((address, entry))
            out[-1] = (start, max(last, end), group)
        else:
            out.append((entry.offset, end, [(address, entry)]))
    return out
