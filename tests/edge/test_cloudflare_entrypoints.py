"""`stackcheck cloudflare-entrypoints` against a fake Cloudflare API (tests/edge/cloudflare_fake_api.py, written from
Cloudflare's API documentation), and the fake's own contract: one entry point per phase, the documented refusal of
a second one, entry points updated in place."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from tests.edge.cloudflare_fake_api import SIMILAR_CONFIGURATION, FakeCloudflare

Cli = Callable[[list[str]], tuple[int, str, str]]
TOKEN = "cf-test-token-Xq93mZ0a"
PRO_ZONE = "55555555555555555555555555555555"
CACHE_RULE = {"action": "set_cache_settings", "expression": "true", "action_parameters": {"cache": False},
              "description": "made in the dashboard"}


@pytest.fixture
def api() -> Iterator[FakeCloudflare]:
    fake = FakeCloudflare(TOKEN)
    yield fake
    fake.close()


def call(fake: FakeCloudflare, method: str, path: str, body: Any = None, token: str = TOKEN) -> tuple[int, Any]:
    import urllib.error
    import urllib.request

    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(fake.url + path, data=data, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            raw = answer.read()
            return answer.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# -- the fake behaves like the documented API ---------------------------------------------------------------------


def test_one_entry_point_per_phase_and_the_documented_refusal(api: FakeCloudflare) -> None:
    zone = PRO_ZONE
    status, body = call(api, "POST", f"/zones/{zone}/rulesets",
                        {"name": "default", "kind": "zone", "phase": "http_request_cache_settings", "rules": []})
    assert status == 200 and body["success"]
    status, body = call(api, "POST", f"/zones/{zone}/rulesets",
                        {"name": "webstack cache-rules", "kind": "zone", "phase": "http_request_cache_settings",
                         "rules": [CACHE_RULE]})
    assert status == 400 and body["success"] is False
    assert body["errors"][0]["message"].startswith("A similar configuration with rules already exists")
    # the entry point is updated in place through PUT: same id, next version, rules replaced
    first = api.entrypoint(zone, "http_request_cache_settings")
    assert first is not None
    status, body = call(api, "PUT", f"/zones/{zone}/rulesets/phases/http_request_cache_settings/entrypoint",
                        {"rules": [CACHE_RULE]})
    assert status == 200 and body["result"]["id"] == first["id"] and body["result"]["version"] == "2"
    assert [r["description"] for r in body["result"]["rules"]] == ["made in the dashboard"]
    listed = call(api, "GET", f"/zones/{zone}/rulesets")[1]["result"]
    assert [r["phase"] for r in listed] == ["http_request_cache_settings"] and "rules" not in listed[0]
    assert call(api, "GET", f"/zones/{zone}/rulesets", token="wrong")[0] == 403


def test_response_fields_only_in_response_phases(api: FakeCloudflare) -> None:
    """``http.response.code`` filters a response-header rule (the renderer's ``ne 304``); a request phase has no
    response yet (phases list), so the same filter on a cache rule is refused."""
    headers_rule = {"action": "rewrite", "expression": "http.response.code ne 304",
                    "action_parameters": {"headers": {"X-Frame-Options": {"operation": "set", "value": "DENY"}}}}
    status, body = call(api, "PUT", f"/zones/{PRO_ZONE}/rulesets/phases/http_response_headers_transform/entrypoint",
                        {"rules": [headers_rule]})
    assert status == 200 and body["result"]["rules"][0]["expression"] == "http.response.code ne 304"
    cache_rule = {**CACHE_RULE, "expression": "http.response.code ne 304"}
    status, body = call(api, "PUT", f"/zones/{PRO_ZONE}/rulesets/phases/http_request_cache_settings/entrypoint",
                        {"rules": [cache_rule]})
    assert status == 400 and "http.response.code is not available in phase http_request_cache_settings" in (
        body["errors"][0]["message"])
    assert api.entrypoint(PRO_ZONE, "http_request_cache_settings") is None


# -- the command -------------------------------------------------------------------------------------------------


def dashboard_zone(api: FakeCloudflare) -> dict[str, str]:
    """A zone as the dashboard leaves it: two entry points (one in a phase webstack manages) and a managed ruleset."""
    ids = {
        "cache": api.add_ruleset(PRO_ZONE, "http_request_cache_settings", [CACHE_RULE]),
        "origin": api.add_ruleset(PRO_ZONE, "http_request_origin", []),
        "managed": api.add_ruleset(PRO_ZONE, "http_request_firewall_managed", [], kind="managed",
                                   name="Cloudflare Managed Ruleset"),
    }
    api.page_size = 1  # every ruleset on its own page: the command must follow result_info.cursor
    return ids


def test_live_listing_prints_the_adoption_config_for_the_phases_the_stack_manages(
        api: FakeCloudflare, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = dashboard_zone(api)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    code, out, err = cli(["cloudflare-entrypoints", "--zone-id", PRO_ZONE, "--api-url", api.url, "--stack", "pro"])
    assert code == 0, err
    doc = yaml.safe_load(out)
    assert doc == {"adoptRulesets": {"http_request_cache_settings": {"id": ids["cache"], "name": "default"}}}
    assert "left alone): http_request_origin" in out and ids["managed"] not in out
    assert sum(1 for method, path in api.requests if method == "GET" and "/rulesets" in path) == 3  # paged
    assert TOKEN not in out + err
    # the printed block is valid config for the stack it was made for
    from tests.edge.test_plan_limits import config, section

    cfg = config("pro", cloudflare={**section("pro", "cloudflare"), **doc})
    assert cfg.cloudflare.adopt_rulesets["http_request_cache_settings"].id == ids["cache"]


def test_import_file_puts_the_entry_point_under_the_stacks_own_ruleset(
        api: FakeCloudflare, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = dashboard_zone(api)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    code, out, err = cli(["cloudflare-entrypoints", "--zone-id", PRO_ZONE, "--api-url", api.url, "--stack", "pro",
                          "--format", "import"])
    assert code == 0, err
    doc = json.loads(out)
    [resource] = doc["resources"]
    assert resource["type"] == "cloudflare:index/ruleset:Ruleset"
    assert resource["id"] == f"zones/{PRO_ZONE}/{ids['cache']}"
    parent_urn = doc["nameTable"][resource["parent"]]
    assert parent_urn.startswith("urn:pulumi:pro::webstack::") and parent_urn.endswith(f"::{resource['parent']}")


def test_a_saved_response_works_offline(api: FakeCloudflare, cli: Cli, tmp_path: Path) -> None:
    dashboard_zone(api)
    api.page_size = 50
    saved = tmp_path / "rulesets.json"
    saved.write_text(json.dumps(call(api, "GET", f"/zones/{PRO_ZONE}/rulesets")[1]))
    code, out, err = cli(["cloudflare-entrypoints", "--from", str(saved), "--format", "json"])
    assert code == 0, err
    assert set(json.loads(out)) == {"http_request_cache_settings", "http_request_origin"}  # not the managed one


def test_refusals_exit_2_without_the_token(api: FakeCloudflare, cli: Cli, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "wrong-token-Zz")
    code, out, err = cli(["cloudflare-entrypoints", "--zone-id", PRO_ZONE, "--api-url", api.url])
    assert code == 2 and "answered 403" in err and "wrong-token-Zz" not in out + err
    monkeypatch.delenv("CLOUDFLARE_API_TOKEN")
    code, _, err = cli(["cloudflare-entrypoints", "--zone-id", PRO_ZONE, "--api-url", api.url])
    assert code == 2 and "CLOUDFLARE_API_TOKEN" in err
    code, _, err = cli(["cloudflare-entrypoints", "--zone-id", "not-a-zone"])
    assert code == 2 and "32-character" in err
    bogus = tmp_path / "x.json"
    bogus.write_text(json.dumps({"hello": 1}))
    code, _, err = cli(["cloudflare-entrypoints", "--from", str(bogus)])
    assert code == 2 and "List zone rulesets" in err
    two = {"result": [{"id": "a" * 32, "kind": "zone", "phase": "http_ratelimit", "name": "x"},
                      {"id": "b" * 32, "kind": "zone", "phase": "http_ratelimit", "name": "y"}], "success": True}
    bogus.write_text(json.dumps(two))
    code, _, err = cli(["cloudflare-entrypoints", "--from", str(bogus)])
    assert code == 2 and "allows one per phase" in err


def test_the_fake_refusal_text_is_the_one_the_providers_report() -> None:
    """The message users meet (terraform-provider-cloudflare #3219, pulumi-cloudflare #782) opens the same way."""
    assert SIMILAR_CONFIGURATION.startswith("A similar configuration with rules already exists and overwriting will "
                                            "have unintended consequences.")
    assert REPO.joinpath("Pulumi.pro.yaml").exists()
