"""Our implementation of the HTTP Observatory's header tests, checked against the scanner's documented cases.

The CSP cases are the ones the Observatory's own test-suite (mdn/mdn-http-observatory test/csp.test.js) uses to
pin each result; the score cases work through the published arithmetic (bonus only from 90 up, floor at 0).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.standard.observatory import (
    MODIFIERS,
    csp_test,
    grade,
    grade_for_score,
    hsts_test,
    parse_csp,
    referrer_policy_test,
    structured_field_token,
)

A_PLUS_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; object-src 'none'; frame-ancestors 'none'",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _csp(value: str) -> str:
    return csp_test([value]).result


@pytest.mark.parametrize("value", [
    "  ", "", "default-src 'none'; default-src 'none'", "default-src 'none'; img-src 'self'; default-src 'none'",
    "default-src 'none'; script-src 'strict-dynamic'", "defa",
])
def test_csp_header_invalid(value: str) -> None:
    result = csp_test([value])
    assert result.result == "csp-header-invalid"
    assert not result.passed


@pytest.mark.parametrize("value", [
    "script-src 'unsafe-inline'", "script-src data:", "script-src http:", "script-src ftp:",
    "default-src 'unsafe-inline'", "default-src 'UNSAFE-INLINE'", "upgrade-insecure-requests", "script-src 'none'",
    "script-src https:", "script-src https://mozilla.org https:", "default-src https://mozilla.org https:",
    "default-src 'none'; script-src *", "default-src *; script-src *; object-src 'none'",
    "default-src 'none'; script-src 'none'; object-src *",
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'",
    "default-src 'none'; script-src 'unsafe-inline' http:",
    "object-src https:; script-src 'none'", "default-src 'none'; script-src https://*",
    "frame-anchestors 'none'",  # a misspelt directive leaves script-src and object-src unrestricted
])
def test_csp_unsafe_inline(value: str) -> None:
    result = csp_test([value])
    assert result.result == "csp-implemented-with-unsafe-inline"
    assert result.details["unsafeInline"] and not result.passed


@pytest.mark.parametrize("value", [
    "default-src http://mozilla.org", "default-src 'none'; script-src http://mozilla.org",
    "default-src 'none'; script-src ftp://mozilla.org",
])
def test_csp_insecure_scheme(value: str) -> None:
    assert _csp(value) == "csp-implemented-with-insecure-scheme"


@pytest.mark.parametrize("value", [
    "default-src 'none'; img-src http://mozilla.org", "default-src 'self'; img-src ftp:",
    "default-src 'self'; img-src http:",
    "default-src 'none'; img-src https:; media-src http://mozilla.org",
    "default-src 'none'; img-src http: https:; script-src 'self'; style-src 'self'",
    "default-src 'none'; img-src 'none'; media-src http:; script-src 'self'; style-src 'unsafe-inline'",
])
def test_csp_insecure_passive_only(value: str) -> None:
    result = csp_test([value])
    assert result.result == "csp-implemented-with-insecure-scheme-in-passive-content-only"
    assert result.passed


def test_csp_unsafe_eval() -> None:
    result = csp_test(["default-src 'none'; script-src 'unsafe-eval'"])
    assert result.result == "csp-implemented-with-unsafe-eval"
    assert result.data["script-src"] == ["'unsafe-eval'"]


@pytest.mark.parametrize("value", [
    "object-src 'none'; script-src 'none'; style-src 'unsafe-inline'",
    "default-src 'none'; script-src https://mozilla.org; style-src 'unsafe-inline'",
    "default-src 'unsafe-inline'; script-src https://mozilla.org",
    "default-src 'none';;; ;;;style-src 'self' 'unsafe-inline'",
    "default-src 'none'; style-src data:", "default-src 'none'; style-src *", "default-src 'none'; style-src https:",
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBB=' "
    "'unsafe-inline'",
])
def test_csp_unsafe_inline_in_style_only(value: str) -> None:
    result = csp_test([value])
    assert result.result == "csp-implemented-with-unsafe-inline-in-style-src-only"
    assert result.passed and result.details["unsafeInlineStyle"]


@pytest.mark.parametrize("value", [
    "default-src https://mozilla.org", "default-src https://mozilla.org;;; ;;;script-src 'none'",
    "object-src 'none'; script-src https://mozilla.org; style-src https://mozilla.org; upgrade-insecure-requests;",
    "object-src 'none'; script-src 'strict-dynamic' 'nonce-abc' 'unsafe-inline'; style-src 'none'",
    "object-src 'none'; style-src 'self';script-src 'sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBA='",
    "object-src 'none'; script-src 'unsafe-inline' 'nonce-abc123' 'unsafe-inline'; style-src 'none'",
    "default-src https://mozilla.org; style-src 'unsafe-inline' 'nonce-abc123' 'unsafe-inline'",
])
def test_csp_no_unsafe(value: str) -> None:
    assert _csp(value) == "csp-implemented-with-no-unsafe"


@pytest.mark.parametrize("value", [
    "default-src",  # a source list without sources is 'none'
    "default-src 'none'; script-src 'strict-dynamic' 'nonce-abc123' 'unsafe-inline'",
    "default-src 'none'; script-src https://mozilla.org; style-src https://mozilla.org; upgrade-insecure-requests;",
    "default-src 'none'; object-src https://mozilla.org",
    "default-src 'none'; script-src 'strict-dynamic' 'sha256-abc123' https://*",
])
def test_csp_default_none(value: str) -> None:
    result = csp_test([value])
    assert result.result == "csp-implemented-with-no-unsafe-default-src-none"
    assert result.details["defaultNone"]


def test_csp_multiple_policies_intersect() -> None:
    # Each policy is enforced, so a source counts only when the policies agree (Observatory issue #463).
    value = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline', default-src 'none'; "
             "style-src 'self', default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'")
    result = csp_test([value])
    assert result.passed and not result.details["unsafeInlineStyle"]
    assert result.data == {"default-src": ["'none'"], "script-src": ["'self'"], "style-src": ["'self'"]}
    # Two headers carrying different policies: only what both allow survives, here nothing, i.e. 'none'.
    assert csp_test(["default-src http:", "default-src https:"]).result == (
        "csp-implemented-with-no-unsafe-default-src-none")


def test_csp_policy_flags() -> None:
    assert not csp_test(["default-src 'none'"]).details["antiClickjacking"]  # frame-ancestors has no fallback
    assert csp_test(["default-src *; frame-ancestors 'none'"]).details["antiClickjacking"]
    flags = csp_test(["default-src 'none'; base-uri https:; object-src https:"]).details
    assert flags["insecureBaseUri"] and flags["unsafeObjects"]
    assert not csp_test(["default-src 'none'; base-uri 'self'"]).details["insecureBaseUri"]
    assert csp_test(["default-src 'none'"]).details["insecureFormAction"]  # form-action has no fallback either
    assert not csp_test(["default-src *; form-action 'self'"]).details["insecureFormAction"]


def test_csp_report_only_and_duplicate_reporting() -> None:
    assert csp_test([], "default-src 'none'").result == "csp-not-implemented-but-reporting-enabled"
    assert csp_test([]).result == "csp-not-implemented"
    dup = csp_test(["default-src 'none'; report-uri https://a.example/r; report-uri https://b.example/r"])
    assert dup.result == "csp-implemented-but-duplicate-directives" and dup.passed
    assert dup.data["report-uri"] == ["https://a.example/r"]


def test_parser_lowercases_and_drops_superfluous_longer_sources() -> None:
    parsed = parse_csp(["Script-Src HTTPS://A.example/ https://a.example/lib/x.js 'SELF'"])
    assert parsed == {"script-src": {"https://a.example/", "'self'"}}


@pytest.mark.parametrize(("value", "result"), [
    (None, "hsts-not-implemented"),
    ("max-age=15552000", "hsts-implemented-max-age-at-least-six-months"),
    ("max-age=15551999; includeSubDomains", "hsts-implemented-max-age-less-than-six-months"),
    ("includeSubDomains; preload", "hsts-header-invalid"),
    ("max-age=63072000, max-age=1", "hsts-header-invalid"),
    ("max-age = 63072000", "hsts-header-invalid"),
    ("max-age=abc", "hsts-implemented-max-age-at-least-six-months"),  # the scanner's parseInt quirk, kept
])
def test_hsts(value: str | None, result: str) -> None:
    assert hsts_test(value).result == result


def test_hsts_preload_bonus_needs_the_list_not_the_directive() -> None:
    value = "max-age=63072000; includeSubDomains; preload"
    assert hsts_test(value).result == "hsts-implemented-max-age-at-least-six-months"
    assert hsts_test(value, preloaded=True).result == "hsts-preloaded"
    assert MODIFIERS["hsts-preloaded"] == 5


@pytest.mark.parametrize(("values", "result"), [
    ([], "referrer-policy-not-implemented"),
    (["no-referrer"], "referrer-policy-private"), (["same-origin"], "referrer-policy-private"),
    (["strict-origin"], "referrer-policy-private"), (["Strict-Origin-When-Cross-Origin"], "referrer-policy-private"),
    (["origin"], "referrer-policy-unsafe"), (["unsafe-url"], "referrer-policy-unsafe"),
    (["no-referrer-when-downgrade"], "referrer-policy-unsafe"),
    (["no-referrer, unsafe-url"], "referrer-policy-unsafe"),  # the last recognised value wins
    (["unsafe-url, no-referrer, not-a-policy"], "referrer-policy-private"),
    (["not-a-policy"], "referrer-policy-header-invalid"),
])
def test_referrer_policy(values: list[str], result: str) -> None:
    assert referrer_policy_test(values).result == result


def _result(headers: dict[str, str], test: str) -> str:
    return grade(headers).test(test).result


def test_x_frame_options_and_frame_ancestors() -> None:
    base = {"Content-Security-Policy": "default-src 'none'"}
    assert _result(base, "x-frame-options") == "x-frame-options-not-implemented"
    assert _result({**base, "X-Frame-Options": "DENY"}, "x-frame-options") == "x-frame-options-sameorigin-or-deny"
    assert _result({**base, "X-Frame-Options": "sameorigin"}, "x-frame-options") == (
        "x-frame-options-sameorigin-or-deny")
    assert _result({**base, "X-Frame-Options": "ALLOW-FROM https://a.example"}, "x-frame-options") == (
        "x-frame-options-allow-from-origin")
    assert _result({**base, "X-Frame-Options": "yes"}, "x-frame-options") == "x-frame-options-header-invalid"
    # frame-ancestors in the CSP supersedes X-Frame-Options, whatever that says
    fa = {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'", "X-Frame-Options": "bogus"}
    assert _result(fa, "x-frame-options") == "x-frame-options-implemented-via-csp"


@pytest.mark.parametrize(("value", "result"), [
    ("nosniff", "x-content-type-options-nosniff"), (" NoSniff ", "x-content-type-options-nosniff"),
    ("sniff", "x-content-type-options-header-invalid"),
])
def test_x_content_type_options(value: str, result: str) -> None:
    assert _result({"X-Content-Type-Options": value}, "x-content-type-options") == result
    assert _result({}, "x-content-type-options") == "x-content-type-options-not-implemented"


@pytest.mark.parametrize(("value", "result"), [
    ("same-origin", "corp-implemented-with-same-origin"), ("Same-Site", "corp-implemented-with-same-site"),
    ("cross-origin", "corp-implemented-with-cross-origin"), ("nope", "corp-header-invalid"),
])
def test_corp(value: str, result: str) -> None:
    assert _result({"Cross-Origin-Resource-Policy": value}, "cross-origin-resource-policy") == result


def test_coop_and_coep_are_structured_tokens() -> None:
    coop = "cross-origin-opener-policy"
    assert _result({"Cross-Origin-Opener-Policy": 'same-origin; report-to="coop"'}, coop) == (
        "coop-implemented-with-same-origin")
    assert _result({"Cross-Origin-Opener-Policy": "same-origin-allow-popups"}, coop) == (
        "coop-implemented-with-same-origin-allow-popups")
    assert _result({"Cross-Origin-Opener-Policy": '"same-origin"'}, coop) == "coop-header-invalid"  # a string
    assert _result({"Cross-Origin-Opener-Policy": "Same-Origin"}, coop) == "coop-header-invalid"  # case matters
    assert grade([("Cross-Origin-Opener-Policy", "same-origin")] * 2).test(coop).result == "coop-header-invalid"
    assert _result({}, coop) == "coop-not-implemented"
    coep = "cross-origin-embedder-policy"
    assert _result({"Cross-Origin-Embedder-Policy": "require-corp"}, coep) == "coep-implemented-with-require-corp"
    assert _result({"Cross-Origin-Embedder-Policy": "credentialless"}, coep) == (
        "coep-implemented-with-credentialless")
    assert _result({"Cross-Origin-Embedder-Policy": "unsafe-none"}, coep) == "coep-implemented-with-unsafe-none"
    assert _result({"Cross-Origin-Embedder-Policy": "require-corp;"}, coep) == "coep-header-invalid"


@pytest.mark.parametrize(("value", "token"), [
    ("same-origin", "same-origin"), ("  same-origin  ", "same-origin"), ("a;b;c=1;d=?0;e=:AQ==:", "a"),
    ('x; report-to="a\\"b"', "x"), ("x;B=1", None), ("x y", None), ("1abc", None), ("x;", None),
])
def test_structured_field_token(value: str, token: str | None) -> None:
    assert structured_field_token(value) == token


@pytest.mark.parametrize(("score", "letter"), [
    (-10, "F"), (0, "F"), (24, "F"), (25, "D-"), (29, "D-"), (30, "D"), (39, "D"), (40, "D+"), (45, "C-"),
    (50, "C"), (59, "C"), (60, "C+"), (65, "B-"), (70, "B"), (79, "B"), (80, "B+"), (85, "A-"), (89, "A-"),
    (90, "A"), (99, "A"), (100, "A+"), (135, "A+"),
])
def test_grade_chart(score: int, letter: str) -> None:
    assert grade_for_score(score) == letter


def test_a_plus_header_set_scores_every_bonus() -> None:
    report = grade(A_PLUS_HEADERS)
    # CSP default-src 'none' +10, Referrer +5, XFO via frame-ancestors +5, CORP +10, COOP +10
    assert (report.score, report.grade) == (140, "A+")
    assert report.penalties == () and not report.bonus_blocked
    assert grade({**A_PLUS_HEADERS, "Cross-Origin-Embedder-Policy": "require-corp"}).score == 150


def test_bonus_counts_only_when_the_penalties_leave_an_a() -> None:
    # -10 (unsafe-eval): 90 without bonuses, so the +40 of bonuses still counts
    eval_csp = {**A_PLUS_HEADERS, "Content-Security-Policy": "default-src 'none'; script-src 'self' 'unsafe-eval'; "
                "frame-ancestors 'none'"}
    report = grade(eval_csp)
    assert report.score_without_bonus == 90 and report.score == 90 + 5 + 5 + 10 + 10
    # -20 (unsafe-inline): 80, so the bonuses are dropped and the grade is B+
    inline = {**A_PLUS_HEADERS, "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'",
              "X-Frame-Options": "DENY"}
    report = grade(inline)
    assert (report.score, report.grade, report.bonus_blocked) == (80, "B+", True)
    # and without X-Frame-Options (frame-ancestors left the CSP too) another -20 on top
    del inline["X-Frame-Options"]
    assert (grade(inline).score, grade(inline).grade) == (60, "C+")


def test_missing_and_broken_headers() -> None:
    report = grade({})
    # CSP -25, HSTS -20, XCTO -5, XFO -20; the others are neutral when absent
    assert (report.score, report.grade) == (30, "D")
    hostile = {"Content-Security-Policy": "x", "Strict-Transport-Security": "x", "X-Content-Type-Options": "x",
               "X-Frame-Options": "x", "Referrer-Policy": "x", "Cross-Origin-Resource-Policy": "x",
               "Cross-Origin-Opener-Policy": "?", "Cross-Origin-Embedder-Policy": "?"}
    report = grade(hostile)
    assert [t.modifier for t in report.tests] == [-25, -20, -5, -5, -20, -5, -5, -5]
    assert (report.score, report.grade) == (10, "F")


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(
    st.sampled_from(["Content-Security-Policy", "Strict-Transport-Security", "Referrer-Policy", "X-Frame-Options",
                     "X-Content-Type-Options", "Cross-Origin-Resource-Policy", "Cross-Origin-Opener-Policy",
                     "Cross-Origin-Embedder-Policy"]),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=120)))
def test_grading_is_total_and_consistent(headers: dict[str, str]) -> None:
    report = grade(headers)
    assert {t.result for t in report.tests} <= set(MODIFIERS)
    assert report.score >= 0 and report.grade == grade_for_score(report.score)
    if report.score_without_bonus >= 90:
        assert report.score == 100 + sum(t.modifier for t in report.tests)
    else:
        assert report.score == max(report.score_without_bonus, 0)
