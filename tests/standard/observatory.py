"""The Mozilla (MDN) HTTP Observatory's header tests and scoring, as a pure function of response headers.

Test-only code (issue 15): it grades what the renderers produce. The CSP test is the policy pack's own grader
(``policy/webstack_policy/csp.py``: the one CSP grader of the repo), so the library's tests and the pack agree on
every policy; the other seven header tests and the score arithmetic live here.

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
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_PACK = Path(__file__).resolve().parents[2] / "policy"
if str(_PACK) not in sys.path:
    sys.path.insert(0, str(_PACK))

from webstack_policy.csp import MODIFIERS as CSP_MODIFIERS  # noqa: E402
from webstack_policy.csp import CspParseError, parse_csp  # noqa: E402
from webstack_policy.csp import csp_test as _pack_csp_test  # noqa: E402

__all__ = ["MODIFIERS", "CspParseError", "Report", "TestResult", "csp_test", "grade", "grade_for_score",
           "hsts_test", "parse_csp", "referrer_policy_test", "structured_field_token"]

ALGORITHM_VERSION = 6
MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90

MODIFIERS: dict[str, int] = {
    **CSP_MODIFIERS,
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


# ---------------------------------------------------------------------------------------------- the tests


def csp_test(values: list[str], report_only: str | None = None) -> TestResult:
    """The pack's CSP grader, as one of this report's tests."""
    found = _pack_csp_test(values, report_only)
    return TestResult("content-security-policy", found.result, found.passed, found.data, found.details)



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
