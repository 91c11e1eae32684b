"""Who the commits of a SQL session are by: Dolt's session variables for commit identity.

`SET @@dolt_author_name = ...` (and `dolt_author_email`, `dolt_author_date`, and the same three
for `dolt_committer_`) name the author and the committer of the commits the session's
procedures make (dolt_commit, dolt_merge...). A variable left empty falls back to the session's
user (a server client's, else the repository's configured user.name / user.email); an author
and a committer that come out the same are one person, recorded once (see `core.repo`). The
`dl sql` command seeds these variables from the environment (`DOLT_AUTHOR_NAME`...), as Dolt's
client does, so `DOLT_COMMITTER_NAME=x dl sql -q "call dolt_commit(...)"` works as on the
command line.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dl.core.repo import Author
from dl.sql.errors import SqlError

ROLES = ("author", "committer")
VARIABLES = tuple(f"dolt_{role}_{part}" for role in ROLES for part in ("name", "email", "date"))


@dataclass(frozen=True)
class Identity:
    """Who a procedure's commit is by; None: the repository's default (its configured user)."""

    author: Author | None = None
    committer: Author | None = None
    author_time: float | None = None
    commit_time: float | None = None


def session_identity(variables: Mapping[str, Any], user: Author | None, configured: tuple[str | None, str | None]
                     ) -> Identity:
    """The identity the session variables give, over the session's `user` (a server client) or
    else the `configured` (user.name, user.email)."""
    base_name, base_email = (user.name, user.email) if user is not None else configured
    people: list[Author | None] = []
    for role in ROLES:
        name = str(variables.get(f"dolt_{role}_name") or "")
        email = str(variables.get(f"dolt_{role}_email") or "")
        if not name and not email:
            people.append(user)
            continue
        name, email = name or base_name or "", email or base_email or ""
        if not name or not email:
            raise SqlError(f"@@dolt_{role}_{'name' if not name else 'email'} is not set, and no "
                           f"user.{'name' if not name else 'email'} is configured")
        people.append(Author(name, email))
    return Identity(people[0], people[1], _date(variables, "author"), _date(variables, "committer"))


def committer_with_author_flag(session_author: Author | None, session_committer: Author | None,
                               flag_author: Author) -> Author | None:
    """The committer of a commit made with `--author`: as Dolt (whose older versions took the
    author for the committer), the flag's author commits too, unless the session names a
    committer apart from its author (@@dolt_committer_*, $DOLT_COMMITTER_NAME...). None: the
    configured user."""
    return flag_author if session_author == session_committer else session_committer


def _date(variables: Mapping[str, Any], role: str) -> float | None:
    text = str(variables.get(f"dolt_{role}_date") or "").strip()
    return parse_date(text, f"@@dolt_{role}_date") if text else None


def parse_date(text: str, source: str) -> float:
    """The POSIX time of an ISO date/time given by `source` (a flag or a session variable);
    without a zone, UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SqlError(f"{source}: not an ISO date/time: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
