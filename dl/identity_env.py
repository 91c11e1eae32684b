"""Who and when a commit records, from the environment: `$DL_<part>` else `$DOLT_<part>`
(AUTHOR_NAME, AUTHOR_EMAIL, AUTHOR_DATE, COMMITTER_NAME, ...), as Dolt reads them. Kept apart
from the commands so that `dl sql` (which starts its session's @@dolt_author_* variables from
them) and `dl commit`/`merge` share them without importing each other's command modules."""
from __future__ import annotations

from typing import Any


def author_date_from_environment() -> tuple[str | None, str]:
    """The commit time the environment sets (dl's name first, then Dolt's), and its name."""
    return environment_value("AUTHOR_DATE")


def environment_value(part: str) -> tuple[str | None, str]:
    """$DL_<part>, else $DOLT_<part> (as Dolt names them: AUTHOR_NAME, COMMITTER_DATE...), and
    the name of the variable it came from."""
    import os
    for name in (f"DL_{part}", f"DOLT_{part}"):
        if os.environ.get(name):
            return os.environ[name], name
    return None, ""


def environment_person(config: Any, role: str) -> Any:
    """The author or committer (`role`: AUTHOR or COMMITTER) that $DOLT_<role>_NAME and
    _EMAIL set, each over the configured user.name / user.email; None if neither is set."""
    from dl.core.repo import require_author
    name, _ = environment_value(f"{role}_NAME")
    email, _ = environment_value(f"{role}_EMAIL")
    if not name and not email:
        return None
    return require_author(name or config.get("user.name"), email or config.get("user.email"))


def identity_variables_from_environment() -> dict[str, str]:
    """The session variables (@@dolt_author_name...) that $DOLT_AUTHOR_NAME and its kin set,
    for `dl sql` to start its session with, as Dolt's SQL client does."""
    found = {}
    for role in ("AUTHOR", "COMMITTER"):
        for part in ("NAME", "EMAIL", "DATE"):
            value, _ = environment_value(f"{role}_{part}")
            if value:
                found[f"dolt_{role.lower()}_{part.lower()}"] = value
    return found
