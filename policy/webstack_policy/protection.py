"""Edge protection on production: WAF managed rulesets, bot protection, the zone's security level and Browser
Integrity Check on Cloudflare; the Vercel Firewall's bot protection.

Mandatory vs advisory follows the runbook: it requires security headers, TLS and rate limiting, not a WAF or bot
protection. So the two "is it there" checks are advisory (``cloudflare-waf-managed-rulesets``,
``cloudflare-bot-protection``, ``vercel-firewall-bot-protection``): many sound production stacks front their zone
without declaring them (the Free plan cannot run the paid rulesets at all). Switching a zone-wide protection *off*
on production is a declared weakening, like the header weakenings the pack refuses, so those two are mandatory
(``cloudflare-security-level``, ``cloudflare-browser-check``) — they fire only on a ZoneSetting that says so.

What a zone's plan allows is not visible to the pack; the bot-protection resource gives it away: Bot Fight Mode
(``fightMode``) exists on the Free plan only (developers.cloudflare.com/bots/plans/), where the Cloudflare Free
Managed Ruleset runs by itself and the paid rulesets cannot be deployed — such a zone is not asked for a WAF ruleset.

Pure: no Pulumi import beyond the SDK's policy types.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from .core import Check, Meta, StackResource, as_list, get, is_prod, is_unknown, resource_policy, stack_policy

RULESET = "cloudflare:index/ruleset:Ruleset"
ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord"
BOT_MANAGEMENT = "cloudflare:index/botManagement:BotManagement"
VERCEL_PROJECT = "vercel:index/project:Project"
VERCEL_FIREWALL = "vercel:index/firewallConfig:FirewallConfig"
WAF_PHASE = "http_request_firewall_managed"
MANAGED = "efb7b8c949ac4650a09736fc376e9aee"
OWASP = "4814384a9e5d4991b9815dcfc25d2f1f"
FREE_MANAGED = "77454fe2d30c4220b5701f6fdfb893ba"
RULESET_NAMES = {MANAGED: "Cloudflare Managed Ruleset", OWASP: "Cloudflare OWASP Core Ruleset"}
"""Ruleset ids from developers.cloudflare.com/waf/managed-rules/ ("Ruleset ID")."""
WEAK_LEVELS = ("off", "essentially_off")
CHALLENGING = ("block", "managed_challenge")
_WEB = ("A", "AAAA", "CNAME")


def _zones_with_proxied_records(resources: list[StackResource]) -> dict[str, StackResource]:
    """zone id (or "?" when unknown) -> first proxied web record."""
    zones: dict[str, StackResource] = {}
    for r in resources:
        if r.type == DNS_RECORD and r.props.get("proxied") is True and r.props.get("type") in _WEB:
            zone = r.props.get("zoneId")
            zones.setdefault(zone if isinstance(zone, str) else "?", r)
    return zones


def _same_zone(resource: StackResource, zone: str) -> bool:
    value = resource.props.get("zoneId")
    return zone == "?" or not isinstance(value, str) or value == zone


def _free_plan_marker(resources: list[StackResource], zone: str) -> bool:
    return any(r.type == BOT_MANAGEMENT and _same_zone(r, zone) and r.props.get("fightMode") is True
               for r in resources)


def _executed(resources: list[StackResource], zone: str, check: Check) -> set[str] | None:
    """Managed ruleset ids the zone's WAF entry point executes (enabled rules); None when something is unknown."""
    found: set[str] = set()
    for r in resources:
        if r.type != RULESET or r.props.get("phase") != WAF_PHASE or not _same_zone(r, zone):
            continue
        if r.props.get("kind") not in (None, "zone"):
            continue
        rules = r.props.get("rules")
        if is_unknown(rules):
            check.unknown(f"{r.name}.rules")
            return None
        for rule in as_list(rules):
            if not isinstance(rule, dict) or rule.get("enabled") is False or rule.get("action") != "execute":
                continue
            ruleset_id = get(rule, "actionParameters", "id")
            if is_unknown(ruleset_id):
                check.unknown(f"{r.name}.rules.actionParameters.id")
                return None
            if isinstance(ruleset_id, str):
                found.add(ruleset_id)
    return found


def _waf(resources: list[StackResource], check: Check) -> None:
    if not is_prod(check.config, check.stack_tags):
        return
    required = [MANAGED] + ([OWASP] if check.config["requireOwasp"] else [])
    for zone, record in sorted(_zones_with_proxied_records(resources).items()):
        if _free_plan_marker(resources, zone):
            continue  # Free plan: the Cloudflare Free Managed Ruleset runs by itself; paid rulesets are unavailable
        executed = _executed(resources, zone, check)
        if executed is None:
            continue
        missing = [RULESET_NAMES[i] for i in required if i not in executed]
        if missing:
            check.fail(f"Zone of {record.props.get('name')!s}: the production site is proxied, but no enabled rule in "
                       f"the zone's {WAF_PHASE} entry point executes the {' or the '.join(missing)}.", record.urn)


def _bots(resources: list[StackResource], check: Check) -> None:
    if not is_prod(check.config, check.stack_tags):
        return
    for zone, record in sorted(_zones_with_proxied_records(resources).items()):
        protected = False
        for r in resources:
            if r.type != BOT_MANAGEMENT or not _same_zone(r, zone):
                continue
            fight, sbfm = r.props.get("fightMode"), r.props.get("sbfmDefinitelyAutomated")
            if is_unknown(fight) or is_unknown(sbfm):
                check.unknown(f"{r.name}.fightMode/sbfmDefinitelyAutomated")
                protected = True
            elif fight is True or sbfm in CHALLENGING:
                protected = True
        if not protected:
            check.fail(f"Zone of {record.props.get('name')!s}: the production site is proxied, but no BotManagement "
                       "turns bot protection on (Bot Fight Mode on Free, Super Bot Fight Mode's definitely-automated "
                       "group on block or managed_challenge on Pro and above).", record.urn)


def _security_level(_type: str, props: dict[str, Any], check: Check) -> None:
    if props.get("settingId") != "security_level" or not check.prod:
        return
    value = props.get("value")
    if is_unknown(value):
        check.unknown("value")
    elif value in WEAK_LEVELS:
        check.fail(f"security_level {value!r} turns off the zone's challenges of IPs with a bad reputation on a "
                   "production zone; use low, medium, high or under_attack.")


def _browser_check(_type: str, props: dict[str, Any], check: Check) -> None:
    if props.get("settingId") != "browser_check" or not check.prod:
        return
    value = props.get("value")
    if is_unknown(value):
        check.unknown("value")
    elif value == "off":
        check.fail("browser_check 'off' turns the Browser Integrity Check off on a production zone.")


def _vercel_bots(resources: list[StackResource], check: Check) -> None:
    if not is_prod(check.config, check.stack_tags):
        return
    projects = [r for r in resources if r.type == VERCEL_PROJECT]
    if not projects:
        return
    for r in resources:
        if r.type != VERCEL_FIREWALL or r.props.get("enabled") is False:
            continue
        for key in ("botProtection", "botFilter"):
            ruleset = get(r.props, "managedRulesets", key)
            if is_unknown(ruleset):
                check.unknown(f"{r.name}.managedRulesets.{key}")
                return
            if isinstance(ruleset, dict) and ruleset.get("active") is True and ruleset.get("action") != "log":
                return
    for project in projects:
        check.fail("The production Vercel project has no FirewallConfig with the Bot Protection managed ruleset "
                   "active on challenge (available on every Vercel plan).", project.urn)


WAF_MANAGED = stack_policy(
    Meta(
        name="cloudflare-waf-managed-rulesets",
        description="On production, a proxied Cloudflare zone executes the Cloudflare Managed Ruleset and the OWASP "
        "Core Ruleset from its http_request_firewall_managed entry point (Pro plan and above).",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.ADVISORY,
        remediation="Add a zone Ruleset in phase http_request_firewall_managed with enabled execute rules for "
        f"{MANAGED} (Cloudflare Managed) and {OWASP} (OWASP Core); on Free the Cloudflare Free Managed Ruleset "
        "runs by itself. webstack: webstack:protection.waf (on by default on Pro and above).",
        config={"requireOwasp": {"type": "boolean", "default": True,
                                 "description": "also require the Cloudflare OWASP Core Ruleset"}},
        prod=True,
        url="https://developers.cloudflare.com/waf/managed-rules/",
        tags=("cloudflare", "waf"),
    ),
    _waf,
)

BOT_PROTECTION = stack_policy(
    Meta(
        name="cloudflare-bot-protection",
        description="On production, a proxied Cloudflare zone has bot protection on (Bot Fight Mode on Free, Super "
        "Bot Fight Mode on Pro and above).",
        severity=Severity.LOW,
        enforcement=EnforcementLevel.ADVISORY,
        remediation="Declare cloudflare.BotManagement for the zone: fight_mode=True on Free; "
        "sbfm_definitely_automated=managed_challenge (or block) on Pro and above. webstack: webstack:protection.bots.",
        prod=True,
        url="https://developers.cloudflare.com/bots/plans/",
        tags=("cloudflare", "bots"),
    ),
    _bots,
)

SECURITY_LEVEL = resource_policy(
    Meta(
        name="cloudflare-security-level",
        description="On production, the zone's security level is not off or essentially_off.",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        remediation="Set the ZoneSetting security_level to medium (Cloudflare's default), low, high or under_attack. "
        "webstack: webstack:protection.securityLevel.",
        prod=True,
        url="https://developers.cloudflare.com/waf/tools/security-level/",
        tags=("cloudflare", "waf"),
    ),
    [ZONE_SETTING],
    _security_level,
)

BROWSER_CHECK = resource_policy(
    Meta(
        name="cloudflare-browser-check",
        description="On production, the zone's Browser Integrity Check is not turned off.",
        severity=Severity.LOW,
        enforcement=EnforcementLevel.MANDATORY,
        remediation="Set the ZoneSetting browser_check to on (exempt a path with a WAF skip rule if a client "
        "needs it). webstack: webstack:protection.browserCheck.",
        prod=True,
        url="https://developers.cloudflare.com/waf/tools/browser-integrity-check/",
        tags=("cloudflare", "waf"),
    ),
    [ZONE_SETTING],
    _browser_check,
)

VERCEL_BOTS = stack_policy(
    Meta(
        name="vercel-firewall-bot-protection",
        description="On production, a Vercel project's firewall runs the Bot Protection managed ruleset on challenge.",
        severity=Severity.LOW,
        enforcement=EnforcementLevel.ADVISORY,
        remediation="Declare one vercel.FirewallConfig for the project with managed_rulesets.bot_protection "
        "{active: true, action: challenge} (all plans). webstack: webstack:protection.vercel.botProtection.",
        prod=True,
        url="https://vercel.com/docs/vercel-firewall/vercel-waf/managed-rulesets",
        tags=("vercel", "bots"),
    ),
    _vercel_bots,
)

POLICIES = [WAF_MANAGED, BOT_PROTECTION, SECURITY_LEVEL, BROWSER_CHECK, VERCEL_BOTS]
