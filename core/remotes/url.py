"""What a remote URL names: a directory (`file:///path`, `file://relative/path` as Dolt reads
it, or a plain path) or an S3-compatible bucket and prefix (`s3://bucket/prefix`). Anything
else is refused with the schemes dl knows.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dl.core.errors import InputError

SCHEMES = ("file", "s3")


@dataclass(frozen=True)
class RemoteUrl:
    """A parsed remote URL: `scheme` is file or s3; `path` a directory, or bucket + prefix."""

    scheme: str
    path: str = ""
    bucket: str = ""
    prefix: str = ""

    @property
    def directory(self) -> Path:
        return Path(self.path)


def parse_url(text: str, base: Path | None = None) -> RemoteUrl:
    """Parses `text`; a relative plain path is taken relative to `base` (then made absolute)."""
    text = text.strip()
    if not text:
        raise InputError("empty remote URL")
    if "://" not in text:
        if ":" in text.split("/")[0] and not Path(text).exists():
            scheme = text.split(":")[0]
            raise InputError(f"unknown remote URL scheme {scheme!r} in {text}: "
                             "use file:///path, a directory path, or s3://bucket/prefix")
        path = Path(text).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        return RemoteUrl("file", str(path.resolve()))
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme == "file":
        # Dolt's reading: what follows `file://` is a path, relative (`file://../remote`,
        # taken from `base`) or absolute (`file:///srv/remote`); there is no host part.
        path = Path(unquote(text.split("://", 1)[1])).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        return RemoteUrl("file", str(path.resolve()))
    if scheme == "s3":
        if not parts.netloc:
            raise InputError(f"s3 URL {text} has no bucket: use s3://bucket/prefix")
        return RemoteUrl("s3", bucket=parts.netloc, prefix=parts.path.strip("/"))
    raise InputError(f"unknown remote URL scheme {scheme!r} in {text}: "
                     f"dl knows {', '.join(s + '://' for s in SCHEMES)} and plain paths")


def normalized_url(text: str, base: Path | None = None) -> str:
    """The URL as it is kept and shown (Dolt's form): a directory as `file:///absolute/path`
    (a relative one taken from `base`), an S3 URL as given."""
    parsed = parse_url(text, base)
    return f"file://{parsed.path}" if parsed.scheme == "file" else text.strip()
