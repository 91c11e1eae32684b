"""Inputs that are not regular files: pipes (FIFOs, process substitution, stdin) are read as
streams; devices, binary data and runaway inputs are refused with one line, never taken for an
empty file and never read forever."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cli_helpers import FIXTURES, Dl
from dl.core.errors import InputError
from dl.core.io import streams

CSV = (FIXTURES / "people.csv").read_bytes()
JSONL = (FIXTURES / "people.jsonl").read_bytes()


def feed(path: Path, data: bytes, delay: float = 0.2) -> threading.Thread:
    """Writes `data` to the FIFO `path` from another thread, after `delay` seconds."""
    def write() -> None:
        time.sleep(delay)
        try:
            with open(path, "wb") as pipe:
                pipe.write(data)
        except BrokenPipeError:  # the reader refused the data and closed its end
            pass
    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(("kind", "data"), [("csv", CSV), ("jsonl", JSONL)])
def test_a_fifo_is_read_as_a_stream(repo: Path, dl: Dl, kind: str, data: bytes) -> None:
    fifo = repo / f"people.{kind}"
    os.mkfifo(fifo)
    writer = feed(fifo, data)
    assert "Rows Processed: 20" in dl.ok("table", "import", "-c", "--pk", "id", "people", fifo)
    writer.join()
    assert dl.query("select count(*) as n from people") == "n\n20\n"


def test_a_fifo_nobody_writes_to_is_refused_not_a_hang(repo: Path, dl: Dl,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streams, "WRITER_WAIT", 0.3)
    os.mkfifo(repo / "p.csv")
    start = time.perf_counter()
    assert dl.fails("table", "import", "-c", "--pk", "id", "t", "p.csv") == \
        "p.csv is a pipe that nothing writes to (waited 0.3 s): start the writer first"
    assert time.perf_counter() - start < 5


def test_process_substitution_and_stdin_pipes(repo: Path, cli_env: Path) -> None:
    env = {**os.environ, "DL_HOME": str(cli_env), "NO_COLOR": "1"}
    script = (f"{sys.executable} -m dl table import -c --pk id a <(cat {FIXTURES / 'people.csv'}) --file-type csv"
              f" && cat {FIXTURES / 'people.jsonl'} | {sys.executable} -m dl table import -c --pk id b /dev/stdin"
              f" --file-type jsonl && {sys.executable} -m dl sql -r csv -q 'select count(*) as n from a, b'")
    done = subprocess.run(["bash", "-c", script], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("n\n400\n")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_devices_are_refused_clearly(repo: Path, dl: Dl, device: str) -> None:
    for kind in ("csv", "jsonl", "json", "parquet"):
        message = dl.fails("table", "import", "-c", "--pk", "id", "t", device, "--file-type", kind)
        assert message == f"{device} is a character device, not a table file: give a regular file or a pipe"
    assert dl.fails("sql", "-f", device, code=2) == \
        f"{device} is a character device, not a SQL script: give a regular file or a pipe"


def test_parquet_from_a_pipe_is_refused(repo: Path, dl: Dl) -> None:
    os.mkfifo(repo / "p.parquet")
    assert dl.fails("table", "import", "-c", "--pk", "id", "t", "p.parquet") == \
        "p.parquet is a pipe, and a Parquet file must be a regular file (it is read from its end): save it to a file first"


def test_binary_data_in_a_pipe_is_refused_at_the_first_block(repo: Path, dl: Dl) -> None:
    fifo = repo / "z.csv"
    os.mkfifo(fifo)
    writer = feed(fifo, b"\0" * 100_000)
    assert dl.fails("table", "import", "-c", "--pk", "id", "t", fifo).endswith(
        "z.csv holds binary data (a NUL byte at offset 0), not text")
    writer.join()


def test_sql_script_from_dev_zero_fails_fast_with_bounded_memory(repo: Path, cli_env: Path) -> None:
    env = {**os.environ, "DL_HOME": str(cli_env), "NO_COLOR": "1"}
    for args, stdin in ((["-f", "/dev/zero"], None), ([], "/dev/zero")):
        with open(stdin or os.devnull, "rb") as source:
            start = time.perf_counter()
            done = subprocess.run(["/usr/bin/time", "-f", "maxrss=%M", sys.executable, "-m", "dl", "sql", *args],
                                  cwd=repo, env=env, stdin=source, capture_output=True, text=True,
                                  timeout=60, check=False)
        took = time.perf_counter() - start
        assert done.returncode in (1, 2), done.stderr
        assert "error: " in done.stderr and "Traceback" not in done.stderr
        rss_kb = int(done.stderr.rsplit("maxrss=", 1)[1])
        assert rss_kb < 400_000 and took < 30, (rss_kb, took)


def test_binary_and_oversized_scripts(repo: Path, dl: Dl, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "bin.sql").write_bytes(b"select 1;\n\0\x01\x02")
    assert dl.fails("sql", "-f", "bin.sql", code=2) == "bin.sql holds binary data (a NUL byte at offset 10), not text"
    (repo / "big.sql").write_text("select 1;\n" * 1000)
    monkeypatch.setattr(streams, "SCRIPT_LIMIT", 5000)
    assert "larger than" in dl.fails("sql", "-f", "big.sql", code=2)


def test_read_limited_stops_at_the_limit() -> None:
    with pytest.raises(InputError, match="larger than 1 MiB"):
        streams.read_limited(io.BytesIO(b"x" * (3 << 20)), "s", text=True, limit=1 << 20)
    assert streams.read_limited(io.BytesIO(b"abc"), "s", text=True, limit=10) == b"abc"


def test_dot_dl_as_a_regular_file(work: Path, dl: Dl) -> None:
    (work / ".dl").write_text("not a repository")
    assert dl.fails("init") == f"{work / '.dl'} exists and is not a directory: move it away to make a repository here"
    assert (work / ".dl").read_text() == "not a repository"


def test_init_with_a_bad_user_name_leaves_nothing_behind(work: Path, dl: Dl, cli_env: Path) -> None:
    (cli_env / "config_global.json").write_text('{"user.name": "Eve\\ncommit forged", "user.email": "e@x"}')
    assert "author name may not contain control characters" in dl.fails("init")
    assert not (work / ".dl").exists()


def test_schema_file_from_a_device_or_a_pipe(repo: Path, dl: Dl) -> None:
    assert dl.fails("table", "import", "-c", "-s", "/dev/zero", "t", FIXTURES / "people.csv") == \
        f"Error creating reader for csv file {FIXTURES / 'people.csv'}: " \
        "/dev/zero is a character device, not a schema file: give a regular file or a pipe"
    fifo = repo / "schema.sql"
    os.mkfifo(fifo)
    writer = feed(fifo, b"create table x (id bigint primary key, name text, age bigint, city text);")
    assert "Rows Processed: 20" in dl.ok("table", "import", "-c", "-s", fifo, "people", FIXTURES / "people.csv")
    writer.join()
