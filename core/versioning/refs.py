"""Names of refs in the store, and reading them as addresses.

Refs are rows in the store, never files: `HEAD` holds `refs/heads/<branch>` (the current
branch), `refs/heads/<b>` a commit address, `refs/tags/<t>` a tag chunk address, and
`workingSets/heads/<b>` the branch's working set, `refs/stash/<n>` a stash,
`refs/remotes/<remote>/<b>` the commit branch b of a remote had when last fetched or pushed.
"""
from __future__ import annotations

from dl.core.errors import IntegrityError
from dl.core.hashing import Address

HEAD = "HEAD"
BRANCH_PREFIX = "refs/heads/"
TAG_PREFIX = "refs/tags/"
WORKING_SET_PREFIX = "workingSets/heads/"
STASH_PREFIX = "refs/stash/"
REMOTE_PREFIX = "refs/remotes/"  # refs/remotes/<remote>/<branch>: remote-tracking branches


def branch_ref(name: str) -> str:
    return BRANCH_PREFIX + name


def tag_ref(name: str) -> str:
    return TAG_PREFIX + name


def working_set_ref(branch: str) -> str:
    return WORKING_SET_PREFIX + branch


def ref_address(name: str, value: str | None) -> Address | None:
    """A ref's value as an address; `IntegrityError` naming the ref if it is not one."""
    if value is None:
        return None
    try:
        return Address(bytes.fromhex(value))
    except ValueError:
        raise IntegrityError(f"ref {name} holds {value[:60]!r}, not an address") from None
