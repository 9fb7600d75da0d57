"""security-headers-required on Cloudflare rules: a rule's filter expression decides where its headers apply."""

from __future__ import annotations

import pytest
from fixtures_good import GOOD_HEADERS, header_ruleset
from policy_helpers import judge

from stackcheck.analyzer import PolicyPackSession

HEADERS = "security-headers-required"


@pytest.mark.parametrize("expression", [
    "true",
    'not starts_with(http.request.uri.path, "/assets/")',
    '(http.host eq "www.example.com") and not (http.request.uri.path matches "^/assets/")',
    'http.request.uri.path.extension ne "js"',
])
def test_expressions_covering_html_apply(pack: PolicyPackSession, applied_pack: PolicyPackSession,
                                         expression: str) -> None:
    judge(pack, header_ruleset(expression=expression)).assert_no_violations(HEADERS)
    judge(applied_pack, header_ruleset(expression=expression)).assert_no_violations(HEADERS)


@pytest.mark.parametrize("expression", [
    'http.request.uri.path eq "/nothing"',
    'starts_with(http.request.uri.path, "/assets/")',
    'http.request.uri.path in {"/"}',
    "false",
])
def test_expressions_missing_html_paths_fail_in_preview_too(pack: PolicyPackSession, expression: str) -> None:
    result = judge(pack, header_ruleset(expression=expression))
    result.assert_has_violation(HEADERS, contains="does not set the required header", level="mandatory")


def test_unreadable_expression_is_unknown_in_preview_and_a_violation_outside(
        pack: PolicyPackSession, applied_pack: PolicyPackSession) -> None:
    record = header_ruleset(expression="cf.bot_management.score gt 30")
    preview = judge(pack, record)
    preview.assert_unknown(HEADERS)
    assert not [v for v in preview.of(HEADERS) if v.enforcement == "mandatory"]
    applied = judge(applied_pack, record)
    v = applied.assert_has_violation(HEADERS, contains="rules[0].expression could not be evaluated",
                                     level="mandatory")
    assert "cf.bot_management" not in v.message  # the message names the field, not its content


def test_header_value_expression(pack: PolicyPackSession, applied_pack: PolicyPackSession) -> None:
    record = header_ruleset()
    headers = record.inputs["rules"][0]["actionParameters"]["headers"]
    headers["X-Frame-Options"] = {"operation": "set", "expression": '"DENY"'}
    judge(applied_pack, record).assert_no_violations(HEADERS)  # a string literal is its value
    headers["X-Frame-Options"] = {"operation": "set", "expression": 'concat("DE", "NY")'}
    judge(pack, record).assert_unknown(HEADERS)
    judge(applied_pack, record).assert_has_violation(HEADERS, contains="X-Frame-Options is computed by",
                                                     level="mandatory")


def test_later_rule_removing_a_header_on_html_paths(pack: PolicyPackSession) -> None:
    record = header_ruleset()
    record.inputs["rules"].append({"action": "rewrite", "expression": 'not http.request.uri.path eq "/x"',
                                   "actionParameters": {"headers": {"X-Frame-Options": {"operation": "remove"}}}})
    judge(pack, record).assert_has_violation(HEADERS, contains="removes the required header X-Frame-Options")


def test_headers_split_over_two_rules_both_covering_html(pack: PolicyPackSession) -> None:
    first, second = dict(list(GOOD_HEADERS.items())[:3]), dict(list(GOOD_HEADERS.items())[3:])
    a = header_ruleset(first)
    b = header_ruleset(second, expression='http.request.uri.path ne "/healthz"')
    a.inputs["rules"].extend(b.inputs["rules"])
    judge(pack, a).assert_no_violations(HEADERS)


@pytest.mark.parametrize(("expression", "path", "expected"), [
    ("true", "/", True),
    ('http.request.uri.path eq "/"', "/", True),
    ('http.request.uri.path eq "/"', "/a", False),
    ('lower(http.request.uri.path) wildcard "/app/*"', "/APP/x", True),
    ('http.request.uri.path strict wildcard "/app/*"', "/APP/x", False),
    ('http.request.uri.path contains "assets" or ip.src eq 1.2.3.4', "/", None),
    ('http.request.uri.path contains "assets" and ip.src in {1.2.3.4}', "/", False),
    ('http.request.uri.path eq "/" ||', "/", None),
    ('http.request.uri.path matches r"^/[a-z]+$"', "/abc", True),
    ('len(http.request.uri.path) gt 3', "/ab", False),
])
def test_evaluator(expression: str, path: str, expected: bool | None) -> None:
    from webstack_policy.cf_expression import evaluate

    assert evaluate(expression, path) is expected
