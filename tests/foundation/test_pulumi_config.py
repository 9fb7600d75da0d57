"""Reading the program's config goes through the SDK's public `pulumi.runtime` config API (no private state), on
both ways config reaches Python: the language host's environment and a provider's `set_all_config`."""

from __future__ import annotations

import contextvars
import json

import pytest
from pulumi import runtime

from components.config import ConfigError, pulumi_config_values
from components.stack_config import read_pulumi_config

ANON = "sb_publishable_0123456789abcdefghij"
CONFIG = {
    "webstack:domain": "example.com",
    "webstack:hosting": json.dumps({"provider": "vercel", "vercel": {"projectName": "shop"}}),
    "webstack:cloudflare": json.dumps({"zoneId": "0123456789abcdef0123456789abcdef"}),
    "webstack:supabase": json.dumps({"projectRef": "abcdefghijklmnopqrst"}),
    "webstack:supabaseAnonKey": ANON,
    "aws:region": "eu-west-1",
}


@pytest.fixture
def no_env_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULUMI_CONFIG", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_SECRET_KEYS", raising=False)


def in_fresh_context(fn):  # type: ignore[no-untyped-def]
    """The SDK keeps set_all_config's values in context variables: isolate each test from the others."""
    return contextvars.copy_context().run(fn)


def test_language_host_environment(monkeypatch: pytest.MonkeyPatch, no_env_config: None) -> None:
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({**CONFIG, "webstack:domian": "typo.example.com"}))
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps(["webstack:supabaseAnonKey"]))
    raw, secret_keys = in_fresh_context(pulumi_config_values)
    assert raw["webstack:domain"] == "example.com" and raw["aws:region"] == "eu-west-1"
    assert secret_keys == {"webstack:supabaseAnonKey"}
    with pytest.raises(ConfigError) as err:  # every key arrives this way, so a typo is reported, not ignored
        in_fresh_context(lambda: read_pulumi_config("webstack", "prod"))
    assert "webstack:domian: unknown key" in str(err.value)


def test_provider_set_all_config(no_env_config: None) -> None:
    def run() -> tuple[dict[str, object], frozenset[str]]:
        runtime.set_all_config(dict(CONFIG), secret_keys=["webstack:supabaseAnonKey"])
        cfg = read_pulumi_config("webstack", "prod")
        assert cfg.domain == "example.com" and cfg.supabase_anon_key.get_secret_value() == ANON
        return pulumi_config_values()

    raw, secret_keys = in_fresh_context(run)
    assert raw["webstack:supabaseAnonKey"] == ANON and "webstack:hosting" in raw
    assert secret_keys == {"webstack:supabaseAnonKey"}


def test_a_secret_value_is_never_echoed(monkeypatch: pytest.MonkeyPatch, no_env_config: None) -> None:
    bad = {**CONFIG, "webstack:supabaseAnonKey": "not a key\nZZSECRET"}
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(bad))
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps(["webstack:supabaseAnonKey"]))
    with pytest.raises(ConfigError) as err:
        in_fresh_context(lambda: read_pulumi_config("webstack", "prod"))
    assert "webstack:supabaseAnonKey" in str(err.value) and "ZZSECRET" not in str(err.value)
