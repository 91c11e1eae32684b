"""`dl sql-server` is safe: it binds 127.0.0.1, checks passwords, honours --readonly and
--max-connections, never turns a client's name into a path, survives clients that send
garbage or vanish, and stops cleanly on SIGTERM/SIGINT."""
from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path

import pymysql
import pytest

from tests.server.conftest import DL, Server, free_port, start


def fetch(conn, sql):  # type: ignore[no-untyped-def]
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def test_binds_localhost_by_default(server: Server) -> None:
    deadline = time.monotonic() + 10  # the line is logged just after the socket listens
    while "on 127.0.0.1:" not in server.output() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "on 127.0.0.1:" in server.output()


def test_wrong_password_is_refused(launch) -> None:  # type: ignore[no-untyped-def]
    server = launch("-u", "app", "-p", "s3cret")
    assert fetch(server.connect(user="app", password="s3cret"), "select count(*) from t") == ((2,),)
    for user, password in (("app", "wrong"), ("app", ""), ("root", "s3cret")):
        with pytest.raises(pymysql.err.OperationalError) as caught:
            server.connect(user=user, password=password)
        assert caught.value.args[0] == 1045


def test_readonly_refuses_every_write(launch) -> None:  # type: ignore[no-untyped-def]
    server = launch("--readonly")
    conn = server.connect()
    for sql in ("insert into t (id) values (9)", "update t set n = 1", "delete from t", "drop table t",
                "create table u (id int primary key)", "call dolt_commit('--allow-empty', '-m', 'x')",
                "call dolt_branch('x')"):
        with pytest.raises(pymysql.err.OperationalError) as caught:
            fetch(conn, sql)
        assert caught.value.args[0] == 1290, sql
    assert fetch(conn, "select count(*) from t") == ((2,),)


def test_max_connections_is_error_1040(launch) -> None:  # type: ignore[no-untyped-def]
    server = launch("--max-connections", "2")
    first, second = server.connect(), server.connect()
    with pytest.raises(pymysql.err.OperationalError) as caught:
        server.connect()
    assert caught.value.args[0] == 1040
    first.close()
    time.sleep(0.3)
    assert fetch(server.connect(), "select 1") == ((1,),)
    assert fetch(second, "select 1") == ((1,),)


def test_database_names_never_become_paths(server: Server) -> None:
    conn = server.connect()
    before = sorted(p.name for p in server.directory.parent.iterdir())
    for name in ("../../etc", "shop_data/../../x", "/tmp/x", "shop_data/../shop_data", "shop_data/\x00"):
        with pytest.raises(pymysql.err.MySQLError) as caught:
            fetch(conn, f"use `{name}`")
        assert caught.value.args[0] in (1049, 1064), name
    with pytest.raises(pymysql.err.OperationalError):
        server.connect(database="../outside")
    assert sorted(p.name for p in server.directory.parent.iterdir()) == before
    assert fetch(conn, "select count(*) from t") == ((2,),)


def _raw(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.recv(4096)  # the server's handshake
    return sock


def test_garbage_half_packets_and_vanishing_clients_cost_only_their_connection(server: Server) -> None:
    good = server.connect()
    random_bytes = _raw(server.port)
    random_bytes.sendall(os.urandom(300))
    half = _raw(server.port)
    half.sendall(struct.pack("<I", 1000)[:3] + b"\x01" + b"\x03abc")  # says 1000 bytes, sends 4
    unknown = _raw(server.port)
    unknown.sendall(b"\x01\x00\x00\x00\xff")  # a packet before the handshake response
    leaving = server.connect()
    leaving._execute_command(3, "select * from t, t as t2, t as t3")  # COM_QUERY sent, answer never read
    leaving._sock.close()
    half.close()
    assert fetch(good, "select count(*) from t") == ((2,),)
    assert fetch(server.connect(), "select active_branch()") == (("main",),)
    for sock in (random_bytes, unknown):
        sock.close()
    assert server.process.poll() is None


def test_sigterm_stops_cleanly_rolling_back_open_transactions(server: Server) -> None:
    committed, open_tx = server.connect(), server.connect()
    fetch(committed, "insert into t (id) values (30)")
    fetch(open_tx, "begin")
    fetch(open_tx, "insert into t (id) values (31)")
    assert server.stop(signal.SIGTERM) == 0
    assert "stopped" in server.output()
    out = subprocess.run([DL, "sql", "-q", "select id from t where id >= 30", "-r", "csv"], cwd=server.directory,
                         capture_output=True, text=True, env={**os.environ}, check=False)
    assert out.stdout == "id\n30\n"


def test_sigint_stops_too(server: Server) -> None:
    fetch(server.connect(), "select 1")
    assert server.stop(signal.SIGINT) == 0


def test_config_file_in_dolts_shape(repo_dir: Path, env: dict[str, str]) -> None:
    port = free_port()
    config = repo_dir.parent / "server.yaml"
    config.write_text(f"log_level: info\nbehavior:\n  read_only: true\nuser:\n  name: app\n  password: pw\n"
                      f"listener:\n  host: 127.0.0.1\n  port: {port}\n  max_connections: 1\n")
    server = start(repo_dir, env, "--config", str(config))  # -P from start() wins over the file
    try:
        conn = server.connect(user="app", password="pw")
        with pytest.raises(pymysql.err.OperationalError) as caught:
            fetch(conn, "insert into t (id) values (9)")
        assert caught.value.args[0] == 1290
        with pytest.raises(pymysql.err.OperationalError) as caught:
            server.connect(user="app", password="pw")
        assert caught.value.args[0] == 1040
    finally:
        server.stop()
    config.write_text("listener:\n  prot: 3306\n")
    bad = subprocess.run([DL, "sql-server", "--config", str(config)], cwd=repo_dir, env=env,
                         capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode != 0 and "unsupported key listener.prot" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_the_mariadb_command_line_client(server: Server) -> None:
    out = subprocess.run(["mariadb", "-h", "127.0.0.1", "-P", str(server.port), "-u", "root", "--batch",
                          "-e", ("select id, name from t order by id; call dolt_checkout('feature'); "
                                 "select active_branch()"), server.database],
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["id\tname", "1\tone", "2\tNULL", "status\tmessage",
                                       "0\tSwitched to branch 'feature'", "active_branch()", "feature"]


def test_worker_processes_share_the_port_and_the_store(launch) -> None:  # type: ignore[no-untyped-def]
    server = launch("--workers", "2")
    conns = [server.connect() for _ in range(6)]
    for i, conn in enumerate(conns):
        fetch(conn, f"insert into t (id) values ({100 + i})")
    for conn in conns:  # every worker sees every other worker's writes (one store)
        assert fetch(conn, "select count(*) from t where id >= 100") == ((6,),)
    assert server.stop(signal.SIGTERM) == 0
