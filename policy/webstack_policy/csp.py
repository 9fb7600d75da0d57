"""Grading a Content-Security-Policy the way the Mozilla HTTP Observatory does.

Our own implementation of the Observatory's published CSP test (results and score modifiers from its scoring
documentation, https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring): the effective
``script-src``/``object-src``/``style-src`` fall back to ``default-src``; nonces and hashes neutralise
``'unsafe-inline'``; ``'strict-dynamic'`` ignores host allow-lists; broad sources (``*``, ``https:``) and
``data:`` in script or object sources count as unsafe-inline. Pure: no Pulumi import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# result -> score modifier, as published by the Observatory.
MODIFIERS: dict[str, int] = {
    "csp-implemented-with-no-unsafe-default-src-none": 10,
    "csp-implemented-with-no-unsafe": 5,
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
    "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20,
    "csp-implemented-with-insecure-scheme": -20,
    "csp-header-invalid": -25,
    "csp-not-implemented": -25,
}

DANGEROUSLY_BROAD = frozenset(
    {"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"}
)
UNSAFE_INLINE = frozenset({"'unsafe-inline'", "data:"})
PASSIVE_DIRECTIVES = ("img-src", "media-src")
_DIRECTIVE = re.compile(r"^[a-z][a-z0-9-]*$")
_KEYWORDS = frozenset(
    {
        "'self'",
        "'none'",
        "'unsafe-inline'",
        "'unsafe-eval'",
        "'strict-dynamic'",
        "'unsafe-hashes'",
        "'report-sample'",
        "'wasm-unsafe-eval'",
        "'inline-speculation-rules'",
        "'trusted-types-eval'",
    }
)


@dataclass(frozen=True)
class CspGrade:
    result: str
    modifier: int
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        detail = f" ({'; '.join(self.problems)})" if self.problems else ""
        return f"{self.result} [{self.modifier:+d}]{detail}"


def parse_csp(value: str) -> dict[str, list[str]] | None:
    """Directive -> sources (lower-cased), or None when the header is not a valid policy."""
    if not value or not value.strip():
        return None
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        tokens = part.strip().split()
        if not tokens:
            continue
        name = tokens[0].lower()
        if not _DIRECTIVE.match(name):
            return None
        if name in directives:
            # Browsers ignore repeated directives; the Observatory calls the header invalid.
            return None
        sources = [t.lower() for t in tokens[1:]]
        for source in sources:
            if source.startswith("'") and not (
                source in _KEYWORDS
                or source.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-"))
            ):
                return None
        directives[name] = sources
    return directives or None


def grade_csp(value: str | None) -> CspGrade:
    if value is None or not value.strip():
        return CspGrade("csp-not-implemented", MODIFIERS["csp-not-implemented"], ("no policy",))
    csp = parse_csp(value)
    if csp is None:
        return CspGrade("csp-header-invalid", MODIFIERS["csp-header-invalid"], ("the policy does not parse",))

    default = set(csp.get("default-src", ["*"]))
    script = set(csp.get("script-src", csp.get("default-src", ["*"])))
    objects = set(csp.get("object-src", csp.get("default-src", ["*"])))
    style = set(csp.get("style-src", csp.get("default-src", ["*"])))

    if any(s.startswith(("'nonce-", "'sha")) for s in script):
        script.discard("'unsafe-inline'")
    if any(s.startswith(("'nonce-", "'sha")) for s in style):
        style.discard("'unsafe-inline'")
    if "'strict-dynamic'" in script:
        script = {s for s in script if s.startswith("'") or s in UNSAFE_INLINE}

    problems: list[str] = []
    broad_script = sorted(script & (DANGEROUSLY_BROAD | UNSAFE_INLINE))
    broad_object = sorted(objects & (DANGEROUSLY_BROAD | UNSAFE_INLINE))
    if broad_script or broad_object:
        if broad_script:
            problems.append(f"script-src allows {', '.join(broad_script)}")
        if broad_object:
            problems.append(f"object-src allows {', '.join(broad_object)}")
        return _grade("csp-implemented-with-unsafe-inline", problems)
    if "'unsafe-eval'" in script | objects:
        return _grade("csp-implemented-with-unsafe-eval", ["script-src allows 'unsafe-eval'"])

    insecure_active = sorted(s for s in script | objects | style if _insecure(s))
    if insecure_active:
        return _grade("csp-implemented-with-insecure-scheme", [f"insecure sources {', '.join(insecure_active)}"])
    passive: set[str] = set()
    for directive in PASSIVE_DIRECTIVES:
        passive |= set(csp.get(directive, csp.get("default-src", [])))
    insecure_passive = sorted(s for s in passive if _insecure(s))
    if insecure_passive:
        return _grade(
            "csp-implemented-with-insecure-scheme-in-passive-content-only",
            [f"insecure passive sources {', '.join(insecure_passive)}"],
        )
    if style & (DANGEROUSLY_BROAD | UNSAFE_INLINE):
        return _grade("csp-implemented-with-unsafe-inline-in-style-src-only", ["style-src allows inline styles"])
    if default == {"'none'"}:
        return _grade("csp-implemented-with-no-unsafe-default-src-none", [])
    return _grade("csp-implemented-with-no-unsafe", [])


def _insecure(source: str) -> bool:
    return source.startswith(("http:", "ftp:"))


def _grade(result: str, problems: list[str]) -> CspGrade:
    return CspGrade(result, MODIFIERS[result], tuple(problems))
