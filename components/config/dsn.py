"""Connection strings are secrets: check their shape without echoing them, and scrub them from error text.

A whole-DSN ``str.replace`` is not enough: libpq/psycopg error messages quote fragments of the string (a bad
percent-escape inside the password, the user name), so every credential-bearing part is removed, and parse
errors are replaced by a fixed message.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

_SCHEME = re.compile(r"^postgres(ql)?://")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


_KEYWORDS = re.compile(r"^\s*[a-z_]+\s*=")
_KV_SECRET = re.compile(r"\b(password|user)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")


def check_dsn(dsn: str) -> None:
    """Raise ValueError (with a message that contains nothing of the DSN) unless libpq can use it.

    Accepts a ``postgresql://`` URL or libpq ``key=value`` pairs.
    """
    if _KEYWORDS.match(dsn) and not _SCHEME.match(dsn):
        _libpq_parses(dsn, "could not be parsed as libpq key=value pairs")
        return
    if not _SCHEME.match(dsn) or any(c.isspace() for c in dsn):
        raise ValueError("must be a postgresql://user:password@host:port/database URL or libpq key=value pairs")
    if _BAD_ESCAPE.search(dsn):
        raise ValueError("has a '%' that is not a %XX escape: percent-encode special characters in the password")
    try:
        parts = urlsplit(dsn)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValueError("could not be parsed as a postgresql:// URL (check the host and port)") from None
    if not parts.hostname:
        raise ValueError("must name a host (postgresql://user:password@host:5432/postgres)")
    _libpq_parses(dsn, "could not be parsed by libpq")


def _libpq_parses(dsn: str, message: str) -> None:
    """libpq's own parser (through psycopg, when installed) — its error text quotes the string, ours doesn't."""
    try:
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:
        return
    try:
        conninfo_to_dict(dsn)
    except Exception:  # noqa: BLE001 - any parse failure becomes one fixed message
        raise ValueError(message) from None


def dsn_secrets(dsn: str) -> list[str]:
    """Every substring of ``dsn`` that could reveal a credential, longest first."""
    found = {dsn}
    for match in _KV_SECRET.finditer(dsn):
        value = match.group(2)
        found |= {value, value.strip("'")}
    if _KEYWORDS.match(dsn) and not _SCHEME.match(dsn):
        return sorted((s for s in found if len(s) >= 3), key=len, reverse=True)
    try:
        parts = urlsplit(dsn)
    except ValueError:
        return [dsn]
    userinfo = parts.netloc.rpartition("@")[0]
    for piece in (userinfo, *userinfo.split(":", 1)):
        if piece:
            found |= {piece, unquote(piece)}
    return sorted((s for s in found if len(s) >= 3), key=len, reverse=True)


def scrub_dsn(text: str, dsn: str) -> str:
    for secret in dsn_secrets(dsn) if dsn else []:
        text = text.replace(secret, "[redacted]")
    return text
