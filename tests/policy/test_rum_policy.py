"""The RUM policies through the real Analyzer protocol: rum-declared (advisory, production),
web-analytics-site-collects and rum-beacon-allowed-by-csp (mandatory), and the CSP policies leaving the beacon's
sources alone.

Fixtures: the Web Analytics site inputs follow the provider's example (pulumi-cloudflare v6
``cloudflare.WebAnalyticsSite``: ``account_id``, ``auto_install``, ``host``, ``zone_tag``; the registry page and
developers.cloudflare.com/api/terraform/resources/rum); the CSP entries are Cloudflare's
(developers.cloudflare.com/web-analytics/faq/ "What do I need to add to my Content Security Policy (CSP)?").
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from fixtures_good import GOOD_HEADERS, VERCEL_PROJECT, dns, header_ruleset
from policy_helpers import PACK, UNKNOWN, judge, resource

from components.config.standard import HeadersConfig
from components.standard.resolve import build_standard
from stackcheck.analyzer import PolicyPackSession

if str(PACK) not in sys.path:
    sys.path.insert(0, str(PACK))

from webstack_policy.rum import source_allows

SITE = "cloudflare:index/webAnalyticsSite:WebAnalyticsSite"
ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"  # the provider example's ids
ZONE = "023e105f4ecef8ad9ca31a8372d0c353"
PROD = {"environment": "production"}
BEACON_AUTO_CSP = ("default-src 'none'; script-src 'self' https://static.cloudflareinsights.com/beacon.min.js/; "
                   "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'")
BEACON_SNIPPET_CSP = ("default-src 'none'; script-src 'self' https://static.cloudflareinsights.com/beacon.min.js; "
                      "connect-src 'self' https://cloudflareinsights.com/cdn-cgi/rum; object-src 'none'; "
                      "base-uri 'self'; frame-ancestors 'none'")


def site(**inputs: Any) -> Any:
    values = {"accountId": ACCOUNT, "zoneTag": ZONE, "autoInstall": True, "enabled": True}
    values.update(inputs)
    return resource(SITE, "web-analytics", {k: v for k, v in values.items() if v is not None})


def headers_with(csp: str) -> Any:
    return header_ruleset({**GOOD_HEADERS, "Content-Security-Policy": csp})


# ---------------------------------------------------------------------------------------------- rum-declared


def test_a_production_site_without_rum_is_advised(pack: PolicyPackSession) -> None:
    judge(pack, dns(), header_ruleset(), tags=PROD).assert_has_violation(
        "rum-declared", contains="declares no real-user monitoring", level="advisory")


def test_a_vercel_project_counts_as_a_site(pack: PolicyPackSession) -> None:
    project = resource(VERCEL_PROJECT, "web", {"name": "web", "framework": "vite"})
    judge(pack, project, tags=PROD).assert_has_violation("rum-declared")


def test_a_declared_site_passes(pack: PolicyPackSession) -> None:
    judge(pack, dns(), headers_with(BEACON_AUTO_CSP), site(), tags=PROD).assert_no_violations("rum-declared")


def test_a_switched_off_site_is_not_rum(pack: PolicyPackSession) -> None:
    judge(pack, dns(), headers_with(BEACON_AUTO_CSP), site(enabled=False), tags=PROD).assert_has_violation(
        "rum-declared", contains="switched off")


def test_not_judged_outside_production_or_without_a_served_site(pack: PolicyPackSession) -> None:
    judge(pack, dns(), header_ruleset()).assert_no_violations("rum-declared")
    judge(pack, dns(proxied=False), header_ruleset(), tags=PROD).assert_no_violations("rum-declared")


def test_an_org_may_name_its_own_rum_marker(pack: PolicyPackSession) -> None:
    marker = resource("pulumi-python:dynamic/acme:SpeedInsights", "si", {"project": "web"})
    config = {"rum-declared": {"rumTypes": ["pulumi-python:dynamic/acme:SpeedInsights"]}}
    judge(pack, dns(), marker, config=config, tags=PROD).assert_no_violations("rum-declared")


# ------------------------------------------------------------------------------------ web-analytics-site-collects


@pytest.mark.parametrize(("inputs", "message"), [
    ({"zoneTag": None, "host": None, "autoInstall": False, "enabled": None}, "neither a zone"),
    ({"zoneTag": None, "host": "example.com"}, "no zoneTag"),
])
def test_a_site_that_cannot_collect_fails(pack: PolicyPackSession, inputs: dict[str, Any], message: str) -> None:
    judge(pack, site(**inputs)).assert_has_violation("web-analytics-site-collects", contains=message,
                                                     level="mandatory")


def test_switched_off_fails_on_production_only(pack: PolicyPackSession) -> None:
    judge(pack, site(enabled=False), tags=PROD).assert_has_violation("web-analytics-site-collects",
                                                                      contains="switched off")
    judge(pack, site(enabled=False)).assert_no_violations("web-analytics-site-collects")


def test_both_documented_shapes_pass(pack: PolicyPackSession) -> None:
    judge(pack, site(), tags=PROD).assert_no_violations("web-analytics-site-collects")
    snippet = site(zoneTag=None, host="example.com", autoInstall=False, enabled=None)
    judge(pack, snippet, tags=PROD).assert_no_violations("web-analytics-site-collects")


def test_an_unknown_zone_is_said_so(pack: PolicyPackSession) -> None:
    judge(pack, site(zoneTag=UNKNOWN)).assert_unknown("web-analytics-site-collects")


# -------------------------------------------------------------------------------------- rum-beacon-allowed-by-csp


def test_auto_install_under_a_csp_without_the_beacon_fails(pack: PolicyPackSession) -> None:
    found = judge(pack, site(), header_ruleset()).assert_has_violation(
        "rum-beacon-allowed-by-csp", contains="does not allow the beacon script", level="mandatory")
    assert "https://static.cloudflareinsights.com/beacon.min.js/" in found.message


def test_the_snippet_needs_its_endpoint_too(pack: PolicyPackSession) -> None:
    csp = BEACON_SNIPPET_CSP.replace(" https://cloudflareinsights.com/cdn-cgi/rum", "")
    snippet = site(zoneTag=None, host="example.com", autoInstall=False, enabled=None)
    judge(pack, snippet, headers_with(csp)).assert_has_violation(
        "rum-beacon-allowed-by-csp", contains="https://cloudflareinsights.com/cdn-cgi/rum")


def test_the_exact_snippet_path_does_not_cover_the_injected_beacon(pack: PolicyPackSession) -> None:
    judge(pack, site(), headers_with(BEACON_SNIPPET_CSP)).assert_has_violation("rum-beacon-allowed-by-csp")


def test_strict_dynamic_refuses_the_injected_beacon(pack: PolicyPackSession) -> None:
    csp = BEACON_AUTO_CSP.replace("script-src 'self'", "script-src 'nonce-abc123' 'strict-dynamic'")
    judge(pack, site(), headers_with(csp)).assert_has_violation("rum-beacon-allowed-by-csp",
                                                                contains="strict-dynamic")


@pytest.mark.parametrize(("inputs", "csp"), [
    ({}, BEACON_AUTO_CSP),
    ({"zoneTag": None, "host": "example.com", "autoInstall": False, "enabled": None}, BEACON_SNIPPET_CSP),
    ({}, BEACON_AUTO_CSP.replace("https://static.cloudflareinsights.com/beacon.min.js/",
                                 "static.cloudflareinsights.com")),  # Cloudflare's CSP page: the whole host
])
def test_a_csp_allowing_the_beacon_passes(pack: PolicyPackSession, inputs: dict[str, Any], csp: str) -> None:
    judge(pack, site(**inputs), headers_with(csp)).assert_no_violations("rum-beacon-allowed-by-csp")


def test_no_site_no_judgement(pack: PolicyPackSession) -> None:
    judge(pack, header_ruleset()).assert_no_violations("rum-beacon-allowed-by-csp")


# ---------------------------------------------------------------------------------------------- the standard's own CSP


@pytest.mark.parametrize(("beacons", "inputs"), [
    (["cloudflare-auto"], {}),
    (["cloudflare-snippet"], {"zoneTag": None, "host": "example.com", "autoInstall": False, "enabled": None}),
])
def test_the_standard_with_rum_passes_every_csp_policy(prod_pack: PolicyPackSession, beacons: list[str],
                                                       inputs: dict[str, Any]) -> None:
    """The RUM sources the standard adds are not flagged by the header/CSP policies, and satisfy the beacon check."""
    std = build_standard(HeadersConfig.model_validate({}), "https://abcdefghijklmnopqrst.supabase.co", [],
                         rum_beacons=beacons)
    result = judge(prod_pack, site(**inputs), header_ruleset(dict(std.headers)), dns())
    for policy in ("csp-observatory-grade", "security-headers-required", "rum-beacon-allowed-by-csp",
                   "web-analytics-site-collects", "rum-declared"):
        result.assert_no_violations(policy)


# ---------------------------------------------------------------------------------------------- matching, unit


@pytest.mark.parametrize(("source", "url", "allowed"), [
    ("https://static.cloudflareinsights.com/beacon.min.js/", "https://static.cloudflareinsights.com/beacon.min.js/v1",
     True),
    ("https://static.cloudflareinsights.com/beacon.min.js", "https://static.cloudflareinsights.com/beacon.min.js/v1",
     False),
    ("https://static.cloudflareinsights.com/beacon.min.js", "https://static.cloudflareinsights.com/beacon.min.js",
     True),
    ("https://static.cloudflareinsights.com/beacon.min.js/", "https://static.cloudflareinsights.com/other.js", False),
    ("*.cloudflareinsights.com", "https://static.cloudflareinsights.com/beacon.min.js", True),
    ("*.cloudflareinsights.com", "https://cloudflareinsights.com/cdn-cgi/rum", False),
    ("https://static.cloudflareinsights.com:8443", "https://static.cloudflareinsights.com/x", False),
    ("http://static.cloudflareinsights.com", "https://static.cloudflareinsights.com/x", True),  # upgrade allowed
    ("https:", "https://static.cloudflareinsights.com/x", True),
    ("'self'", "https://static.cloudflareinsights.com/x", False),
    ("https://evil.example", "https://static.cloudflareinsights.com/x", False),
])
def test_source_matching(source: str, url: str, allowed: bool) -> None:
    assert source_allows(source, url) is allowed

