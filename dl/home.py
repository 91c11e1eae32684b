"""Where dl keeps a user's global files: the one reading of `DL_HOME` (and Dolt's `DOLT_ROOT_PATH`).

Kept apart from the API so that `dl sql -q`'s fast path (`dl.fast_sql`) finds the global
config without importing the API package.
"""
from __future__ import annotations

import os
from pathlib import Path


def global_config_path() -> Path:
    """`$DL_HOME/config_global.json`, default `~/.dl/config_global.json` (as Dolt's ~/.dolt).
    Without DL_HOME, Dolt's `DOLT_ROOT_PATH` stands for the home directory, as in Dolt
    (`$DOLT_ROOT_PATH/.dl/config_global.json`), so scripts that isolate Dolt's config isolate dl's."""
    home = os.environ.get("DL_HOME")
    if not home:
        root = os.environ.get("DOLT_ROOT_PATH")
        home = str(Path(root) / ".dl") if root else str(Path.home() / ".dl")
    return Path(home) / "config_global.json"
