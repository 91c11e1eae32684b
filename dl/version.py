"""dl's version, read from the installed distribution's metadata (one source: pyproject.toml)."""
from __future__ import annotations


def installed_version() -> str:
    """The version of the installed `dl` distribution, e.g. `0.1.0`."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("dl")
    except PackageNotFoundError:  # pragma: no cover - a checkout that is not installed
        return "unknown"
