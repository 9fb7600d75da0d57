"""The syntax of what a stack's config puts into HTTP response headers: header names and values, CSP sources.

Checked at the config boundary (before anything is rendered) and again by the standard when it builds its header
set, so a value can never break out of an nginx, TOML, JSON or `_headers` context. Pure: no Pulumi import.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# A strict subset of RFC 9110 tokens: '#', quotes and '$' are legal in a token but start a comment, a string or a
# variable in nginx (and '#' a comment in `_headers`), and no real header name needs them.
_HEADER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,63}\Z")
_UNSAFE_IN_VALUE = re.compile(r"[^\x20-\x7e]|[\\`${}]")
MAX_HEADER_VALUE = 4096


def check_header_name(name: str) -> None:
    """Raise ValueError unless ``name`` is letters, digits and '-' (so it cannot smuggle ':', a line break, a
    comment or a quote into any target)."""
    if not isinstance(name, str) or not _HEADER_NAME.match(name):
        raise ValueError(f"header name {name!r} must be a token of letters, digits and '-' (starting with a letter, "
                         "at most 64 characters)")


def check_header_value(name: str, value: str) -> None:
    """Raise ValueError unless ``value`` is safe in every rendering target.

    Printable ASCII only (no CR/LF/NUL, so no header injection), and none of backslash, backtick, ``$``, ``{``
    or ``}``: nginx expands ``$var`` inside add_header values and the others have meaning in at least one target
    file format. Double quotes are allowed (Reporting-Endpoints needs them); renderers escape them.
    """
    if not isinstance(value, str) or not value:
        raise ValueError(f"header {name}: value must be a non-empty string")
    bad = _UNSAFE_IN_VALUE.search(value)
    if bad:
        char = bad.group(0)
        what = "a control or non-ASCII character" if not ("\x20" <= char <= "\x7e") else repr(char)
        raise ValueError(f"header {name}: value must not contain {what} (printable ASCII only; no \\ ` $ {{ }})")
    if value != value.strip():
        raise ValueError(f"header {name}: value must not start or end with whitespace")
    if len(value) > MAX_HEADER_VALUE:
        raise ValueError(f"header {name}: value is longer than {MAX_HEADER_VALUE} characters")


def check_header(name: str, value: str) -> None:
    """Header names must be tokens; values printable ASCII without CR/LF/NUL (no header injection)."""
    check_header_name(name)
    check_header_value(name, value)


# ---------------------------------------------------------------------------------------------- CSP sources

REPORTING_DIRECTIVES = ("report-uri", "report-to")

KEYWORDS = frozenset({
    "'self'", "'none'", "'unsafe-inline'", "'unsafe-eval'", "'strict-dynamic'", "'unsafe-hashes'",
    "'report-sample'", "'wasm-unsafe-eval'", "'unsafe-allow-redirects'", "'script'",
})
_SCHEME_SOURCE = re.compile(r"^(https|http|wss|ws|data|blob|mediastream|filesystem):\Z")
_NONCE_HASH = re.compile(r"^'(nonce-[A-Za-z0-9+/_=-]{16,}|sha(256|384|512)-[A-Za-z0-9+/_=-]+)'\Z")
_HOST_SOURCE = re.compile(
    r"^(?:(https|http|wss|ws)://)?"  # scheme
    r"(\*|(?:\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)"  # host
    r"(?::(\d{1,5}|\*))?"  # port
    r"(/[A-Za-z0-9._~!*()+,=:@%/-]*)?\Z"  # path
)
_REPORT_URI = re.compile(r"^https://[a-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~!*()+,=:@%/-]*)?\Z")
_TOKEN = re.compile(r"^[a-z0-9-]{1,64}\Z")
_SANDBOX_TOKENS = frozenset({
    "allow-downloads", "allow-forms", "allow-modals", "allow-orientation-lock", "allow-pointer-lock",
    "allow-popups", "allow-popups-to-escape-sandbox", "allow-presentation", "allow-same-origin", "allow-scripts",
    "allow-top-navigation", "allow-top-navigation-by-user-activation", "allow-top-navigation-to-custom-protocols",
})


class CspError(ValueError):
    """A directive or source the standard does not accept (message names it)."""


_INSECURE_SCHEMES = ("http:", "ws:", "ftp:")
_BROAD = frozenset({"*", "http:", "https:", "ws:", "wss:", "ftp:", "http://*", "https://*", "http://*.*", "https://*.*"})
_SCRIPT_UNSAFE = {
    "'unsafe-inline'": "lets any injected inline script run, which is what CSP exists to stop; hash the script "
                       "('sha256-…') or move it to a file",
    "'unsafe-eval'": "lets strings run as code (eval, new Function); remove the eval use instead",
    "'unsafe-hashes'": "re-enables inline event handlers; move the handlers into script files",
    "'strict-dynamic'": "needs per-response nonces, which static hosting cannot issue",
    "data:": "lets an attacker-supplied data: URL run as a script",
    "blob:": "lets script-created blobs run as scripts",
}


def is_broad(source: str) -> bool:
    """A source that allows (nearly) any origin: a bare wildcard or a scheme on its own."""
    return source.lower() in _BROAD


def is_insecure(source: str) -> bool:
    """A source that allows loading over plain http/ws/ftp."""
    return source.lower().startswith(_INSECURE_SCHEMES)


def config_source(directive: str) -> Callable[[str], str]:
    """Validator for one extra source a stack adds to ``directive`` in its config.

    Stricter than :func:`validate_source`: a stack may add origins, hashes and 'wasm-unsafe-eval', never a
    wildcard, a bare scheme, 'none' or an insecure scheme, and never a source that defeats ``script-src``.
    Deliberate weakenings have their own named settings (e.g. ``allowInlineStyles``) so they are recorded.
    """

    def check(source: str) -> str:
        validate_source(directive, source)
        low = source.lower()
        if directive in ("script-src", "worker-src") and low in _SCRIPT_UNSAFE:
            raise CspError(f"{source} is not accepted in {directive}: it {_SCRIPT_UNSAFE[low]}")
        if low == "'unsafe-inline'":
            raise CspError(f"{directive}: use the named setting (allowInlineStyles) instead of 'unsafe-inline' so "
                           "the weakening is recorded")
        if low == "'none'":
            raise CspError(f"{directive}: 'none' cannot be added to other sources; list only extra sources")
        if is_broad(low):
            raise CspError(f"{directive}: {source!r} allows any origin; list the exact origins instead "
                           "(e.g. https://cdn.example.com)")
        if is_insecure(low):
            raise CspError(f"{directive}: {source!r} loads over an insecure scheme; use https:// or wss://")
        return source

    return check


def validate_source(directive: str, source: str) -> str:
    """Return ``source`` if it is a well-formed CSP source for ``directive``, else raise CspError."""
    if not isinstance(source, str) or not source or not source.isascii() or any(c in source for c in " \t\r\n\0;,"):
        raise CspError(f"{directive}: source {source!r} must be a single printable ASCII token (no space, ';' or ',')")
    if directive in REPORTING_DIRECTIVES:
        if directive == "report-uri" and not _REPORT_URI.match(source):
            raise CspError(f"report-uri: {source!r} must be an https:// URL")
        if directive == "report-to" and not _TOKEN.match(source):
            raise CspError(f"report-to: {source!r} must be a reporting group name (a-z, 0-9, -)")
        return source
    if directive == "sandbox":
        if source not in _SANDBOX_TOKENS:
            raise CspError(f"sandbox: unknown token {source!r}")
        return source
    if directive == "require-trusted-types-for":
        if source != "'script'":
            raise CspError("require-trusted-types-for: only 'script' is defined")
        return source
    if directive == "trusted-types":
        if not re.match(r"^('none'|'allow-duplicates'|\*|[A-Za-z0-9#=_/@.%-]+)\Z", source):
            raise CspError(f"trusted-types: {source!r} is not a policy name")
        return source
    if source.startswith("'"):
        if source in KEYWORDS or _NONCE_HASH.match(source):
            return source
        raise CspError(f"{directive}: unknown keyword {source!r} (keywords are quoted, e.g. 'self')")
    if _SCHEME_SOURCE.match(source) or _HOST_SOURCE.match(source):
        return source
    raise CspError(f"{directive}: malformed source {source!r} (expected e.g. https://api.example.com or https:)")
