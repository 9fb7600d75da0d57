"""The Mozilla (MDN) HTTP Observatory's header tests and scoring, as a pure function of response headers.

Written from the published rules, not copied:

* MDN, "HTTP Observatory — tests and scoring": https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring
* the scanner's source, mdn/mdn-http-observatory at commit 94042bb (2026-08-20, ``ALGORITHM_VERSION`` 6, which added
  COOP and COEP scoring): ``src/grader/charts.js`` (modifiers, grade chart, ``MINIMUM_SCORE_FOR_EXTRA_CREDIT``),
  ``src/scanner/index.js`` (how modifiers add up), ``src/analyzer/cspParser.js`` and ``src/analyzer/tests/*.js``.
* the original rules: mozilla/http-observatory ``httpobs/docs/scoring.md``.

Scoring: every site starts at 100 and each test adds its modifier. Bonuses (positive modifiers) only count when
the score from the penalties alone is at least 90 (an A); the score never goes below 0; the grade is looked up
after rounding down to a multiple of 5 (100 and above is A+).

Graded here: the eight header tests (CSP, HSTS, Referrer-Policy, X-Content-Type-Options, X-Frame-Options, CORP,
COOP, COEP). The Observatory's other four tests need more than headers — cookies, the http→https redirect chain,
Subresource Integrity of the HTML's scripts, CORS — and for this app (no cookies of its own, same-origin scripts,
https redirect at the edge) they score 0, so a header grade equals the site grade. The site is assumed to be
served over https with a valid certificate; ``preloaded`` says whether the host is on the HSTS preload list.
Upstream quirks are kept on purpose so grades match the real scanner (e.g. a non-numeric HSTS max-age does not
fail, as JavaScript's ``parseInt`` yields NaN there).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

ALGORITHM_VERSION = 6
MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90

MODIFIERS: dict[str, int] = {
    # content-security-policy
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
    # strict-transport-security
    "hsts-preloaded": 5,
    "hsts-implemented-max-age-at-least-six-months": 0,
    "hsts-implemented-max-age-less-than-six-months": -10,
    "hsts-not-implemented": -20,
    "hsts-header-invalid": -20,
    # referrer-policy
    "referrer-policy-private": 5,
    "referrer-policy-not-implemented": 0,
    "referrer-policy-unsafe": -5,
    "referrer-policy-header-invalid": -5,
    # x-content-type-options
    "x-content-type-options-nosniff": 0,
    "x-content-type-options-not-implemented": -5,
    "x-content-type-options-header-invalid": -5,
    # x-frame-options
    "x-frame-options-implemented-via-csp": 5,
    "x-frame-options-sameorigin-or-deny": 5,
    "x-frame-options-allow-from-origin": 0,
    "x-frame-options-not-implemented": -20,
    "x-frame-options-header-invalid": -20,
    # cross-origin-resource-policy
    "corp-implemented-with-same-origin": 10,
    "corp-implemented-with-same-site": 10,
    "corp-implemented-with-cross-origin": 0,
    "corp-not-implemented": 0,
    "corp-header-invalid": -5,
    # cross-origin-opener-policy
    "coop-implemented-with-same-origin": 10,
    "coop-implemented-with-same-origin-allow-popups": 10,
    "coop-implemented-with-noopener-allow-popups": 10,
    "coop-implemented-with-unsafe-none": 0,
    "coop-not-implemented": 0,
    "coop-header-invalid": -5,
    # cross-origin-embedder-policy
    "coep-implemented-with-require-corp": 10,
    "coep-implemented-with-credentialless": 10,
    "coep-implemented-with-unsafe-none": 0,
    "coep-not-implemented": 0,
    "coep-header-invalid": -5,
}
"""Score modifier per test result, as published in the Observatory's score table."""

GRADE_CHART: tuple[tuple[int, str], ...] = (
    (100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"), (60, "C+"), (50, "C"), (45, "C-"),
    (40, "D+"), (30, "D"), (25, "D-"), (0, "F"),
)
"""Lowest score (after rounding down to a multiple of 5) for each grade."""

TESTS = (
    "content-security-policy", "strict-transport-security", "referrer-policy", "x-content-type-options",
    "x-frame-options", "cross-origin-resource-policy", "cross-origin-opener-policy",
    "cross-origin-embedder-policy",
)

SIX_MONTHS = 15_552_000  # the scanner's threshold: 180 days, as many sites use it instead of 15768000
_BROAD = frozenset({"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"})
_UNSAFE_INLINE = frozenset({"'unsafe-inline'", "data:"})
_BROAD_OR_INLINE = _BROAD | _UNSAFE_INLINE
_PASSIVE = ("img-src", "media-src")
_NONCE_HASH_PREFIXES = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")
_SHORTEST_POLICY = len("img-src") - 1
_ALLOWED_DUPLICATES = frozenset({"report-uri", "report-to"})
_REFERRER_GOOD = ("no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin")
_REFERRER_BAD = ("origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade")


@dataclass(frozen=True)
class TestResult:
    """One Observatory test: its result id (e.g. ``csp-implemented-with-unsafe-inline``) and score modifier."""

    name: str
    result: str
    passed: bool
    data: Any = None
    details: Mapping[str, bool] = field(default_factory=dict)

    @property
    def modifier(self) -> int:
        return MODIFIERS[self.result]


@dataclass(frozen=True)
class Report:
    score: int
    grade: str
    tests: tuple[TestResult, ...]
    score_without_bonus: int
    """100 plus the penalties only; bonuses count when this is at least 90."""

    def test(self, name: str) -> TestResult:
        for t in self.tests:
            if t.name == name:
                return t
        raise KeyError(name)

    @property
    def penalties(self) -> tuple[TestResult, ...]:
        return tuple(t for t in self.tests if t.modifier < 0)

    @property
    def bonus_blocked(self) -> bool:
        """True when bonuses were earned but did not count because the penalties pulled the score below 90."""
        return self.score_without_bonus < MINIMUM_SCORE_FOR_EXTRA_CREDIT and any(t.modifier > 0 for t in self.tests)

    def summary(self) -> str:
        lines = [f"{self.grade} (score {self.score})"]
        lines += [f"  {t.modifier:+d} {t.result}" for t in self.tests if t.modifier]
        return "\n".join(lines)


def grade_for_score(score: int) -> str:
    score = max(score, 0)
    key = min(score - score % 5, 100)
    for floor, letter in GRADE_CHART:
        if key >= floor:
            return letter
    return "F"


def grade(headers: Mapping[str, str] | Iterable[tuple[str, str]], *, preloaded: bool = False) -> Report:
    """Grade one https response's headers. Pairs may repeat a name (multiple header lines); names are matched
    case-insensitively."""
    hdrs = _Headers(headers)
    csp = csp_test(hdrs.all("content-security-policy"), hdrs.first("content-security-policy-report-only"))
    tests = (
        csp,
        hsts_test(hdrs.first("strict-transport-security"), preloaded=preloaded),
        referrer_policy_test(hdrs.all("referrer-policy")),
        x_content_type_options_test(hdrs.first("x-content-type-options")),
        x_frame_options_test(hdrs.first("x-frame-options"), csp),
        corp_test(hdrs.first("cross-origin-resource-policy")),
        _isolation_test("cross-origin-opener-policy", "coop", hdrs.all("cross-origin-opener-policy"),
                        ("same-origin", "same-origin-allow-popups", "noopener-allow-popups", "unsafe-none")),
        _isolation_test("cross-origin-embedder-policy", "coep", hdrs.all("cross-origin-embedder-policy"),
                        ("require-corp", "credentialless", "unsafe-none")),
    )
    with_bonus = 100 + sum(t.modifier for t in tests)
    without_bonus = 100 + sum(t.modifier for t in tests if t.modifier < 0)
    score = max(with_bonus if without_bonus >= MINIMUM_SCORE_FOR_EXTRA_CREDIT else without_bonus, 0)
    return Report(score=score, grade=grade_for_score(score), tests=tests, score_without_bonus=without_bonus)


class _Headers:
    def __init__(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]):
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        self._values: dict[str, list[str]] = {}
        for name, value in pairs:
            self._values.setdefault(name.lower(), []).append(value)

    def all(self, name: str) -> list[str]:
        return self._values.get(name, [])

    def first(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None


# ------------------------------------------------------------------------------------------------------------ CSP


class CspParseError(ValueError):
    pass


@dataclass
class _Source:
    source: str
    index: int
    keep: bool


def parse_csp(policies: list[str]) -> dict[str, set[str]]:
    """The scanner's CSP parser: one or more policies combined into the sources all of them allow.

    Directives and sources are lower-cased; a source-list directive without sources means 'none'; a repeated
    directive makes the header invalid (except report-uri/report-to, recorded under ``"_duplicates"``).
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


def csp_test(values: list[str], report_only: str | None = None) -> TestResult:
    name = "content-security-policy"
    policies = [p.strip() for v in values for p in v.split(",")]
    if not policies:
        missing = "csp-not-implemented-but-reporting-enabled" if report_only else "csp-not-implemented"
        return TestResult(name, missing, False)
    try:
        csp = parse_csp(policies)
    except CspParseError:
        return TestResult(name, "csp-header-invalid", False)

    result: str | None = None
    flags: dict[str, bool] = {}

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
                if source.startswith(tuple(_BROAD)) or source in ("'self'", "'unsafe-inline'"):
                    script_src.discard(source)
            flags["strictDynamic"] = True
        else:
            result = "csp-header-invalid"  # 'strict-dynamic' without a nonce or hash blocks every script

    active = [s for d, srcs in csp.items() if d not in _PASSIVE and d != "script-src" for s in srcs]
    active += list(script_src)
    passive = [s for d in _PASSIVE for s in (csp.get(d) or csp.get("default-src") or set())]

    def first(candidate: str) -> None:
        nonlocal result
        if result is None:
            result = candidate

    flags["unsafeInline"] = bool(script_src & _BROAD_OR_INLINE or object_src & _BROAD)
    if flags["unsafeInline"]:
        first("csp-implemented-with-unsafe-inline")
    flags["insecureSchemeActive"] = any(s.startswith(("http:", "ftp:")) for s in active)
    if flags["insecureSchemeActive"]:
        first("csp-implemented-with-insecure-scheme")
    flags["unsafeEval"] = "'unsafe-eval'" in script_src | style_src
    if flags["unsafeEval"]:
        first("csp-implemented-with-unsafe-eval")
    flags["insecureSchemePassive"] = any(s.startswith(("http:", "ftp:")) for s in passive)
    if flags["insecureSchemePassive"]:
        first("csp-implemented-with-insecure-scheme-in-passive-content-only")
    flags["unsafeInlineStyle"] = bool(style_src & _BROAD_OR_INLINE)
    if flags["unsafeInlineStyle"]:
        first("csp-implemented-with-unsafe-inline-in-style-src-only")
    flags["defaultNone"] = csp.get("default-src") == {"'none'"}
    first("csp-implemented-with-no-unsafe-default-src-none" if flags["defaultNone"]
          else "csp-implemented-with-no-unsafe")
    flags["antiClickjacking"] = not frame_ancestors & _BROAD
    flags["insecureBaseUri"] = bool(base_uri & _BROAD_OR_INLINE)
    flags["insecureFormAction"] = bool(form_action & _BROAD)
    flags["unsafeObjects"] = bool(object_src & _BROAD)

    assert result is not None
    passed = result in (
        "csp-implemented-with-no-unsafe", "csp-implemented-with-no-unsafe-default-src-none",
        "csp-implemented-with-unsafe-inline-in-style-src-only",
        "csp-implemented-with-insecure-scheme-in-passive-content-only",
    )
    if passed and "_duplicates" in csp:
        result = "csp-implemented-but-duplicate-directives"
    data = {d: sorted(srcs) for d, srcs in csp.items() if d != "_duplicates"}
    return TestResult(name, result, passed, data, flags)


def _has_nonce_or_hash(sources: set[str]) -> bool:
    return any(s.startswith(_NONCE_HASH_PREFIXES) for s in sources)


# ---------------------------------------------------------------------------------------------- the other tests


def hsts_test(value: str | None, *, preloaded: bool = False) -> TestResult:
    name = "strict-transport-security"
    result = "hsts-not-implemented"
    data: dict[str, Any] = {}
    if value is not None:
        header = value[:1024]
        max_age: float | None = None
        try:
            if "," in header:
                raise ValueError("header set multiple times")
            for parameter in (p.strip().lower() for p in header.split(";")):
                if parameter.startswith("max-age="):
                    max_age = _js_parse_int(parameter[8:128])
                elif parameter == "includesubdomains":
                    data["includeSubDomains"] = True
                elif parameter == "preload":
                    data["preload"] = True
            if max_age is None:
                raise ValueError("max-age missing")
            data["maxAge"] = max_age
            # NaN compares false, so like the scanner a non-numeric max-age counts as long enough.
            too_short = max_age == max_age and max_age < SIX_MONTHS
            result = ("hsts-implemented-max-age-less-than-six-months" if too_short
                      else "hsts-implemented-max-age-at-least-six-months")
        except ValueError:
            result = "hsts-header-invalid"
    if preloaded:
        result = "hsts-preloaded"
    passed = result in ("hsts-implemented-max-age-at-least-six-months", "hsts-preloaded")
    return TestResult(name, result, passed, data)


def _js_parse_int(text: str) -> float:
    m = re.match(r"^\s*([+-]?\d+)", text)
    return float(int(m.group(1))) if m else float("nan")


def referrer_policy_test(values: list[str]) -> TestResult:
    name = "referrer-policy"
    if not values:
        return TestResult(name, "referrer-policy-not-implemented", True)
    joined = ", ".join(values)
    valid = [p.strip().lower() for p in joined.split(",") if p.strip().lower() in _REFERRER_GOOD + _REFERRER_BAD]
    policy = valid[-1] if valid else ""  # the last recognised policy is the one browsers apply
    if policy in _REFERRER_GOOD:
        result = "referrer-policy-private"
    elif policy in _REFERRER_BAD:
        result = "referrer-policy-unsafe"
    else:
        result = "referrer-policy-header-invalid"
    return TestResult(name, result, result == "referrer-policy-private", joined)


def x_content_type_options_test(value: str | None) -> TestResult:
    name = "x-content-type-options"
    if not value:
        return TestResult(name, "x-content-type-options-not-implemented", False)
    ok = value[:256].strip().lower() == "nosniff"
    return TestResult(name, "x-content-type-options-nosniff" if ok else "x-content-type-options-header-invalid", ok,
                      value[:256])


def x_frame_options_test(value: str | None, csp: TestResult) -> TestResult:
    name = "x-frame-options"
    if value:
        xfo = value[:1024].strip().lower()
        if xfo in ("deny", "sameorigin"):
            result = "x-frame-options-sameorigin-or-deny"
        elif xfo.startswith("allow-from"):
            result = "x-frame-options-allow-from-origin"
        else:
            result = "x-frame-options-header-invalid"
    else:
        result = "x-frame-options-not-implemented"
    if isinstance(csp.data, dict) and "frame-ancestors" in csp.data:
        result = "x-frame-options-implemented-via-csp"  # frame-ancestors supersedes X-Frame-Options
    passed = result in ("x-frame-options-sameorigin-or-deny", "x-frame-options-allow-from-origin",
                        "x-frame-options-implemented-via-csp")
    return TestResult(name, result, passed, value)


def corp_test(value: str | None) -> TestResult:
    name = "cross-origin-resource-policy"
    if not value:
        return TestResult(name, "corp-not-implemented", True)
    policy = value[:256].strip().lower()
    result = {
        "same-site": "corp-implemented-with-same-site",
        "same-origin": "corp-implemented-with-same-origin",
        "cross-origin": "corp-implemented-with-cross-origin",
    }.get(policy, "corp-header-invalid")
    return TestResult(name, result, result != "corp-header-invalid", policy)


def _isolation_test(name: str, prefix: str, values: list[str], policies: tuple[str, ...]) -> TestResult:
    if not values:
        return TestResult(name, f"{prefix}-not-implemented", True)
    if len(values) > 1:
        return TestResult(name, f"{prefix}-header-invalid", False, values)
    policy = structured_field_token(values[0][:1024].strip())
    if policy in policies:
        return TestResult(name, f"{prefix}-implemented-with-{policy}", True, policy)
    return TestResult(name, f"{prefix}-header-invalid", False, values[0])


# ----------------------------------------------------------------------- RFC 8941 structured field item (token)

_TOKEN = re.compile(r"[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*")
_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_NUMBER = re.compile(r"-?\d{1,15}(\.\d{1,3})?")
_BYTES = re.compile(r":[A-Za-z0-9+/=]*:")
_STRING = re.compile(r'"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*"')


def structured_field_token(value: str) -> str | None:
    """The bare item of an RFC 8941 sf-item if it is a token, ignoring parameters; None if it does not parse.

    COOP and COEP are structured headers: ``same-origin; report-to="coop"`` is the policy ``same-origin``, and a
    value that does not parse is ignored as a whole (HTML standard).
    """
    text = value.strip(" ")
    m = _TOKEN.match(text)
    if not m:
        return None
    token, pos = m.group(0), m.end()
    while pos < len(text):
        if text[pos] != ";":
            return None
        pos += 1
        while pos < len(text) and text[pos] == " ":
            pos += 1
        key = _KEY.match(text, pos)
        if not key:
            return None
        pos = key.end()
        if pos < len(text) and text[pos] == "=":
            pos += 1
            bare = None
            for pattern in (_STRING, _TOKEN, _NUMBER, _BYTES):
                bare = pattern.match(text, pos)
                if bare:
                    break
            if not bare and text.startswith(("?0", "?1"), pos):
                pos += 2
                continue
            if not bare:
                return None
            pos = bare.end()
    return token
