"""Supabase dynamic resources and the stack-wide policies."""

from __future__ import annotations

from fixtures_good import (
    AUTH,
    DB,
    RULESET,
    SSL,
    caa,
    container,
    dns,
    good_stack,
    header_ruleset,
    healthcheck,
    zone_settings,
)
from policy_helpers import UNKNOWN, judge, resource

from stackcheck.analyzer import PolicyPackSession

GOOD_LIMITS = {"rate_limit_email_sent": 30.0, "rate_limit_verify": 30.0, "rate_limit_token_refresh": 150.0,
               "rate_limit_otp": 30.0, "site_url": "https://www.example.com"}


def test_ssl_enforcement(pack: PolicyPackSession) -> None:
    judge(pack, resource(SSL, "ssl", {"enforced": True})).assert_no_violations("supabase-ssl-enforced")
    judge(pack, resource(SSL, "ssl", {"enforced": False})).assert_has_violation("supabase-ssl-enforced",
                                                                               contains="not on")
    judge(pack, resource(SSL, "ssl", {"requestedConfig": {"database": True}})).assert_no_violations(
        "supabase-ssl-enforced")
    judge(pack, resource(SSL, "ssl", {})).assert_has_violation("supabase-ssl-enforced", contains="not declared")
    judge(pack, resource(SSL, "ssl", {"enforced": UNKNOWN})).assert_unknown("supabase-ssl-enforced")


def test_rate_limits(pack: PolicyPackSession) -> None:
    judge(pack, resource(AUTH, "auth", GOOD_LIMITS)).assert_no_violations("supabase-auth-rate-limits")
    judge(pack, resource(AUTH, "auth", {"config": GOOD_LIMITS})).assert_no_violations("supabase-auth-rate-limits")
    too_high = {**GOOD_LIMITS, "rate_limit_email_sent": 5000.0}
    judge(pack, resource(AUTH, "auth", too_high)).assert_has_violation(
        "supabase-auth-rate-limits", contains="rate_limit_email_sent is outside")
    missing = {k: v for k, v in GOOD_LIMITS.items() if k != "rate_limit_otp"}
    judge(pack, resource(AUTH, "auth", missing)).assert_has_violation(
        "supabase-auth-rate-limits", contains="rate_limit_otp is not set")
    judge(pack, resource(AUTH, "auth", {**GOOD_LIMITS, "rate_limit_verify": UNKNOWN})).assert_unknown(
        "supabase-auth-rate-limits")


def test_the_email_limit_is_required_only_with_custom_smtp(pack: PolicyPackSession) -> None:
    # Supabase accepts rate_limit_email_sent only when custom SMTP is configured; its built-in sender's limit is fixed.
    without_email = {k: v for k, v in GOOD_LIMITS.items() if k != "rate_limit_email_sent"}
    judge(pack, resource(AUTH, "auth", {"settings": without_email})).assert_no_violations("supabase-auth-rate-limits")
    with_smtp = {"settings": {**without_email, "smtp_host": "smtp.example.org", "smtp_port": "587"}}
    judge(pack, resource(AUTH, "auth", with_smtp)).assert_has_violation(
        "supabase-auth-rate-limits", contains="rate_limit_email_sent is not set")
    judge(pack, resource(AUTH, "auth", {"settings": {**with_smtp["settings"], "rate_limit_email_sent": 30.0}})
          ).assert_no_violations("supabase-auth-rate-limits")


def test_rate_limit_bounds_are_configurable(pack: PolicyPackSession) -> None:
    strict = {"supabase-auth-rate-limits": {"bounds": {"rate_limit_token_refresh": {"min": 1, "max": 100}}}}
    judge(pack, resource(AUTH, "auth", GOOD_LIMITS), config=strict).assert_has_violation(
        "supabase-auth-rate-limits", contains="rate_limit_token_refresh")


def test_rls_on_every_table(pack: PolicyPackSession) -> None:
    ok = {"tables": [{"schema": "public", "name": "profiles", "rls_enabled": True},
                     {"schema": "public", "name": "orders", "rls_enabled": True}]}
    judge(pack, resource(DB, "db", ok)).assert_no_violations("supabase-rls-enabled")
    bad = {"tables": [{"schema": "public", "name": "profiles", "rls_enabled": True},
                      {"schema": "public", "name": "orders", "rls_enabled": False}]}
    v = judge(pack, resource(DB, "db", bad)).assert_has_violation("supabase-rls-enabled", contains="public.orders")
    assert v.severity == "critical"
    judge(pack, resource(DB, "db", {"tables": {"orders": {"rlsEnabled": False}}})).assert_has_violation(
        "supabase-rls-enabled", contains="orders")
    judge(pack, resource(DB, "db", {"tables": UNKNOWN})).assert_unknown("supabase-rls-enabled")


def test_supabase_types_are_configurable(pack: PolicyPackSession) -> None:
    other = "pulumi-python:dynamic:Resource"
    record = resource(other, "db", {"tables": [{"name": "t", "rls_enabled": False}]})
    judge(pack, record).assert_no_violations("supabase-rls-enabled")
    judge(pack, record, config={"supabase-rls-enabled": {"resourceTypes": [other]}}).assert_has_violation(
        "supabase-rls-enabled")


# ------------------------------------------------------------------------------------------------ stack


def test_public_hostnames_covered_on_prod(prod_pack: PolicyPackSession) -> None:
    judge(prod_pack, *[r for r in good_stack()]).assert_no_violations("public-hostnames-covered")


def test_hostname_without_health_check_fails(prod_pack: PolicyPackSession, pack: PolicyPackSession) -> None:
    records = [header_ruleset(), *zone_settings(), dns(), caa()]
    judge(prod_pack, *records).assert_has_violation("public-hostnames-covered", urn_name="www",
                                                    contains="no health check")
    judge(pack, *records).assert_no_violations("public-hostnames-covered")


def test_hostname_without_header_source_fails(prod_pack: PolicyPackSession) -> None:
    judge(prod_pack, dns(), healthcheck()).assert_has_violation("public-hostnames-covered",
                                                                contains="no response-header source")


def test_ruleset_expression_must_reach_the_hostname(prod_pack: PolicyPackSession) -> None:
    scoped = header_ruleset(expression='http.host eq "shop.example.com"')
    judge(prod_pack, scoped, dns(), healthcheck()).assert_has_violation(
        "public-hostnames-covered", contains="No response-header source in the stack applies")
    reach = header_ruleset(expression='http.host eq "www.example.com"')
    judge(prod_pack, reach, dns(), healthcheck()).assert_no_violations("public-hostnames-covered")


def test_origin_header_source_covers_hostnames(prod_pack: PolicyPackSession) -> None:
    judge(prod_pack, container(), dns(), healthcheck()).assert_no_violations("public-hostnames-covered")


def test_approved_component_parents(pack: PolicyPackSession) -> None:
    inside = header_ruleset(parent_types=("webstack:index:CloudflareEdge",))
    judge(pack, inside).assert_no_violations("approved-component-parents")
    judge(pack, header_ruleset()).assert_has_violation("approved-component-parents", level="advisory")
    custom = {"approved-component-parents": {"approvedParents": ["acme:"], "enforcementLevel": "mandatory"}}
    judge(pack, header_ruleset(parent_types=("acme:web:Site",)), config=custom).assert_no_violations(
        "approved-component-parents")
    judge(pack, inside, config=custom).assert_has_violation("approved-component-parents", level="mandatory")


def test_rate_limit_ruleset(pack: PolicyPackSession) -> None:
    def ratelimit(chars: list[str], rpp: float) -> object:
        return resource(RULESET, "ratelimit", {"zoneId": "zone1", "kind": "zone", "phase": "http_ratelimit",
                                               "name": "rl", "rules": [{"action": "block", "expression": "true",
                                                                        "ratelimit": {"characteristics": chars,
                                                                                      "period": 60.0,
                                                                                      "requestsPerPeriod": rpp,
                                                                                      "mitigationTimeout": 60.0}}]})
    judge(pack, ratelimit(["cf.colo.id", "ip.src"], 100.0)).assert_no_violations("cloudflare-rate-limit-valid")
    judge(pack, ratelimit(["ip.src"], 100.0)).assert_has_violation("cloudflare-rate-limit-valid",
                                                                   contains="cf.colo.id")
    judge(pack, ratelimit(["cf.colo.id"], 0.0)).assert_has_violation("cloudflare-rate-limit-valid",
                                                                     contains="requestsPerPeriod")
