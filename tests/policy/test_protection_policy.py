"""Edge-protection policies through the real Analyzer protocol: WAF managed rulesets and bot protection (advisory),
a declared security level off / browser check off (mandatory), the Vercel Firewall's bot protection (advisory).
Ruleset ids from developers.cloudflare.com/waf/managed-rules/; BotManagement fields from the provider's schema."""

from __future__ import annotations

from typing import Any

from fixtures_good import DNS, RULESET, VERCEL_PROJECT, ZONE_SETTING, dns
from policy_helpers import UNKNOWN, judge, resource

from stackcheck.analyzer import PolicyPackSession

PROD = {"environment": "production"}
MANAGED = "efb7b8c949ac4650a09736fc376e9aee"
OWASP = "4814384a9e5d4991b9815dcfc25d2f1f"
BOTS = "cloudflare:index/botManagement:BotManagement"
FIREWALL = "vercel:index/firewallConfig:FirewallConfig"
WAF_POLICY = "cloudflare-waf-managed-rulesets"
BOT_POLICY = "cloudflare-bot-protection"


def waf(*ids: str, enabled: bool = True, zone: str = "zone1", rules: Any = None) -> Any:
    rules = rules if rules is not None else [
        {"action": "execute", "expression": "true", "enabled": enabled, "actionParameters": {"id": i}} for i in ids]
    return resource(RULESET, "waf", {"zoneId": zone, "kind": "zone", "phase": "http_request_firewall_managed",
                                     "name": "waf", "rules": rules})


def bots(**props: Any) -> Any:
    return resource(BOTS, "bots", {"zoneId": "zone1", **props})


def setting(key: str, value: Any) -> Any:
    return resource(ZONE_SETTING, key, {"zoneId": "zone1", "settingId": key, "value": value})


# -- cloudflare-waf-managed-rulesets ---------------------------------------------------------------------------------


def test_a_proxied_production_zone_without_a_waf_is_reported(pack: PolicyPackSession) -> None:
    judge(pack, dns(), tags=PROD).assert_has_violation(WAF_POLICY, contains="Cloudflare Managed Ruleset",
                                                         level="advisory")


def test_managed_and_owasp_executed_pass(pack: PolicyPackSession) -> None:
    judge(pack, dns(), waf(MANAGED, OWASP), tags=PROD).assert_no_violations(WAF_POLICY)


def test_owasp_missing_is_reported_unless_configured_away(pack: PolicyPackSession) -> None:
    judge(pack, dns(), waf(MANAGED), tags=PROD).assert_has_violation(WAF_POLICY, contains="OWASP Core Ruleset")
    judge(pack, dns(), waf(MANAGED), tags=PROD,
          config={WAF_POLICY: {"requireOwasp": False}}).assert_no_violations(WAF_POLICY)


def test_disabled_execute_rules_do_not_count(pack: PolicyPackSession) -> None:
    judge(pack, dns(), waf(MANAGED, OWASP, enabled=False), tags=PROD).assert_has_violation(WAF_POLICY)


def test_a_waf_in_another_zone_does_not_count(pack: PolicyPackSession) -> None:
    judge(pack, dns(), waf(MANAGED, OWASP, zone="zone2"), tags=PROD).assert_has_violation(WAF_POLICY)


def test_a_free_zone_with_bot_fight_mode_is_not_asked(pack: PolicyPackSession) -> None:
    judge(pack, dns(), bots(fightMode=True), tags=PROD).assert_no_violations(WAF_POLICY)


def test_not_judged_off_production_or_without_proxied_records(pack: PolicyPackSession) -> None:
    judge(pack, dns()).assert_no_violations(WAF_POLICY)
    judge(pack, dns(proxied=False), tags=PROD).assert_no_violations(WAF_POLICY)


def test_unknown_rules_are_not_judged_but_said_to_be_unknown(pack: PolicyPackSession) -> None:
    [only] = judge(pack, dns(), waf(rules=UNKNOWN), tags=PROD).of(WAF_POLICY)
    assert "can't be known during preview" in only.message and "Managed Ruleset" not in only.message


# -- cloudflare-bot-protection ---------------------------------------------------------------------------------------


def test_no_bot_protection_is_reported(pack: PolicyPackSession) -> None:
    judge(pack, dns(), tags=PROD).assert_has_violation(BOT_POLICY, contains="no BotManagement", level="advisory")


def test_bot_fight_mode_or_sbfm_challenge_passes(pack: PolicyPackSession) -> None:
    judge(pack, dns(), bots(fightMode=True), tags=PROD).assert_no_violations(BOT_POLICY)
    judge(pack, dns(), bots(sbfmDefinitelyAutomated="managed_challenge"), tags=PROD).assert_no_violations(BOT_POLICY)
    judge(pack, dns(), bots(sbfmDefinitelyAutomated="block"), tags=PROD).assert_no_violations(BOT_POLICY)


def test_sbfm_on_allow_or_fight_mode_off_fails(pack: PolicyPackSession) -> None:
    judge(pack, dns(), bots(sbfmDefinitelyAutomated="allow"), tags=PROD).assert_has_violation(BOT_POLICY)
    judge(pack, dns(), bots(fightMode=False), tags=PROD).assert_has_violation(BOT_POLICY)


# -- mandatory: declared weakenings ---------------------------------------------------------------------------------


def test_security_level_off_on_production_is_mandatory(pack: PolicyPackSession) -> None:
    for level in ("off", "essentially_off"):
        judge(pack, setting("security_level", level), tags=PROD).assert_has_violation(
            "cloudflare-security-level", contains=repr(level), level="mandatory")
    for level in ("low", "medium", "high", "under_attack"):
        judge(pack, setting("security_level", level), tags=PROD).assert_no_violations("cloudflare-security-level")
    judge(pack, setting("security_level", "essentially_off")).assert_no_violations("cloudflare-security-level")


def test_browser_check_off_on_production_is_mandatory(pack: PolicyPackSession) -> None:
    judge(pack, setting("browser_check", "off"), tags=PROD).assert_has_violation(
        "cloudflare-browser-check", level="mandatory")
    judge(pack, setting("browser_check", "on"), tags=PROD).assert_no_violations("cloudflare-browser-check")
    judge(pack, setting("browser_check", "off")).assert_no_violations("cloudflare-browser-check")
    # another setting with the value off is not a browser check
    judge(pack, setting("tls_1_3", "off"), tags=PROD).assert_no_violations("cloudflare-browser-check")


# -- vercel-firewall-bot-protection ----------------------------------------------------------------------------------


def project() -> Any:
    return resource(VERCEL_PROJECT, "web", {"name": "web", "framework": "vite"})


def firewall(managed: Any, enabled: bool = True) -> Any:
    return resource(FIREWALL, "fw", {"projectId": "prj_1", "enabled": enabled, "managedRulesets": managed})


def test_a_vercel_project_without_bot_protection_is_reported(pack: PolicyPackSession) -> None:
    judge(pack, project(), tags=PROD).assert_has_violation("vercel-firewall-bot-protection", level="advisory")
    judge(pack, project(), firewall({"botProtection": {"active": True, "action": "log"}}),
          tags=PROD).assert_has_violation("vercel-firewall-bot-protection")
    judge(pack, project(), firewall({"botProtection": {"active": True, "action": "challenge"}}, enabled=False),
          tags=PROD).assert_has_violation("vercel-firewall-bot-protection")


def test_bot_protection_on_challenge_passes(pack: PolicyPackSession) -> None:
    judge(pack, project(), firewall({"botProtection": {"active": True, "action": "challenge"}}),
          tags=PROD).assert_no_violations("vercel-firewall-bot-protection")
    judge(pack, project(), tags={"environment": "staging"}).assert_no_violations("vercel-firewall-bot-protection")


def test_the_records_used_here_are_provider_shaped() -> None:
    assert dns().type == DNS and waf(MANAGED).type == RULESET
