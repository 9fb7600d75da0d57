"""CloudflareEdge's intent-level Args: defaults applied inside, the same checks as stack config at the component
boundary (each error names the input as its author wrote it), and the stack config as one way to fill them."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from pulumi.errors import InputPropertiesError

from components.cloudflare_edge import CloudflareEdge, cloudflare_edge_args_from_config, resolve_edge
from components.config.cloudflare import CLOUDFLARE_PLANS
from components.config.standard import HeadersConfig
from components.intent import IntentError, default_rate_limits, standard_args_from_config, standard_from_intent
from components.render import cloudflare as render
from components.standard import resolve_standard
from components.standard.resolve import build_standard
from stackcheck.engine import ProgramError
from tests.cloudflare.stack_config import example_config, run_stack

ZONE = "0123456789abcdef0123456789abcdef"
ACCOUNT = "fedcba9876543210fedcba9876543210"


def minimal(**changes: Any) -> dict[str, Any]:
    """What a YAML author writes for a Vercel site (snake_case: as the component host hands it to Python)."""
    args: dict[str, Any] = {"zone_id": ZONE, "domain": "example.com", "hosting": {"provider": "vercel"}}
    args.update(changes)
    return {k: v for k, v in args.items() if v is not None}


def nginx(**changes: Any) -> dict[str, Any]:
    return minimal(**{"hosting": {"provider": "nginx", "origin_ipv4": "203.0.113.10"}, "origin_tls": {}, **changes})


# -- defaults --------------------------------------------------------------------------------------------------------


def test_minimal_args_get_the_strict_standard_and_every_secure_default() -> None:
    edge = resolve_edge(minimal(), "edge")
    defaults = build_standard(HeadersConfig.model_validate({}), None, default_rate_limits())
    assert edge.standard.standard == defaults
    assert edge.standard.production is True
    assert edge.canonical == "example.com" and edge.zone.min_tls_version == "1.2" and not edge.zone.dnssec
    assert list(edge.zone.caa) == ["letsencrypt.org", "pki.goog"]
    assert not edge.healthcheck and not edge.origin_tls
    phases = edge.rulesets()
    assert [r["expression"] for r in phases[render.PHASE_RATELIMIT]] == [
        'starts_with(http.request.uri.path, "/api/")', 'starts_with(http.request.uri.path, "/auth/")']
    # the standard's five classes, then Vercel's own /.well-known paths kept out of the cache (tests/edge)
    assert len(phases[render.PHASE_CACHE]) == 6
    records = [(r.type, r.name, r.proxied) for r in edge.records()]
    assert records[:2] == [("A", "example.com", True), ("CNAME", "www.example.com", True)]


def test_the_intent_decides_the_rules() -> None:
    standard = {"supabase_url": "https://abcdefghijklmnopqrst.supabase.co", "rate_limits": [],
                "health_path": "/status", "assets_prefix": "/static/", "hsts_preload": True,
                "csp": {"img_src": ["https://cdn.example.net"]}}
    edge = resolve_edge(minimal(standard=standard, canonical_host="www"), "edge")
    phases = edge.rulesets()
    assert render.PHASE_RATELIMIT not in phases  # no rate limits asked for: no empty ruleset
    cache = {r["ref"]: r["expression"] for r in phases[render.PHASE_CACHE]}
    assert cache["webstack_cache_health"] == 'http.request.uri.path eq "/status"'
    assert cache["webstack_cache_hashed_assets"] == 'starts_with(http.request.uri.path, "/static/")'
    [rule] = phases[render.PHASE_HEADERS]
    csp = rule["action_parameters"]["headers"]["Content-Security-Policy"]["value"]
    assert "connect-src 'self' https://abcdefghijklmnopqrst.supabase.co wss://abcdefghijklmnopqrst.supabase.co" in csp
    assert "https://cdn.example.net" in csp
    sts = rule["action_parameters"]["headers"]["Strict-Transport-Security"]["value"]
    assert sts == "max-age=63072000; includeSubDomains; preload"
    [redirect] = phases[render.PHASE_REDIRECT]
    assert redirect["expression"].startswith('http.host eq "example.com" and not starts_with(')  # see tests/edge


def test_rate_limit_burst_is_nginx_only_and_never_reaches_the_edge() -> None:
    limits = [{"path": "/api/*", "requests_per_period": 50, "period": 10, "burst": 40}]
    [rule] = resolve_edge(minimal(standard={"rate_limits": limits}), "edge").rulesets()[render.PHASE_RATELIMIT]
    assert rule["ratelimit"] == {"characteristics": ["cf.colo.id", "ip.src"], "period": 10,
                                 "requests_per_period": 50, "mitigation_timeout": 60}


@pytest.mark.parametrize("stack", ["prod", "selfhosted", "netlify"])
def test_stack_config_fills_the_args_with_the_same_standard(stack: str) -> None:
    cfg = example_config(stack)
    assert standard_from_intent(standard_args_from_config(cfg), "edge") == resolve_standard(cfg)
    edge = resolve_edge(cloudflare_edge_args_from_config(cfg), "edge")
    plan = CLOUDFLARE_PLANS[cfg.cloudflare.plan] if cfg.cloudflare.plan else None
    passthrough = render.HOST_PASSTHROUGH_PATHS.get(cfg.hosting.provider, ())
    assert edge.rulesets() == render.rulesets(resolve_standard(cfg), cfg.domain, cfg.canonical_host,
                                              min_edge_ttl=plan.edge_ttl_min if plan else 0, passthrough=passthrough)


def test_a_runbook_profile_stack_maps_to_the_same_standard() -> None:
    cfg = example_config("prod", headers={"profile": "runbook", "weakeningReason": "comparison"})
    assert standard_from_intent(standard_args_from_config(cfg), "edge") == resolve_standard(cfg)


# -- bad intent: named by input, nothing registered ------------------------------------------------------------------

CASES: dict[str, tuple[dict[str, Any], str, str]] = {
    # case: (args, input path, message fragment)
    "zone-id-not-hex": (minimal(zone_id="zone-1"), "zoneId", "32-character"),
    "domain-missing": (minimal(domain=None), "domain", "required input is missing"),
    "hosting-missing": (minimal(hosting=None), "hosting", "required input is missing"),
    "unknown-provider": (minimal(hosting={"provider": "s3"}), "hosting.provider", "'vercel'"),
    "nginx-without-address": (minimal(hosting={"provider": "nginx"}, origin_tls={}), "hosting.originIpv4",
                              "required for nginx"),
    "nginx-private-address": (nginx(hosting={"provider": "nginx", "origin_ipv4": "10.0.0.5"}),
                              "hosting.originIpv4", "public address"),
    "nginx-not-proxied": (nginx(hosting={"provider": "nginx", "origin_ipv4": "203.0.113.10", "proxied": False}),
                          "hosting.proxied", "only Cloudflare trusts"),
    "nginx-production-without-origin-tls": (nginx(origin_tls=None), "originTls", "SSL mode is strict"),
    "netlify-without-site": (minimal(hosting={"provider": "netlify"}), "hosting.netlifySiteName", "required"),
    "address-for-a-vendor-host": (minimal(hosting={"provider": "vercel", "origin_ipv4": "203.0.113.10"}),
                                  "hosting.originIpv4", "nginx hosting only"),
    "canonical-host": (minimal(canonical_host="www.example.com"), "canonicalHost", "'apex' or 'www'"),
    "vercel-ca-missing": (minimal(caa=["digicert.com"]), "caa", "Let's Encrypt"),
    "unknown-ca": (minimal(caa=["letsencrypt.org", "evil-ca.example"]), "caa[1]", "'letsencrypt.org'"),
    "extra-record-ttl": (minimal(extra_records=[{"type": "TXT", "name": "example.com", "content": "x", "ttl": 30}]),
                         "extraRecords[0].ttl", "between 60 and 86400"),
    "extra-record-outside-zone": (minimal(extra_records=[{"type": "TXT", "name": "example.org", "content": "x"}]),
                                  "extraRecords[0].name", "outside the zone"),
    "extra-record-replaces-the-site": (minimal(extra_records=[{"type": "CNAME", "name": "www.example.com",
                                                              "content": "elsewhere.example.net"}]),
                                       "extraRecords[0].name", "site's own hostname"),
    "health-timeout": (minimal(healthcheck={"timeout_seconds": 5}), "healthcheck.timeoutSeconds",
                       "less than or equal to 3"),
    "notification-without-account": (minimal(healthcheck={"notification_email": "oncall@example.com"}),
                                     "accountId", "notification policies"),
    "origin-validity": (nginx(origin_tls={"validity_days": 400}), "originTls.validityDays", "5475"),
    "origin-key-algorithm": (nginx(origin_tls={"key_algorithm": "dsa"}), "originTls.keyAlgorithm", "'ecdsa'"),
    "origin-hostname-outside-zone": (nginx(origin_tls={"hostnames": ["origin.example.org"]}),
                                     "originTls.hostnames[0]", "not in 'example.com'"),
    "origin-hostname-invalid": (nginx(origin_tls={"hostnames": ["Origin.example.com"]}),
                                "originTls.hostnames[0]", "lower-case"),
    "unknown-input": (minimal(records=[]), "records", "unknown input"),
    "csp-source": (minimal(standard={"csp": {"script_src": ["https://cdn.example.net 'unsafe-eval'"]}}),
                   "standard.csp.scriptSrc[0]", "script-src"),
    "weakening-without-reason": (minimal(standard={"cross_origin_opener_policy": "same-origin-allow-popups"}),
                                 "standard.crossOriginOpenerPolicy", "standard.weakeningReason"),
    "short-hsts-on-production": (minimal(standard={"hsts_max_age": 600, "weakening_reason": "trial"}),
                                 "standard.hstsMaxAge", "one year"),
    "runbook-with-csp": (minimal(standard={"profile": "runbook", "csp": {"img_src": ["https://cdn.example.net"]},
                                           "weakening_reason": "comparison"}),
                         "standard.csp", "no effect with profile 'runbook'"),
    "report-to-alone": (minimal(standard={"csp": {"report_to": "csp"}}), "standard.csp.reportEndpoint",
                        "set together"),
    "supabase-url-http": (minimal(standard={"supabase_url": "http://abcdefghijklmnopqrst.supabase.co"}),
                          "standard.supabaseUrl", "https://"),
    "rate-limit-period": (minimal(standard={"rate_limits": [{"path": "/api/*", "requests_per_period": 10,
                                                             "period": 45}]}),
                          "standard.rateLimits[0].period", "10, 60, 120, 300, 600 or 3600"),
    "challenge-with-timeout": (minimal(standard={"rate_limits": [{"path": "/auth/*", "requests_per_period": 10,
                                                                  "action": "managed_challenge",
                                                                  "mitigation_timeout": 600}]}),
                               "standard.rateLimits[0].mitigationTimeout", "must be 0"),
    "health-path": (minimal(standard={"health_path": "healthz"}), "standard.healthPath", "absolute URL path"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_intent_names_the_input(case: str) -> None:
    args, path, fragment = CASES[case]
    with pytest.raises(IntentError) as info:
        resolve_edge(args, "webstack:index:CloudflareEdge 'edge'")
    messages = dict(info.value.problems)
    assert path in messages, info.value.problems
    assert fragment in messages[path], messages[path]
    assert str(info.value).startswith("webstack:index:CloudflareEdge 'edge': ")


def test_every_problem_is_reported_at_once() -> None:
    args = minimal(zone_id="x", caa=[], standard={"hsts_max_age": "long"}, healthcheck={"retries": 9})
    with pytest.raises(IntentError) as info:
        resolve_edge(args, "edge")
    assert {path for path, _ in info.value.problems} == {"zoneId", "caa", "standard.hstsMaxAge",
                                                         "healthcheck.retries"}


def test_a_development_site_may_weaken_without_a_reason() -> None:
    edge = resolve_edge(minimal(standard={"cross_origin_opener_policy": "same-origin-allow-popups",
                                          "production": False}), "edge")
    [weakening] = edge.standard.standard.weakenings
    assert weakening.setting == "webstack:headers.crossOriginOpenerPolicy" and weakening.reason is None


def test_the_component_fails_before_registering_anything() -> None:
    def program() -> None:
        CloudflareEdge("edge", minimal(hosting={"provider": "nginx"}))  # type: ignore[arg-type]

    with pytest.raises(ProgramError) as info:
        run_stack("prod", program=program)
    assert isinstance(info.value.original, IntentError)
    assert "hosting.originIpv4" in str(info.value.original)
    assert [r.type for r in info.value.resources] == ["pulumi:pulumi:Stack"]


def test_the_hosted_component_reports_intent_errors_per_input() -> None:
    """A YAML author's semantic mistake (a valid type, a wrong value) comes back as InputPropertiesError naming
    the input, like the schema's own checks."""
    from components.multilang.provider import WebstackProvider

    inputs = {"zoneId": ZONE, "domain": "example.com", "hosting": {"provider": "vercel"},
              "standard": {"rateLimits": [{"path": "/api/*", "requestsPerPeriod": 10.0, "period": 45.0}]}}
    errors: list[Any] = []

    def program() -> None:
        try:
            WebstackProvider().construct("edge", "webstack:index:CloudflareEdge", inputs, pulumi.ResourceOptions())
        except InputPropertiesError as exc:
            errors.append(exc)

    run_stack("prod", program=program)
    [error] = errors
    assert [e["property_path"] for e in error.errors or []] == ["standard.rateLimits[0].period"]
    assert "CloudflareEdge 'edge'" in error.message
