"""`dl table export` (and `dl sql -o`) never destroy what they must not: device nodes, FIFOs,
directories and the repository's own `.dl` folder are refused; a failed export leaves the old
file whole."""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from cli_helpers import Dl
from dl.core.io import write


def test_a_device_is_refused_and_stays_a_device(people: Path, dl: Dl) -> None:
    for args in (("/dev/full",), ("-f", "/dev/full"), ("-f", "/dev/null")):
        message = dl.fails("table", "export", *args[:-1], "people", args[-1])
        assert message == f"{args[-1]} is not a regular file (a device, FIFO or socket): export writes regular files only"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode) and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_refused_without_hanging(people: Path, dl: Dl) -> None:
    fifo = people / "pipe.csv"
    os.mkfifo(fifo)
    assert "not a regular file" in dl.fails("table", "export", "-f", "people", fifo)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_directory_is_refused(people: Path, dl: Dl) -> None:
    (people / "out").mkdir()
    assert dl.fails("table", "export", "-f", "people", "out") == "out is a directory: give a file name to export to"
    assert (people / "out").is_dir()


@pytest.mark.parametrize("target", [".dl/store.db", ".dl/config.json", ".dl/new.csv", "inside/store.db"])
def test_nothing_inside_dot_dl_is_written(people: Path, dl: Dl, target: str) -> None:
    (people / "inside").symlink_to(people / ".dl")  # a link into .dl is inside .dl too
    config = (people / ".dl" / "config.json").read_bytes() if (people / ".dl" / "config.json").exists() else None
    message = dl.fails("table", "export", "-f", "people", target)
    assert message == f"{target} is inside the repository's .dl folder, which only dl writes: write somewhere else"
    assert not (people / ".dl" / "new.csv").exists()
    assert (people / ".dl" / "store.db").read_bytes().startswith(b"SQLite format 3")
    if config is not None:
        assert (people / ".dl" / "config.json").read_bytes() == config
    assert dl.query("select count(*) as n from people") == "n\n20\n"  # the repository still works


def test_sql_output_is_not_written_inside_dot_dl(people: Path, dl: Dl) -> None:
    store = (people / ".dl" / "store.db").read_bytes()
    assert "inside the repository's .dl folder" in dl.fails("sql", "-q", "select 1", "-o", ".dl/store.db")
    assert (people / ".dl" / "store.db").read_bytes() == store
    dl.ok("sql", "-q", "select 1 as x", "-r", "csv", "-o", "ok.csv")
    assert (people / "ok.csv").read_text() == "x\n1\n"


def test_a_failed_export_leaves_the_old_file_whole(people: Path, dl: Dl,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    dl.ok("table", "export", "people", "people.csv")
    old = (people / "people.csv").read_bytes()

    def disk_full(schema, batches, path: Path, kind: str) -> None:
        path.write_bytes(b"id,na")
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setitem(write._WRITERS, "csv", disk_full)
    assert dl.fails("table", "export", "-f", "people", "people.csv") == \
        "cannot write people.csv: No space left on device"
    assert (people / "people.csv").read_bytes() == old
    assert sorted(p.name for p in people.iterdir() if p.name.endswith(".tmp")) == []
