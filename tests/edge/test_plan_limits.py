"""Plan-aware config: what the zone's Cloudflare plan and the Supabase plan cannot do is refused at the config
boundary with the documented limit in the message; what they lack by default is left out with a warning.

The limits come from Cloudflare's and Supabase's documentation (cited in components/config/cloudflare.py and
supabase.py); these tests pin the decisions, not the table's own values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from components.config import SECURE_PLACEHOLDER, ConfigError
from components.config.cloudflare import CLOUDFLARE_PLANS
from components.stack_config import load_stack_config
from components.supabase import settings as derive
from tests.conftest import REPO

Cli = Callable[[list[str]], tuple[int, str, str]]


def config(stack: str, **changes: Any) -> Any:
    """``Pulumi.<stack>.yaml`` as the program sees it, with top-level ``webstack:`` keys replaced."""
    raw = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())["config"]
    raw.update({f"webstack:{k}": v for k, v in changes.items()})
    values = {k: SECURE_PLACEHOLDER if isinstance(v, dict) and set(v) == {"secure"} else v for k, v in raw.items()}
    return load_stack_config({k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in values.items()},
                             project="webstack", stack=stack)


def section(stack: str, key: str) -> dict[str, Any]:
    return dict(yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())["config"][f"webstack:{key}"])


def problems(stack: str, **changes: Any) -> dict[str, str]:
    with pytest.raises(ConfigError) as err:
        config(stack, **changes)
    return dict(err.value.problems)


def limit(path: str = "/api/*", **fields: Any) -> dict[str, Any]:
    return {"path": path, "requestsPerPeriod": 10, **fields}


# -- Cloudflare -------------------------------------------------------------------------------------------------------


def test_free_stack_asking_for_two_rate_limit_rules_exits_2_naming_the_key_and_the_limit(cli: Cli) -> None:
    two = [limit("/api/*", period=10, mitigationTimeout=10), limit("/auth/*", period=10, mitigationTimeout=10)]
    code, out, err = cli(["preview", "--stack", "free", "--no-policy", "-c", f"webstack:rateLimits={json.dumps(two)}"])
    assert code == 2, err
    assert "webstack:rateLimits:" in err and "at most 1 rate limiting rule" in err and "Free plan" in err
    assert out == ""  # nothing registered, nothing reported


@pytest.mark.parametrize(("plan", "field", "value", "key", "phrase"), [
    ("free", "period", 60, "period", "counting periods allowed are 10 s"),
    ("free", "mitigationTimeout", 60, "mitigationTimeout", "mitigation timeouts allowed are 10 s"),
    ("pro", "period", 120, "period", "2 min is not offered on the Cloudflare Pro plan"),
    ("pro", "period", 3600, "period", "1 h is not offered"),
    ("business", "period", 3600, "period", "1 h is not offered on the Cloudflare Business plan"),
    ("pro", "mitigationTimeout", 86400, "mitigationTimeout", "1 day is not offered on the Cloudflare Pro plan"),
    ("business", "mitigationTimeout", 0, "mitigationTimeout", "0 (throttle above the rate) is Enterprise-only"),
    ("pro", "action", "log", "action", "'log' is an Enterprise-only action"),
])
def test_a_rate_limit_beyond_the_plan_is_refused_with_the_documented_limit(
        plan: str, field: str, value: Any, key: str, phrase: str) -> None:
    fields = {"period": 10, "mitigationTimeout": 10} if plan == "free" else {"period": 60, "mitigationTimeout": 60}
    fields[field] = value
    cf = {**section("prod", "cloudflare"), "plan": plan}
    found = problems("prod", cloudflare=cf, rateLimits=[limit(**fields)])
    assert phrase in found[f"webstack:rateLimits[0].{key}"]


def test_enterprise_allows_what_the_lower_plans_refuse() -> None:
    cf = {**section("prod", "cloudflare"), "plan": "enterprise"}
    limits = [limit(f"/api/v{i}/*", period=3600, mitigationTimeout=0) for i in range(6)] + [
        limit("/log/*", action="log", period=60, mitigationTimeout=60)]
    cfg = config("prod", cloudflare=cf, rateLimits=limits)
    assert len(cfg.rate_limits) == 7


def test_challenge_actions_keep_timeout_0_on_every_plan() -> None:
    """Challenges apply per request (timeout 0 is required for them), so 0 is not the Enterprise throttle there."""
    for plan in ("free", "pro"):
        period = 10 if plan == "free" else 60
        cf = {**section("prod", "cloudflare"), "plan": plan}
        cfg = config("prod", cloudflare=cf, rateLimits=[
            limit(action="managed_challenge", period=period, mitigationTimeout=0)])
        assert cfg.rate_limits[0].mitigation_timeout == 0


def test_an_explicitly_enabled_health_check_on_free_is_refused() -> None:
    cf = {**section("free", "cloudflare"), "healthcheck": {"enabled": True}}
    found = problems("free", cloudflare=cf)
    assert "has no health checks" in found["webstack:cloudflare.healthcheck.enabled"]
    assert "Free 0" in found["webstack:cloudflare.healthcheck.enabled"]


def test_without_a_plan_nothing_is_checked_against_one() -> None:
    cf = {k: v for k, v in section("prod", "cloudflare").items() if k != "plan"}
    cfg = config("prod", cloudflare=cf, rateLimits=[limit(f"/p{i}/*", period=3600) for i in range(3)])
    assert cfg.cloudflare.plan is None


def test_every_example_stack_declares_a_plan_its_rate_limits_fit() -> None:
    for path in sorted(REPO.glob("Pulumi.*.yaml")):
        stack = path.name.split(".")[1]
        cfg = config(stack)
        assert cfg.cloudflare.plan is not None, stack
        plan = CLOUDFLARE_PLANS[cfg.cloudflare.plan]
        assert len(cfg.rate_limits) <= plan.rate_limit_rules, stack
        assert all(r.period in plan.periods for r in cfg.rate_limits), stack


# -- Supabase ---------------------------------------------------------------------------------------------------------


def test_leaked_password_protection_on_free_is_refused_when_asked_for_and_left_out_by_default() -> None:
    sb = section("free", "supabase")
    found = problems("free", supabase={**sb, "auth": {**sb["auth"], "leakedPasswordProtection": True}})
    assert "not available on the Supabase free plan" in found["webstack:supabase.auth.leakedPasswordProtection"]
    free = config("free")
    assert "password_hibp_enabled" not in derive.auth_settings(free)
    assert any("leakedPasswordProtection is left out" in note for note in derive.plan_warnings(free))
    off = config("free", supabase={**sb, "auth": {**sb["auth"], "leakedPasswordProtection": False}})
    assert derive.auth_settings(off)["password_hibp_enabled"] is False
    assert derive.auth_settings(config("pro"))["password_hibp_enabled"] is True


def test_email_rate_limit_is_sent_only_with_custom_smtp() -> None:
    pro = config("pro")
    body = derive.auth_settings(pro)
    assert body["rate_limit_email_sent"] == 60
    assert body["smtp_host"] == "smtp.mail.example.net" and body["smtp_port"] == "465"
    assert "smtp_pass" not in body  # the password never enters the settings body
    sb = section("pro", "supabase")
    no_smtp = {**sb, "auth": {k: v for k, v in sb["auth"].items() if k not in ("smtp", "rateLimits")}}
    plain = derive.auth_settings(config("pro", supabase=no_smtp))
    assert "rate_limit_email_sent" not in plain and not any(k.startswith("smtp_") for k in plain)
    asked = {**no_smtp, "auth": {**no_smtp["auth"], "rateLimits": {"emailSent": 10}}}
    found = problems("pro", supabase=asked)
    assert "needs custom SMTP" in found["webstack:supabase.auth.rateLimits.emailSent"]


def test_smtp_needs_its_secret_password() -> None:
    raw = yaml.safe_load((REPO / "Pulumi.pro.yaml").read_text())["config"]
    del raw["webstack:supabaseSmtpPassword"]
    values = {k: SECURE_PLACEHOLDER if isinstance(v, dict) and set(v) == {"secure"} else v for k, v in raw.items()}
    with pytest.raises(ConfigError) as err:
        load_stack_config({k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in values.items()},
                          project="webstack", stack="pro")
    assert "pulumi config set --secret webstack:supabaseSmtpPassword" in dict(err.value.problems)[
        "webstack:supabaseSmtpPassword"]
