"""Command-line values of plain types converted without pydantic, for a fast start-up.

typer >= 0.22 converts every parameter's value through a pydantic `TypeAdapter`, built the
first time the parameter is processed, even when its value is absent: `dl status` paid ~75 ms
(more on a loaded machine) to import pydantic for the global `--data-dir` option alone. The
parameters of dl's commands are nearly all `str`, `int`, `bool`, `Path` or lists of strings, and for
those the conversion is plain: the string itself, `int(text)`, `Path(text)`, a flag's bool, a list of the strings given. `install()` gives
typer a builder that converts those directly and hands every other parameter (enums, other
lists, path checks, custom parsers) and every value off the plain case (a malformed or
out-of-range number) to typer's own conversion, so
behaviour stays typer's, and pydantic is imported only by a command that needs it.

It hooks typer's internal `build_runtime_param`; with a typer that has no such hook (an
older, click-based one) `install()` does nothing.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_INTEGER = re.compile(r"\s*[+-]?\d+\s*")
_installed = False
_UNCONVERTED = object()


def install() -> None:
    """Makes typer convert plain parameters without pydantic (once per process)."""
    global _installed
    if _installed:
        return
    try:
        from typer import core as typer_core
        from typer._coercion import RuntimeParam
    except ImportError:  # pragma: no cover - a typer without the pydantic layer
        return
    found = getattr(typer_core, "build_runtime_param", None)
    if found is None:  # pragma: no cover
        return
    original: Callable[[Any], Any] = found
    _installed = True

    @dataclass(frozen=True)
    class PlainParam(RuntimeParam):  # type: ignore[misc]
        """A plain parameter; anything else (a malformed or out-of-range number, a flag given
        as text) goes to typer's own conversion, which words the error as it always does."""

        descriptor: Any = None
        fallback: list[Any] = field(default_factory=list)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            converted = _convert(self.annotation, self.parameter_info, value)
            if converted is not _UNCONVERTED:
                return converted
            if not self.fallback:
                self.fallback.append(original(self.descriptor))
            return self.fallback[0]._coerce_value(value, param, ctx)

    def build(descriptor: Any) -> Any:
        if _is_plain(descriptor):
            return PlainParam(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation,
                              descriptor=descriptor)
        return original(descriptor)

    setattr(typer_core, "build_runtime_param", build)  # noqa: B010 - typer's internal hook


def _convert(kind: Any, info: Any, value: Any) -> Any:
    """`value` as `kind`, or `_UNCONVERTED` when it is not the plain case."""
    if kind is str and isinstance(value, str):
        return value
    if kind is Path and isinstance(value, (str, Path)):
        return Path(value)
    if kind is bool and type(value) is bool:
        return value
    if kind is int and (type(value) is int or (isinstance(value, str) and _INTEGER.fullmatch(value))):
        number = int(value)
        low, high = getattr(info, "min", None), getattr(info, "max", None)
        if (low is None or number >= low) and (high is None or number <= high):
            return number
    if kind == list[str] and isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    return _UNCONVERTED


def _is_plain(descriptor: Any) -> bool:
    info, kind = descriptor.parameter_info, descriptor.annotation
    if getattr(descriptor, "file_annotation", None) is not None or getattr(info, "parser", None) is not None:
        return False
    if kind in (str, bool, int) or kind == list[str]:
        return True
    if kind is Path:
        defaults = {"exists": False, "file_okay": True, "dir_okay": True, "writable": False,
                    "readable": True, "resolve_path": False, "allow_dash": False, "path_type": None}
        return all(getattr(info, name, value) == value for name, value in defaults.items())
    return False
