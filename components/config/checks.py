"""Cross-section rules of the stack config: the checks that need more than one section (the domain and the
hosting option, Cloudflare and the rate limits, Supabase and the environment).

Each rule is a plain function of the validated :class:`StackConfig` returning problems as (config key, message);
values of secret keys never appear in messages. They are listed explicitly in :data:`CONFIG_RULES` (no
registration on import) and run after the typed validation by whoever loads the config — with the standard's
rules after them (:data:`components.stack_config.RULES`). To add a rule: write the function here and list it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from components.config.alerts import alert_webhook_values, cloudflare_alert_problems
from components.config.backups import PITR_PLAN_SOURCE
from components.config.base import ConfigError
from components.config.cloudflare import (
    CHALLENGE_ACTIONS,
    CLOUDFLARE_PLANS,
    HOSTING_CAS,
    KNOWN_CAS,
    CloudflareConfig,
    plan_rate_limit_problems,
)
from components.config.rum_checks import rum_matches_stack
from components.config.stack import StackConfig
from components.config.standard import RateLimit
from components.config.supabase import HIBP_PLAN_SOURCE, SMTP_SOURCE

Problem = tuple[str, str]
"""(config key such as ``webstack:cloudflare.caa``, what is wrong and what to do)."""
Rule = Callable[[StackConfig], list[Problem]]


def check_rules(cfg: StackConfig, rules: Iterable[Rule]) -> StackConfig:
    """Run every rule; raise one ConfigError with all their problems (in rule order), else return ``cfg``."""
    problems: list[Problem] = []
    for rule in rules:
        problems += rule(cfg)
    if problems:
        raise ConfigError(problems)
    return cfg


def hosting_matches_domain(cfg: StackConfig) -> list[Problem]:
    """Origin hostnames (nginx, Cloudflare origin certificate) lie inside the site's zone."""
    problems = []
    if cfg.hosting.nginx is not None:
        for host in cfg.hosting.nginx.origin_hostnames:
            if not _in_zone(host, cfg.domain):
                problems.append(("webstack:hosting.nginx.originHostnames", f"{host!r} is not in {cfg.domain!r}"))
    for host in cfg.cloudflare.origin_hostnames:
        if not _in_zone(host, cfg.domain):
            problems.append(("webstack:cloudflare.originHostnames", f"{host!r} is not in {cfg.domain!r}"))
    return problems


def origin_tls_matches_strict_ssl(cfg: StackConfig) -> list[Problem]:
    """Cloudflare's SSL mode is always strict: a plain-HTTP origin would answer every request with error 526.

    Non-production stacks may still serve plain HTTP (a staging origin reached through a tunnel, a local test).
    """
    nginx = cfg.hosting.nginx
    if cfg.is_prod and cfg.hosting.provider == "nginx" and nginx is not None and not nginx.origin_tls:
        return [("webstack:hosting.nginx.originTls", "must be true on production: the Cloudflare zone uses SSL mode "
                 "strict, which needs a valid certificate at the origin (webstack issues a Cloudflare Origin CA "
                 "certificate)")]
    return []


def _in_zone(name: str, zone: str) -> bool:
    return name == zone or name.endswith("." + zone)


def cloudflare_matches_stack(cfg: StackConfig) -> list[Problem]:
    """Cloudflare settings that depend on the domain, the hosting option or the rate limits."""
    return [(f"webstack:{path}" if path.startswith("rateLimits") else f"webstack:cloudflare.{path}", message)
            for path, message in edge_problems(cfg.cloudflare, domain=cfg.domain, provider=cfg.hosting.provider,
                                               rate_limits=cfg.rate_limits)]


def edge_problems(cf: CloudflareConfig, *, domain: str, provider: str, rate_limits: Sequence[RateLimit]
                  ) -> list[Problem]:
    """The Cloudflare rules that need the rest of the site, as (path, message): paths relative to the Cloudflare
    settings (``extraRecords[0].name``, ``caa``), except ``rateLimits[i]…``. The stack config (above) and the
    CloudflareEdge component (on its intent Args) both run them, each naming its own keys."""
    problems: list[Problem] = []
    web_names = {domain, f"www.{domain}"}
    for i, rec in enumerate(cf.extra_records):
        where = f"extraRecords[{i}]"
        if not _in_zone(rec.name.removeprefix("*."), domain):
            problems.append((f"{where}.name", f"{rec.name!r} is outside the zone {domain!r}"))
        if rec.name in web_names and rec.type in ("A", "AAAA", "CNAME"):
            problems.append((f"{where}.name", f"{rec.name!r} is the site's own hostname; its {rec.type} records "
                             "come from the hosting option — remove this record"))
    if provider == "nginx" and cf.proxied is False:
        problems.append(("proxied", "must be true for nginx hosting: the origin presents a Cloudflare Origin "
                         "CA certificate that only Cloudflare trusts, and DNS-only records expose the origin IP"))
    needed = HOSTING_CAS.get(provider)
    if needed and needed not in cf.caa:
        problems.append(("caa", f"{provider} issues certificates from {KNOWN_CAS[needed]}: add "
                         f"{needed!r} or renewals on {provider} fail"))
    if cf.healthcheck.notification_email and not cf.account_id:
        problems.append(("accountId", "required when healthcheck.notificationEmail is set: Cloudflare "
                         "notification policies belong to an account"))
    for i, limit in enumerate(rate_limits):
        if limit.action in CHALLENGE_ACTIONS and limit.mitigation_timeout != 0:
            problems.append((f"rateLimits[{i}].mitigationTimeout", f"must be 0 with action "
                             f"{limit.action!r}: Cloudflare applies challenges per request, without a timeout"))
    return problems


def supabase_auth_matches_environment(cfg: StackConfig) -> list[Problem]:
    """Production stacks redirect only to https:// URLs, and rate-limit anonymous sign-ins explicitly."""
    problems = []
    if cfg.is_prod:
        for i, url in enumerate(cfg.supabase.auth.extra_redirect_urls):
            if not url.startswith("https://"):
                problems.append((f"webstack:supabase.auth.extraRedirectUrls[{i}]",
                                 f"{url!r}: production stacks redirect only to https:// URLs"))
        if cfg.supabase.auth.anonymous_sign_ins and cfg.supabase.auth.rate_limits.anonymous_users is None:
            problems.append(("webstack:supabase.auth.rateLimits.anonymousUsers",
                             "anonymous sign-ins on production need an explicit rate limit"))
    return problems


def cloudflare_plan_limits(cfg: StackConfig) -> list[Problem]:
    """What the zone's Cloudflare plan cannot do, with the documented limit (see CLOUDFLARE_PLANS for sources)."""
    cf = cfg.cloudflare
    if cf.plan is None:
        return []
    problems = [(f"webstack:{path}", msg) for path, msg in plan_rate_limit_problems(cf.plan, cfg.rate_limits)]
    plan = CLOUDFLARE_PLANS[cf.plan]
    if plan.health_checks == 0 and "enabled" in cf.healthcheck.model_fields_set and cf.healthcheck.enabled:
        problems.append(("webstack:cloudflare.healthcheck.enabled", f"the Cloudflare {plan.name} plan has no health "
                         "checks (developers.cloudflare.com/health-checks/ — Availability: Free 0, Pro 10): set "
                         "false, or monitor the site from outside Cloudflare"))
    return problems


def supabase_plan_and_smtp(cfg: StackConfig) -> list[Problem]:
    """Paid-plan features on the free plan; SMTP needs its secret password; the email rate limit needs SMTP."""
    problems = []
    auth = cfg.supabase.auth
    if (cfg.supabase.plan == "free" and "leaked_password_protection" in auth.model_fields_set
            and auth.leaked_password_protection):
        problems.append(("webstack:supabase.auth.leakedPasswordProtection",
                         f"not available on the Supabase free plan ({HIBP_PLAN_SOURCE}): set false, "
                         "or set webstack:supabase.plan to the organisation's paid plan"))
    backups = cfg.supabase.backups
    if cfg.supabase.plan == "free" and backups is not None and backups.pitr.enabled:
        problems.append(("webstack:supabase.backups.pitr.enabled",
                         f"not available on the Supabase free plan ({PITR_PLAN_SOURCE}): set "
                         "webstack:supabase.plan to the organisation's paid plan, or enabled: false with a waiver"))
    if auth.smtp is not None and cfg.supabase_smtp_password is None:
        problems.append(("webstack:supabaseSmtpPassword", "required with webstack:supabase.auth.smtp: set it "
                         "with `pulumi config set --secret webstack:supabaseSmtpPassword <password>`"))
    if auth.smtp is None and auth.rate_limits.email_sent is not None:
        problems.append(("webstack:supabase.auth.rateLimits.emailSent", "needs custom SMTP: Supabase only "
                         f"accepts a changed email rate limit with webstack:supabase.auth.smtp ({SMTP_SOURCE})"))
    return problems


def alerts_match_stack(cfg: StackConfig) -> list[Problem]:
    """`webstack:alerts` against the Cloudflare account and plan, and its webhook names against the secret values
    (components/config/alerts.py); nothing of the secret value is named."""
    from components.config.stack import secret_value

    alerts = cfg.alerts
    if alerts is None:
        if cfg.alert_webhooks is not None:
            return [("webstack:alertWebhooks", "set without webstack:alerts.webhooks: list the destination names "
                     "there, or remove the key")]
        return []
    problems = [(f"webstack:{path}", message) for path, message in cloudflare_alert_problems(
        alerts, plan=cfg.cloudflare.plan, account_id=cfg.cloudflare.account_id,
        health_explicit="health" in alerts.model_fields_set)]
    if alerts.webhooks and cfg.alert_webhooks is None:
        names = ", ".join(alerts.webhooks)
        problems.append(("webstack:alertWebhooks", f"required for webstack:alerts.webhooks ({names}): "
                         'a JSON object {"<name>": {"url": "https://…", "secret": "…"}}, set with '
                         "`pulumi config set --secret`"))
    elif cfg.alert_webhooks is not None:
        if not alerts.webhooks:
            problems.append(("webstack:alertWebhooks", "set without webstack:alerts.webhooks: list the destination "
                             "names there, or remove the key"))
        else:
            try:
                alert_webhook_values(list(alerts.webhooks), secret_value(cfg.alert_webhooks))
            except ConfigError as exc:
                problems += exc.problems
    return problems


CONFIG_RULES: tuple[Rule, ...] = (
    hosting_matches_domain,
    origin_tls_matches_strict_ssl,
    cloudflare_matches_stack,
    cloudflare_plan_limits,
    supabase_auth_matches_environment,
    supabase_plan_and_smtp,
    rum_matches_stack,
    alerts_match_stack,
)
"""The config's own cross-section rules, in the order their problems are reported."""
