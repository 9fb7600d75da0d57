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
    head = dsn[dsn.index("://") + 3:].split("?", 1)[0]
    if head.count("@") > 1:
        raise ValueError("has more than one '@': percent-encode an '@' in the user name or password as %40")
    if "@" in head and "/" in head.split("@", 1)[0]:
        raise ValueError("has a '/' before the '@': percent-encode a '/' in the user name or password as %2F")
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


def uri_userinfo(dsn: str) -> tuple[str | None, str | None]:
    """(user, password) of a ``postgresql://`` URI exactly as libpq splits them (``conninfo_uri_parse_options``):
    after ``://`` it scans to the FIRST ``@`` or ``/``; only an ``@`` found first makes the text before it the
    userinfo, which splits at its FIRST ``:``. Raw (still percent-encoded) text; (None, None) without userinfo.

    So ``u:p@ss@host`` has password ``p`` (and host ``ss@host``), and in ``u:p/ss@host`` there is no userinfo at
    all: ``u`` becomes the host, ``p`` the port and ``ss@host/db`` the database name."""
    match = _SCHEME.match(dsn)
    if not match:
        return None, None
    rest = dsn[match.end():]
    stop = len(rest)
    for i, c in enumerate(rest):
        if c in "@/":
            stop = i
            break
    if stop == len(rest) or rest[stop] != "@":
        return None, None
    userinfo = rest[:stop]
    user, _, password = userinfo.partition(":")
    return user or None, password or None  # libpq drops an empty user or password


_PLAIN_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}\Z")
_PLAIN_IDENT = re.compile(r"[A-Za-z0-9_.-]{1,63}\Z")


def _libpq_fields(dsn: str) -> dict[str, str]:
    try:
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:
        return {}
    try:
        return {str(k): str(v) for k, v in conninfo_to_dict(dsn).items() if v is not None}
    except Exception:  # noqa: BLE001 - unparseable: the whole string is scrubbed anyway
        return {}


def dsn_secrets(dsn: str) -> list[str]:
    """Every substring of ``dsn`` (and every decoded value) that could reveal a credential, longest first.

    Follows libpq's own parse: the user and password it would use (raw and percent-decoded), every value libpq
    parsed that is not a plain host name, port number or database name (a password split by a ``/`` or ``@``
    lands in the host, port or dbname), and for key=value strings each ``password``/``user`` value."""
    found = {dsn}
    for match in _KV_SECRET.finditer(dsn):
        value = match.group(2)
        found |= {value, value.strip("'")}
    user, password = uri_userinfo(dsn)
    for piece in (user, password):
        if piece:
            found |= {piece, unquote(piece)}
    if user is not None:
        found.add(dsn[dsn.index("://") + 3:].split("@", 1)[0])  # the raw userinfo as one string
    for key, value in _libpq_fields(dsn).items():
        if key in ("user", "password"):
            found.add(value)
        elif key in ("host", "hostaddr") and all(_PLAIN_HOST.match(h) for h in value.split(",")):
            continue
        elif key == "port" and all(p.isdigit() for p in value.split(",") if p):
            continue
        elif key == "dbname" and _PLAIN_IDENT.match(value):
            continue
        elif key in ("host", "hostaddr", "port", "dbname"):
            found.add(value)  # a mis-split password fragment may be in here
    return sorted((s for s in found if len(s) >= 1), key=len, reverse=True)


def scrub_dsn(text: str, dsn: str) -> str:
    """``text`` without any credential fragment of ``dsn`` (fragments shorter than 3 characters are removed only as
    whole words, so a one-letter password does not blank every 'a' of the message)."""
    for secret in dsn_secrets(dsn) if dsn else []:
        if len(secret) >= 3:
            text = text.replace(secret, "[redacted]")
        else:
            text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(secret)}(?![A-Za-z0-9_])", "[redacted]", text)
    return text
