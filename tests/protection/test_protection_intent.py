"""Edge protection as component intent: CloudflareEdge's ``protection`` and VercelSite's ``firewall`` inputs get the
same defaults and refusals as ``webstack:protection`` (errors name the input as its author wrote it), per plan."""

from __future__ import annotations

from typing import Any

import pytest

from components.cloudflare_edge import resolve_edge
from components.config.protection import CLOUDFLARE_MANAGED_RULESET, CLOUDFLARE_OWASP_RULESET
from components.edge_protection import validate_vercel_firewall, vercel_managed_rulesets
from components.intent import IntentError
from components.render.protection import waf_rules

ZONE = "0123456789abcdef0123456789abcdef"
FREE_LIMITS = {"rate_limits": [{"path": "/api/*", "requests_per_period": 50, "period": 10, "mitigation_timeout": 10}]}
"""A rate limit the Free plan runs (1 rule, 10 s period and timeout)."""


def args(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"zone_id": ZONE, "domain": "example.com", "hosting": {"provider": "vercel"}}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def problems(**changes: Any) -> dict[str, str]:
    with pytest.raises(IntentError) as failure:
        resolve_edge(args(**changes), "edge")
    return dict(failure.value.problems)


def test_without_a_plan_or_on_pro_every_protection_is_on() -> None:
    for plan in (None, "pro"):
        protection = resolve_edge(args(plan=plan), "edge").protection
        assert protection is not None and protection.managed_rulesets == ("managed", "owasp")
        assert protection.security_level == "medium" and protection.browser_check == "on"
        assert protection.url_normalization == ("cloudflare", "both") and protection.bot_management is not None
        assert "sbfm_definitely_automated" in protection.bot_management and not protection.notes


def test_free_runs_bot_fight_mode_and_no_declared_waf() -> None:
    protection = resolve_edge(args(plan="free", standard=FREE_LIMITS), "edge").protection
    assert protection is not None and protection.managed_rulesets == ()
    assert protection.bot_management == {"fight_mode": True, "enable_js": True}
    assert any("Free Managed Ruleset" in note for note in protection.notes)


def test_none_leaves_the_zone_protection_unmanaged_and_false_switches_parts_off() -> None:
    assert resolve_edge({**args(), "protection": None}, "edge").protection is None
    protection = resolve_edge(args(plan="pro", protection={"waf": {"owasp": False}, "bots": {"enabled": False}}),
                              "edge").protection
    assert protection is not None and protection.managed_rulesets == ("managed",) and protection.bot_management is None


@pytest.mark.parametrize("changes, path, words", [
    ({"plan": "free", "standard": FREE_LIMITS, "protection": {"waf": {"managed": True}}}, "protection.waf.managed",
     "Free plan"),
    ({"plan": "pro", "protection": {"bots": {"likely_automated": "block"}}}, "protection.bots.likelyAutomated",
     "Business"),
    ({"protection": {"security_level": "essentially_off"}}, "protection.securityLevel", "production"),
    ({"protection": {"browser_check": False}}, "protection.browserCheck", "production"),
    ({"protection": {"security_level": "paranoid"}}, "protection.securityLevel", "Input should be"),
    ({"protection": {"url_normalization": {"scope": "none"}}}, "protection.urlNormalization.scope", "Input should"),
    ({"protection": {"wafs": {}}}, "protection.wafs", "unknown input"),
])
def test_bad_protection_inputs_are_named(changes: dict[str, Any], path: str, words: str) -> None:
    found = problems(**changes)
    assert path in found and words in found[path], found


def test_off_is_allowed_outside_production() -> None:
    edge = resolve_edge(args(standard={"production": False}, protection={"security_level": "off"}), "edge")
    assert edge.protection is not None and edge.protection.security_level == "off"


def test_waf_rules_are_cloudflares_deploy_example_shape() -> None:
    rules = waf_rules(("managed", "owasp"))
    assert [r["action_parameters"] for r in rules] == [{"id": CLOUDFLARE_MANAGED_RULESET},
                                                       {"id": CLOUDFLARE_OWASP_RULESET}]
    assert all(r["action"] == "execute" and r["expression"] == "true" and r["enabled"] for r in rules)


def test_vercel_firewall_inputs() -> None:
    cfg, found = validate_vercel_firewall({"plan": "pro", "owasp": True})
    assert cfg is None and [p for p, _ in found] == ["firewall.owasp"] and "Enterprise" in found[0][1]
    cfg, found = validate_vercel_firewall({"bot_protection": "deny"})
    assert cfg is None and found[0][0] == "firewall.botProtection"
    cfg, found = validate_vercel_firewall({"attack_challenge_mode_until": "tomorrow"})
    assert cfg is None and found[0][0] == "firewall.attackChallengeModeUntil"
    cfg, found = validate_vercel_firewall({"plan": "hobby", "ai_bots": "off", "bot_protection": "log"})
    assert cfg is not None and not found
    assert vercel_managed_rulesets(cfg) == {"bot_protection": {"active": True, "action": "log"}}


def test_one_firewall_config_carries_the_managed_rulesets_and_the_callers_rules() -> None:
    """A second FirewallConfig for the project would overwrite the first: custom rules (rate limits) are merged."""
    import pulumi
    import pulumiverse_vercel as vercel

    from components.config.protection import VercelFirewallConfig
    from components.edge_protection import register_vercel_firewall
    from stackcheck.engine import run_program
    from stackcheck.wire import unwrap
    from tests.conftest import REPO

    rate_limit = {"name": "api", "active": True, "action": {"action": "rate_limit", "rate_limit": {
        "algo": "fixed_window", "window": 60, "limit": 100, "keys": ["ip"], "action": "deny"}},
        "condition_groups": [{"conditions": [{"type": "path", "op": "pre", "value": "/api/"}]}]}

    def program() -> None:
        parent = pulumi.ComponentResource("test:index:Site", "site")
        project = vercel.Project("site-project", name="site", framework="vite",
                                 opts=pulumi.ResourceOptions(parent=parent))
        cfg = VercelFirewallConfig.model_validate({"attackChallengeModeUntil": "2026-12-01T00:00:00+01:00"})
        register_vercel_firewall("site", project.id, None, cfg, parent, rules=[rate_limit])

    result, _ = run_program(REPO, "prod", program=program)
    [firewall] = [r for r in result.resources if r.type.endswith("firewallConfig:FirewallConfig")]
    inputs = unwrap(firewall.inputs)
    assert set(inputs["managedRulesets"]) == {"botProtection", "aiBots"}
    assert [r["name"] for r in inputs["rules"]["rules"]] == ["api"]
    [mode] = [r for r in result.resources if r.type.endswith("attackChallengeMode:AttackChallengeMode")]
    assert mode.inputs["attackModeActiveUntil"] == 1_796_079_600_000  # 2026-11-30T23:00:00Z in ms
