"""Input files that are not regular files: pipes are read as streams, devices are refused.

A user may name a FIFO, a process substitution (`<(zcat f.csv.gz)`, a pipe under `/dev/fd`) or
`/dev/stdin` as input. Such a file has no size and cannot be memory-mapped or seeked, so it is
read to its end here, in blocks; a FIFO that no process opens for writing would block forever,
so the wait for a writer is bounded (`WRITER_WAIT`), then refused with one line. Devices
(`/dev/zero`, `/dev/urandom`, a terminal), sockets and directories cannot be tables or scripts
and are refused before a byte is read, never taken for "an empty file" and never read forever.

Reads are bounded: a stream may hold at most `limit` bytes (a runaway producer fails fast
instead of filling memory), and text inputs refuse a NUL byte in the first block they read
(binary data is not CSV, JSON lines or SQL).
"""
from __future__ import annotations

import os
import select
import stat
from pathlib import Path
from typing import BinaryIO

from dl.core.errors import InputError, NotFound

SCRIPT_LIMIT = 1 << 30  # bytes of one SQL script
WRITER_WAIT = 10.0  # seconds a FIFO may wait for a process to write to it
BLOCK = 1 << 20
STREAM_LIMIT = 8 << 30  # bytes of one piped input; more is refused, not buffered


def file_mode(path: Path) -> int:
    """`path`'s mode (links followed); a missing file is `NotFound`."""
    try:
        return os.stat(path).st_mode
    except FileNotFoundError:
        raise NotFound("file", str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def is_stream(path: Path) -> bool:
    """Whether `path` is a pipe (FIFO, process substitution, piped stdin): read it as a stream."""
    return stat.S_ISFIFO(file_mode(path))


def check_input(path: Path, what: str = "a table file", *, streams: bool = True) -> None:
    """Fails with one line unless `path` is a regular file, or a pipe where `streams` allows."""
    mode = file_mode(path)
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise InputError(f"{path} is a directory, not {what}")
    if stat.S_ISFIFO(mode):
        if streams:
            return
        raise InputError(f"{path} is a pipe, and {what} must be a regular file "
                         f"(it is read from its end): save it to a file first")
    kind = "character device" if stat.S_ISCHR(mode) else "block device" if stat.S_ISBLK(mode) \
        else "socket" if stat.S_ISSOCK(mode) else "special file"
    raise InputError(f"{path} is a {kind}, not {what}: give a regular file or a pipe")


def read_stream(path: Path, *, text: bool, limit: int = STREAM_LIMIT, wait: float | None = None) -> bytes:
    """All bytes of the pipe `path`, waiting at most `wait` seconds (default `WRITER_WAIT`) for
    a writer; see the module docstring for the limits."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # opening a FIFO never blocks this way
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb", buffering=0) as pipe:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        if not poller.poll(int(1000 * (WRITER_WAIT if wait is None else wait))):
            raise InputError(f"{path} is a pipe that nothing writes to (waited "
                             f"{WRITER_WAIT if wait is None else wait:g} s): start the writer first")
        os.set_blocking(fd, True)
        return read_limited(pipe, str(path), text=text, limit=limit)


def read_text_input(source: Path | BinaryIO, name: str, *, what: str = "a SQL script",
                    limit: int | None = None) -> str:
    """A text input (a file, a pipe, or an open binary stream such as stdin) as UTF-8 text,
    bounded as the module docstring says: a device, binary data or more than `limit` bytes is
    refused before it can fill memory (default `limit`: `SCRIPT_LIMIT`)."""
    limit = SCRIPT_LIMIT if limit is None else limit
    if isinstance(source, Path):
        check_input(source, what)
        if is_stream(source):
            data = read_stream(source, text=True, limit=limit)
        else:
            if os.stat(source).st_size > limit:
                raise InputError(f"{name} is larger than {limit >> 20:,} MiB, more than dl reads from one "
                                 f"input: split it")
            try:
                with open(source, "rb") as file:
                    data = read_limited(file, name, text=True, limit=limit)
            except OSError as exc:
                raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
    else:
        data = read_limited(source, name, text=True, limit=limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name} is not UTF-8 text (byte {exc.start})") from None


def read_limited(source: BinaryIO, name: str, *, text: bool, limit: int) -> bytes:
    """Reads `source` to its end in blocks; more than `limit` bytes, or (for `text`) a NUL byte
    in the first block, is an `InputError`."""
    blocks: list[bytes] = []
    size = 0
    while True:
        block = source.read(BLOCK)
        if not block:
            return b"".join(blocks)
        nul = block.find(b"\0") if text and not blocks else -1
        if nul >= 0:
            raise InputError(f"{name} holds binary data (a NUL byte at offset {nul}), not text")
        size += len(block)
        if size > limit:
            raise InputError(f"{name} is larger than {limit >> 20:,} MiB, more than dl reads from one "
                             f"input: split it")
        blocks.append(block)
