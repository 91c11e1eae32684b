"""Working sets: per branch, the working root, the staged root, and merge state.

The working set is one chunk named by the ref `workingSets/heads/<branch>`, moved only by
compare-and-swap, so a SQL statement in one process and a commit in another never lose each
other's changes: the loser re-reads and retries, or fails cleanly.

Merge state (while a merge or cherry-pick waits for conflict resolution) is an open JSON
object owned by core.versioning.merge_commits; this module only carries it, and checks the
parts every reader trusts: addresses, the tables with data conflicts (`conflicts`), and the
tables with schema conflicts and their descriptions (`schema_conflicts`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from dl.core.chunks import decode_json_chunk, encode_json_chunk, parse_address
from dl.core.errors import IntegrityError
from dl.core.hashing import Address, address_of
from dl.core.maintenance.links import merge_state_links

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
        _check_merge_state(merge, address)
        return WorkingSet(parse_address(value.get("working"), address),
                          parse_address(value.get("staged"), address), merge)

    @property
    def address(self) -> Address:
        return address_of(self.encode())

    def with_working(self, working: Address) -> "WorkingSet":
        return replace(self, working=working)

    def with_staged(self, staged: Address) -> "WorkingSet":
        return replace(self, staged=staged)


def _check_merge_state(merge: Any, address: Address | None) -> None:
    """A merge state its readers can trust: an object whose roots and commit are addresses
    and whose conflicts are table names; else an `IntegrityError` naming the chunk."""
    merge_state_links(merge, address)  # raises on a malformed object or address
    conflicts = merge.get("conflicts", []) if merge is not None else []
    if not isinstance(conflicts, list) or not all(isinstance(c, str) for c in conflicts):
        name = address.hex if address else "?"
        raise IntegrityError(f"chunk {name}: malformed merge state (conflicts)", name)
    schema = merge.get("schema_conflicts", {}) if merge is not None else {}
    if not isinstance(schema, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in schema.items()):
        name = address.hex if address else "?"
        raise IntegrityError(f"chunk {name}: malformed merge state (schema conflicts)", name)
