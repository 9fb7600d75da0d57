"""Intent-level Args: the hosting and app components check what a user (in any language) asks for with the stack
config's own models and rules, and every error names the input — before anything is registered."""

from __future__ import annotations

from typing import Any

import pytest

from components.config.hosting import HostingConfig
from components.site_intent import ComponentInputError, site_config

SERVICE_ROLE_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2ln"  # payload {"role":"service_role"}


def _problems(call: Any) -> dict[str, str]:
    with pytest.raises(ComponentInputError) as err:
        call()
    return dict(err.value.problems)


def _site(args: dict[str, Any], anon_key: Any = "sb_publishable_TestKey0123456789") -> Any:
    return site_config("VercelSite", "web", args, HostingConfig.model_construct(provider="vercel"), anon_key)


def test_bad_values_are_named_by_their_input_path() -> None:
    problems = _problems(lambda: _site({"domain": "Example.COM", "supabase_url": "https://abc.supabase.co",
                                        "headers": {"hstsMaxAge": "long", "csp": {"scriptSrc": ["'unsafe-eval'"]}}}))
    assert set(problems) == {"domain", "headers.hstsMaxAge", "headers.csp.scriptSrc[0]"}
    assert problems["domain"] == "must be lower-case"


def test_the_stack_rules_apply_to_component_inputs_too() -> None:
    """A weakening needs a reason on production, NODE_ENV must be production there, and the key compiled into the
    browser bundle must not be a service_role key — exactly as for a Pulumi.<stack>.yaml."""
    problems = _problems(lambda: _site(
        {"domain": "example.com", "supabase_url": "https://abc.supabase.co", "env": {"NODE_ENV": "development"},
         "headers": {"csp": {"scriptSrc": ["https://cdn.example.net"]}}}, anon_key=SERVICE_ROLE_JWT))
    assert set(problems) == {"headers.csp.scriptSrc", "env.NODE_ENV", "supabaseAnonKey"}
    assert SERVICE_ROLE_JWT not in str(problems)
    # With a reason, the same weakening is accepted (and reported by the standard as a reasoned weakening).
    cfg = _site({"domain": "example.com", "supabase_url": "https://abc.supabase.co",
                 "headers": {"csp": {"scriptSrc": ["https://cdn.example.net"]}, "weakeningReason": "vendor widget"}})
    assert cfg.headers.csp.script_src == ["https://cdn.example.net"]


def test_a_secret_that_is_an_output_is_not_checked_here() -> None:
    """Another resource's output (or an unknown preview value) cannot be read while registering: it passes.
    (Anything but a plain string stands for one here: a real Output made outside a program run would bind the SDK's
    state to this test's event loop.)"""
    cfg = _site({"domain": "example.com", "supabase_url": "https://abc.supabase.co"}, anon_key=object())
    assert cfg.canonical_hostname == "example.com"


def test_web_app_names_inputs_by_their_stack_config_path() -> None:
    from components.web_app import web_app_config

    problems = _problems(lambda: web_app_config("app", {
        "domain": "example.com", "supabase_anon_key": "sb_publishable_TestKey0123456789",
        "hosting": {"provider": "vercel", "vercel": {"projectName": "bad name!"}},
        "cloudflare": {"zoneId": "x"}, "supabase": {"projectRef": "abcdefghijklmnopqrst"}}))
    assert set(problems) == {"hosting.vercel.projectName", "cloudflare.zoneId"}


def test_wire_numbers_reach_the_config_models_as_integers() -> None:
    """Numbers cross the wire as doubles; integer fields and literals (period: 60) must still validate."""
    cfg = _site({"domain": "example.com", "supabase_url": "https://abc.supabase.co",
                 "rate_limits": [{"path": "/api/*", "requestsPerPeriod": 100.0, "period": 60.0}]})
    assert cfg.rate_limits[0].period == 60 and type(cfg.rate_limits[0].requests_per_period) is int
