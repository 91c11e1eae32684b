"""The remotes a repository knows and each branch's upstream, kept in `.dl/remotes.json`.

Dolt keeps these in its repo state file, git in its config; dl keeps them beside the store in
one small JSON file, replaced atomically (temp file, then rename), so a kill leaves the old
file or the new. Refs never live here: remote-tracking branches are refs in the store
(`refs/remotes/<remote>/<branch>`), moved by compare-and-swap like every other ref.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dl.core.errors import AlreadyExists, DlError, InputError, NotFound
from dl.core.names import check_ref_name


class UnknownRemote(NotFound):
    """A remote name that is not configured (Dolt's and git's wording)."""

    def __init__(self, name: str) -> None:  # Dolt's wording, not NotFound's
        self.kind, self.name, self.hint = "remote", name, "see dl remote -v"
        DlError.__init__(self, f"unknown remote: '{name}'; {self.hint}")

class MissingRemote(NotFound):
    """A fetch, pull or push names a remote that is not configured (Dolt's wording there)."""

    def __init__(self, name: str) -> None:
        super().__init__("remote", name, "", f"fatal: remote '{name}' not found. Please make sure "
                                            "the remote exists (dl remote -v lists them).")


FILE = "remotes.json"
INVALID_NAME_CHARACTERS = " \t\n\r./\\!@#$%^&*(){}[],<>'\"?=+|:~`;"  # Dolt's, and git's ref rules


def check_remote_name(name: str) -> None:
    """Refuses a remote name Dolt refuses (a space, `/`, `@`, ...), before anything changes."""
    bad = sorted({c for c in name if c in INVALID_NAME_CHARACTERS})
    if bad:
        raise InputError(f"remote name invalid: {name!r} (it may not contain {' '.join(map(repr, bad))})")
    check_ref_name("remote", name)


@dataclass(frozen=True)
class RemoteSpec:
    """A named remote: its URL and parameters (such as an S3 `endpoint`)."""

    name: str
    url: str
    params: dict[str, str] = field(default_factory=dict)

    def shown_params(self) -> str:
        """The parameters as Dolt shows them (`remote -v`, `dolt_remotes.params`): a JSON object
        with Dolt's key names, `{}` when there are none."""
        shown = {PARAM_NAMES.get(k, k): v for k, v in sorted(self.params.items())}
        return json.dumps(shown, separators=(", ", ": "))


PARAM_NAMES = {"region": "aws-region", "profile": "aws-creds-profile"}  # stored key -> Dolt's


@dataclass(frozen=True)
class Upstream:
    """The remote branch a local branch tracks (git's branch.<b>.remote / .merge); remote
    `LOCAL` (".", as git writes it) means another local branch."""

    remote: str
    branch: str

    @property
    def name(self) -> str:
        """How it is shown: `origin/main`, or `main` for a local upstream."""
        return self.branch if self.remote == LOCAL else f"{self.remote}/{self.branch}"


LOCAL = "."


class RemoteSettings:
    """Reads and writes `.dl/remotes.json` (`path` None: a repository in memory, none kept)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def _read(self) -> dict[str, Any]:
        if self.path is None or not self.path.exists():
            return {"remotes": {}, "branches": {}}
        try:
            value = json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read {self.path}: {exc}") from None
        if not isinstance(value, dict):
            raise InputError(f"{self.path} is not a JSON object")
        value.setdefault("remotes", {})
        value.setdefault("branches", {})
        return value

    def _write(self, value: dict[str, Any]) -> None:
        if self.path is None:
            raise InputError("a repository in memory keeps no remotes")
        import tempfile  # only a write needs it: light commands start without it
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".remotes.")
        with os.fdopen(fd, "w") as out:
            json.dump(value, out, indent=2, sort_keys=True)
        os.replace(tmp, self.path)

    def remotes(self) -> dict[str, RemoteSpec]:
        return {name: RemoteSpec(name, spec["url"], dict(spec.get("params", {})))
                for name, spec in sorted(self._read()["remotes"].items())}

    def remote(self, name: str) -> RemoteSpec:
        found = self.remotes().get(name)
        if found is None:
            raise UnknownRemote(name)
        return found

    def add(self, spec: RemoteSpec) -> None:
        check_remote_name(spec.name)
        value = self._read()
        if spec.name in value["remotes"]:
            raise AlreadyExists("remote", spec.name)
        value["remotes"][spec.name] = {"url": spec.url, "params": spec.params}
        self._write(value)

    def remove(self, name: str) -> None:
        value = self._read()
        if name not in value["remotes"]:
            raise NotFound("remote", name)
        del value["remotes"][name]
        value["branches"] = {b: u for b, u in value["branches"].items() if u.get("remote") != name}
        self._write(value)

    def upstream(self, branch: str) -> Upstream | None:
        found = self._read()["branches"].get(branch)
        return Upstream(found["remote"], found["merge"]) if found else None

    def set_upstream(self, branch: str, upstream: Upstream) -> None:
        value = self._read()
        value["branches"][branch] = {"remote": upstream.remote, "merge": upstream.branch}
        self._write(value)
