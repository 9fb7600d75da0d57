"""Validated string types and the error every bad config value becomes.

Every string that later lands in a generated file (nginx conf, TOML, JSON, SQL, HTTP header) is checked here, at
the config boundary, so renderers can trust their input: no control characters (CR/LF/NUL/TAB), ASCII only where
a header or config file needs it, and no characters that could break out of an nginx/TOML/SQL/header context
(``;`` ``{`` ``}`` quotes backslash) unless a type says otherwise.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_BREAKOUT = re.compile(r"[;{}'\"\\`$]")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)\Z")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\Z")
_HEX32 = re.compile(r"^[0-9a-f]{32}\Z")
VERSION_PATTERN = re.compile(r"^\d+(\.\d+){0,2}\Z")
"""A pinned version such as 22 or 1.28.0 (no 'latest', no suffix): image tags, runtimes."""
DIGEST_PATTERN = re.compile(r"^sha256:[0-9a-f]{64}\Z")
"""An OCI image digest."""
_PATH = re.compile(r"^/[A-Za-z0-9._~!*()+,=:@%/-]*\*?\Z")


class StrictModel(BaseModel):
    """Base for every config section: unknown keys are errors (typos must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, str_strip_whitespace=False)


def _no_control(value: str) -> str:
    if CONTROL_CHARS.search(value):
        raise ValueError("must not contain control characters (CR, LF, NUL, TAB)")
    return value


def safe_text(value: str) -> str:
    """Free text that will be written into generated files: printable, no context-breaking characters."""
    _no_control(value)
    if not value.isascii():
        raise ValueError("must be ASCII")
    if _BREAKOUT.search(value):
        raise ValueError("must not contain any of ; { } ' \" \\ ` $")
    return value


def _hostname(value: str) -> str:
    _no_control(value)
    host = value.lower()
    if host != value:
        raise ValueError("must be lower-case")
    if host.endswith("."):
        raise ValueError("must not end with a dot")
    if len(host) > 253:
        raise ValueError("must be at most 253 characters")
    labels = host.split(".")
    if len(labels) < 2:
        raise ValueError("must be a fully qualified domain name such as example.com")
    for label in labels:
        if not _LABEL.match(label):
            raise ValueError(f"label {label!r} is not a valid DNS label (a-z, 0-9, '-', 1-63 chars)")
    if labels[-1].isdigit():
        raise ValueError("top-level label must not be numeric")
    return host


def _https_url(value: str) -> str:
    _url(value)
    if not value.startswith("https://"):
        raise ValueError("must be an https:// URL")
    return value


def _url(value: str) -> str:
    _no_control(value)
    if not value.isascii():
        raise ValueError("must be ASCII (use punycode for international domain names)")
    m = re.match(r"^(https?)://([a-z0-9.-]+|\[[0-9a-f:]+\])(:\d{1,5})?(/[A-Za-z0-9._~!*()+,=:@%/-]*)?\Z", value)
    if not m:
        raise ValueError("must be a URL like https://host[:port][/path] without query, fragment or quotes")
    host = m.group(2)
    if not host.startswith("[") and not _is_ip(host) and host != "localhost":
        _hostname(host)
    return value


def ip_of_version(value: str, version: int, wrong: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """Parse ``value`` as an address of IP ``version``; ``wrong`` is the message when it is not one."""
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        raise ValueError(wrong) from None
    if ip.version != version:
        raise ValueError(wrong)
    return ip


_DOCUMENTATION_NETS = [ipaddress.ip_network(n) for n in
                       ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]


def is_public_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable, or in the RFC 5737 / RFC 3849 example ranges (so example stacks stay obviously fake)."""
    return ip.is_global or any(ip in net for net in _DOCUMENTATION_NETS if net.version == ip.version)


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _ident(value: str) -> str:
    _no_control(value)
    if not _ID.match(value):
        raise ValueError("must be 1-128 characters of A-Z a-z 0-9 _ . - starting with a letter or digit")
    return value


def _hex32(value: str) -> str:
    if not _HEX32.match(value):
        raise ValueError("must be a 32-character lower-case hex id (Cloudflare zone/account id)")
    return value


def _url_path(value: str) -> str:
    _no_control(value)
    if not _PATH.match(value) or "//" in value or "/../" in value + "/":
        raise ValueError("must be an absolute URL path like /api/ or /auth/* (no spaces, quotes or '..')")
    return value


SafeText = Annotated[str, AfterValidator(safe_text)]
"""Free text written into generated files."""
Hostname = Annotated[str, AfterValidator(_hostname)]
"""A lower-case fully qualified DNS name."""
HttpsUrl = Annotated[str, AfterValidator(_https_url)]
Url = Annotated[str, AfterValidator(_url)]
Ident = Annotated[str, AfterValidator(_ident)]
"""Provider ids, project names, refs."""
HexId = Annotated[str, AfterValidator(_hex32)]
UrlPath = Annotated[str, AfterValidator(_url_path)]


class ConfigError(Exception):
    """A stack config problem. ``problems`` is a list of (config key path, message); str() is user-facing."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        lines = [f"  {key}: {msg}" for key, msg in problems]
        super().__init__(
            "invalid stack configuration:\n" + "\n".join(lines) + "\n"
            "Fix the key(s) in Pulumi.<stack>.yaml or with `pulumi config set` (use --secret for credentials)."
        )


def describe_value(value: Any, secret: bool) -> str:
    if secret:
        return "[secret]"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[a-z0-9.-]+\Z")


def _email(value: str) -> str:
    _no_control(value)
    if not _EMAIL.match(value):
        raise ValueError("must be an e-mail address like ops@example.com")
    _hostname(value.split("@", 1)[1])
    return value


Email = Annotated[str, AfterValidator(_email)]
