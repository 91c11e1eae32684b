"""dl.plain_params: plain parameter values converted without pydantic, everything else left to
typer (so its error messages stay the same)."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from cli_helpers import Dl

from dl import plain_params
from dl.plain_params import _UNCONVERTED, _convert

NO_BOUNDS = SimpleNamespace(min=None, max=None)


def test_plain_values_convert_directly() -> None:
    assert _convert(str, NO_BOUNDS, "main") == "main"
    assert _convert(Path, NO_BOUNDS, "a/b") == Path("a/b")
    assert _convert(bool, NO_BOUNDS, True) is True
    assert _convert(int, NO_BOUNDS, " -12 ") == -12
    assert _convert(int, SimpleNamespace(min=0, max=None), "3") == 3
    assert _convert(list[str], NO_BOUNDS, ("a", "b")) == ["a", "b"]


def test_other_values_are_left_to_typer() -> None:
    assert _convert(int, NO_BOUNDS, "x") is _UNCONVERTED
    assert _convert(int, SimpleNamespace(min=0, max=None), "-1") is _UNCONVERTED
    assert _convert(int, NO_BOUNDS, "1.5") is _UNCONVERTED
    assert _convert(bool, NO_BOUNDS, "yes") is _UNCONVERTED
    assert _convert(list[int], NO_BOUNDS, ("1",)) is _UNCONVERTED


def test_errors_are_typers_own(dl: Dl, repo: Path) -> None:
    plain_params.install()
    assert dl.fails("log", "-n", "x", code=2) == ("Invalid value for '-n' / '--number': Input should be a "
                                                  "valid integer, unable to parse string as an integer")
    assert dl.fails("log", "-n", "-1", code=2).startswith("Invalid value for '-n' / '--number'")
    assert dl.ok("log", "-n", "1").count("commit ") == 1
