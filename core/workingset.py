"""Working sets: per branch, the working root, the staged root, and merge state.

The working set is one chunk named by the ref `workingSets/heads/<branch>`, moved only by
compare-and-swap, so a SQL statement in one process and a commit in another never lose each
other's changes: the loser re-reads and retries, or fails cleanly.

Merge state (while a merge or cherry-pick waits for conflict resolution) is an open JSON
object owned by core.merge; this module only carries it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from core.chunks import decode_json_chunk, encode_json_chunk, parse_address
from core.hashing import Address, address_of

TAG = "W"


@dataclass(frozen=True)
class WorkingSet:
    """Working and staged roots of one branch, and the merge in progress if any."""

    working: Address
    staged: Address
    merge: dict[str, Any] | None = None

    def encode(self) -> bytes:
        value: dict[str, Any] = {"working": self.working.hex, "staged": self.staged.hex}
        if self.merge is not None:
            value["merge"] = self.merge
        return encode_json_chunk(TAG, value)

    @staticmethod
    def decode(data: bytes, address: Address | None = None) -> "WorkingSet":
        value = decode_json_chunk(TAG, data, address)
        merge = value.get("merge")
        return WorkingSet(parse_address(value.get("working"), address),
                          parse_address(value.get("staged"), address),
                          merge if isinstance(merge, dict) else None)

    @property
    def address(self) -> Address:
        return address_of(self.encode())

    def with_working(self, working: Address) -> "WorkingSet":
        return replace(self, working=working)

    def with_staged(self, staged: Address) -> "WorkingSet":
        return replace(self, staged=staged)
