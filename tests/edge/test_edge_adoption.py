"""CloudflareEdge on a plan and on a zone that already has rules: what it registers (offline preview), and a first
`pulumi up` replayed against the fake Cloudflare API (tests/edge/cloudflare_fake_api.py)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from components.render.cloudflare import txt_content
from stackcheck.engine import run_program
from stackcheck.model import PreviewResult, ResourceRecord
from stackcheck.wire import unwrap
from tests.conftest import REPO
from tests.edge.cloudflare_fake_api import SIMILAR_CONFIGURATION, FakeCloudflare

sys.path.insert(0, str(REPO / "policy"))
from webstack_policy.cf_expression import evaluate  # the pack's Rules-language evaluator

RULESET = "cloudflare:index/ruleset:Ruleset"
PRO_ZONE = "55555555555555555555555555555555"
ADOPTED = "2f2feab2026849078ba485f918791bdc"
TOKEN = "cf-adoption-token-7Hq"


def run(stack: str, **config: Any) -> tuple[PreviewResult, list[str]]:
    overrides = {f"webstack:{k}": json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in config.items()}
    result, engine = run_program(REPO, stack, overrides=overrides)
    return result, [message for _, _, message in engine.messages]


def of(result: PreviewResult, suffix: str) -> list[ResourceRecord]:
    return [r for r in result.resources if r.type.endswith(suffix)]


def rulesets(result: PreviewResult) -> dict[str, ResourceRecord]:
    return {r.inputs["phase"]: r for r in of(result, "ruleset:Ruleset")}


@pytest.fixture(scope="module")
def pro() -> tuple[PreviewResult, list[str]]:
    return run("pro")


# -- adoption and per-zone singletons ------------------------------------------------------------------------------


def test_the_adopted_entry_point_is_imported_under_its_own_name(pro: tuple[PreviewResult, list[str]]) -> None:
    by_phase = rulesets(pro[0])
    cache = by_phase.pop("http_request_cache_settings")
    assert cache.import_id == f"zones/{PRO_ZONE}/{ADOPTED}" and cache.inputs["name"] == "default"
    assert cache.name == "edge-cache-rules"  # same resource name (and URN) as without adoption
    assert all(r.import_id == "" and r.inputs["name"].startswith("webstack ") for r in by_phase.values())


def test_per_zone_singletons_are_deleted_before_they_are_replaced(pro: tuple[PreviewResult, list[str]]) -> None:
    result = pro[0]
    singletons = (of(result, "ruleset:Ruleset") + of(result, "zoneSetting:ZoneSetting")
                  + of(result, "botManagement:BotManagement") + of(result, "UrlNormalizationSettings"))
    # 4 + 1 (WAF managed) rulesets, 6 TLS + 2 protection settings, bot management, URL normalisation
    assert len(singletons) == 5 + 8 + 2 and all(r.delete_before_replace for r in singletons)
    assert not any(r.delete_before_replace for r in of(result, "dnsRecord:DnsRecord"))  # not singletons


# -- plans -------------------------------------------------------------------------------------------------------


def test_free_production_leaves_out_health_checks_with_a_warning() -> None:
    result, messages = run("free", environment="production")
    assert of(result, "healthcheck:Healthcheck") == [] and of(result, "notificationPolicy:NotificationPolicy") == []
    assert any("health checks are left out" in m and "Free plan has none" in m for m in messages)
    prod, _ = run("pro")
    assert len(of(prod, "healthcheck:Healthcheck")) == 2


def test_an_edge_ttl_under_the_plans_minimum_is_left_to_the_origin(pro: tuple[PreviewResult, list[str]]) -> None:
    free, messages = run("free")

    def edge_ttls(result: PreviewResult) -> dict[str, Any]:
        rules = rulesets(result)["http_request_cache_settings"].inputs["rules"]
        return {r["ref"]: r["actionParameters"].get("edgeTtl") for r in rules}

    assert edge_ttls(free)["webstack_cache_static"] == {"mode": "respect_origin"}  # 1 h < Free's 2 h
    assert edge_ttls(free)["webstack_cache_hashed_assets"] == {"mode": "override_origin", "default": 31536000.0}
    assert edge_ttls(pro[0])["webstack_cache_static"] == {"mode": "override_origin", "default": 3600.0}  # Pro: 1 h
    assert any("minimum edge TTL is 7200 s" in m and "static" in m for m in messages)


# -- Vercel behind the proxy: certificate issuance paths pass through ---------------------------------------------


@pytest.mark.parametrize("path", ["/.well-known/acme-challenge/tok3n", "/.well-known/vercel/x"])
def test_the_redirect_and_the_cache_leave_vercels_paths_alone(pro: tuple[PreviewResult, list[str]], path: str) -> None:
    by_phase = rulesets(pro[0])
    [redirect] = by_phase["http_request_dynamic_redirect"].inputs["rules"]
    assert evaluate(redirect["expression"], path, host="example.app") is False  # apex is not canonical on pro
    assert evaluate(redirect["expression"], "/pricing", host="example.app") is True
    assert evaluate(redirect["expression"], path, host="www.example.app") is False  # the canonical host
    cache = by_phase["http_request_cache_settings"].inputs["rules"]
    matching = [r for r in cache if evaluate(r["expression"], path) is True]
    assert matching[-1]["ref"] == "webstack_cache_host_passthrough"  # the last matching cache rule wins
    assert matching[-1]["actionParameters"] == {"cache": False}


def test_a_self_hosted_origin_needs_no_passthrough() -> None:
    result, _ = run("selfhosted")
    [redirect] = rulesets(result)["http_request_dynamic_redirect"].inputs["rules"]
    assert redirect["expression"] == 'http.host eq "example.org"'
    assert "webstack_cache_host_passthrough" not in {
        r["ref"] for r in rulesets(result)["http_request_cache_settings"].inputs["rules"]}


# -- TXT content --------------------------------------------------------------------------------------------------


def test_txt_records_are_registered_in_quotation_marks() -> None:
    result, _ = run("prod")
    txt = {r.inputs["name"]: r.inputs["content"] for r in of(result, "dnsRecord:DnsRecord")
           if r.inputs["type"] == "TXT"}
    assert txt == {"example.com": '"v=spf1 include:_spf.mail.example.net -all"',
                   "_dmarc.example.com": '"v=DMARC1; p=reject; rua=mailto:dmarc@example.com"'}


def test_txt_quoting_escapes_and_splits_as_dns_strings() -> None:
    assert txt_content('say "hi" \\o/') == '"say \\"hi\\" \\\\o/"'
    assert txt_content('"already" "quoted"') == '"already" "quoted"'
    long = "k=" + "A" * 400
    quoted = txt_content(long)
    parts = json.loads("[" + quoted.replace('" "', '", "') + "]")
    assert "".join(parts) == long and [len(p) for p in parts] == [255, 147]


# -- a first `pulumi up` on a zone with dashboard rules, replayed against the fake API -------------------------------


@pytest.fixture
def zone() -> Iterator[FakeCloudflare]:
    fake = FakeCloudflare(TOKEN)
    fake.zones[PRO_ZONE] = {}
    fake.zones[PRO_ZONE][ADOPTED] = {
        "id": ADOPTED, "name": "default", "description": "", "kind": "zone", "phase": "http_request_cache_settings",
        "version": "4", "last_updated": "2026-01-01T00:00:00Z",
        "rules": [{"id": "d" * 32, "action": "set_cache_settings", "expression": "true",
                   "action_parameters": {"cache": True}, "description": "cache everything (dashboard)"}]}
    yield fake
    fake.close()


def _snake(value: Any) -> Any:
    import re

    if isinstance(value, dict):
        return {re.sub(r"(?<!^)(?=[A-Z])", "_", k).lower() if not k[:1].isupper() else k: _snake(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_snake(v) for v in value]
    return value


def apply(fake: FakeCloudflare, result: PreviewResult) -> dict[str, tuple[int, Any]]:
    """What the provider does on `pulumi up` for each Ruleset: import (read by id) then update, or create."""
    from tests.edge.test_cloudflare_entrypoints import call

    answers = {}
    for r in of(result, "ruleset:Ruleset"):
        inputs = _snake(unwrap(r.inputs))
        body = {k: inputs[k] for k in ("name", "kind", "phase", "description", "rules")}
        if r.import_id:
            _, zone_id, rid = r.import_id.split("/")
            status, found = call(fake, "GET", f"/zones/{zone_id}/rulesets/{rid}", token=TOKEN)
            assert status == 200, found
            answers[body["phase"]] = call(fake, "PUT", f"/zones/{zone_id}/rulesets/phases/{body['phase']}/entrypoint",
                                          body, token=TOKEN)
        else:
            answers[body["phase"]] = call(fake, "POST", f"/zones/{inputs['zone_id']}/rulesets", body, token=TOKEN)
    return answers


def test_without_adoption_the_first_up_collides_with_the_dashboard_rules(zone: FakeCloudflare) -> None:
    cf = dict(yaml.safe_load((REPO / "Pulumi.pro.yaml").read_text())["config"]["webstack:cloudflare"])
    del cf["adoptRulesets"]
    result, _ = run("pro", cloudflare=cf)
    answers = apply(zone, result)
    status, body = answers["http_request_cache_settings"]
    assert status == 400 and body["errors"][0]["message"] == SIMILAR_CONFIGURATION
    assert all(answers[p][0] == 200 for p in answers if p != "http_request_cache_settings")


def test_with_adoption_the_first_up_takes_over_the_entry_point_in_place(
        zone: FakeCloudflare, pro: tuple[PreviewResult, list[str]]) -> None:
    answers = apply(zone, pro[0])
    assert all(status == 200 for status, _ in answers.values()), answers
    entry = zone.entrypoint(PRO_ZONE, "http_request_cache_settings")
    assert entry is not None and entry["id"] == ADOPTED and entry["version"] == "5" and entry["name"] == "default"
    assert [r["ref"] for r in entry["rules"]][-1] == "webstack_cache_host_passthrough"
    assert "cache everything (dashboard)" not in json.dumps(entry["rules"])
    phases = [r["phase"] for r in zone.zones[PRO_ZONE].values() if r["kind"] == "zone"]
    assert sorted(phases) == sorted(set(phases)) and len(phases) == 5  # one entry point per phase (+ WAF managed)
