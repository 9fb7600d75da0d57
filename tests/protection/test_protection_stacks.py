"""Edge protection as the example stacks register it (offline preview through stackcheck's engine): the WAF entry
point per plan, bot protection per plan, zone settings, URL normalisation, the Vercel Firewall, the cache purge after
a deploy; refusals at the config boundary; the WAF entry point through the fake Cloudflare API (written from
Cloudflare's docs), with and without adoption."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from components.config.protection import CLOUDFLARE_MANAGED_RULESET, CLOUDFLARE_OWASP_RULESET
from stackcheck.engine import ProgramError, UsageError, run_program
from stackcheck.model import PreviewResult, ResourceRecord
from stackcheck.wire import unwrap
from tests.conftest import REPO
from tests.edge.cloudflare_fake_api import FakeCloudflare

WAF = "http_request_firewall_managed"
TOKEN = "cf-waf-token-8Hn"
PRO_ZONE = "55555555555555555555555555555555"


def run(stack: str, **config: Any) -> tuple[PreviewResult, list[str]]:
    overrides = {f"webstack:{k}": json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in config.items()}
    result, engine = run_program(REPO, stack, overrides=overrides)
    return result, [message for _, _, message in engine.messages]


def of(result: PreviewResult, suffix: str) -> list[ResourceRecord]:
    return [r for r in result.resources if r.type.endswith(suffix)]


def one(result: PreviewResult, suffix: str) -> ResourceRecord:
    [found] = of(result, suffix)
    return found


def settings(result: PreviewResult) -> dict[str, Any]:
    return {r.inputs["settingId"]: r.inputs["value"] for r in of(result, "zoneSetting:ZoneSetting")}


@pytest.fixture(scope="module")
def stacks() -> dict[str, tuple[PreviewResult, list[str]]]:
    return {stack: run(stack) for stack in ("prod", "free", "selfhosted")}


# -- Cloudflare, per plan ------------------------------------------------------------------------------------------


def test_pro_executes_the_managed_and_owasp_rulesets_from_one_entry_point(stacks: dict[str, Any]) -> None:
    result = stacks["prod"][0]
    [waf] = [r for r in of(result, "ruleset:Ruleset") if r.inputs["phase"] == WAF]
    assert waf.inputs["kind"] == "zone" and waf.delete_before_replace and waf.name == "edge-waf-managed"
    rules = unwrap(waf.inputs["rules"])
    assert [(r["action"], r["actionParameters"]["id"], r["expression"], r["enabled"]) for r in rules] == [
        ("execute", CLOUDFLARE_MANAGED_RULESET, "true", True), ("execute", CLOUDFLARE_OWASP_RULESET, "true", True)]


def test_free_declares_no_waf_ruleset_and_says_why(stacks: dict[str, Any]) -> None:
    result, messages = stacks["free"]
    assert WAF not in {r.inputs["phase"] for r in of(result, "ruleset:Ruleset")}
    assert any("Cloudflare Free Managed Ruleset runs on every zone by itself" in m for m in messages)


def test_bot_protection_follows_the_plan(stacks: dict[str, Any]) -> None:
    free = one(stacks["free"][0], "botManagement:BotManagement").inputs
    assert free["fightMode"] is True and not any(k.startswith("sbfm") for k in free)
    pro = one(stacks["prod"][0], "botManagement:BotManagement").inputs
    assert "fightMode" not in pro and pro["sbfmDefinitelyAutomated"] == "managed_challenge"
    assert pro["sbfmVerifiedBots"] == "allow" and "sbfmLikelyAutomated" not in pro  # Business and above only
    business = one(stacks["selfhosted"][0], "botManagement:BotManagement").inputs
    assert business["sbfmLikelyAutomated"] == "allow" and business["sbfmStaticResourceProtection"] is False


@pytest.mark.parametrize("stack", ["prod", "free", "selfhosted"])
def test_zone_settings_and_url_normalisation(stacks: dict[str, Any], stack: str) -> None:
    result = stacks[stack][0]
    assert {k: v for k, v in settings(result).items() if k in ("security_level", "browser_check")} == {
        "security_level": "medium", "browser_check": "on"}
    normalisation = one(result, "urlNormalizationSettings:UrlNormalizationSettings")
    assert (normalisation.inputs["type"], normalisation.inputs["scope"]) == ("cloudflare", "both")
    assert normalisation.delete_before_replace
    zones = {r.inputs["zoneId"] for r in of(result, "zoneSetting:ZoneSetting")}
    assert {one(result, "botManagement:BotManagement").inputs["zoneId"], normalisation.inputs["zoneId"]} == zones


def test_security_level_and_browser_check_follow_the_config() -> None:
    result, _ = run("free", protection={"securityLevel": "high", "browserCheck": False,
                                       "urlNormalization": {"type": "rfc3986", "scope": "incoming"}})
    assert settings(result)["security_level"] == "high" and settings(result)["browser_check"] == "off"
    normalisation = one(result, "urlNormalizationSettings:UrlNormalizationSettings")
    assert (normalisation.inputs["type"], normalisation.inputs["scope"]) == ("rfc3986", "incoming")


# -- refusals at the config boundary (exit 2 before anything registers) ---------------------------------------------


@pytest.mark.parametrize("stack, protection, key", [
    ("free", {"waf": {"managed": True}}, "webstack:protection.waf.managed"),
    ("free", {"bots": {"definitelyAutomated": "block"}}, "webstack:protection.bots.definitelyAutomated"),
    ("prod", {"bots": {"likelyAutomated": "block"}}, "webstack:protection.bots.likelyAutomated"),
    ("prod", {"securityLevel": "essentially_off"}, "webstack:protection.securityLevel"),
    ("prod", {"browserCheck": False}, "webstack:protection.browserCheck"),
    ("prod", {"vercel": {"owasp": True}}, "webstack:protection.vercel.owasp"),
    ("prod", {"urlNormalization": {"scope": "none"}}, "webstack:protection.urlNormalization.scope"),
    ("prod", {"purgeOnDeploy": {"prefixes": ["https://example.com/assets"]}},
     "webstack:protection.purgeOnDeploy.prefixes[0]"),
])
def test_what_the_plan_or_production_cannot_take_is_refused_by_key(stack: str, protection: dict[str, Any],
                                                                    key: str) -> None:
    with pytest.raises((UsageError, ProgramError)) as failure:
        run(stack, protection=protection)
    assert key in str(failure.value)


# -- Vercel ---------------------------------------------------------------------------------------------------------


def test_one_vercel_firewall_with_the_managed_rulesets_of_every_plan(stacks: dict[str, Any]) -> None:
    result = stacks["prod"][0]
    firewall = one(result, "firewallConfig:FirewallConfig")
    assert firewall.inputs["enabled"] is True and firewall.name == "web-firewall"
    assert unwrap(firewall.inputs["managedRulesets"]) == {"botProtection": {"active": True, "action": "challenge"},
                                                          "aiBots": {"active": True, "action": "deny"}}
    assert not of(result, "attackChallengeMode:AttackChallengeMode")


def test_enterprise_adds_owasp_and_attack_challenge_mode_is_opt_in() -> None:
    result, _ = run("prod", protection={"vercel": {"plan": "enterprise", "aiBots": "off",
                                                   "attackChallengeModeUntil": "2026-12-01T00:00:00Z"}})
    managed = unwrap(one(result, "firewallConfig:FirewallConfig").inputs["managedRulesets"])
    assert set(managed) == {"botProtection", "owasp"}
    assert {g["action"] for g in managed["owasp"].values()} == {"deny"} and len(managed["owasp"]) == 11
    mode = one(result, "attackChallengeMode:AttackChallengeMode").inputs
    assert mode["enabled"] is True and mode["attackModeActiveUntil"] == 1_796_083_200_000  # ms since the epoch


# -- cache purge after a deploy ---------------------------------------------------------------------------------------


def test_the_nginx_stack_purges_once_per_image(stacks: dict[str, Any]) -> None:
    result = stacks["selfhosted"][0]
    purge = one(result, "dynamic/cloudflare:CachePurge")
    assert purge.type == "pulumi-python:dynamic/cloudflare:CachePurge" and purge.name == "app-purge-on-deploy"
    assert purge.parent.endswith("webstack:index:WebApp::app")
    inputs = {k: v for k, v in unwrap(purge.inputs).items() if k != "__provider"}
    assert inputs["body"] == {"purge_everything": True} and inputs["zone_id"] == "1" * 32
    assert "trigger" in inputs  # the image digest (computed until the image is built)
    assert not any("token" in k.lower() for k in inputs)  # read at run time, never an input


def test_no_deploy_identity_no_purge(stacks: dict[str, Any]) -> None:
    # prod deploys from git (no deploymentDir): Pulumi never sees the deployment, so there is nothing to key on.
    assert not of(stacks["prod"][0], "dynamic/cloudflare:CachePurge")
    result, _ = run("selfhosted", protection={"purgeOnDeploy": {"enabled": False}})
    assert not of(result, "dynamic/cloudflare:CachePurge")


def test_prefix_purge_is_passed_through() -> None:
    result, _ = run("selfhosted", protection={"purgeOnDeploy": {"prefixes": ["www.example.org/assets"]}})
    body = unwrap(one(result, "dynamic/cloudflare:CachePurge").inputs)["body"]
    assert body == {"prefixes": ["www.example.org/assets"]}


# -- the WAF entry point against the fake Cloudflare API, adopted or created -----------------------------------------


@pytest.fixture
def api() -> Iterator[FakeCloudflare]:
    fake = FakeCloudflare(TOKEN)
    yield fake
    fake.close()


def _body(record: ResourceRecord) -> dict[str, Any]:
    from tests.edge.test_edge_adoption import _snake

    inputs = _snake(unwrap(record.inputs))
    return {k: inputs[k] for k in ("name", "kind", "phase", "description", "rules")}


def test_the_fake_api_takes_the_waf_entry_point_and_refuses_a_wrong_execute(api: FakeCloudflare,
                                                                             stacks: dict[str, Any]) -> None:
    from tests.edge.test_cloudflare_entrypoints import call

    [waf] = [r for r in of(stacks["prod"][0], "ruleset:Ruleset") if r.inputs["phase"] == WAF]
    body = _body(waf)
    status, answer = call(api, "POST", f"/zones/{PRO_ZONE}/rulesets", body, token=TOKEN)
    assert status == 200, answer
    assert [r["action_parameters"]["id"] for r in api.entrypoint(PRO_ZONE, WAF)["rules"]] == [
        CLOUDFLARE_MANAGED_RULESET, CLOUDFLARE_OWASP_RULESET]
    wrong = {**body, "phase": "http_request_firewall_custom"}  # a managed ruleset outside its phase
    status, answer = call(api, "POST", f"/zones/{'6' * 32}/rulesets", wrong, token=TOKEN)
    assert status == 400 and "belongs to phase http_request_firewall_managed" in answer["errors"][0]["message"]


def test_an_existing_waf_entry_point_is_adopted_in_place(api: FakeCloudflare) -> None:
    from tests.edge.test_cloudflare_entrypoints import call

    dashboard = api.add_ruleset(PRO_ZONE, WAF, [{"action": "execute", "expression": "true",
                                                 "action_parameters": {"id": CLOUDFLARE_MANAGED_RULESET}}])
    import yaml

    cf = dict(yaml.safe_load((REPO / "Pulumi.pro.yaml").read_text())["config"]["webstack:cloudflare"])
    cf["adoptRulesets"] = {**cf.get("adoptRulesets", {}), WAF: {"id": dashboard, "name": "default"}}
    result, _ = run("pro", cloudflare=cf)
    [waf] = [r for r in of(result, "ruleset:Ruleset") if r.inputs["phase"] == WAF]
    assert waf.import_id == f"zones/{PRO_ZONE}/{dashboard}" and waf.inputs["name"] == "default"
    status, answer = call(api, "PUT", f"/zones/{PRO_ZONE}/rulesets/phases/{WAF}/entrypoint", _body(waf), token=TOKEN)
    assert status == 200 and answer["result"]["id"] == dashboard and answer["result"]["version"] == "2"
    assert len(answer["result"]["rules"]) == 2


def test_cloudflare_entrypoints_offers_the_waf_phase_for_adoption(cli: Any, tmp_path: Any) -> None:
    saved = tmp_path / "rulesets.json"
    saved.write_text(json.dumps({"success": True, "errors": [], "messages": [], "result_info": {}, "result": [
        {"id": "9" * 32, "name": "default", "kind": "zone", "phase": WAF, "version": "3"},
        {"id": "8" * 32, "name": "custom", "kind": "zone", "phase": "http_request_firewall_custom", "version": "1"},
    ]}))
    code, out, err = cli(["cloudflare-entrypoints", "--from", str(saved), "--stack", "pro"])
    assert code == 0, err
    assert f"  {WAF}:" in out and '"' + "9" * 32 + '"' in out
    block = out[out.index("adoptRulesets:"):]
    assert "http_request_firewall_custom" not in block  # not a phase this stack manages (only mentioned above)
