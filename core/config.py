"""Configuration values (`user.name`, `user.email`, ...): global and per repository.

Two JSON files: the global one (its path is given by the caller; the CLI uses one in the
user's home) and the repository's `.dl/config.json`. Repository values win. Files are
replaced atomically (write a temp file, then rename). Keys and values may not hold control
characters: a `user.name` with a newline would forge lines in `dl log`, an ESC would drive the
terminal of whoever reads the history.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from dl.core.errors import InputError

KNOWN_KEYS = {"user.name", "user.email", "init.defaultbranch", "core.editor"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def check_config_text(what: str, text: str) -> str:
    """Returns `text` unless it holds a control character (newline, ESC, ...); then `InputError`."""
    found = _CONTROL.search(text)
    if found:
        raise InputError(f"{what} may not contain control characters (found U+{ord(found.group()):04X} "
                         f"at position {found.start() + 1})")
    return text


class ConfigFile:
    """One JSON file of string keys and values."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def read(self) -> dict[str, str]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            value = json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read config file {self.path}: {exc}") from None
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

    def write(self, values: dict[str, str]) -> None:
        if self.path is None:
            raise InputError("no config file to write to")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # only a write needs it: light commands start without it
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".config.")
        with os.fdopen(fd, "w") as out:
            json.dump(values, out, indent=2, sort_keys=True)
        os.replace(tmp, self.path)

    def set(self, key: str, value: str) -> None:
        check_config_text("a config key", key)
        check_config_text(f"the value of {key}", value)
        values = self.read()
        values[key] = value
        self.write(values)

    def unset(self, key: str) -> bool:
        values = self.read()
        if key not in values:
            return False
        del values[key]
        self.write(values)
        return True


class Config:
    """Repository config over global config."""

    def __init__(self, global_path: Path | None, repo_path: Path | None) -> None:
        self.global_file = ConfigFile(global_path)
        self.repo_file = ConfigFile(repo_path)

    def get(self, key: str) -> str | None:
        return self.repo_file.read().get(key) or self.global_file.read().get(key)

    def merged(self) -> dict[str, str]:
        return {**self.global_file.read(), **self.repo_file.read()}
