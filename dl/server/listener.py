"""The listening server: connections in, one dl session each, limits, logs and shutdown.

Every connection gets a `DlConnection` over a `DlSession` of its own, whose long statements
run in the listener's worker threads (`DlSession._off_loop`). Over
`max_connections`, a client is refused with MySQL's error 1040 before the handshake. With a
user and password, `mysql_native_password` checks them (a wrong password is MySQL's 1045);
without, any user name is let in, as Dolt's default `root` with no password. A connection
whose client sends garbage, a truncated packet, or leaves mid-query ends alone: its task
fails, is logged, and the others go on. SIGINT/SIGTERM stop listening, close every
connection (open transactions roll back: nothing was landed for them) and return; what was
committed is in the store already, landed by compare-and-swap.

`workers` > 1 forks that many processes listening on one port with SO_REUSEPORT (the kernel
spreads connections), each with its own repository handle over the one store, which takes
concurrent writers; the parent waits for them and forwards the stop signal.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from mysql_mimic import IdentityProvider, NativePasswordAuthPlugin, User
from mysql_mimic.control import LocalControl
from mysql_mimic.stream import MysqlStream

from dl.server.config import ServerConfig
from dl.server.errors import ER_CON_COUNT
from dl.server.protocol import CAPABILITIES, DlConnection

log = logging.getLogger("dl.server")

_LEVELS = {"trace": logging.DEBUG, "debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
           "error": logging.ERROR, "fatal": logging.CRITICAL}


class PasswordProvider(IdentityProvider):
    """One user with a password, checked by mysql_native_password; other names are refused."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.auth_string = user, NativePasswordAuthPlugin.create_auth_string(password)

    def get_plugins(self) -> list[Any]:
        return [NativePasswordAuthPlugin()]

    async def get_user(self, username: str) -> User | None:
        if username != self.user:
            return User(name=username, auth_string="-", auth_plugin=NativePasswordAuthPlugin.name)  # never matches
        return User(name=username, auth_string=self.auth_string, auth_plugin=NativePasswordAuthPlugin.name)


class AnyUserProvider(IdentityProvider):
    """No password configured: every user name is let in (Dolt's default root user)."""

    def get_plugins(self) -> list[Any]:
        return [NativePasswordAuthPlugin()]

    async def get_user(self, username: str) -> User | None:
        return User(name=username, auth_plugin=NativePasswordAuthPlugin.name)


class Listener:
    """Accepts connections for one repository (see the module docstring)."""

    def __init__(self, directory: Path, config: ServerConfig, open_repo: Callable[[], Any]) -> None:
        self.directory, self.config, self.open_repo = directory, config, open_repo
        self.repo: Any = None
        self.control = LocalControl()
        self.identity = PasswordProvider(config.user, config.password) if config.password else AnyUserProvider()
        self.active: set[asyncio.Task[Any]] = set()
        self.server: asyncio.base_events.Server | None = None
        # long statements run here, one at a time per connection (`DlSession._off_loop`);
        # threads start as needed, one per connection at most
        self.executor = ThreadPoolExecutor(max_workers=config.max_connections, thread_name_prefix="dl-session")

    def _session(self) -> Any:
        from dl.server.session import DlSession
        return DlSession(self.repo, author=None, readonly=self.config.read_only, autocommit=self.config.autocommit,
                         executor=self.executor)

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        task = asyncio.current_task()
        stream = MysqlStream(reader, writer)
        if len(self.active) >= self.config.max_connections:
            log.warning("refused %s: too many connections (max %d)", peer, self.config.max_connections)
            refusal = DlConnection(stream=stream, session=None, control=self.control,  # type: ignore[arg-type]
                                   identity_provider=self.identity, server_capabilities=CAPABILITIES)
            refusal.capabilities = CAPABILITIES
            await _quietly(stream.write(refusal.error(msg="Too many connections", code=ER_CON_COUNT)))
            writer.close()
            return
        assert task is not None
        self.active.add(task)
        connection = None
        try:
            connection = DlConnection(stream=stream, session=self._session(), control=self.control,
                                      identity_provider=self.identity, server_capabilities=CAPABILITIES)
            connection.connection_id = await self.control.add(connection)
            log.info("connection %d from %s", connection.connection_id, peer)
            await connection.start()
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            log.info("connection from %s ended: %s", peer, exc or type(exc).__name__)
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # noqa: BLE001 - one connection's failure must not stop the server
            log.error("connection from %s failed: %s: %s", peer, type(exc).__name__, exc)
        finally:
            self.active.discard(task)
            if connection is not None:
                await self.control.remove(connection.connection_id)
                log.info("connection %d closed", connection.connection_id)
            writer.close()

    async def serve(self, sock: socket.socket | None = None) -> None:
        """Serves until SIGINT/SIGTERM (or `stop`)."""
        self.repo = self.open_repo()
        _warm()
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping.set)
        self._stopping = stopping
        if sock is not None:
            self.server = await asyncio.start_server(self._connected, sock=sock)
        else:
            self.server = await asyncio.start_server(self._connected, host=self.config.host, port=self.config.port)
        log.info("serving %s on %s:%d", self.directory, self.config.host, self.port)
        try:
            await stopping.wait()
        finally:
            log.info("stopping: closing %d connection(s)", len(self.active))
            self.server.close()
            for task in list(self.active):
                task.cancel()
            await asyncio.gather(*self.active, return_exceptions=True)  # each waits for its call to end
            self.executor.shutdown(wait=True)
            self.repo.close()
            log.info("stopped")

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])


def _warm() -> None:
    """Imports what the first statements need (dl's SQL session, DuckDB, the compiled plans)
    before the first client comes, not during its first queries: a server starts once."""
    import duckdb  # noqa: F401
    import dl.sql.plans  # noqa: F401
    import dl.sql.session  # noqa: F401


async def _quietly(awaitable: Any) -> None:
    try:
        await awaitable
    except (ConnectionError, OSError):
        pass


def configure_logging(level: str) -> None:
    logging.basicConfig(level=_LEVELS[level], format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # mysql-mimic logs every error a client caused with a traceback; dl logs them in one line
    logging.getLogger("mysql_mimic").setLevel(logging.DEBUG if level in ("trace", "debug") else logging.CRITICAL)


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A listening socket that other worker processes can bind as well (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(512)
    sock.setblocking(False)
    return sock


def run(directory: Path, config: ServerConfig, open_repo: Callable[[], Any], workers: int = 1) -> None:
    """Runs the server in this process, or in `workers` forked processes sharing the port."""
    configure_logging(config.log_level)
    if workers <= 1:
        asyncio.run(Listener(directory, config, open_repo).serve())
        return
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker: its own event loop, repository handle and socket
            try:
                sock = reuse_port_socket(config.host, config.port)
                asyncio.run(Listener(directory, config, open_repo).serve(sock))
            finally:
                os._exit(0)
        children.append(pid)
    def stop(*_: object) -> None:
        for pid in children:
            _kill(pid)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for pid in children:
        while True:
            try:
                os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
            except ChildProcessError:
                break


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
