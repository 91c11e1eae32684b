"""A valid CSV whose record is longer than Arrow's read block (a 4 MB field) imports: the read
is retried with larger blocks instead of failing with "straddling object"."""
from __future__ import annotations

from pathlib import Path

import pytest
from dl.core.io import read_table_file

FIELD = "x" * (4 << 20)


@pytest.mark.parametrize("text", [
    f"id,a\n1,{FIELD}\n2,y\n",                         # unquoted
    f'id,a\n1,"{FIELD[:-5]}\nz, w"\n2,y\n',            # quoted, with a newline and a delimiter inside
    f"id,a\n2,y\n1,{FIELD}",                           # last, without a final newline
])
def test_a_4mb_field_imports(tmp_path: Path, text: str) -> None:
    path = tmp_path / "long.csv"
    path.write_text(text)
    result = read_table_file(path)
    values = dict(zip(result.table.column("id").to_pylist(), result.table.column("a").to_pylist()))
    assert values[2] == "y" and len(values[1]) == len(FIELD)
    assert sorted(result.line_numbers.tolist()) == ([2, 3] if "\nz, w" not in text else [2, 4])
