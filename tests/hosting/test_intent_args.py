"""Intent-level Args: the hosting and app components check what a user (in any language) asks for with the stack
config's own models and rules, and every error names the input — before anything is registered."""

from __future__ import annotations

from typing import Any

import pytest

from components.config.hosting import HostingConfig
from components.intent import IntentError, resolve_site_intent

SERVICE_ROLE_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2ln"  # payload {"role":"service_role"}
SUPABASE = "https://abcdefghijklmnopqrst.supabase.co"


def _problems(call: Any) -> dict[str, str]:
    with pytest.raises(IntentError) as err:
        call()
    return dict(err.value.problems)


def _site(args: dict[str, Any], anon_key: Any = "sb_publishable_TestKey0123456789") -> Any:
    cfg, _ = resolve_site_intent("VercelSite 'web'", args, HostingConfig.model_construct(provider="vercel"),
                                 anon_key)
    return cfg


def test_bad_values_are_named_by_their_input_path() -> None:
    problems = _problems(lambda: _site({"domain": "Example.COM", "standard": {
        "supabase_url": SUPABASE, "hsts_max_age": "long", "csp": {"script_src": ["'unsafe-eval'"]}}}))
    assert set(problems) == {"domain", "standard.hstsMaxAge", "standard.csp.scriptSrc[0]"}
    assert problems["domain"] == "must be lower-case"


def test_the_deprecated_top_level_inputs_are_accepted_and_named_as_written() -> None:
    """headers / rate_limits / supabase_url (VercelSite and NetlifySite before `standard`) still work, and their
    problems name the input the author used."""
    cfg = _site({"domain": "example.com", "supabase_url": SUPABASE,
                 "headers": {"csp": {"scriptSrc": ["https://cdn.example.net"]}, "weakeningReason": "vendor widget"},
                 "rate_limits": [{"path": "/api/*", "requestsPerPeriod": 50}]})
    assert cfg.headers.csp.script_src == ["https://cdn.example.net"] and cfg.supabase.url == SUPABASE
    assert [(r.path, r.requests_per_period) for r in cfg.rate_limits] == [("/api/*", 50)]
    problems = _problems(lambda: _site({"domain": "example.com", "supabase_url": "http://x.supabase.co",
                                        "headers": {"hstsMaxAge": "long"},
                                        "rate_limits": [{"path": "/api/*", "requestsPerPeriod": 10, "period": 45}]}))
    assert set(problems) == {"supabaseUrl", "headers.hstsMaxAge", "rateLimits[0].period"}
    problems = _problems(lambda: _site({"domain": "example.com", "supabase_url": SUPABASE,
                                        "standard": {"supabase_url": SUPABASE}}))
    assert "given twice" in problems["supabaseUrl"]


def test_the_supabase_url_is_required_and_production_follows_the_environment() -> None:
    problems = _problems(lambda: _site({"domain": "example.com"}))
    assert set(problems) == {"standard.supabaseUrl"}
    problems = _problems(lambda: _site({"domain": "example.com", "environment": "staging",
                                        "env": {"NODE_ENV": "production"},
                                        "standard": {"supabase_url": SUPABASE, "production": True}}))
    assert "contradicts environment 'staging'" in problems["standard.production"]
    # staging: no production rules, so a weakening needs no reason
    cfg = _site({"domain": "example.com", "environment": "staging", "env": {"NODE_ENV": "production"},
                 "standard": {"supabase_url": SUPABASE, "cross_origin_opener_policy": "same-origin-allow-popups"}})
    assert cfg.environment == "staging"


def test_the_stack_rules_apply_to_component_inputs_too() -> None:
    """A weakening needs its reason on production, NODE_ENV must be production there, and the key compiled into the
    browser bundle must not be a service_role key — exactly as for a Pulumi.<stack>.yaml."""
    problems = _problems(lambda: _site(
        {"domain": "example.com", "env": {"NODE_ENV": "development"}, "standard": {"supabase_url": SUPABASE}},
        anon_key=SERVICE_ROLE_JWT))
    assert set(problems) == {"env.NODE_ENV", "supabaseAnonKey"}
    assert SERVICE_ROLE_JWT not in str(problems)
    problems = _problems(lambda: _site({"domain": "example.com", "standard": {
        "supabase_url": SUPABASE, "csp": {"script_src": ["https://cdn.example.net"]}}}))
    assert set(problems) == {"standard.csp.scriptSrc"}
    assert "standard.weakeningReasons.csp.scriptSrc" in problems["standard.csp.scriptSrc"]


def test_each_weakening_carries_its_own_reason() -> None:
    """weakeningReasons gives each weakening its reason; the shared weakeningReason covers the rest; a reason for a
    setting that weakens nothing is refused."""
    _, std = resolve_site_intent("VercelSite 'web'", {"domain": "example.com", "standard": {
        "supabase_url": SUPABASE, "csp": {"script_src": ["https://js.stripe.com"]},
        "cross_origin_opener_policy": "same-origin-allow-popups", "frame_ancestors": ["https://partner.example.org"],
        "weakening_reasons": {"csp.scriptSrc": "Stripe.js must load from js.stripe.com",
                              "crossOriginOpenerPolicy": "the OAuth popup posts back to the opener"},
        "weakening_reason": "shared fallback"}}, HostingConfig.model_construct(provider="vercel"), "sb_publishable_k")
    assert {w.setting.removeprefix("webstack:headers."): w.reason for w in std.weakenings} == {
        "csp.scriptSrc": "Stripe.js must load from js.stripe.com",
        "crossOriginOpenerPolicy": "the OAuth popup posts back to the opener",
        "frameAncestors": "shared fallback"}
    problems = _problems(lambda: _site({"domain": "example.com", "standard": {
        "supabase_url": SUPABASE, "weakening_reasons": {"csp.scriptSrc": "nothing to explain"}}}))
    assert set(problems) == {"standard.weakeningReasons.csp.scriptSrc"}
    problems = _problems(lambda: _site({"domain": "example.com", "standard": {
        "supabase_url": SUPABASE, "weakening_reasons": {"csp.script_src": "misspelt"}}}))
    assert "not a setting that weakens the standard" in problems["standard.weakeningReasons.csp.script_src"]


def test_a_secret_that_is_an_output_is_not_checked_here() -> None:
    """Another resource's output (or an unknown preview value) cannot be read while registering: it passes.
    (Anything but a plain string stands for one here: a real Output made outside a program run would bind the SDK's
    state to this test's event loop.)"""
    cfg = _site({"domain": "example.com", "standard": {"supabase_url": SUPABASE}}, anon_key=object())
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
    cfg = _site({"domain": "example.com", "standard": {
        "supabase_url": SUPABASE, "rate_limits": [{"path": "/api/*", "requests_per_period": 100.0, "period": 60.0}]}})
    assert cfg.rate_limits[0].period == 60 and type(cfg.rate_limits[0].requests_per_period) is int
