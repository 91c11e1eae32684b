"""The server's settings: Dolt's `sql-server` flags and the keys of its YAML config file.

    log_level: info
    behavior: {read_only: false, autocommit: true}
    user: {name: root, password: ""}
    listener: {host: 127.0.0.1, port: 3306, max_connections: 100}

Flags given on the command line win over the file, as in Dolt. The host defaults to
127.0.0.1: the server is reachable from other machines only when told so.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dl.core.errors import UsageError

LOG_LEVELS = ("trace", "debug", "info", "warning", "error", "fatal")


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 3306
    user: str = "root"
    password: str = ""
    read_only: bool = False
    autocommit: bool = True
    log_level: str = "info"
    max_connections: int = 100

    def check(self) -> ServerConfig:
        if not 0 <= self.port <= 65535:
            raise UsageError(f"port {self.port} is not a TCP port (0-65535)")
        if self.max_connections < 1:
            raise UsageError("max_connections must be at least 1")
        if self.log_level not in LOG_LEVELS:
            raise UsageError(f"unknown log level {self.log_level!r} (choose from {', '.join(LOG_LEVELS)})")
        return self


def load_config(path: Path) -> ServerConfig:
    """The settings a Dolt-shaped YAML file gives (unknown keys are refused, not ignored)."""
    import yaml
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"config file {path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise UsageError(f"config file {path}: expected a mapping of Dolt's keys")
    return _from_mapping(data, path).check()


_KEYS: dict[tuple[str, ...], tuple[str, type]] = {
    ("log_level",): ("log_level", str),
    ("behavior", "read_only"): ("read_only", bool),
    ("behavior", "autocommit"): ("autocommit", bool),
    ("user", "name"): ("user", str),
    ("user", "password"): ("password", str),
    ("listener", "host"): ("host", str),
    ("listener", "port"): ("port", int),
    ("listener", "max_connections"): ("max_connections", int),
}


def _from_mapping(data: dict[str, Any], path: Path) -> ServerConfig:
    values: dict[str, Any] = {}
    for key, value in _flatten(data):
        if key not in _KEYS:
            raise UsageError(f"config file {path}: unsupported key {'.'.join(key)}")
        field, kind = _KEYS[key]
        if value is None:
            continue
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise UsageError(f"config file {path}: {'.'.join(key)} must be a{'n' if kind is int else ''} "
                             f"{kind.__name__}, got {value!r}")
        values[field] = value.lower() if field == "log_level" else value
    return replace(ServerConfig(), **values)


def _flatten(data: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    out: list[tuple[tuple[str, ...], Any]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            out += _flatten(value, prefix + (str(key),))
        else:
            out.append((prefix + (str(key),), value))
    return out
