"""`webstack:alerts` — alerts as code: who is told (e-mail addresses, webhook destinations) and which of the
runbook's alerts each provider declares (docs/alerts.md has the per-alert table, with what a provider cannot
express and what to use instead).

Cloudflare notification policies (account-level, so ``webstack:cloudflare.accountId`` is required):

* origin errors — the runbook's "error rate > 5 %": the Origin Error Rate Alert (``http_alert_origin_error``,
  Enterprise only) judges 5xx responses against an SLO with burn rates, not a fixed percentage; below Enterprise
  the only origin-error alert offered is Passive Origin Monitoring (``real_origin_monitoring``: the origin is
  unreachable, 521). See :data:`CLOUDFLARE_ALERT_TYPES` for the page each fact comes from.
* health — Health Checks status notification (``health_check_status_notification``) for the stack's health checks
  (Pro and above: Free has no health checks).
* DDoS — HTTP DDoS Attack Alert (``dos_attack_l7``, all plans).
* certificates — Universal SSL Alert (``universal_ssl_event_type``, all plans: validation, issuance, renewal).

Vercel (hosting vercel): webhooks on failed/cancelled deployments and an error-rate custom alert rule (Observability
Plus on the project) — see :mod:`components.alerts`.

Webhook URLs and signing secrets are secrets: only the destination NAMES are here; the values come from the secret
key ``webstack:alertWebhooks`` (a JSON object name -> {"url", "secret"}), read by :func:`alert_webhook_values`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from components.config.base import ConfigError, Email, Ident, StrictModel

NOTIFICATIONS_PAGE = "developers.cloudflare.com/notifications/notification-available/"
"""Cloudflare's list of notification types with each one's plan availability and filters (cloudflare-docs
``src/content/notifications/index.yaml``)."""


@dataclass(frozen=True)
class CloudflareAlertType:
    """One Cloudflare notification (alert) type webstack declares, as documented (checked 2026-11)."""

    alert_type: str
    """The API's ``alert_type`` (pulumi_cloudflare 6.23 ``NotificationPolicy.alert_type`` lists it)."""
    title: str
    """Its name on :data:`NOTIFICATIONS_PAGE`."""
    plans: tuple[str, ...]
    """Cloudflare plans that offer it (the page's "availability")."""
    filters: str
    """Which filters webstack sets, and where the filter keys are documented."""


ALL_PLANS = ("free", "pro", "business", "enterprise")

CLOUDFLARE_ALERT_TYPES: dict[str, CloudflareAlertType] = {
    "origin_errors": CloudflareAlertType(
        "http_alert_origin_error", "Origin Error Rate Alert", ("enterprise",),
        "zones (the zone id) and slo (one of 99.7, 99.8, 99.9): both are required by the API (error 17103 "
        "'Filters selection must be provided' otherwise — terraform-provider-cloudflare#1406); the available-alerts "
        "endpoint lists them as filter_options Key 'zones' (1-n) and 'slo' (0-1). Error rates are burn rates "
        "against the SLO over 5 min and 1 h windows (developers.cloudflare.com/notifications/reference/"
        "traffic-alerts/); 521/522/523 count as origin errors"),
    "passive_origin": CloudflareAlertType(
        "real_origin_monitoring", "Passive Origin Monitoring", ALL_PLANS,
        "none (the page: 'Other options / filters: None'); fires when the origin answers 521 (unreachable)"),
    "health": CloudflareAlertType(
        "health_check_status_notification", "Health Checks status notification", ("pro", "business", "enterprise"),
        "health_check_ids (the stack's health checks; the provider's filter key healthCheckIds) — the page: "
        "'You can search for and add health checks'"),
    "ddos": CloudflareAlertType(
        "dos_attack_l7", "HTTP DDoS Attack Alert", ALL_PLANS,
        "none (the page: 'Other options / filters: None'); account-wide: every zone of the account"),
    "certificates": CloudflareAlertType(
        "universal_ssl_event_type", "Universal SSL Alert", ALL_PLANS,
        "none (the page: 'Other options / filters: None'); account-wide: validation, issuance and renewal of the "
        "zones' Universal SSL certificates"),
}
"""What webstack declares per alert, with the plan availability from :data:`NOTIFICATIONS_PAGE`."""

ORIGIN_ERROR_SLOS = ("99.7", "99.8", "99.9")
"""The ``slo`` values the Origin Error Rate Alert accepts: the API's available-alerts example lists 99.7 and 99.8;
a Cloudflare engineer's answer in terraform-provider-cloudflare#1406 names 99.7, 99.8 and 99.9."""

DEFAULT_ORIGIN_ERROR_SLO = "99.7"
"""The least sensitive SLO: a 0.3 % error budget. The runbook's "error rate > 5 %" has no Cloudflare equivalent
(no 95 % SLO is offered); 99.7 alerts earlier than the runbook asks, never later (docs/alerts.md)."""

VERCEL_WEBHOOK_EVENTS = ("deployment.error", "deployment.canceled", "alerts.triggered")
"""Events a Vercel webhook destination subscribes to: a failed or cancelled deployment (vercel.com/docs/webhooks —
"Deployment Error", "Deployment Cancelled") and Vercel Alerts firing (``alerts.triggered``: the event an
``AlertRuleWebhookNotification`` needs, pulumiverse_vercel 5.21 ``AlertRuleWebhookNotification.webhook_id``)."""

_WEBHOOK_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?\Z")


class AlertsConfig(StrictModel):
    """The alert targets and which alerts to declare (each alert defaults to on where the provider offers it)."""

    emails: list[Email] = Field(default_factory=list, description="e-mail addresses told by every alert")
    webhooks: list[Ident] = Field(
        default_factory=list, description="webhook destination names (a-z, 0-9, '-'); each one's URL and optional "
        "signing secret come from the secret key webstack:alertWebhooks")
    origin_errors: bool = Field(
        True, alias="originErrors", description="the origin-error alert: Origin Error Rate (Enterprise), else "
        "Passive Origin Monitoring (the plan's only origin alert), with a warning")
    origin_error_slo: Literal["99.7", "99.8", "99.9"] | None = Field(
        None, alias="originErrorSlo", description="the Origin Error Rate Alert's SLO (Enterprise only; default 99.7)")
    health: bool = Field(True, description="tell the targets when a health check changes state (Pro and above)")
    ddos: bool = Field(True, description="HTTP DDoS Attack Alert (all plans; covers the whole account)")
    certificates: bool = Field(True, description="Universal SSL Alert (all plans; covers the whole account)")
    error_rate_percent: float | None = Field(
        5.0, alias="errorRatePercent", gt=0, le=100, description="Vercel: a custom alert rule on the project's 5xx "
        "share of requests (the runbook's 5 %); needs Observability Plus — null leaves it out")
    deployment_failures: bool = Field(
        True, alias="deploymentFailures", description="Vercel: webhook destinations get failed and cancelled "
        "deployments")

    @field_validator("webhooks")
    @classmethod
    def _webhook_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not _WEBHOOK_NAME.match(name):
                raise ValueError(f"{name!r}: a destination name is 1-40 of a-z, 0-9 and '-' (it becomes part of "
                                 "resource names)")
        if len(set(value)) != len(value):
            raise ValueError("lists a destination name twice")
        return value

    @model_validator(mode="after")
    def _has_target(self) -> AlertsConfig:
        if not self.emails and not self.webhooks:
            raise ValueError("alerts need at least one target: emails (addresses) or webhooks (destination names)")
        return self

    @property
    def any_cloudflare(self) -> bool:
        return self.origin_errors or self.health or self.ddos or self.certificates


def cloudflare_alert_problems(alerts: AlertsConfig, *, plan: str | None, account_id: str | None,
                              health_explicit: bool) -> list[tuple[str, str]]:
    """What the Cloudflare account/plan cannot do, as (path relative to ``webstack:`` — ``alerts.originErrorSlo``,
    ``cloudflare.accountId`` —, message naming the documented limit). ``health_explicit``: ``health`` was set."""
    problems: list[tuple[str, str]] = []
    if alerts.any_cloudflare and not account_id:
        problems.append(("cloudflare.accountId", "required by webstack:alerts: Cloudflare notification policies "
                         "belong to an account (the dashboard URL's 32-hex id after dash.cloudflare.com/)"))
    if plan is None:
        return problems
    origin = CLOUDFLARE_ALERT_TYPES["origin_errors"]
    if alerts.origin_error_slo is not None and plan not in origin.plans:
        problems.append(("alerts.originErrorSlo", f"the {origin.title} ({origin.alert_type}) is Enterprise-only "
                         f"({NOTIFICATIONS_PAGE}, Traffic Monitoring) and this zone is on {plan}: remove "
                         "originErrorSlo — webstack declares Passive Origin Monitoring (real_origin_monitoring, the "
                         "origin unreachable) instead — or set webstack:cloudflare.plan to the zone's real plan"))
    health = CLOUDFLARE_ALERT_TYPES["health"]
    if health_explicit and alerts.health and plan not in health.plans:
        problems.append(("alerts.health", f"the {health.title} needs health checks, which the Cloudflare {plan} "
                         "plan does not have (developers.cloudflare.com/health-checks/, Availability): set "
                         "health: false and monitor the site from outside"))
    return problems


def alert_webhook_values(names: list[str], raw: str | None, *, key: str = "webstack:alertWebhooks"
                         ) -> dict[str, dict[str, str]] | None:
    """The destinations' values from the secret JSON object ``{name: {"url": "https://…", "secret": "…"}}``, in
    ``names`` order; None when ``raw`` is None (an undecryptable offline placeholder: the caller uses unknowns).
    Errors name only the public destination names, never anything of the secret value."""
    try:
        values: Any = json.loads(raw) if raw is not None else None
    except json.JSONDecodeError:
        raise ConfigError([(key, 'must be a JSON object: {"<name>": {"url": "https://…", "secret": "…"}}')]) from None
    if values is None:
        return None
    if not isinstance(values, dict):
        raise ConfigError([(key, 'must be a JSON object: {"<name>": {"url": "https://…", "secret": "…"}}')])
    problems: list[tuple[str, str]] = []
    missing = [n for n in names if n not in values]
    if missing:
        problems.append((key, f"has no entry for webstack:alerts.webhooks {', '.join(missing)}"))
    extra = len(set(values) - set(names))
    if extra:
        problems.append((key, f"has {extra} key(s) not listed in webstack:alerts.webhooks (not shown: the object is "
                         "secret); list each destination's name there"))
    out: dict[str, dict[str, str]] = {}
    for name in names:
        entry = values.get(name)
        if entry is None:
            continue
        if not isinstance(entry, dict) or set(entry) - {"url", "secret"} or not isinstance(entry.get("url"), str):
            problems.append((key, f"entry {name!r} must be an object with a string url (and optionally a string "
                             "secret), nothing else"))
            continue
        url = entry["url"]
        if not url.startswith("https://") or len(url) > 2048 or not url.isascii() or any(
                ord(c) < 0x21 or ord(c) == 0x7F for c in url):
            problems.append((key, f"entry {name!r}: url must be an https:// URL of printable ASCII, at most 2048 "
                             "characters (its value is not shown: it is secret)"))
            continue
        secret = entry.get("secret")
        if secret is not None and (not isinstance(secret, str) or not 1 <= len(secret) <= 1024):
            problems.append((key, f"entry {name!r}: secret must be a string of 1-1024 characters"))
            continue
        out[name] = {"url": url, **({"secret": secret} if secret is not None else {})}
    if problems:
        raise ConfigError(problems)
    return out
