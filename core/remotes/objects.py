"""The object-store interface a packed remote is written through, and its directory form.

Five operations serve both a directory and S3: `get` (whole or a byte range), `put`,
`put_if` (conditional put: the compare-and-swap a push moves refs by), `list`, `delete`.
Every store counts its requests and bytes (`TransferStats`), so tests and the benchmark can
prove that transfer is proportional to change.

The directory store writes each object to a temp file and renames it into place (a kill
leaves the old object or the new one, at worst a stray temp file). Its conditional put holds
an exclusive `flock` on `<root>/.lock` while it compares and replaces: the kernel releases a
lock whose holder dies, so a killed push never leaves the remote locked. (Locks on network
file systems are only as good as the file system's flock.)
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from dl.core.errors import NotFound, StoreError
from dl.core.store import faults

LOCK = ".lock"
SHARED_MODE = 0o644


@dataclass
class TransferStats:
    """Requests made and bytes moved by one object store."""

    requests: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0

    def count(self, sent: int = 0, received: int = 0) -> None:
        self.requests += 1
        self.bytes_sent += sent
        self.bytes_received += received


class ObjectStore(Protocol):
    """Named immutable-or-CAS objects under one root (a directory, or a bucket and prefix)."""

    stats: TransferStats

    def describe(self) -> str:
        """Where the objects live, for messages."""
        ...

    def get(self, key: str) -> tuple[bytes, str] | None:
        """The object's bytes and version tag (ETag), or None if it does not exist."""
        ...

    def get_range(self, key: str, start: int, length: int) -> bytes:
        """`length` bytes from `start`; `NotFound` if the object does not exist."""
        ...

    def put(self, key: str, data: bytes) -> None:
        """Writes the object (whole or not at all)."""
        ...

    def put_if(self, key: str, data: bytes, expected: str | None) -> bool:
        """Writes only if the object's version tag is still `expected` (None: must not exist);
        False, and nothing written, otherwise."""
        ...

    def list(self, prefix: str) -> dict[str, float]:
        """Keys starting with `prefix`, with when each was written (seconds since the epoch)."""
        ...

    def delete(self, key: str) -> None:
        ...


def content_tag(data: bytes) -> str:
    """A directory object's version tag: a hash of its bytes."""
    return hashlib.sha256(data).hexdigest()[:32]


class DirectoryObjects:
    """Objects as files under a directory."""

    def __init__(self, root: Path, *, create: bool = False) -> None:
        self.root = root
        self.stats = TransferStats()
        if not root.is_dir():
            if not create:
                raise NotFound("remote directory", str(root))
            try:
                root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the remote directory {root}: {exc}") from None

    def describe(self) -> str:
        return f"file://{self.root}"

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*key.split("/"))

    def get(self, key: str) -> tuple[bytes, str] | None:
        try:
            data = self._path(key).read_bytes()
        except FileNotFoundError:
            self.stats.count()
            return None
        except OSError as exc:
            raise StoreError(f"cannot read {self._path(key)}: {exc}") from None
        self.stats.count(received=len(data))
        return data, content_tag(data)

    def get_range(self, key: str, start: int, length: int) -> bytes:
        try:
            with open(self._path(key), "rb") as f:
                f.seek(start)
                data = f.read(length)
        except FileNotFoundError:
            raise NotFound("remote object", f"{self.describe()}/{key}") from None
        except OSError as exc:
            raise StoreError(f"cannot read {self._path(key)}: {exc}") from None
        self.stats.count(received=len(data))
        return data

    def put(self, key: str, data: bytes) -> None:
        faults.reach("remote-put")
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp.")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, SHARED_MODE)  # mkstemp makes 0600: others sharing the remote must read
            os.replace(tmp, path)
        except OSError as exc:
            raise StoreError(f"cannot write {path}: {exc}") from None
        self.stats.count(sent=len(data))

    def put_if(self, key: str, data: bytes, expected: str | None) -> bool:
        with self._locked():
            current = self._path(key)
            found = content_tag(current.read_bytes()) if current.exists() else None
            if found != expected:
                self.stats.count()
                return False
            self.put(key, data)
            return True

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot lock the remote {self.root}: {exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock (as a kill does)

    def list(self, prefix: str) -> dict[str, float]:
        self.stats.count()
        out = {}
        for path in sorted(self.root.rglob("*")):
            key = path.relative_to(self.root).as_posix()
            if path.is_file() and key.startswith(prefix) and not path.name.startswith("."):
                out[key] = path.stat().st_mtime
        return out

    def delete(self, key: str) -> None:
        self.stats.count()
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StoreError(f"cannot delete {self._path(key)}: {exc}") from None
