"""security-headers-required on Cloudflare rules filtered on ``http.response.code``, through the real protocol.

A Response Header Transform Rule applies to every response Cloudflare sends, 304s included
(developers.cloudflare.com/rules/transform/response-header-modification/); ``http.response.code`` is one of the
response fields such a rule may filter on (…/response-header-modification/reference/fields-functions/), "the HTTP
status code returned to the client, either set by a Cloudflare product or returned by the origin server"
(developers.cloudflare.com/ruleset-engine/rules-language/fields/reference/http.response.code/). RFC 9110 §15.4.5 lets
a 304 Not Modified go without the stored response's headers, so a rule excluding only 304 covers every response
the policy asks about — the Cloudflare twin of the nginx model's ``map $status`` 304 arm
(tests/policy/test_nginx_status_maps.py). A rule that leaves out any other status (``eq 200``, ``ne 404``,
``lt 400``) leaves error responses without the headers, like an nginx ``add_header`` without ``always``.
"""

from __future__ import annotations

import json

import pytest
from fixtures_good import GOOD_HEADERS, header_ruleset
from policy_helpers import judge

from stackcheck.analyzer import PolicyPackSession

HEADERS = "security-headers-required"


@pytest.mark.parametrize("expression", [
    "http.response.code ne 304",
    "not http.response.code eq 304",
    "http.response.code != 304",
    "not (http.response.code in {304})",
    '(http.response.code ne 304) and not starts_with(http.request.uri.path, "/assets/")',
    '(http.host eq "www.example.com") and http.response.code ne 304',
])
def test_a_rule_excluding_only_304_covers_every_response(pack: PolicyPackSession, applied_pack: PolicyPackSession,
                                                         expression: str) -> None:
    judge(pack, header_ruleset(expression=expression)).assert_no_violations(HEADERS)
    judge(applied_pack, header_ruleset(expression=expression)).assert_no_violations(HEADERS)


@pytest.mark.parametrize(("expression", "statuses"), [
    ("http.response.code eq 200", "204, 206, 301, 302, 307, 308 and 19 more"),
    ("http.response.code ne 404", "404"),
    ("http.response.code in {200 304}", "204, 206, 301, 302, 307, 308 and 19 more"),
    ("http.response.code lt 400", "400, 401, 403, 404, 405, 412 and 13 more"),
    ("http.response.code ne 304 and http.response.code ne 500", "500"),
])
def test_a_rule_leaving_out_other_statuses_fails(pack: PolicyPackSession, expression: str, statuses: str) -> None:
    result = judge(pack, header_ruleset(expression=expression))
    v = result.assert_has_violation(HEADERS, contains=f"Content-Security-Policy is not set on {statuses} responses",
                                    level="mandatory")
    assert "leaves them out" in v.message and "http.response.code ne 304" in v.message
    # one finding per required header, none about the values themselves
    assert len([x for x in result.of(HEADERS) if "is not set on" in x.message]) == len(GOOD_HEADERS)


def test_an_earlier_rule_covering_every_status_fills_the_gap(pack: PolicyPackSession) -> None:
    record = header_ruleset(expression="true")
    second = header_ruleset(expression="http.response.code eq 200")  # the same headers again, on 200s only
    record.inputs["rules"].extend(second.inputs["rules"])
    judge(pack, record).assert_no_violations(HEADERS)


def test_a_later_304_only_rule_is_graded_like_a_conditional_one(pack: PolicyPackSession) -> None:
    record = header_ruleset(expression="http.response.code ne 304")
    record.inputs["rules"].append({"action": "rewrite", "expression": "http.response.code eq 304",
                                   "actionParameters": {"headers": {
                                       "Referrer-Policy": {"operation": "set", "value": "unsafe-url"}}}})
    result = judge(pack, record)
    result.assert_has_violation(HEADERS, contains="(in a rule whose condition the policy cannot evaluate) sets "
                                "Referrer-Policy so that browsers apply unsafe-url")
    assert not [v for v in result.of(HEADERS) if "does not set" in v.message]


def test_the_renderers_rule_passes(pack: PolicyPackSession, applied_pack: PolicyPackSession) -> None:
    """The edge renderer's own rule (components/render/cloudflare.py), in the provider's input shape."""
    from components.render import cloudflare
    from components.standard import resolve_standard
    from tests.cloudflare.stack_config import example_config

    std = resolve_standard(example_config("prod"))
    [rule] = json.loads(json.dumps(cloudflare.response_header_rules(std)))
    assert rule["expression"] == "http.response.code ne 304"
    record = header_ruleset(expression=rule["expression"])
    record.inputs["rules"][0]["actionParameters"] = rule["action_parameters"]
    judge(pack, record).assert_no_violations(HEADERS)
    judge(applied_pack, record).assert_no_violations(HEADERS)


@pytest.mark.parametrize(("expression", "gaps", "on_304"), [
    ("true", (), True),
    ("http.response.code ne 304", (), False),
    ("http.response.code ne 404", (404,), True),
    ("http.response.code eq 304", (), True),  # does not apply to a 200 at all: "does not set", not a gap
    ('http.response.code ne 304 or http.request.uri.path eq "/"', (), True),
])
def test_status_gaps(expression: str, gaps: tuple[int, ...], on_304: bool) -> None:
    from webstack_policy.cf_expression import evaluate, status_gaps

    assert status_gaps(expression, "/") == gaps
    assert evaluate(expression, "/", status=304) is on_304
    assert evaluate(expression, "/a", status=304) is (on_304 and "/" not in expression)
