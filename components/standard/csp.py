"""Content-Security-Policy as structured data: directives with validated sources, rendered deterministically.

Pure module. A policy is an ordered mapping of directive name to a tuple of sources; :func:`parse` reads a header
value back (used by tests and graders to compare renderings).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

FETCH_DIRECTIVES = (
    "default-src", "script-src", "script-src-elem", "script-src-attr", "style-src", "style-src-elem",
    "style-src-attr", "img-src", "font-src", "connect-src", "media-src", "object-src", "frame-src", "child-src",
    "worker-src", "manifest-src", "prefetch-src",
)
DOCUMENT_DIRECTIVES = ("base-uri", "sandbox")
NAVIGATION_DIRECTIVES = ("form-action", "frame-ancestors")
REPORTING_DIRECTIVES = ("report-uri", "report-to")
FLAG_DIRECTIVES = ("upgrade-insecure-requests", "block-all-mixed-content")
OTHER_DIRECTIVES = ("require-trusted-types-for", "trusted-types")
KNOWN_DIRECTIVES = frozenset(
    FETCH_DIRECTIVES + DOCUMENT_DIRECTIVES + NAVIGATION_DIRECTIVES + REPORTING_DIRECTIVES + FLAG_DIRECTIVES
    + OTHER_DIRECTIVES
)

KEYWORDS = frozenset({
    "'self'", "'none'", "'unsafe-inline'", "'unsafe-eval'", "'strict-dynamic'", "'unsafe-hashes'",
    "'report-sample'", "'wasm-unsafe-eval'", "'unsafe-allow-redirects'", "'script'",
})
_SCHEME_SOURCE = re.compile(r"^(https|http|wss|ws|data|blob|mediastream|filesystem):$")
_NONCE_HASH = re.compile(r"^'(nonce-[A-Za-z0-9+/_=-]{16,}|sha(256|384|512)-[A-Za-z0-9+/_=-]+)'$")
_HOST_SOURCE = re.compile(
    r"^(?:(https|http|wss|ws)://)?"  # scheme
    r"(\*|(?:\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)"  # host
    r"(?::(\d{1,5}|\*))?"  # port
    r"(/[A-Za-z0-9._~!*()+,=:@%/-]*)?$"  # path
)
_REPORT_URI = re.compile(r"^https://[a-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~!*()+,=:@%/-]*)?$")
_TOKEN = re.compile(r"^[a-z0-9-]{1,64}$")
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
        if not re.match(r"^('none'|'allow-duplicates'|\*|[A-Za-z0-9#=_/@.%-]+)$", source):
            raise CspError(f"trusted-types: {source!r} is not a policy name")
        return source
    if source.startswith("'"):
        if source in KEYWORDS or _NONCE_HASH.match(source):
            return source
        raise CspError(f"{directive}: unknown keyword {source!r} (keywords are quoted, e.g. 'self')")
    if _SCHEME_SOURCE.match(source) or _HOST_SOURCE.match(source):
        return source
    raise CspError(f"{directive}: malformed source {source!r} (expected e.g. https://api.example.com or https:)")


@dataclass(frozen=True)
class Csp:
    """An ordered, validated CSP. Build with :meth:`of`; extend with :meth:`with_sources`."""

    directives: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def of(cls, directives: Mapping[str, Iterable[str]]) -> Csp:
        items: list[tuple[str, tuple[str, ...]]] = []
        for name, sources in directives.items():
            if name not in KNOWN_DIRECTIVES:
                raise CspError(f"unknown CSP directive {name!r}")
            srcs = tuple(dict.fromkeys(validate_source(name, s) for s in sources))
            if name in FLAG_DIRECTIVES and srcs:
                raise CspError(f"{name} takes no sources")
            if "'none'" in srcs and len(srcs) > 1:
                raise CspError(f"{name}: 'none' cannot be combined with other sources")
            items.append((name, srcs))
        return cls(tuple(items))

    def get(self, name: str) -> tuple[str, ...] | None:
        for key, sources in self.directives:
            if key == name:
                return sources
        return None

    def effective(self, name: str) -> tuple[str, ...] | None:
        """Sources that apply to a fetch directive, falling back to default-src like browsers do."""
        found = self.get(name)
        if found is None and name in FETCH_DIRECTIVES and name != "default-src":
            return self.get("default-src")
        return found

    def with_sources(self, name: str, sources: Iterable[str]) -> Csp:
        """Add sources to a directive (creating it from default-src's sources if absent)."""
        extra = [validate_source(name, s) for s in sources]
        if not extra:
            return self
        mapping = dict(self.directives)
        base = list(mapping.get(name, self.effective(name) or ()))
        if "'none'" in base:
            base.remove("'none'")
        mapping[name] = tuple(dict.fromkeys(base + extra))
        return Csp.of(mapping)

    def without(self, name: str) -> Csp:
        return Csp(tuple((k, v) for k, v in self.directives if k != name))

    def render(self) -> str:
        parts = []
        for name, sources in self.directives:
            parts.append(" ".join((name, *sources)) if sources else name)
        return "; ".join(parts)

    def as_dict(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.directives}


def parse(value: str) -> dict[str, list[str]]:
    """Parse a header value into {directive: [sources]} (first occurrence wins, as browsers do)."""
    out: dict[str, list[str]] = {}
    for part in value.split(";"):
        tokens = part.split()
        if not tokens:
            continue
        name = tokens[0].lower()
        if name not in out:
            out[name] = tokens[1:]
    return out
