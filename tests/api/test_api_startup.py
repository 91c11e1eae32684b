"""`import dl` stays cheap: the API's names load on first use, and neither `import dl` nor
naming `dl.Repo` imports pyarrow, duckdb or sqlglot (checked in a fresh interpreter)."""
from __future__ import annotations

import subprocess
import sys

import pytest

import dl

HEAVY = ("pyarrow", "duckdb", "sqlglot", "numpy", "pandas", "polars")


@pytest.mark.parametrize("code", ["import dl", "import dl; dl.Repo; dl.open; dl.init; dl.Error; dl.NotFound",
                                  "import dl.app"])
def test_import_loads_no_heavy_module(code: str) -> None:
    probe = f"{code}\nimport sys\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == ""


def test_names_and_docs() -> None:
    assert set(dl.__all__) <= set(dir(dl))
    for name in dl.__all__:
        assert getattr(dl, name) is not None
    with pytest.raises(AttributeError):
        dl.no_such_name  # noqa: B018
    assert dl.Repo.__doc__ and dl.open.__doc__ and dl.init.__doc__
    public = [getattr(dl.Repo, n) for n in dir(dl.Repo) if not n.startswith("_")]
    assert all(member.__doc__ for member in public if callable(member))
