"""A JSON document's rows read in parts: an incremental parser over the file.

A JSON document (`{"rows": [...]}` or a plain array of objects) is one value, so it cannot be
cut into blocks of lines as JSON lines are. This reads the file a block of text at a time and
walks the document with the json module's `raw_decode`, one array element at a time: an
element cut by the end of the text in hand is decoded again once more text is read. Rows come
out in parts of about `part_bytes` of source text, each row with its source line, and the
document around them is checked as the whole-file reader checks it (`core.io.json`): the same
rules and the same messages, with the lines of the whole file. Memory holds one part's text and
rows, not the document.
"""
from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dl.core.errors import InputError
from dl.core.io.convert import show
from dl.core.io.json import _DECODER, MOVING_DATA, _DuplicateKey, _skip, expected_cause, syntax_cause

READ_BYTES = 1 << 20  # text read at a time


class _Text:
    """The document's text in hand, read on demand; offsets are within the text in hand, and
    `lines_before` counts the lines of the text already dropped."""

    def __init__(self, path: Path) -> None:
        self.path, self.file = path, open(path, "rb")
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.text, self.lines_before, self.done = "", 0, False
        self.columns_before = 0  # characters of the first line in hand that were dropped
        self._at, self._lines_at = 0, 0  # newlines counted in the text in hand, up to `_at`

    def close(self) -> None:
        self.file.close()

    def more(self) -> bool:
        """Reads the next block; False at the end of the file."""
        if self.done:
            return False
        data = self.file.read(READ_BYTES)
        self.done = not data
        try:
            self.text += self.decoder.decode(data, final=self.done)
        except UnicodeDecodeError as exc:
            line = self.line(len(self.text)) + data.count(b"\n", 0, max(exc.start, 0))
            raise InputError(f"{self.path}, line {line}: invalid UTF-8 "
                             f"({show(data[max(exc.start, 0):max(exc.start, 0) + 8])})", line=line) from None
        return not self.done

    def drop(self, pos: int) -> int:
        """Forgets the text before `pos` (returns 0, the same place in the text kept)."""
        newline = self.text.rfind("\n", 0, pos)
        self.columns_before = pos - newline - 1 if newline >= 0 else self.columns_before + pos
        self.lines_before += self.line(pos) - 1 - self.lines_before
        self.text = self.text[pos:]
        self._at = self._lines_at = 0
        return 0

    def line(self, pos: int) -> int:
        """The 1-based line of offset `pos` (counted on from the last offset asked about)."""
        if pos < self._at:
            self._at = self._lines_at = 0
        self._lines_at += self.text.count("\n", self._at, pos)
        self._at = pos
        return self.lines_before + self._lines_at + 1

    def skip(self, pos: int) -> int:
        """The offset of the next non-space character, reading more as needed."""
        while True:
            pos = _skip(self.text, pos)
            if pos < len(self.text) or not self.more():
                return pos

    def expect(self, pos: int, wanted: str) -> int:
        pos = self.skip(pos)
        if pos >= len(self.text) or self.text[pos] not in wanted:
            raise InputError(f"{self.path}, line {self.line(pos)}: {MOVING_DATA}; cause: "
                             f"{expected_cause(self.text, pos, wanted)}", line=self.line(pos))
        return pos + 1

    def value(self, pos: int) -> tuple[Any, int]:
        """The JSON value at `pos` (reading more while it is cut off) and the offset after it."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, pos)
                if end < len(self.text) or not self.more():  # a number at the end may go on
                    return value, end
            except json.JSONDecodeError as exc:
                if self.more():
                    continue
                line = self.lines_before + exc.lineno
                column = exc.colno + (self.columns_before if exc.lineno == 1 else 0)
                cause = syntax_cause(exc.msg, exc.doc, exc.pos, pos)
                raise InputError(f"{self.path}, line {line}, character {column}: {MOVING_DATA}; "
                                 f"cause: {cause}", line=line) from None
            except _DuplicateKey as dup:
                line = self.line(pos)
                raise InputError(f"{self.path}, line {line}: key {dup.key!r} appears twice in one "
                                 f"object", line=line) from None


def document_parts(path: Path, part_bytes: int) -> Iterator[tuple[list[Any], list[int]]]:
    """The rows of the JSON document at `path` with their lines, in parts of about
    `part_bytes` of text; the document is checked to its end."""
    text = _Text(path)
    try:
        pos = text.skip(0)
        if pos >= len(text.text):
            raise InputError(f"Error creating reader for {path}: it is an empty file")
        if text.text[pos] == "[":
            pos = yield from _array(text, pos, part_bytes)
        elif text.text[pos] == "{":
            pos = yield from _rows_member(text, pos, part_bytes)
        else:
            raise InputError(f"{path}: expected a JSON array of rows or {{\"rows\": [...]}}")
        end = text.skip(pos)
        if end != len(text.text):
            raise InputError(f"{path}, line {text.line(pos)}: unexpected text after the JSON document",
                             line=text.line(pos))
    finally:
        text.close()


def _array(text: _Text, pos: int, part_bytes: int) -> Iterator[tuple[list[Any], list[int]]]:
    """Yields the array's elements in parts; returns the offset after the array."""
    rows: list[Any] = []
    numbers: list[int] = []
    pos = text.expect(pos, "[")
    pos = text.skip(pos)
    if text.text.startswith("]", pos):
        yield rows, numbers
        return pos + 1
    while True:
        pos = text.skip(pos)
        numbers.append(text.line(pos))
        value, pos = text.value(pos)
        rows.append(value)
        pos = text.expect(pos, ",]")
        if text.text[pos - 1] == "]":
            yield rows, numbers
            return pos
        if pos >= part_bytes:
            yield rows, numbers
            rows, numbers = [], []
            pos = text.drop(pos)


def _rows_member(text: _Text, pos: int, part_bytes: int) -> Iterator[tuple[list[Any], list[int]]]:
    """`{"rows": [...]}`: yields the rows array's parts (other members are parsed and
    ignored); returns the offset after the object."""
    found = False
    pos = text.expect(pos, "{")
    closed = text.text.startswith("}", text.skip(pos))
    pos = text.skip(pos) + 1 if closed else pos
    while not closed:
        key, pos = text.value(text.skip(pos))
        pos = text.expect(pos, ":")
        if key == "rows":
            if found:
                raise InputError(f"{text.path}, line {text.line(pos)}: key 'rows' appears twice in one "
                                 f"object", line=text.line(pos))
            found = True
            pos = yield from _array(text, pos, part_bytes)
        else:
            _, pos = text.value(text.skip(pos))
        pos = text.expect(pos, ",}")
        closed = text.text[pos - 1] == "}"
    if not found:
        raise InputError(f"{text.path}: the JSON object has no \"rows\" array")
    return pos
