"""Alerts as code: the runbook's alerts as Cloudflare notification policies and Vercel alert rules/webhooks.

The components take the same intent Args (:class:`AlertsArgs`: e-mail targets, webhook destinations whose URL and
signing secret are Pulumi secrets, and which alerts to declare); :class:`~components.cloudflare_edge.CloudflareEdge`
registers the Cloudflare side (account-level notification policies, webhook destinations) and
:class:`~components.vercel_site.VercelSite` the Vercel side. What each provider cannot express, and what to use
instead, is in docs/alerts.md.

Cloudflare (pulumi_cloudflare 6.23 ``NotificationPolicy``/``NotificationPolicyWebhooks``; alert types, plans and
filter keys: :data:`components.config.alerts.CLOUDFLARE_ALERT_TYPES`): origin errors, health-check status, HTTP DDoS
attacks, Universal SSL certificate events. Vercel (pulumiverse_vercel 5.21 ``Webhook``, ``CustomAlertRule``,
``AlertRuleWebhookNotification``): webhooks on failed/cancelled deployments, and the runbook's "error rate > 5 %" as
a custom alert rule on the ratio of 5xx requests to all requests — the shape of the provider's own example
(terraform-provider-vercel docs/resources/alert_rule.md: ``errors / requests``, ``gt`` 0.05, a minimum of errors).

No ``from __future__ import annotations``: the package's schema analyzer reads these TypedDicts at run time.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict, cast

import pulumi
from pydantic import ValidationError

from components.config.alerts import (
    CLOUDFLARE_ALERT_TYPES,
    DEFAULT_ORIGIN_ERROR_SLO,
    NOTIFICATIONS_PAGE,
    VERCEL_WEBHOOK_EVENTS,
    AlertsConfig,
)
from components.config.cloudflare import CLOUDFLARE_PLANS
from components.config.stack import SECURE_PLACEHOLDER

Problems = list[tuple[str, str]]


class AlertWebhookArgs(TypedDict):
    """A webhook destination: a chat bridge, an incident tool, your own endpoint."""

    name: str
    """1-40 of a-z, 0-9, '-' (part of resource names, and the destination's name at Cloudflare)."""
    url: pulumi.Input[str]
    """The https:// endpoint (a secret: chat webhook URLs carry their token)."""
    secret: NotRequired[pulumi.Input[str] | None]
    """Cloudflare sends it in the ``cf-webhook-auth`` header (a secret). Vercel signs with its own secret
    (``x-vercel-signature``) and ignores this. Default: none."""


class AlertsArgs(TypedDict):
    """Who is alerted and which of the runbook's alerts are declared (each on by default where the provider
    offers it; see docs/alerts.md)."""

    emails: NotRequired[list[str]]
    """Addresses every Cloudflare alert e-mails (Vercel alerts reach the team's owners instead). Default: none
    (then at least one webhook)."""
    webhooks: NotRequired[list[AlertWebhookArgs]]
    """Webhook destinations every alert posts to. Default: none (then at least one e-mail)."""
    origin_errors: NotRequired[bool]
    """Cloudflare origin-error alert: the Origin Error Rate Alert on Enterprise zones (or with no plan given), else
    Passive Origin Monitoring (origin unreachable, 521), with a warning. Default true."""
    origin_error_slo: NotRequired[str | None]
    """The Origin Error Rate Alert's SLO: 99.7, 99.8 or 99.9 (Enterprise only). Default 99.7."""
    health: NotRequired[bool]
    """Cloudflare health-check status changes of the edge's health checks (Pro and above). Default true."""
    ddos: NotRequired[bool]
    """Cloudflare HTTP DDoS Attack Alert (every zone of the account). Default true."""
    certificates: NotRequired[bool]
    """Cloudflare Universal SSL Alert: certificate validation, issuance, renewal (every zone of the account).
    Default true."""
    error_rate_percent: NotRequired[float | None]
    """Vercel: alert when 5xx responses exceed this share of requests over 5 minutes (a custom alert rule; needs
    Observability Plus). None leaves it out. Default 5."""
    deployment_failures: NotRequired[bool]
    """Vercel: webhook destinations receive failed and cancelled deployments. Default true."""


@dataclass(frozen=True)
class Alerts:
    """The validated intent: the settings, and the webhook destinations with their (secret) inputs."""

    settings: AlertsConfig
    webhooks: list[AlertWebhookArgs] = field(default_factory=list)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() for p in rest)


def resolve_alerts(raw: Mapping[str, Any] | None, prefix: str, problems: Problems) -> Alerts | None:
    """Validate :class:`AlertsArgs` (snake_case keys) with the stack config's own model; problems are appended as
    (input path such as ``alerts.emails[0]``, message). None when absent or invalid."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        problems.append((prefix, "must be an object (AlertsArgs)"))
        return None
    data = {k: v for k, v in raw.items() if v is not None or k in ("origin_error_slo", "error_rate_percent")}
    hooks_raw = data.pop("webhooks", None) or []
    hooks: list[AlertWebhookArgs] = []
    if not isinstance(hooks_raw, Sequence) or isinstance(hooks_raw, str):
        problems.append((f"{prefix}.webhooks", "must be a list of {name, url, secret}"))
        return None
    for i, hook in enumerate(hooks_raw):
        if not isinstance(hook, Mapping) or not isinstance(hook.get("name"), str) or hook.get("url") is None:
            problems.append((f"{prefix}.webhooks[{i}]", "must be an object with a name and a url"))
            continue
        unknown = set(hook) - {"name", "url", "secret"}
        if unknown:
            problems.append((f"{prefix}.webhooks[{i}]", f"unknown key(s) {', '.join(sorted(unknown))}"))
            continue
        hooks.append(AlertWebhookArgs(name=hook["name"], url=hook["url"], secret=hook.get("secret")))
    data["webhooks"] = [h["name"] for h in hooks]
    try:
        settings = AlertsConfig.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = [_camel(str(p)) if isinstance(p, str) else f"[{p}]" for p in err["loc"]]
            path = prefix + "".join(p if p.startswith("[") else f".{p}" for p in loc)
            msg = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown input (check the spelling; see docs/reference/)"
            problems.append((path, msg))
        return None
    for hook in hooks:
        url = hook["url"]
        if isinstance(url, str) and url != SECURE_PLACEHOLDER and not url.startswith("https://"):
            # The value is secret: the message names the destination only.
            problems.append((f"{prefix}.webhooks", f"destination {hook['name']!r}: url must be an https:// URL"))
    return Alerts(settings=settings, webhooks=hooks)


# ---------------------------------------------------------------------------------------------------------------
# Cloudflare: which notification policies (pure)


@dataclass(frozen=True)
class PolicyPlan:
    """One account-level notification policy to declare."""

    key: str
    """Resource-name suffix (``<edge>-<key>``)."""
    alert_type: str
    name: str
    description: str
    filters: dict[str, list[str]] | None = None


def cloudflare_policy_plans(settings: AlertsConfig, *, zone_id: str, domain: str, plan: str | None
                            ) -> tuple[list[PolicyPlan], list[str]]:
    """The notification policies besides the health alert (which needs the health checks' ids), and warnings for
    what the plan cannot do (``plan`` None: no plan checks, as everywhere in the edge)."""
    plans: list[PolicyPlan] = []
    warnings: list[str] = []
    if settings.origin_errors:
        rate = CLOUDFLARE_ALERT_TYPES["origin_errors"]
        if plan is None or plan in rate.plans:
            slo = settings.origin_error_slo or DEFAULT_ORIGIN_ERROR_SLO
            plans.append(PolicyPlan(
                "origin-errors-alert", rate.alert_type, f"webstack {domain} origin errors",
                f"webstack: 5xx responses from the origin of {domain} burn the {slo} % SLO's error budget",
                {"zones": [zone_id], "slos": [slo]}))
        else:
            passive = CLOUDFLARE_ALERT_TYPES["passive_origin"]
            plans.append(PolicyPlan(
                "origin-errors-alert", passive.alert_type, f"webstack {domain} origin unreachable",
                f"webstack: Cloudflare cannot reach the origin of {domain} (521)"))
            warnings.append(
                f"the {rate.title} ({rate.alert_type}) is Enterprise-only and the zone is on "
                f"{CLOUDFLARE_PLANS[plan].name} ({NOTIFICATIONS_PAGE}): declaring {passive.title} "
                f"({passive.alert_type}: the origin unreachable) instead; the runbook's 'error rate > 5 %' needs "
                "another monitor on this plan (docs/alerts.md)")
    if settings.ddos:
        ddos = CLOUDFLARE_ALERT_TYPES["ddos"]
        plans.append(PolicyPlan("ddos-alert", ddos.alert_type, f"webstack {domain} HTTP DDoS attack",
                                "webstack: Cloudflare mitigated an HTTP DDoS attack (any zone of the account)"))
    if settings.certificates:
        certs = CLOUDFLARE_ALERT_TYPES["certificates"]
        plans.append(PolicyPlan("certificates-alert", certs.alert_type, f"webstack {domain} certificates",
                                "webstack: Universal SSL certificate validation, issuance or renewal event (any zone "
                                "of the account)"))
    return plans, warnings


def mechanisms(emails: Sequence[str], webhook_ids: Sequence[pulumi.Input[str]]) -> dict[str, Any]:
    """A notification policy's targets (``mechanisms.emails[].id`` is the address; ``webhooks[].id`` the
    destination's id)."""
    out: dict[str, Any] = {}
    if emails:
        out["emails"] = [{"id": e} for e in emails]
    if webhook_ids:
        out["webhooks"] = [{"id": i} for i in webhook_ids]
    return out


def _secret(value: Any) -> Any:
    from components.intent import secret_input

    return secret_input(value)


def cloudflare_webhooks(name: str, account_id: str, alerts: Alerts, opts: pulumi.ResourceOptions
                        ) -> list[pulumi.Output[str]]:
    """A ``NotificationPolicyWebhooks`` destination per webhook (URL and signing secret kept secret); their ids."""
    import pulumi_cloudflare as cloudflare

    ids = []
    for hook in alerts.webhooks:
        secret = hook.get("secret")
        dest = cloudflare.NotificationPolicyWebhooks(
            f"{name}-alert-webhook-{hook['name']}", account_id=account_id, name=f"webstack {hook['name']}",
            url=_secret(hook["url"]), secret=_secret(secret) if secret is not None else None,
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["url"])))
        ids.append(dest.id)
    return ids


def cloudflare_policies(name: str, account_id: str, plans: Sequence[PolicyPlan], targets: Mapping[str, Any],
                        opts: pulumi.ResourceOptions) -> list[Any]:
    """Register the planned notification policies (enabled, with ``targets`` as mechanisms)."""
    import pulumi_cloudflare as cloudflare

    return [cloudflare.NotificationPolicy(
        f"{name}-{p.key}", account_id=account_id, name=p.name, alert_type=p.alert_type, enabled=True,
        description=p.description, mechanisms=cast(Any, dict(targets)), filters=cast(Any, p.filters), opts=opts)
        for p in plans]


# ---------------------------------------------------------------------------------------------------------------
# Vercel


ERROR_RATE_WINDOW = "5m"
"""The custom rule's window (the provider offers 5m, 15m, 1h, 1d): the shortest, closest to "real time"."""
ERROR_RATE_MINIMUM_ERRORS = 20
"""Below this many 5xx responses in the window the ratio is not evaluated (a quiet site's single error is not
"5 %"): the provider's documented ratio example uses 20."""


def vercel_error_rate_rule(settings: AlertsConfig, domain: str) -> dict[str, Any] | None:
    """The ``CustomAlertRule`` inputs for the runbook's error rate (pure), or None when left out."""
    if settings.error_rate_percent is None:
        return None
    pct = settings.error_rate_percent
    return {
        "name": f"webstack {domain} error rate > {pct:g} %",
        "severity": "high",
        "evaluation": {
            "window": ERROR_RATE_WINDOW,
            "query": {
                "metrics": {
                    "errors": {"metric": "vercel.request.count", "aggregation": "count", "filter": "httpStatus >= 500"},
                    "requests": {"metric": "vercel.request.count", "aggregation": "count"},
                },
                "formulas": {"formula": "errors / requests"},
                "outputs": ["formula"],
            },
        },
        "trigger": {"type": "threshold", "output": "formula", "operator": "gt", "threshold": pct / 100,
                    "minimum": {"output": "errors", "threshold": ERROR_RATE_MINIMUM_ERRORS}},
        # Vercel e-mails its team's owners; arbitrary addresses are not a Vercel alert target (docs/alerts.md).
        "notification_settings": {"enable_team_owner_notifications": bool(settings.emails)},
    }


def vercel_webhook_events(settings: AlertsConfig) -> list[str]:
    events = list(VERCEL_WEBHOOK_EVENTS[:2]) if settings.deployment_failures else []
    if settings.error_rate_percent is not None:
        events.append(VERCEL_WEBHOOK_EVENTS[2])
    return events


def vercel_alerts(name: str, alerts: Alerts, *, project_id: pulumi.Input[str], domain: str, team_id: str | None,
                  opts: pulumi.ResourceOptions) -> None:
    """The Vercel side: one ``Webhook`` per destination (deployment failures, alerts), the error-rate
    ``CustomAlertRule`` and its ``AlertRuleWebhookNotification`` per destination."""
    import pulumiverse_vercel as vercel

    settings = alerts.settings
    events = vercel_webhook_events(settings)
    hooks: dict[str, Any] = {}
    if events:
        for hook in alerts.webhooks:
            hooks[hook["name"]] = vercel.Webhook(
                f"{name}-alert-webhook-{hook['name']}", endpoint=_secret(hook["url"]), events=events,
                project_ids=[project_id], team_id=team_id,
                opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["endpoint"])))
    rule_inputs = vercel_error_rate_rule(settings, domain)
    if rule_inputs is None:
        return
    rule = vercel.CustomAlertRule(f"{name}-error-rate-alert", project_id=project_id, team_id=team_id, opts=opts,
                                  **rule_inputs)
    for hook_name, hook in hooks.items():
        vercel.AlertRuleWebhookNotification(f"{name}-error-rate-alert-{hook_name}", alert_rule_id=rule.id,
                                            webhook_id=hook.id, team_id=team_id, opts=opts)


# ---------------------------------------------------------------------------------------------------------------
# Stack config -> Args


def alerts_args_from_config(cfg: Any) -> AlertsArgs | None:
    """The :class:`AlertsArgs` for a stack (``webstack:alerts``). Pure (no outputs are made): webhook URLs/secrets
    from the secret key ``webstack:alertWebhooks`` stay plain values here, or the offline placeholder when they
    cannot be decrypted; the components make them secret inputs when they register the destinations."""
    from components.config.alerts import alert_webhook_values
    from components.config.stack import SECURE_PLACEHOLDER, secret_value

    settings: AlertsConfig | None = cfg.alerts
    if settings is None:
        return None
    args: dict[str, Any] = settings.model_dump(exclude={"webhooks"}, exclude_unset=True)
    if settings.webhooks:
        values = alert_webhook_values(list(settings.webhooks), secret_value(cfg.alert_webhooks))
        hooks: list[AlertWebhookArgs] = []
        for hook_name in settings.webhooks:
            entry = values.get(hook_name) if values is not None else None
            if entry is None:
                hooks.append(AlertWebhookArgs(name=hook_name, url=SECURE_PLACEHOLDER, secret=SECURE_PLACEHOLDER))
                continue
            hook = AlertWebhookArgs(name=hook_name, url=entry["url"])
            if entry.get("secret") is not None:
                hook["secret"] = entry["secret"]
            hooks.append(hook)
        args["webhooks"] = hooks
    return AlertsArgs(**args)  # type: ignore[typeddict-item]


def webhooks_from_output(alerts: AlertsArgs | None, value: Any) -> AlertsArgs | None:
    """When the ``webstack:alertWebhooks`` JSON arrives as an output (another resource's, a YAML program's secret),
    each destination's url/secret become secret outputs read from it — known at `pulumi up`, never in plain text."""
    import json

    if alerts is None or value is None or isinstance(value, str) or not alerts.get("webhooks"):
        return alerts
    whole = pulumi.Output.secret(value)
    hooks: list[AlertWebhookArgs] = []

    def field_of(name: str, key: str) -> pulumi.Output[Any]:
        return whole.apply(lambda text: json.loads(text)[name].get(key))

    for hook in alerts.get("webhooks") or []:
        name = hook["name"]
        url, secret = field_of(name, "url"), field_of(name, "secret")
        hooks.append(AlertWebhookArgs(name=name, url=url, secret=secret))
    return AlertsArgs(**{**alerts, "webhooks": hooks})  # type: ignore[typeddict-item]
