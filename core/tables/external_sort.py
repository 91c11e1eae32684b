"""Sorting rows by primary key in bounded memory: sorted runs spilled to disk, then merged.

An import of a file in random key order cannot sort it in memory when it is larger than
memory. Each part of the file is sorted by encoded key (numpy, stable) and written to a run
file (Arrow IPC) in a temporary directory inside `.dl`; the runs are then merged: every step
takes the rows of each run up to the smallest "last key in hand" of the runs still going, so
no row that sorts earlier can still be unread, sorts them (stable: equal keys keep file order)
and yields them. Memory holds one batch per run, not the table. The directory is removed when
the sorter closes, whatever happens.
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import numpy as np
import pyarrow as pa
from dl.core.prolly.layout import RowLayout

MERGE_BATCH_ROWS = 2048  # rows per run read at a time: memory is about runs x this x row size


class RunSorter:
    """Sorted runs of rows on disk, merged back in key order (see the module docstring)."""

    def __init__(self, layout: RowLayout, directory: Path | None, *,
                 batch_rows: int | None = None) -> None:
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
        self.layout, self.batch_rows = layout, batch_rows or MERGE_BATCH_ROWS
        self.directory = Path(tempfile.mkdtemp(prefix="sort-", dir=directory))
        self.runs: list[Path] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def add(self, rows: pa.Table) -> None:
        """Sorts `rows` by key and writes them as one run."""
        if rows.num_rows == 0:
            return
        keys = self.layout.keys_of(rows)
        order = np.argsort(keys, kind="stable")
        ordered = rows.take(pa.array(order))
        path = self.directory / f"run-{len(self.runs):05d}.arrow"
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, rows.schema) as writer:
            for batch in ordered.to_batches(max_chunksize=self.batch_rows):
                writer.write_batch(batch)
        self.runs.append(path)

    def merged(self) -> Iterator[tuple[pa.RecordBatch, np.ndarray]]:
        """Every row added, in key order (equal keys in the order added), with their keys."""
        readers = [_read_run(path, self.layout) for path in self.runs]
        heads: list[tuple[pa.RecordBatch, np.ndarray] | None] = [next(r, None) for r in readers]
        while True:
            live = [h for h in heads if h is not None]
            if not live:
                return
            cutoff = min(h[1][-1] for h in live)
            pieces, piece_keys = [], []
            for i, head in enumerate(heads):
                if head is None:
                    continue
                batch, keys = head
                n = int(np.searchsorted(keys, cutoff, side="right"))
                if n:
                    pieces.append(batch.slice(0, n))
                    piece_keys.append(keys[:n])
                heads[i] = (batch.slice(n), keys[n:]) if n < len(keys) else next(readers[i], None)
            keys = np.concatenate(piece_keys)
            order = np.argsort(keys, kind="stable")
            yield pa.concat_batches(pieces).take(pa.array(order)), keys[order]


def _read_run(path: Path, layout: RowLayout) -> Iterator[tuple[pa.RecordBatch, np.ndarray]]:
    """A run's batches read back one at a time (into memory, not mapped), with their keys."""
    with pa.OSFile(str(path), "rb") as source:
        reader = pa.ipc.open_file(source)
        for i in range(reader.num_record_batches):
            batch = reader.get_batch(i)
            if batch.num_rows:
                yield batch, layout.keys_of(batch)
