"""Alerts as code (webstack:alerts, components/alerts.py): the notification policies, webhook destinations and Vercel
alert resources the example stacks register, asserted on their wire inputs; plan handling; config errors naming the
key; webhook URLs and secrets kept secret.

Expected alert types, plans and filter keys come from Cloudflare's Available Notifications page (cloudflare-docs
``src/content/notifications/index.yaml``), the API's available-alerts example (``zones`` + ``slo`` for
``http_alert_origin_error``) and terraform-provider-cloudflare#1406 (both filters required); the Vercel rule's shape
from terraform-provider-vercel ``docs/resources/alert_rule.md`` (the ``errors / requests`` ratio example, ``gt``
0.05) and ``custom_alert_rule.md``. No Cloudflare or Vercel API runs here: what is checked is what the providers
would be sent."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.alerts import cloudflare_policy_plans, vercel_error_rate_rule
from components.config import ConfigError
from components.config.alerts import AlertsConfig
from stackcheck.engine import ProgramError
from stackcheck.model import PreviewResult, ResourceRecord
from stackcheck.wire import is_secret, is_unknown, unwrap
from tests.cloudflare.stack_config import example_config, run_stack

NP = "cloudflare:index/notificationPolicy:NotificationPolicy"
NPW = "cloudflare:index/notificationPolicyWebhooks:NotificationPolicyWebhooks"
V_HOOK = "vercel:index/webhook:Webhook"
V_RULE = "vercel:index/customAlertRule:CustomAlertRule"
V_LINK = "vercel:index/alertRuleWebhookNotification:AlertRuleWebhookNotification"
HOOK_URL = "https://hooks.example.net/services/T000/B000/very-secret-token"
HOOK_SECRET = "cf-webhook-auth-value-1234"


def of(result: PreviewResult, type_: str) -> list[ResourceRecord]:
    return [r for r in result.resources if r.type == type_]


def policies(result: PreviewResult) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs for r in of(result, NP)}


@pytest.fixture(scope="module")
def prod() -> PreviewResult:
    return run_stack("prod")


@pytest.fixture(scope="module")
def selfhosted() -> PreviewResult:
    return run_stack("selfhosted")


def test_prod_declares_the_runbook_alerts_on_its_pro_zone(prod: PreviewResult) -> None:
    found = policies(prod)
    assert set(found) == {"edge-health-alert", "edge-origin-errors-alert", "edge-ddos-alert",
                          "edge-certificates-alert"}
    types = {name: p["alertType"] for name, p in found.items()}
    # Pro: no Origin Error Rate Alert (Enterprise), so Passive Origin Monitoring stands in
    assert types == {"edge-health-alert": "health_check_status_notification",
                     "edge-origin-errors-alert": "real_origin_monitoring", "edge-ddos-alert": "dos_attack_l7",
                     "edge-certificates-alert": "universal_ssl_event_type"}
    for p in found.values():
        assert p["accountId"] == "fedcba9876543210fedcba9876543210" and p["enabled"] is True
        assert p["mechanisms"] == {"emails": [{"id": "oncall@example.com"}]}
    assert "filters" not in found["edge-origin-errors-alert"] and "filters" not in found["edge-ddos-alert"]
    assert len(found["edge-health-alert"]["filters"]["healthCheckIds"]) == 2
    assert not of(prod, NPW)


def test_the_health_alert_keeps_its_urn(prod: PreviewResult) -> None:
    [health] = [r for r in of(prod, NP) if r.name == "edge-health-alert"]
    assert health.urn == ("urn:pulumi:prod::webstack::webstack:index:WebApp$webstack:index:CloudflareEdge$"
                          "cloudflare:index/notificationPolicy:NotificationPolicy::edge-health-alert")
    # what healthcheck.notificationEmail alone declared before webstack:alerts: the same inputs
    assert health.inputs["name"] == "webstack example.com health"
    assert health.inputs["description"] == "webstack: a health check of example.com changed state"


def test_prod_vercel_error_rate_rule(prod: PreviewResult) -> None:
    [rule] = of(prod, V_RULE)
    assert rule.name == "web-error-rate-alert" and is_unknown(rule.inputs["projectId"])
    query = rule.inputs["evaluation"]["query"]
    assert rule.inputs["evaluation"]["window"] == "5m"
    assert query["metrics"] == {
        "errors": {"metric": "vercel.request.count", "aggregation": "count", "filter": "httpStatus >= 500"},
        "requests": {"metric": "vercel.request.count", "aggregation": "count"}}
    assert query["formulas"] == {"formula": "errors / requests"} and query["outputs"] == ["formula"]
    assert rule.inputs["trigger"] == {"type": "threshold", "output": "formula", "operator": "gt", "threshold": 0.05,
                                      "minimum": {"output": "errors", "threshold": 20.0}}
    assert rule.inputs["notificationSettings"] == {"enableTeamOwnerNotifications": True}
    assert not of(prod, V_HOOK) and not of(prod, V_LINK)  # no webhook destinations on prod


def test_selfhosted_webhook_destination_is_secret(selfhosted: PreviewResult) -> None:
    [dest] = of(selfhosted, NPW)
    assert dest.name == "edge-alert-webhook-ops-chat" and dest.inputs["name"] == "webstack ops-chat"
    assert dest.inputs["accountId"] == "77777777777777777777777777777777"
    # the secret key cannot be decrypted offline: both values are unknown secrets, never plain
    assert is_secret(dest.inputs["url"]) and is_secret(dest.inputs["secret"])
    found = policies(selfhosted)
    assert {p["alertType"] for p in found.values()} == {
        "health_check_status_notification", "real_origin_monitoring", "dos_attack_l7", "universal_ssl_event_type"}
    for p in found.values():
        assert p["mechanisms"]["emails"] == [{"id": "oncall@example.org"}]
        assert len(p["mechanisms"]["webhooks"]) == 1
    assert not of(selfhosted, V_RULE)  # nginx hosting: no Vercel resources


def test_known_webhook_values_stay_secret_everywhere() -> None:
    cfg = example_config("prod")
    alerts = {"emails": ["oncall@example.com"], "webhooks": ["ops-chat"]}
    secret = json.dumps({"ops-chat": {"url": HOOK_URL, "secret": HOOK_SECRET}})
    result = run_stack("prod", overrides={"webstack:alerts": json.dumps(alerts)},
                       secret_overrides={"webstack:alertWebhooks": secret})
    assert cfg.alerts is not None
    [dest] = of(result, NPW)
    assert is_secret(dest.inputs["url"]) and unwrap(dest.inputs["url"]) == HOOK_URL
    assert is_secret(dest.inputs["secret"]) and unwrap(dest.inputs["secret"]) == HOOK_SECRET
    [hook] = of(result, V_HOOK)
    assert is_secret(hook.inputs["endpoint"]) and unwrap(hook.inputs["endpoint"]) == HOOK_URL
    assert hook.inputs["events"] == ["deployment.error", "deployment.canceled", "alerts.triggered"]
    [link] = of(result, V_LINK)
    assert link.name == "web-error-rate-alert-ops-chat" and is_unknown(link.inputs["webhookId"])
    # nothing but the secret-wrapped inputs carries the values: not another input, not an output
    for r in result.resources:
        for key, value in r.inputs.items():
            if not is_secret(value):
                assert HOOK_URL not in json.dumps(value, default=str) and HOOK_SECRET not in json.dumps(
                    value, default=str), (r.name, key)
    assert HOOK_URL not in json.dumps(result.outputs, default=str)


def test_enterprise_zone_gets_the_origin_error_rate_alert() -> None:
    cfg = example_config("prod").cloudflare.model_dump(by_alias=True, exclude_unset=True)
    cfg["plan"] = "enterprise"
    alerts = {"emails": ["oncall@example.com"], "originErrorSlo": "99.9", "ddos": False, "certificates": False}
    result = run_stack("prod", overrides={"webstack:cloudflare": json.dumps(cfg),
                                          "webstack:alerts": json.dumps(alerts)})
    found = policies(result)
    assert set(found) == {"edge-health-alert", "edge-origin-errors-alert"}
    origin = found["edge-origin-errors-alert"]
    assert origin["alertType"] == "http_alert_origin_error"
    assert origin["filters"] == {"zones": ["0123456789abcdef0123456789abcdef"], "slos": ["99.9"]}


def test_free_zone_leaves_out_the_health_alert() -> None:
    cfg = example_config("free").cloudflare.model_dump(by_alias=True, exclude_unset=True)
    cfg["accountId"] = "4" * 32
    result = run_stack("free", overrides={"webstack:cloudflare": json.dumps(cfg),
                                          "webstack:alerts": json.dumps({"emails": ["ops@example.dev"]})})
    assert {p["alertType"] for p in policies(result).values()} == {
        "real_origin_monitoring", "dos_attack_l7", "universal_ssl_event_type"}


def test_plans_pure() -> None:
    settings = AlertsConfig.model_validate({"emails": ["a@example.com"]})
    for plan, origin_type in (("free", "real_origin_monitoring"), ("pro", "real_origin_monitoring"),
                              ("business", "real_origin_monitoring"), ("enterprise", "http_alert_origin_error"),
                              (None, "http_alert_origin_error")):
        plans, warnings = cloudflare_policy_plans(settings, zone_id="z" * 32, domain="example.com", plan=plan)
        assert [p.alert_type for p in plans] == [origin_type, "dos_attack_l7", "universal_ssl_event_type"]
        assert bool(warnings) is (origin_type == "real_origin_monitoring")
    assert plans[0].filters == {"zones": ["z" * 32], "slos": ["99.7"]}
    off = AlertsConfig.model_validate({"emails": ["a@example.com"], "originErrors": False, "ddos": False,
                                       "certificates": False})
    assert cloudflare_policy_plans(off, zone_id="z" * 32, domain="example.com", plan="pro") == ([], [])
    assert vercel_error_rate_rule(AlertsConfig.model_validate(
        {"webhooks": ["x"], "errorRatePercent": None}), "example.com") is None
    rule = vercel_error_rate_rule(AlertsConfig.model_validate({"webhooks": ["x"], "errorRatePercent": 2.5}), "e.com")
    assert rule is not None and rule["trigger"]["threshold"] == 0.025
    assert rule["notification_settings"] == {"enable_team_owner_notifications": False}


def config_error(stack: str, **changes: Any) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as info:
        example_config(stack, **changes)
    return info.value.problems


def test_config_errors_name_the_key() -> None:
    problems = config_error("netlify", alerts={"emails": ["ops@example.com"]})
    assert ("webstack:cloudflare.accountId" in dict(problems)), problems
    assert "notification policies belong to an account" in dict(problems)["webstack:cloudflare.accountId"]
    problems = config_error("prod", alerts={"emails": ["ops@example.com"], "originErrorSlo": "99.8"})
    assert "Enterprise-only" in dict(problems)["webstack:alerts.originErrorSlo"]
    problems = config_error("prod", alerts={})
    assert "at least one target" in dict(problems)["webstack:alerts"]
    problems = config_error("prod", alerts={"emails": ["ops@example.com"], "originErrorSlo": "95"})
    assert "webstack:alerts.originErrorSlo" in dict(problems)
    problems = config_error("prod", alerts={"webhooks": ["Ops Chat"]})
    assert "webstack:alerts.webhooks[0]" in dict(problems)
    problems = config_error("prod", alerts={"webhooks": ["Ops_Chat"]})  # an Ident, but not a destination name
    assert "a-z, 0-9 and '-'" in dict(problems)["webstack:alerts.webhooks"]
    problems = config_error("prod", alerts={"webhooks": ["ops-chat"]})
    assert "required for webstack:alerts.webhooks (ops-chat)" in dict(problems)["webstack:alertWebhooks"]


def test_health_explicitly_on_free_is_refused() -> None:
    cf = example_config("free").cloudflare.model_dump(by_alias=True, exclude_unset=True)
    cf["accountId"] = "4" * 32
    problems = config_error("free", cloudflare=cf, alerts={"emails": ["ops@example.dev"], "health": True})
    assert "does not have" in dict(problems)["webstack:alerts.health"]


def test_bad_webhook_values_are_named_never_shown() -> None:
    alerts = {"webhooks": ["ops-chat"]}
    cases = [
        json.dumps({"ops-chat": {"url": "http://hooks.example.net/very-secret-token"}}),
        json.dumps({"ops-chat": {"url": HOOK_URL, "token": "very-secret-token"}}),
        json.dumps({"ops-chat": {"url": HOOK_URL}, "very-secret-token": {"url": HOOK_URL}}),
        "not json very-secret-token",
    ]
    for secret in cases:
        with pytest.raises(ProgramError) as info:
            run_stack("prod", overrides={"webstack:alerts": json.dumps(alerts)},
                      secret_overrides={"webstack:alertWebhooks": secret})
        text = str(info.value.original)
        assert "webstack:alertWebhooks" in text and "very-secret-token" not in text, text


def test_webhook_values_given_as_an_output_reach_the_destination() -> None:
    """A YAML or TypeScript program hands WebApp the secret JSON as an output (its secret config): each destination's
    url/secret are read from it as secret outputs, not the offline placeholder."""
    import pulumi

    from components.web_app import WebApp, web_app_args_from_config

    def program() -> None:
        cfg = example_config("selfhosted")
        args: dict[str, Any] = dict(web_app_args_from_config(cfg))
        args["alert_webhooks"] = pulumi.Output.secret(json.dumps({"ops-chat": {"url": HOOK_URL}}))
        WebApp("app", args)  # type: ignore[arg-type]

    result = run_stack("selfhosted", program=program)
    [dest] = of(result, NPW)
    assert is_secret(dest.inputs["url"]) and unwrap(dest.inputs["url"]) == HOOK_URL
    assert unwrap(dest.inputs.get("secret")) is None  # none given: nothing is sent in cf-webhook-auth


def test_without_alerts_the_health_email_alone_declares_what_it_did_before() -> None:
    """A CloudflareEdge without ``alerts`` and with ``healthcheck.notification_email`` registers exactly the one
    policy it registered before webstack:alerts existed, with the same inputs (no replacement, no new resources)."""
    from components.cloudflare_edge import CloudflareEdge, cloudflare_edge_args_from_config

    def program() -> None:
        args: dict[str, Any] = dict(cloudflare_edge_args_from_config(example_config("prod")))
        del args["alerts"]
        args["healthcheck"] = {"timeout_seconds": 3, "notification_email": "oncall@example.com"}
        CloudflareEdge("edge", args)  # type: ignore[arg-type]

    result = run_stack("prod", program=program)
    [policy] = of(result, NP)
    assert policy.urn.endswith("$cloudflare:index/notificationPolicy:NotificationPolicy::edge-health-alert")
    inputs = dict(policy.inputs)
    assert len(inputs.pop("filters")["healthCheckIds"]) == 2
    assert inputs == {"accountId": "fedcba9876543210fedcba9876543210", "name": "webstack example.com health",
                      "alertType": "health_check_status_notification", "enabled": True,
                      "description": "webstack: a health check of example.com changed state",
                      "mechanisms": {"emails": [{"id": "oncall@example.com"}]}}
    assert not of(result, NPW)
