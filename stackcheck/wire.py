"""Pulumi's wire form of property values, as the engine hands them to analyzers.

Resource inputs recorded by the offline run are kept in this form (plain JSON plus two markers), exactly what a
real engine sends in ``AnalyzeRequest.properties``:

* a secret is ``{SECRET_SIG_KEY: SECRET_SIG, "value": <plain value>}``;
* a value unknown during preview is the string ``UNKNOWN``.

Anything that prints or writes inputs must pass them through :func:`redact` first.
"""

from __future__ import annotations

from typing import Any

SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"  # noqa: S105 - a protocol marker, not a password
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
REDACTED = "[secret]"


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG


def is_unknown(value: Any) -> bool:
    return value == UNKNOWN


def make_secret(value: Any) -> dict[str, Any]:
    return {SECRET_SIG_KEY: SECRET_SIG, "value": value}


def redact(value: Any) -> Any:
    """Replace every secret with ``"[secret]"`` and every unknown with ``"[unknown]"``; return a copy."""
    if is_secret(value):
        return REDACTED
    if is_unknown(value):
        return "[unknown]"
    if isinstance(value, dict):
        if value.get(SECRET_SIG_KEY) == OUTPUT_SIG:
            if value.get("secret"):
                return REDACTED
            return redact(value.get("value", "[unknown]")) if "value" in value else "[unknown]"
        return {k: redact(v) for k, v in dict.items(value)}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def public_strings(value: Any) -> set[str]:
    """Every string of ``value`` outside a secret: the strings left once secrets are redacted."""
    found: set[str] = set()
    pending = [redact(value)]
    while pending:
        v = pending.pop()
        if isinstance(v, str):
            found.add(v)
        elif isinstance(v, dict):
            pending.extend(v.values())
        elif isinstance(v, list):
            pending.extend(v)
    found.discard(REDACTED)
    return found


def unwrap(value: Any) -> Any:
    """Strip secret markers (keeping plain values) as the engine does before ``Analyze``."""
    if is_secret(value):
        return unwrap(value.get("value"))
    if isinstance(value, dict):
        if value.get(SECRET_SIG_KEY) == OUTPUT_SIG:
            return unwrap(value.get("value", UNKNOWN))
        return {k: unwrap(v) for k, v in dict.items(value)}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def secret_paths(value: Any, prefix: str = "") -> list[str]:
    """Property paths (``a.b[0]``) that hold secrets — the engine sends these beside the plain value."""
    if is_secret(value):
        return [prefix]
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in dict.items(value):
            out += secret_paths(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += secret_paths(v, f"{prefix}[{i}]")
    return out
