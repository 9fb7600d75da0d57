"""Cloudflare TLS profile and DNS policies."""

from __future__ import annotations

import pytest
from fixtures_good import GOOD_HEADERS, ZONE_SETTING, caa, dns, header_ruleset, zone_settings
from policy_helpers import UNKNOWN, judge, make_secret, resource

from stackcheck.analyzer import PolicyPackSession


def setting(sid: str, value: object, zone: object = "zone1") -> object:
    return resource(ZONE_SETTING, f"s-{sid}", {"zoneId": zone, "settingId": sid, "value": value})


def test_complete_profile_passes(pack: PolicyPackSession) -> None:
    judge(pack, header_ruleset(), *zone_settings()).assert_no_violations()


def test_tls_1_3_with_0rtt_passes(pack: PolicyPackSession) -> None:
    judge(pack, setting("tls_1_3", "zrt")).assert_no_violations("cloudflare-tls-1-3")


@pytest.mark.parametrize(("policy", "sid", "value", "text"), [
    ("cloudflare-ssl-strict", "ssl", "flexible", "SSL mode (value) is not 'strict'"),
    ("cloudflare-min-tls-version", "min_tls_version", "1.0", "below 1.2"),
    ("cloudflare-tls-1-3", "tls_1_3", "off", "tls_1_3 (value) is not one of 'on', 'zrt'"),
    ("cloudflare-always-use-https", "always_use_https", "off", "always_use_https (value) is not 'on'"),
])
def test_weak_settings_fail(pack: PolicyPackSession, policy: str, sid: str, value: str, text: str) -> None:
    judge(pack, setting(sid, value)).assert_has_violation(policy, contains=text, level="mandatory")


@pytest.mark.parametrize(("sts", "text"), [
    ({"enabled": False, "max_age": 31536000, "include_subdomains": True}, "not on"),
    ({"enabled": True, "max_age": 86400, "include_subdomains": True}, "below 31536000"),
    ({"enabled": True, "max_age": 31536000, "include_subdomains": False}, "include_subdomains"),
])
def test_weak_hsts_fails(pack: PolicyPackSession, sts: dict[str, object], text: str) -> None:
    judge(pack, setting("security_header", {"strict_transport_security": sts})).assert_has_violation(
        "cloudflare-hsts", contains=text)


def test_camel_case_hsts_keys_are_caught(pack: PolicyPackSession) -> None:
    value = {"strictTransportSecurity": {"enabled": True, "maxAge": 31536000, "includeSubdomains": True}}
    judge(pack, setting("security_header", value)).assert_has_violation("cloudflare-hsts", contains="snake_case")


def test_hsts_threshold_is_configurable(pack: PolicyPackSession) -> None:
    record = setting("security_header", {"strict_transport_security": {
        "enabled": True, "max_age": 15552000, "include_subdomains": True}})
    judge(pack, record).assert_has_violation("cloudflare-hsts")
    judge(pack, record, config={"cloudflare-hsts": {"minMaxAge": 15552000}}).assert_no_violations("cloudflare-hsts")


def test_min_tls_minimum_is_configurable(pack: PolicyPackSession) -> None:
    record = setting("min_tls_version", "1.2")
    judge(pack, record).assert_no_violations("cloudflare-min-tls-version")
    judge(pack, record, config={"cloudflare-min-tls-version": {"minimumVersion": "1.3"}}).assert_has_violation(
        "cloudflare-min-tls-version")


def test_unknown_setting_value_is_advisory(pack: PolicyPackSession) -> None:
    judge(pack, setting("ssl", UNKNOWN)).assert_unknown("cloudflare-ssl-strict")


def test_secret_setting_value_not_echoed(pack: PolicyPackSession) -> None:
    result = judge(pack, setting("ssl", make_secret("flexible-secretish")))
    result.assert_has_violation("cloudflare-ssl-strict")
    assert "secretish" not in result.messages()


def test_zone_without_profile_fails_stack_policy(pack: PolicyPackSession) -> None:
    no_hsts = {k: v for k, v in GOOD_HEADERS.items() if k != "Strict-Transport-Security"}
    result = judge(pack, header_ruleset(no_hsts), *zone_settings()[:2])
    result.assert_has_violation("cloudflare-zone-tls-complete", urn_name="headers",
                                contains="tls_1_3, always_use_https, security_header")


def test_hsts_from_a_transform_rule_stands_in_for_security_header(pack: PolicyPackSession) -> None:
    result = judge(pack, header_ruleset(), *zone_settings()[:2])
    result.assert_has_violation("cloudflare-zone-tls-complete", urn_name="headers",
                                contains="tls_1_3, always_use_https.")


def test_zone_profile_with_unknown_zone_ids_is_judged_as_one_zone(pack: PolicyPackSession) -> None:
    ruleset = header_ruleset()
    ruleset.inputs["zoneId"] = UNKNOWN
    judge(pack, ruleset, *zone_settings()).assert_no_violations("cloudflare-zone-tls-complete")
    judge(pack, ruleset).assert_has_violation("cloudflare-zone-tls-complete", contains="the stack's zone")


# ------------------------------------------------------------------------------------------------ DNS


def test_proxied_web_record_passes(pack: PolicyPackSession) -> None:
    judge(pack, dns()).assert_no_violations("dns-web-records-proxied")


def test_unproxied_web_record_fails(pack: PolicyPackSession) -> None:
    judge(pack, dns("app.example.com", rtype="A", proxied=False)).assert_has_violation(
        "dns-web-records-proxied", urn_name="app", contains="A record app.example.com")


def test_exempt_and_non_web_records(pack: PolicyPackSession) -> None:
    judge(pack, dns("_acme-challenge.example.com", rtype="CNAME", proxied=False, urn_name="acme"),
          dns("example.com", rtype="MX", proxied=False, urn_name="mx")).assert_no_violations("dns-web-records-proxied")
    judge(pack, dns("legacy.example.com", proxied=False), config={
        "dns-web-records-proxied": {"exemptNames": ["legacy.*"]}}).assert_no_violations("dns-web-records-proxied")


def test_unknown_proxied_is_advisory(pack: PolicyPackSession) -> None:
    judge(pack, dns(proxied=UNKNOWN)).assert_unknown("dns-web-records-proxied")


def test_caa_stack_policy(pack: PolicyPackSession) -> None:
    judge(pack, dns()).assert_has_violation("dns-caa-present", level="advisory")
    judge(pack, dns(), caa()).assert_no_violations("dns-caa-present")
