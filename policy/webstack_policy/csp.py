"""Grading a Content-Security-Policy the way the Mozilla HTTP Observatory does — the one CSP grader of the repo.

Our own implementation of the Observatory's CSP test, written from its published rules (results and score modifiers:
https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring) and the scanner's behaviour
(mdn/mdn-http-observatory ``src/analyzer/cspParser.js`` and ``src/analyzer/tests/csp.js``, ALGORITHM_VERSION 6):

* several policies (header lines or comma-separated) combine into the sources *all* of them allow;
* directives and sources are lower-cased; a source-list directive without sources means ``'none'``; a repeated
  directive makes the header invalid (``report-uri``/``report-to`` only mark it);
* ``script-src``/``object-src``/``style-src`` fall back to ``default-src`` (and to ``*`` without one);
* a nonce or hash makes browsers ignore ``'unsafe-inline'``; ``'strict-dynamic'`` with a nonce/hash ignores host
  allow-lists and ``'self'``, and without one blocks every script (the scanner calls that invalid);
* broad sources (``*``, ``https:`` …) and ``data:``/``'unsafe-inline'`` in scripts, or broad object sources,
  count as unsafe-inline; results are checked in the scanner's order, the first that applies wins.

The pack's ``csp-observatory-grade`` policy uses :func:`grade_csp`; the test-suite's full Observatory port
(``tests/standard/observatory.py``) uses :func:`csp_test`, so both grade every policy identically.
Pure: no Pulumi import.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

# result -> score modifier, as published by the Observatory.
MODIFIERS: dict[str, int] = {
    "csp-implemented-with-no-unsafe-default-src-none": 10,
    "csp-implemented-with-no-unsafe": 5,
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
    "csp-implemented-but-duplicate-directives": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
    "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20,
    "csp-implemented-with-insecure-scheme": -20,
    "csp-header-invalid": -25,
    "csp-not-implemented": -25,
    "csp-not-implemented-but-reporting-enabled": -25,
}

PASSING = frozenset({
    "csp-implemented-with-no-unsafe", "csp-implemented-with-no-unsafe-default-src-none",
    "csp-implemented-with-unsafe-inline-in-style-src-only",
    "csp-implemented-with-insecure-scheme-in-passive-content-only",
})

DANGEROUSLY_BROAD = frozenset({"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"})
UNSAFE_INLINE = frozenset({"'unsafe-inline'", "data:"})
BROAD_OR_INLINE = DANGEROUSLY_BROAD | UNSAFE_INLINE
PASSIVE_DIRECTIVES = ("img-src", "media-src")
_NONCE_HASH_PREFIXES = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")
_SHORTEST_POLICY = len("img-src") - 1
_ALLOWED_DUPLICATES = frozenset({"report-uri", "report-to"})


class CspParseError(ValueError):
    pass


@dataclass(frozen=True)
class CspResult:
    """The Observatory's CSP test result: result id, whether it passes, the combined policy and flags."""

    result: str
    passed: bool
    data: Mapping[str, list[str]] | None = None
    details: Mapping[str, bool] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    @property
    def modifier(self) -> int:
        return MODIFIERS[self.result]


@dataclass(frozen=True)
class CspGrade:
    result: str
    modifier: int
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        detail = f" ({'; '.join(self.problems)})" if self.problems else ""
        return f"{self.result} [{self.modifier:+d}]{detail}"


@dataclass
class _Source:
    source: str
    index: int
    keep: bool


def parse_csp(policies: list[str]) -> dict[str, set[str]]:
    """The scanner's parser: one or more policies combined into the sources all of them allow.

    Raises :class:`CspParseError` for an invalid policy (empty, too short, a repeated directive). Repeated
    ``report-uri``/``report-to`` are recorded under ``"_duplicates"``.
    """
    cleaned = [re.sub(r"[\r\n]", "", p).strip() for p in policies]
    for policy in cleaned:
        if not policy or len(policy) < _SHORTEST_POLICY:
            raise CspParseError(f"invalid policy {policy!r}")
    combined: dict[str, list[_Source]] = {}
    duplicates: set[str] = set()
    for index, policy in enumerate(cleaned):
        seen: set[str] = set()
        for entry in policy.split(";"):
            tokens = entry.strip().split()
            if not tokens:
                continue
            directive = tokens[0].lower()
            if directive in seen:
                if directive not in _ALLOWED_DUPLICATES:
                    raise CspParseError(f"duplicate directive {directive} in policy {index}")
                duplicates.add(directive)
                continue  # the first occurrence is the one that applies
            seen.add(directive)
            keep = index == 0
            values = [_Source(t.strip().lower(), index, keep) for t in tokens[1:]]
            if not values and directive.endswith("-src"):
                values = [_Source("'none'", index, keep)]
            sources = values if index == 0 else [*combined.get(directive, []), *values]
            sources.sort(key=lambda s: s.source)
            for i in range(1, len(sources)):
                cur, prev = sources[i], sources[i - 1]
                if cur.index == prev.index and cur.source.startswith(prev.source):
                    cur.keep = False  # e.g. https://a.example/foo is already covered by https://a.example/
                if cur.index != prev.index and _path_part_match(prev.source, cur.source):
                    cur.keep = True  # a source counts when every policy allows it
            combined[directive] = [s for s in sources if s.keep]
            if index == 0 and len(cleaned) > 1:
                for s in combined[directive]:
                    s.keep = False
    out = {d: ({s.source for s in srcs} or {"'none'"}) for d, srcs in combined.items()}
    if duplicates:
        out["_duplicates"] = duplicates
    return out


def _path_part_match(a: str, b: str) -> bool:
    if not a:
        return True
    if a == "/" and not b:
        return True
    exact = not a.endswith("/")
    parts_a, parts_b = a.split("/"), b.split("/")
    if len(parts_a) > len(parts_b) or (exact and len(parts_a) != len(parts_b)):
        return False
    if not exact:
        parts_a.pop()
    return all(unquote(x) == unquote(y) for x, y in zip(parts_a, parts_b, strict=False))


def csp_test(values: list[str], report_only: str | None = None) -> CspResult:
    """The Observatory's CSP test over every ``Content-Security-Policy`` header value of one response."""
    policies = [p.strip() for v in values for p in v.split(",")]
    if not policies:
        missing = "csp-not-implemented-but-reporting-enabled" if report_only else "csp-not-implemented"
        return CspResult(missing, False, problems=("no policy",))
    try:
        csp = parse_csp(policies)
    except CspParseError as exc:
        return CspResult("csp-header-invalid", False, problems=(f"the policy does not parse: {exc}",))

    result: str | None = None
    flags: dict[str, bool] = {}
    problems: list[str] = []

    def directive(key: str, *fallbacks: str) -> set[str]:
        # The same set object is shared with the parsed policy on purpose: the scanner mutates these lists in place.
        for k in (key, *fallbacks):
            if k in csp:
                return csp[k]
        return {"*"}

    base_uri = directive("base-uri")
    frame_ancestors = directive("frame-ancestors")
    form_action = directive("form-action")
    object_src = directive("object-src", "default-src")
    script_src = directive("script-src", "default-src")
    style_src = directive("style-src", "default-src")

    for sources in (script_src, style_src):
        if _has_nonce_or_hash(sources):
            sources.discard("'unsafe-inline'")  # browsers ignore 'unsafe-inline' next to a nonce or hash
    flags["strictDynamic"] = False
    if "'strict-dynamic'" in script_src:
        if _has_nonce_or_hash(script_src):
            for source in list(script_src):
                if source.startswith(tuple(DANGEROUSLY_BROAD)) or source in ("'self'", "'unsafe-inline'"):
                    script_src.discard(source)
            flags["strictDynamic"] = True
        else:
            result = "csp-header-invalid"  # 'strict-dynamic' without a nonce or hash blocks every script
            problems.append("'strict-dynamic' without a nonce or hash")

    active = [s for d, srcs in csp.items() if d not in PASSIVE_DIRECTIVES and d != "script-src" for s in srcs]
    active += list(script_src)
    passive = [s for d in PASSIVE_DIRECTIVES for s in (csp.get(d) or csp.get("default-src") or set())]

    def first(candidate: str, problem: str | None = None) -> None:
        nonlocal result
        if result is None:
            result = candidate
            if problem:
                problems.append(problem)

    broad_script = sorted(script_src & BROAD_OR_INLINE)
    broad_object = sorted(object_src & DANGEROUSLY_BROAD)
    flags["unsafeInline"] = bool(broad_script or broad_object)
    if flags["unsafeInline"]:
        parts = ([f"script-src allows {', '.join(broad_script)}"] if broad_script else []) + (
            [f"object-src allows {', '.join(broad_object)}"] if broad_object else [])
        first("csp-implemented-with-unsafe-inline", "; ".join(parts))
    insecure_active = sorted({s for s in active if s.startswith(("http:", "ftp:"))})
    flags["insecureSchemeActive"] = bool(insecure_active)
    if flags["insecureSchemeActive"]:
        first("csp-implemented-with-insecure-scheme", f"insecure sources {', '.join(insecure_active)}")
    flags["unsafeEval"] = "'unsafe-eval'" in script_src | style_src
    if flags["unsafeEval"]:
        first("csp-implemented-with-unsafe-eval", "script-src allows 'unsafe-eval'")
    insecure_passive = sorted({s for s in passive if s.startswith(("http:", "ftp:"))})
    flags["insecureSchemePassive"] = bool(insecure_passive)
    if flags["insecureSchemePassive"]:
        first("csp-implemented-with-insecure-scheme-in-passive-content-only",
              f"insecure passive sources {', '.join(insecure_passive)}")
    flags["unsafeInlineStyle"] = bool(style_src & BROAD_OR_INLINE)
    if flags["unsafeInlineStyle"]:
        first("csp-implemented-with-unsafe-inline-in-style-src-only", "style-src allows inline styles")
    flags["defaultNone"] = csp.get("default-src") == {"'none'"}
    first("csp-implemented-with-no-unsafe-default-src-none" if flags["defaultNone"]
          else "csp-implemented-with-no-unsafe")
    flags["antiClickjacking"] = not frame_ancestors & DANGEROUSLY_BROAD
    flags["insecureBaseUri"] = bool(base_uri & BROAD_OR_INLINE)
    flags["insecureFormAction"] = bool(form_action & DANGEROUSLY_BROAD)
    flags["unsafeObjects"] = bool(object_src & DANGEROUSLY_BROAD)

    assert result is not None
    passed = result in PASSING
    if passed and "_duplicates" in csp:
        result = "csp-implemented-but-duplicate-directives"
    data = {d: sorted(srcs) for d, srcs in csp.items() if d != "_duplicates"}
    return CspResult(result, passed, data, flags, tuple(problems))


def _has_nonce_or_hash(sources: set[str]) -> bool:
    return any(s.startswith(_NONCE_HASH_PREFIXES) for s in sources)


@functools.lru_cache(maxsize=2048)
def grade_csp(value: str | None) -> CspGrade:
    """One ``Content-Security-Policy`` header value (commas separate policies), graded as the Observatory does."""
    found = csp_test([value] if value is not None and value.strip() else [])
    return CspGrade(found.result, found.modifier, found.problems)


def directives(value: Any) -> dict[str, list[str]] | None:
    """Directive -> sources of a single policy (lower-cased), or None when it does not parse."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_csp([value])
    except CspParseError:
        return None
    return {d: sorted(s) for d, s in parsed.items() if d != "_duplicates"}
