"""Working-set chunks: the merge state readers trust is checked when the chunk is read."""
from __future__ import annotations

import pytest
from dl.core.errors import IntegrityError
from dl.core.hashing import address_of
from dl.core.versioning.workingset import WorkingSet

ROOT = address_of(b"a root")


def test_merge_state_with_schema_conflicts_round_trips() -> None:
    state = {"kind": "merge", "conflicts": [], "schema_conflicts": {"t": "cannot merge a table deletion with "
                                                                         "data modification"},
             "schema_base_root": ROOT.hex}
    ws = WorkingSet(ROOT, ROOT, state)
    assert WorkingSet.decode(ws.encode()) == ws


@pytest.mark.parametrize("schema_conflicts", [["t"], {"t": 1}, "t"])
def test_malformed_schema_conflicts_are_an_integrity_error(schema_conflicts: object) -> None:
    data = WorkingSet(ROOT, ROOT, {"kind": "merge", "schema_conflicts": schema_conflicts}).encode()
    with pytest.raises(IntegrityError, match="malformed merge state \\(schema conflicts\\)"):
        WorkingSet.decode(data)
