"""The cache purge after a deploy: CachePurge's provider against a fake of Cloudflare's purge endpoint that enforces
the documented body, limits and auth header (tests/protection/cloudflare_purge_fake.py); replaced (so purging
again) exactly when the deploy identity changes; the token read at run time and never an input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from components.cache_purge import TOKEN_ENV, CachePurgeError, CachePurgeProvider, body_problems, purge
from components.config.protection import PurgeConfig
from components.render.protection import purge_body
from tests.protection.cloudflare_purge_fake import FakePurgeApi

ZONE = "0123456789abcdef0123456789abcdef"
TOKEN = "cf-purge-token-Qw7"


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePurgeApi]:
    fake = FakePurgeApi(TOKEN)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    try:
        yield fake
    finally:
        fake.close()


def props(api: FakePurgeApi, trigger: str = "sha256:" + "a" * 64, **body: Any) -> dict[str, Any]:
    return {"zone_id": ZONE, "trigger": trigger, "body": body or {"purge_everything": True}, "api_base_url": api.url}


def test_create_purges_everything_with_the_bearer_token(api: FakePurgeApi) -> None:
    created = CachePurgeProvider().create(props(api))
    assert api.purges == [(ZONE, {"purge_everything": True})] and not api.refused
    assert created.outs["purge_id"] and created.id == f"{ZONE}/{created.outs['purge_id']}"
    assert TOKEN not in repr(created.outs)  # never an output


@pytest.mark.parametrize("config, body", [
    ({}, {"purge_everything": True}),
    ({"prefixes": ["www.example.com/assets", "example.com/img"]}, {"prefixes": ["www.example.com/assets",
                                                                                "example.com/img"]}),
    ({"hosts": ["www.example.com"]}, {"hosts": ["www.example.com"]}),
    ({"files": ["https://example.com/robots.txt"]}, {"files": ["https://example.com/robots.txt"]}),
])
def test_each_configured_kind_is_a_body_the_api_accepts(api: FakePurgeApi, config: dict[str, Any],
                                                        body: dict[str, Any]) -> None:
    rendered = purge_body(PurgeConfig.model_validate(config))
    assert rendered == body
    purge(api.url, ZONE, rendered)
    assert api.purges == [(ZONE, body)] and not api.refused


def test_a_changed_deploy_identity_replaces_the_purge_and_purges_again(api: FakePurgeApi) -> None:
    provider = CachePurgeProvider()
    old = props(api, trigger="dpl_first")
    first = provider.create(old)
    same = provider.diff(first.id, {**old, "purge_id": first.outs["purge_id"]}, props(api, trigger="dpl_first"))
    assert not same.changes and not same.replaces
    new = props(api, trigger="dpl_second")
    changed = provider.diff(first.id, {**old, "purge_id": first.outs["purge_id"]}, new)
    assert changed.changes and changed.replaces == ["trigger"] and changed.delete_before_replace is False
    provider.create(new)  # what the engine does for a replacement: create the new one …
    provider.delete(first.id, old)  # … then delete the old one, which purges nothing
    assert len(api.purges) == 2


def test_moving_the_api_base_is_an_update_without_a_purge(api: FakePurgeApi) -> None:
    provider = CachePurgeProvider()
    old = {**props(api), "purge_id": "p1"}
    moved = {**props(api), "api_base_url": "https://api.cloudflare.com/client/v4"}
    diff = provider.diff("x", old, moved)
    assert diff.changes and not diff.replaces
    assert provider.update("x", old, moved).outs["purge_id"] == "p1" and api.purges == []


def test_a_wrong_token_is_refused_and_named_without_its_value(api: FakePurgeApi,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "not-the-token-zz9")
    with pytest.raises(CachePurgeError, match=r"HTTP 403.*9109") as failure:
        purge(api.url, ZONE, {"purge_everything": True})
    assert "not-the-token-zz9" not in str(failure.value) and api.purges == []


def test_no_token_fails_before_any_request(api: FakePurgeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV)
    with pytest.raises(CachePurgeError, match="CLOUDFLARE_API_TOKEN"):
        purge(api.url, ZONE, {"purge_everything": True})
    assert api.purges == [] and api.refused == []


@pytest.mark.parametrize("body", [
    {"purge_everything": True, "prefixes": ["example.com/a"]},  # two kinds
    {"purge_everything": False},
    {"prefixes": []},
    {"everything": True},
])
def test_malformed_bodies_are_refused_by_the_provider_and_by_the_fake(api: FakePurgeApi,
                                                                      body: dict[str, Any]) -> None:
    assert body_problems(body)
    failures = CachePurgeProvider().check({}, props(api, **body)).failures
    assert failures and failures[0].property.startswith("body")
    assert api.body_problem(body) is not None  # the fake (written from the docs) agrees


def test_limits_the_fake_enforces_match_the_config_boundary(api: FakePurgeApi) -> None:
    from components.config.protection import ProtectionConfig, protection_problems

    too_many = [f"example.com/p{i}" for i in range(31)]
    assert api.body_problem({"prefixes": too_many}) is not None
    assert api.body_problem({"prefixes": too_many[:30]}) is None
    cfg = ProtectionConfig.model_validate({"purgeOnDeploy": {"prefixes": too_many}})
    assert [k for k, _ in protection_problems(cfg, "pro", production=True)] == [
        "webstack:protection.purgeOnDeploy.prefixes"]
    urls = [f"https://example.com/{i}" for i in range(101)]
    assert api.body_problem({"files": urls}) is not None
    api.plan = "enterprise"
    assert api.body_problem({"files": urls}) is None
    cfg = ProtectionConfig.model_validate({"purgeOnDeploy": {"files": urls}})
    assert protection_problems(cfg, "pro", production=True) and not protection_problems(cfg, "enterprise",
                                                                                        production=True)


def test_check_refuses_a_bad_zone_and_an_empty_trigger(api: FakePurgeApi) -> None:
    failures = CachePurgeProvider().check({}, {**props(api, trigger=""), "zone_id": "nope"}).failures
    assert {f.property for f in failures} == {"zone_id", "trigger"}
