"""Arguments of Dolt's procedures, parsed like their command lines, and the status result.

`parse_flags` reads git-style arguments (`-am msg` clusters, `--flag value`, `--flag=value`);
an unknown flag is an error, never ignored. Shared by `sql.procedures` and
`sql.remote_procedures`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from dl.sql.errors import SqlError


@dataclass(frozen=True)
class FlagSpec:
    """Flags a procedure accepts: name -> takes a value; short aliases map to long names."""

    flags: dict[str, bool]
    aliases: dict[str, str] = field(default_factory=dict)


@dataclass
class Parsed:
    flags: dict[str, Any]
    args: list[str]


def parse_flags(procedure: str, args: list[str], spec: FlagSpec) -> Parsed:
    """Parses git-style arguments: `-am msg` clusters, `--flag value`, `--flag=value`."""
    flags: dict[str, Any] = {}
    positional: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg[2:].partition("=")
            i = _take(procedure, spec, "--" + name, value if eq else None, args, i, flags)
        elif arg.startswith("-") and len(arg) > 1 and arg != "-":
            cluster = arg[1:]
            for j, letter in enumerate(cluster):
                rest = cluster[j + 1:]
                long = spec.aliases.get("-" + letter)
                if long is None:
                    raise SqlError(f"{procedure}: unknown option -{letter}")
                if spec.flags[long]:
                    i = _take(procedure, spec, long, rest or None, args, i, flags)
                    break
                flags[long] = True
            else:
                i += 1
        else:
            positional.append(arg)
            i += 1
    return Parsed(flags, positional)


def _take(procedure: str, spec: FlagSpec, name: str, value: str | None, args: list[str], i: int,
          flags: dict[str, Any]) -> int:
    if name not in spec.flags:
        raise SqlError(f"{procedure}: unknown option {name}")
    if not spec.flags[name]:
        if value is not None:
            raise SqlError(f"{procedure}: option {name} takes no value")
        flags[name] = True
        return i + 1
    if value is not None:
        flags[name] = value
        return i + 1
    if i + 1 >= len(args):
        raise SqlError(f"no value for option `{name.lstrip('-')}'")  # Dolt's words, from every procedure
    flags[name] = args[i + 1]
    return i + 2


# --- results -----------------------------------------------------------------------------

def status_table(message: str | None = None) -> pa.Table:
    columns: dict[str, pa.Array] = {"status": pa.array([0], pa.int64())}
    if message is not None:
        columns["message"] = pa.array([message], pa.string())
    return pa.table(columns)
