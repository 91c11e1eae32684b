"""`dl sql-server`: serve the repository over the MySQL protocol (`dl.server`)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import typer

from dl.context import global_config_path, start_dir


def sql_server(ctx: typer.Context,
               host: str = typer.Option(None, "-H", "--host", help="Address to listen on (default 127.0.0.1)."),
               port: int = typer.Option(None, "-P", "--port", help="Port to listen on (default 3306)."),
               user: str = typer.Option(None, "-u", "--user", help="User name clients log in with (default root)."),
               password: str = typer.Option(None, "-p", "--password", help="Password for --user (default none)."),
               readonly: bool = typer.Option(False, "--readonly", help="Refuse every write."),
               loglevel: str = typer.Option(None, "-l", "--loglevel",
                                            help="trace, debug, info, warning, error or fatal."),
               max_connections: int = typer.Option(None, "--max-connections",
                                                   help="Connections served at once (default 100)."),
               config: Path = typer.Option(None, "--config", help="A YAML file with Dolt's sql-server keys."),
               workers: int = typer.Option(1, "--workers",
                                           help="Server processes sharing the port (SO_REUSEPORT).")) -> None:
    """Serve the repository to MySQL clients, each connection a session on its own branch.

    The database is named after the repository's directory; `USE db/branch` and `db/<commit>`
    as in Dolt. Stops on Ctrl-C or SIGTERM.

    Example: dl sql-server -P 3307 -u app -p secret   (then: mysql -h 127.0.0.1 -P 3307 -u app -p)
    """
    from dl.core.repo import Repository, find_repository
    from dl.server.config import ServerConfig, load_config
    from dl.server.listener import run
    directory = find_repository(start_dir(ctx))
    settings = load_config(config) if config is not None else ServerConfig()
    given: dict[str, Any] = {"host": host, "port": port, "user": user, "password": password,
                             "log_level": loglevel.lower() if loglevel else None, "max_connections": max_connections}
    settings = replace(settings, **{k: v for k, v in given.items() if v is not None})
    if readonly:
        settings = replace(settings, read_only=True)
    config_file = global_config_path()
    run(directory, settings.check(), lambda: Repository.open(directory, global_config=config_file),
        workers=max(1, workers))


def register(app: typer.Typer) -> None:
    app.command("sql-server")(sql_server)
