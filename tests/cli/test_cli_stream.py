"""Big output streams: `dl sql` writes DuckDB's record batches as they come and `dl diff` the
changes of a few leaves at a time, so `| head` gets its lines after one batch, and a closed
pipe ends the command quietly, as git does."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from cli_helpers import Dl
from dl.sql import formats
from dl.sql.row_stream import BATCH_ROWS

from dl.results import write_batches

ROWS = 5 * BATCH_ROWS


@pytest.fixture
def big(repo: Path, dl: Dl) -> Path:
    """A committed table of ROWS rows, then every row updated in the working set."""
    dl.ok("sql", "-q", f"create table t (id bigint primary key, a bigint, b text); "
                       f"insert into t select range, range * 2, 'row ' || range from range({ROWS})")
    dl.ok("commit", "-Am", "big")
    dl.ok("sql", "-q", "update t set a = a + 1")
    return repo


class ClosedPipe:
    """A stdout whose reader went away after `lines` lines, counting what reached it."""

    def __init__(self, lines: int) -> None:
        self.lines, self.text = lines, ""

    def write(self, text: str) -> int:
        if self.text.count("\n") >= self.lines:
            raise BrokenPipeError(32, "Broken pipe")
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _count_rows_formatted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []
    original = formats.text_rows

    def counting(table: pa.Table | pa.RecordBatch) -> list[list[str]]:
        seen.append(table.num_rows)
        return original(table)
    monkeypatch.setattr(formats, "text_rows", counting)
    return seen


def test_sql_formats_only_the_batches_it_writes(big: Path, dl: Dl, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _count_rows_formatted(monkeypatch)
    pipe = ClosedPipe(5)
    monkeypatch.setattr(sys, "stdout", pipe)
    result = dl("sql", "-q", "select * from t")
    assert result.code != 0 and result.err == ""  # quiet, as git is on a closed pipe
    assert pipe.text.splitlines()[3].startswith("| 0 ")
    assert sum(seen) <= BATCH_ROWS < ROWS  # one batch formatted, not the whole result


def test_diff_reads_and_writes_a_part_at_a_time(big: Path, dl: Dl, monkeypatch: pytest.MonkeyPatch) -> None:
    from dl.core.prolly import diff as tree_diff
    parts: list[int] = []
    original = tree_diff.iter_diff

    def counting(*args: object, **kwargs: object):
        for part in original(*args, **kwargs):  # type: ignore[arg-type]
            parts.append(len(part))
            yield part
    monkeypatch.setattr(tree_diff, "iter_diff", counting)
    import dl.core.versioning.diff as table_diff
    monkeypatch.setattr(table_diff, "iter_diff", counting)
    whole = dl.ok("diff")
    total = len(parts)
    assert total > 2 and sum(parts) == ROWS
    parts.clear()
    monkeypatch.setattr(sys, "stdout", ClosedPipe(8))
    result = dl("diff")
    assert result.code != 0 and result.err == ""
    assert len(parts) < total  # stopped reading when the pipe closed
    assert whole.splitlines()[6].split() == ["|", "<", "|", "0", "|", "0", "|", "row", "0", "|"]


def test_closed_pipe_through_a_real_process_is_quiet(big: Path, cli_env: Path) -> None:
    env = {**os.environ, "DL_HOME": str(cli_env), "NO_COLOR": "1"}
    for argv in (["sql", "-q", "select * from t"], ["diff"]):
        process = subprocess.Popen([sys.executable, "-m", "dl", *argv], cwd=big, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert process.stdout is not None and process.stderr is not None
        head = [process.stdout.readline() for _ in range(5)]
        process.stdout.close()  # `| head -5` exits
        err = process.stderr.read()
        process.wait(timeout=60)
        assert all(line.endswith(b"\n") for line in head)
        assert err == b"", err  # no traceback, no "Exception ignored"


def _batches(table: pa.Table, size: int) -> list[pa.RecordBatch]:
    return table.to_batches(max_chunksize=size)


@pytest.mark.parametrize("result_format, whole", [
    ("csv", formats.to_csv), ("json", lambda t: formats.to_json(t) + "\n"), ("vertical", formats.to_vertical),
    ("tabular", formats.to_box)])
def test_streamed_text_is_the_whole_text(result_format: str, whole, ) -> None:
    table = pa.table({"id": list(range(10, 40)), "name": [f"n{i:02d}" for i in range(30)],
                      "x": [None if i % 7 == 0 else i / 4 for i in range(30)]})
    out: list[str] = []
    count = write_batches(table.schema, _batches(table, 7), result_format, out.append)
    assert count == 30
    assert "".join(out) == whole(table)


@pytest.mark.parametrize("result_format", ["csv", "json", "vertical", "tabular"])
def test_an_empty_stream_still_has_its_frame(result_format: str) -> None:
    schema = pa.schema([("id", pa.int64()), ("name", pa.string())])
    out: list[str] = []
    write_batches(schema, [], result_format, out.append)
    text = "".join(out)
    expected = {"csv": "id,name\n", "json": '{"rows": []}\n', "vertical": "",
                "tabular": formats.to_box(schema.empty_table())}[result_format]
    assert text == expected
    if result_format == "json":
        assert json.loads(text) == {"rows": []}


def test_a_box_widens_with_a_rule_when_later_rows_are_wider() -> None:
    table = pa.table({"v": ["a", "b", "a much longer value"]})
    out: list[str] = []
    write_batches(table.schema, _batches(table, 2), "tabular", out.append)
    assert "".join(out).splitlines() == [
        "+---+", "| v |", "+---+", "| a |", "| b |",
        "+---------------------+", "| a much longer value |", "+---------------------+"]
