"""Alerting on production: the runbook's origin-error and health alerts declared as Cloudflare notification policies,
each with someone to tell.

Cloudflare notification policies (``cloudflare:index/notificationPolicy:NotificationPolicy``) are account-level:
many organisations declare them once per account, in a stack of their own, and a zone stack's preview cannot see
that. So the rule is split:

* ``alerts-runbook-coverage`` (mandatory, production) judges a stack that manages alerting as code (it declares a
  notification policy or a webhook destination): it must cover origin errors (``http_alert_origin_error`` — Cloudflare
  refuses it without both ``zones`` and ``slo`` filters —, ``advanced_http_alert_error`` or, below Enterprise,
  ``real_origin_monitoring``) and health-check status (``health_check_status_notification``), each enabled and with
  at least one target (an e-mail address, a webhook destination or PagerDuty).
* ``alerts-declared`` (advisory, production) says when a production stack with a Cloudflare zone declares no
  notification policy at all.

Alert types and filters: developers.cloudflare.com/notifications/notification-available/ (plan availability),
developers.cloudflare.com/notifications/reference/traffic-alerts/ (error-rate SLOs), pulumi-cloudflare v6
``NotificationPolicy`` (``filters.zones``, ``filters.slos``, ``filters.healthCheckIds``, ``mechanisms.emails/
webhooks/pagerduties``).
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from .core import Check, Meta, StackResource, as_list, get, is_unknown, stack_policy

NOTIFICATION_POLICY = "cloudflare:index/notificationPolicy:NotificationPolicy"
WEBHOOK_DESTINATION = "cloudflare:index/notificationPolicyWebhooks:NotificationPolicyWebhooks"
ORIGIN_ALERT_TYPES = ["http_alert_origin_error", "advanced_http_alert_error", "real_origin_monitoring"]
HEALTH_ALERT_TYPES = ["health_check_status_notification"]
ZONE_TYPES = ["cloudflare:index/dnsRecord:DnsRecord", "cloudflare:index/zoneSetting:ZoneSetting",
              "cloudflare:index/ruleset:Ruleset", "cloudflare:index/healthcheck:Healthcheck"]
MECHANISM_KINDS = ("emails", "webhooks", "pagerduties", "email", "webhook", "pagerduty")


def _alert_type(props: dict[str, Any]) -> Any:
    return props.get("alertType", props.get("alert_type"))


def _targets(props: dict[str, Any]) -> int | None:
    """How many targets the policy's mechanisms name; None when they cannot be known during preview."""
    mech = props.get("mechanisms")
    if is_unknown(mech):
        return None
    count = 0
    for kind in MECHANISM_KINDS:
        entries = get(mech, kind)
        if is_unknown(entries):
            return None
        count += len(as_list(entries))
    return count


def _filter(props: dict[str, Any], *keys: str) -> Any:
    filters = props.get("filters")
    if is_unknown(filters):
        return filters
    for key in keys:
        value = get(filters, key)
        if value is not None:
            return value
    return None


def _judge(kind: str, policies: list[StackResource], check: Check) -> bool:
    """Whether one of ``policies`` (already of the right alert type) is a working alert; reports what is wrong with
    the best candidate when none is."""
    problems: list[tuple[str, str]] = []
    for p in policies:
        enabled = p.props.get("enabled")
        targets = _targets(p.props)
        if is_unknown(enabled):
            check.unknown("NotificationPolicy.enabled")
            return True
        if targets is None:
            check.unknown("NotificationPolicy.mechanisms")
            return True
        if enabled is False:
            problems.append((p.urn, f"the {kind} alert {p.name!r} is disabled (enabled: false)"))
            continue
        if targets == 0:
            problems.append((p.urn, f"the {kind} alert {p.name!r} tells no one: mechanisms has no e-mail, webhook "
                             "or PagerDuty target"))
            continue
        if _alert_type(p.props) == "http_alert_origin_error":
            zones, slos = _filter(p.props, "zones"), _filter(p.props, "slos", "slo")
            if is_unknown(zones) or is_unknown(slos):
                check.unknown("NotificationPolicy.filters")
                return True
            if not as_list(zones) or not as_list(slos):
                problems.append((p.urn, f"the origin error rate alert {p.name!r} lacks filters.zones or filters.slos: "
                                 "Cloudflare refuses to create it (error 17103, 'Filters selection must be "
                                 "provided')"))
                continue
        return True
    for urn, message in problems[:1]:
        check.fail(message + ".", urn)
    return not problems and bool(policies)


def _coverage(resources: list[StackResource], check: Check) -> None:
    if not check.prod:
        return
    policy_types = {str(t) for t in check.config["notificationPolicyTypes"]}
    policies = [r for r in resources if r.type in policy_types]
    if not policies and not any(r.type == WEBHOOK_DESTINATION for r in resources):
        return  # not managing alerting in this stack: alerts-declared (advisory) says so
    types = {r.urn: _alert_type(r.props) for r in policies}
    if any(is_unknown(t) for t in types.values()):
        check.unknown("NotificationPolicy.alertType")
    anchor = policies[0].urn if policies else next(r.urn for r in resources if r.type == WEBHOOK_DESTINATION)
    for kind, wanted_key, names in (("origin-error", "originAlertTypes", "an origin error rate alert"),
                                    ("health", "healthAlertTypes", "a health-check status alert")):
        wanted = {str(t) for t in check.config[wanted_key]}
        matching = [r for r in policies if types[r.urn] in wanted]
        if not matching:
            if not any(is_unknown(t) for t in types.values()):
                check.fail(f"The stack declares notification policies but no {kind} alert: the runbook requires "
                           f"{names} ({' or '.join(sorted(wanted))}) with at least one target.", anchor)
            continue
        _judge(kind, matching, check)


RUNBOOK_COVERAGE = stack_policy(
    Meta(
        name="alerts-runbook-coverage",
        description="A production stack that declares Cloudflare notification policies alerts on origin errors and "
                    "health-check status, each enabled with at least one target.",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Declare webstack:alerts with emails or webhooks (docs/alerts.md): an origin-error NotificationPolicy "
            "(http_alert_origin_error with filters zones + slos on Enterprise; real_origin_monitoring below) and a "
            "health_check_status_notification policy for the stack's health checks, enabled, with mechanisms."
        ),
        config={
            "notificationPolicyTypes": {"type": "array", "items": {"type": "string"},
                                        "default": [NOTIFICATION_POLICY]},
            "originAlertTypes": {"type": "array", "items": {"type": "string"}, "default": ORIGIN_ALERT_TYPES,
                                 "description": "alert types that count as the runbook's 'error rate' alert"},
            "healthAlertTypes": {"type": "array", "items": {"type": "string"}, "default": HEALTH_ALERT_TYPES},
        },
        prod=True,
        url="https://developers.cloudflare.com/notifications/notification-available/",
        tags=("monitoring", "alerts"),
    ),
    _coverage,
)


def _declared(resources: list[StackResource], check: Check) -> None:
    if not check.prod:
        return
    zone_types = {str(t) for t in check.config["zoneTypes"]}
    zone = [r for r in resources if r.type in zone_types]
    if zone and not any(r.type == NOTIFICATION_POLICY for r in resources):
        check.fail(f"The stack manages a Cloudflare zone ({len(zone)} resource(s)) but declares no notification "
                   "policy: nobody is told about origin errors or failed health checks by anything this stack "
                   "declares (fine if account-level alerts live in another stack).", zone[0].urn)


ALERTS_DECLARED = stack_policy(
    Meta(
        name="alerts-declared",
        description="A production stack with a Cloudflare zone declares its alerts (notification policies).",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.ADVISORY,
        remediation=(
            "Declare webstack:alerts (docs/alerts.md), or suppress this policy with the stack that declares the "
            "account's notification policies as the reason."
        ),
        config={
            "zoneTypes": {"type": "array", "items": {"type": "string"}, "default": ZONE_TYPES},
        },
        prod=True,
        url="https://developers.cloudflare.com/notifications/",
        tags=("monitoring", "alerts"),
    ),
    _declared,
)

POLICIES = [RUNBOOK_COVERAGE, ALERTS_DECLARED]
