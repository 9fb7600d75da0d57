"""security-headers-required and csp-observatory-grade, on every kind of header source."""

from __future__ import annotations

import pytest
from fixtures_good import GOOD_CSP, GOOD_HEADERS, RUNBOOK_CSP, container, header_ruleset, nginx_conf, vercel_route
from policy_helpers import UNKNOWN, judge, make_secret, resource

from stackcheck.analyzer import PolicyPackSession

HEADERS = "security-headers-required"
CSP = "csp-observatory-grade"


def without(name: str) -> dict[str, str]:
    return {k: v for k, v in GOOD_HEADERS.items() if k != name}


def test_complete_ruleset_passes(pack: PolicyPackSession) -> None:
    judge(pack, header_ruleset()).assert_no_violations(HEADERS)


def test_ruleset_may_leave_hsts_to_the_zone_setting(pack: PolicyPackSession) -> None:
    judge(pack, header_ruleset(without("Strict-Transport-Security"))).assert_no_violations(HEADERS)


NO_FRAME_ANCESTORS = {**GOOD_HEADERS, "Content-Security-Policy": "default-src 'self'; object-src 'none'"}


@pytest.mark.parametrize("missing", ["X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
                                     "Permissions-Policy", "Content-Security-Policy"])
def test_each_missing_header_fails(pack: PolicyPackSession, missing: str) -> None:
    result = judge(pack, header_ruleset({k: v for k, v in NO_FRAME_ANCESTORS.items() if k != missing}))
    v = result.assert_has_violation(HEADERS, urn_name="headers", contains=missing, level="mandatory")
    assert v.severity == "high"
    assert len(result.of(HEADERS)) == 1


@pytest.mark.parametrize(("name", "value"), [
    ("X-Frame-Options", "ALLOW-FROM https://example.com"),
    ("X-Content-Type-Options", "sniff"),
    ("Referrer-Policy", "unsafe-url"),
    ("Permissions-Policy", "camera=(self)"),
])
def test_unaccepted_values_fail(pack: PolicyPackSession, name: str, value: str) -> None:
    judge(pack, header_ruleset({**NO_FRAME_ANCESTORS, name: value})).assert_has_violation(HEADERS, contains=name)


def test_removing_a_required_header_fails(pack: PolicyPackSession) -> None:
    record = header_ruleset()
    record.inputs["rules"][0]["actionParameters"]["headers"]["X-Frame-Options"] = {"operation": "remove"}
    judge(pack, record).assert_has_violation(HEADERS, contains="removes the required header X-Frame-Options")


@pytest.mark.parametrize(("hsts", "problem"), [
    ("max-age=300; includeSubDomains", "max-age 300 is below 31536000"),
    ("max-age=31536000", "lacks includeSubDomains"),
    ("includeSubDomains", "no valid max-age"),
])
def test_weak_hsts_fails_on_origin_sources(pack: PolicyPackSession, hsts: str, problem: str) -> None:
    judge(pack, vercel_route({**GOOD_HEADERS, "Strict-Transport-Security": hsts})).assert_has_violation(
        HEADERS, contains=problem)


def test_vercel_route_passes_and_fails(pack: PolicyPackSession) -> None:
    judge(pack, vercel_route()).assert_no_violations(HEADERS)
    judge(pack, vercel_route(without("Strict-Transport-Security"))).assert_has_violation(
        HEADERS, urn_name="route", contains="Strict-Transport-Security")


def test_nginx_uploads_are_parsed(pack: PolicyPackSession) -> None:
    judge(pack, container()).assert_no_violations(HEADERS)
    broken = container(uploads=[{"file": "/etc/nginx/nginx.conf", "content": nginx_conf(without("Referrer-Policy"))}])
    judge(pack, broken).assert_has_violation(HEADERS, urn_name="web", contains="Referrer-Policy")


def test_nginx_add_header_without_always_fails(pack: PolicyPackSession) -> None:
    record = container(uploads=[{"file": "/etc/nginx/nginx.conf", "content": nginx_conf(always=False)}])
    result = judge(pack, record)
    result.assert_has_violation(HEADERS, contains="lacks 'always'")
    no_always = {"security-headers-required": {"requireAlwaysInNginx": False}}
    judge(pack, record, config=no_always).assert_no_violations(HEADERS)


def test_netlify_headers_file_declared_as_a_resource(pack: PolicyPackSession) -> None:
    body = "/*\n" + "".join(f"  {k}: {v}\n" for k, v in GOOD_HEADERS.items())
    good = resource("command:local:Command", "netlify-headers", {"create": "true", "assetPaths": [],
                                                                  "file": {"path": "dist/_headers", "content": body}})
    judge(pack, good).assert_no_violations(HEADERS)
    bad_body = "/*\n  X-Frame-Options: DENY\n"
    bad = resource("command:local:Command", "netlify-headers", {"file": {"path": "dist/_headers", "content": bad_body}})
    judge(pack, bad).assert_has_violation(HEADERS, contains="Content-Security-Policy")


def test_unrelated_resources_are_ignored(pack: PolicyPackSession) -> None:
    cache = resource("cloudflare:index/ruleset:Ruleset", "cache", {"zoneId": "zone1", "phase":
                     "http_request_cache_settings", "kind": "zone", "name": "cache", "rules": []})
    judge(pack, cache).assert_no_violations(HEADERS)


def test_unknown_header_value_is_advisory_not_a_crash(pack: PolicyPackSession) -> None:
    result = judge(pack, header_ruleset({**GOOD_HEADERS, "Content-Security-Policy": UNKNOWN}))
    result.assert_unknown(HEADERS)
    assert not [v for v in result.of(HEADERS) if v.enforcement == "mandatory"]


def test_unknown_rules_are_advisory(pack: PolicyPackSession) -> None:
    record = header_ruleset()
    record.inputs["rules"] = UNKNOWN
    judge(pack, record).assert_unknown(HEADERS)


def test_secret_header_value_never_appears_in_messages(pack: PolicyPackSession) -> None:
    secret_policy = "camera=(self), hunter2-secret-token"
    record = header_ruleset({**GOOD_HEADERS, "Permissions-Policy": make_secret(secret_policy)})
    result = judge(pack, record)
    result.assert_has_violation(HEADERS, contains="Permissions-Policy")
    assert "hunter2" not in result.messages()


def test_required_set_is_configurable(pack: PolicyPackSession) -> None:
    only_two = {HEADERS: {"requiredHeaders": ["X-Frame-Options", "X-Content-Type-Options"]}}
    judge(pack, header_ruleset({"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"}),
          config=only_two).assert_no_violations(HEADERS)


# ------------------------------------------------------------------------------------------------ CSP


def test_runbook_csp_fails_on_prod(prod_pack: PolicyPackSession) -> None:
    result = judge(prod_pack, header_ruleset({**GOOD_HEADERS, "Content-Security-Policy": RUNBOOK_CSP}))
    v = result.assert_has_violation(CSP, contains="csp-implemented-with-unsafe-inline", level="mandatory")
    assert "production" in v.message


def test_runbook_csp_is_tolerated_off_prod(pack: PolicyPackSession) -> None:
    judge(pack, header_ruleset({**GOOD_HEADERS, "Content-Security-Policy": RUNBOOK_CSP})).assert_no_violations(CSP)


def test_prod_by_stack_tag(pack: PolicyPackSession) -> None:
    record = header_ruleset({**GOOD_HEADERS, "Content-Security-Policy": RUNBOOK_CSP})
    judge(pack, record, tags={"environment": "production"}).assert_has_violation(CSP)


def test_good_csp_passes_on_prod(prod_pack: PolicyPackSession) -> None:
    judge(prod_pack, header_ruleset()).assert_no_violations(CSP)


def test_invalid_csp_fails_everywhere(pack: PolicyPackSession) -> None:
    bad = header_ruleset({**GOOD_HEADERS, "Content-Security-Policy": "default-src 'self'; default-src *"})
    judge(pack, bad).assert_has_violation(CSP, contains="csp-header-invalid")


def test_csp_threshold_is_configurable(prod_pack: PolicyPackSession) -> None:
    record = header_ruleset({**GOOD_HEADERS, "Content-Security-Policy": RUNBOOK_CSP})
    lenient = {CSP: {"prodMinimumModifier": -20}}
    judge(prod_pack, record, config=lenient).assert_no_violations(CSP)


def test_unknown_csp_is_advisory(prod_pack: PolicyPackSession) -> None:
    judge(prod_pack, header_ruleset({**GOOD_HEADERS, "Content-Security-Policy": UNKNOWN})).assert_unknown(CSP)


def test_good_csp_constant_is_really_good() -> None:
    from webstack_policy.csp import grade_csp

    assert grade_csp(GOOD_CSP).modifier >= 5
