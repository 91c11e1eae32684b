"""Fixtures of the server tests: `dl sql-server` started as a user starts it (a real process
on a free port of 127.0.0.1, in a repository of its own), stopped after the test."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

DL = shutil.which("dl") or "dl"


@dataclass
class Server:
    """A running `dl sql-server`: its process, port, repository and database name."""

    process: subprocess.Popen[str]
    port: int
    directory: Path
    database: str
    log: Path

    def connect(self, **kwargs):  # type: ignore[no-untyped-def]
        import pymysql
        args = {"host": "127.0.0.1", "port": self.port, "user": "root", "password": "",
                "database": self.database, "autocommit": True, **kwargs}
        return pymysql.connect(**args)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=30)

    def output(self) -> str:
        return self.log.read_text()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(port: int, process: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"dl sql-server exited: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("dl sql-server did not start listening")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config_global.json").write_text(json.dumps({"user.name": "Tess Ter", "user.email": "tess@example.com"}))
    return {**os.environ, "DL_HOME": str(home), "NO_COLOR": "1"}


@pytest.fixture
def repo_dir(tmp_path: Path, env: dict[str, str]) -> Path:
    directory = tmp_path / "shop-data"
    directory.mkdir()
    subprocess.run([DL, "init"], cwd=directory, env=env, check=True, capture_output=True)
    script = ("create table t (id int primary key, name text, price decimal(10,2), day date, n bigint); "
              "insert into t values (1, 'one', 1.50, '2024-01-02', 10), (2, null, null, null, null); "
              "create table counter (id int primary key, n int); insert into counter values (1, 0); "
              "call dolt_commit('-Am', 'base'); call dolt_branch('feature')")
    subprocess.run([DL, "sql", "-q", script], cwd=directory, env=env, check=True, capture_output=True)
    return directory


def start(directory: Path, env: dict[str, str], *args: str) -> Server:
    port = free_port()
    log = directory.parent / f"server-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen([DL, "sql-server", "-P", str(port), *args], cwd=directory, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, text=True)
    wait_listening(port, process, log)
    return Server(process, port, directory, "shop_data", log)


@pytest.fixture
def server(repo_dir: Path, env: dict[str, str]) -> Iterator[Server]:
    running = start(repo_dir, env)
    yield running
    running.stop()


@pytest.fixture
def launch(repo_dir: Path, env: dict[str, str]) -> Iterator:  # type: ignore[type-arg]
    """Starts servers with given flags; stops them after the test."""
    started: list[Server] = []

    def run(*args: str) -> Server:
        started.append(start(repo_dir, env, *args))
        return started[-1]
    yield run
    for s in started:
        s.stop()
