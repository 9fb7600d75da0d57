"""Supabase project settings as Management API bodies, derived from the stack config. Pure: no Pulumi import.

Field names are the API's (``UpdateAuthConfigBody``, ``V1UpdatePostgrestConfigBody``, ``NetworkRestrictionsRequest``)
so the dynamic resources' inputs read like the API documentation and the policy pack can grade them.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from components.config.supabase import PASSWORD_CHARACTER_SETS

if TYPE_CHECKING:
    from components.config.stack import StackConfig
    from components.config.standard import RateLimit

# Supabase's own defaults, used as ceilings: the stack never loosens them, only tightens.
PER_IP_5MIN_CEILINGS = {"verify": 30, "token_refresh": 150, "otp": 30, "web3": 30}
"""Per-IP limits Supabase counts over 5 minutes."""
PER_IP_HOUR_CEILINGS = {"anonymous_users": 30}
PROJECT_HOUR_DEFAULTS = {"email_sent": 30, "sms_sent": 30}
"""Project-wide hourly limits: not per IP, so the edge's per-IP model says nothing about them."""


def _auth_edge_limit(limits: list[RateLimit]) -> RateLimit | None:
    """The strictest stack rate limit on an /auth path (requests per second), if any."""
    auth = [r for r in limits if r.path.startswith("/auth")]
    if not auth:
        return None
    return min(auth, key=lambda r: r.requests_per_period / r.period)


def auth_rate_limits(cfg: StackConfig) -> dict[str, int]:
    """Every ``rate_limit_*`` value: per-IP ones capped by the edge's /auth budget, then explicit overrides.

    The edge (Cloudflare/nginx) lets an IP make ``requestsPerPeriod`` auth requests per ``period`` seconds; Supabase
    Auth must not allow more than that over its own windows, and never more than its own defaults.
    """
    edge = _auth_edge_limit(cfg.rate_limits)
    values: dict[str, int] = {}
    for key, ceiling in PER_IP_5MIN_CEILINGS.items():
        budget = edge.requests_per_period * 300 // edge.period if edge else ceiling
        values[key] = max(1, min(ceiling, budget))
    for key, ceiling in PER_IP_HOUR_CEILINGS.items():
        budget = edge.requests_per_period * 3600 // edge.period if edge else ceiling
        values[key] = max(1, min(ceiling, budget))
    values.update(PROJECT_HOUR_DEFAULTS)
    overrides = cfg.supabase.auth.rate_limits.model_dump(exclude_none=True)
    values.update(overrides)
    if cfg.supabase.auth.smtp is None:
        # Supabase refuses a changed email rate limit without custom SMTP (its built-in sender has a fixed limit).
        values.pop("email_sent", None)
    return {f"rate_limit_{key}": int(value) for key, value in sorted(values.items())}


def leaked_password_protection_left_out(cfg: StackConfig) -> bool:
    """On the free plan the default (on) is left out: the feature is paid (an explicit ``true`` is refused)."""
    auth = cfg.supabase.auth
    return cfg.supabase.plan == "free" and "leaked_password_protection" not in auth.model_fields_set


def plan_warnings(cfg: StackConfig) -> list[str]:
    """What the stack leaves out because of the Supabase plan or missing SMTP (for the component to warn about)."""
    notes = []
    if leaked_password_protection_left_out(cfg):
        notes.append("webstack:supabase.auth.leakedPasswordProtection is left out: leaked-password protection needs "
                     "a paid Supabase plan (webstack:supabase.plan is free)")
    if cfg.supabase.auth.smtp is None:
        notes.append("webstack:supabase.auth.smtp is not set: rate_limit_email_sent is left out (Supabase changes the "
                     "email rate limit only with custom SMTP; its built-in sender is not meant for production)")
    return notes


def smtp_settings(cfg: StackConfig) -> dict[str, Any]:
    """The non-secret ``smtp_*`` fields of the auth body (``smtp_pass`` travels separately, as a secret)."""
    smtp = cfg.supabase.auth.smtp
    if smtp is None:
        return {}
    return {
        "smtp_admin_email": smtp.admin_email,
        "smtp_host": smtp.host,
        "smtp_max_frequency": smtp.max_frequency,
        "smtp_port": str(smtp.port),  # a string in UpdateAuthConfigBody
        "smtp_sender_name": smtp.sender_name,
        "smtp_user": smtp.user,
    }


def site_url(cfg: StackConfig) -> str:
    return f"https://{cfg.canonical_hostname}"


def redirect_allow_list(cfg: StackConfig) -> list[str]:
    """Every site hostname x every configured redirect path, then the explicit extra URLs (deduplicated)."""
    urls = [f"https://{host}{path}" for host in cfg.hostnames for path in cfg.supabase.auth.redirect_paths]
    urls += list(cfg.supabase.auth.extra_redirect_urls)
    return list(dict.fromkeys(urls))


def auth_settings(cfg: StackConfig) -> dict[str, Any]:
    """The ``PATCH /v1/projects/{ref}/config/auth`` body the stack manages (nothing else is touched)."""
    auth = cfg.supabase.auth
    body: dict[str, Any] = {
        "site_url": site_url(cfg),
        "uri_allow_list": ",".join(redirect_allow_list(cfg)),
        "jwt_exp": auth.jwt_expiry,
        "password_min_length": auth.password_min_length,
        "password_required_characters": PASSWORD_CHARACTER_SETS[auth.password_required_characters],
        "mfa_totp_enroll_enabled": auth.mfa_totp,
        "mfa_totp_verify_enabled": auth.mfa_totp,
        "mfa_max_enrolled_factors": auth.mfa_max_enrolled_factors,
        "refresh_token_rotation_enabled": auth.refresh_token_rotation,
        "security_refresh_token_reuse_interval": auth.refresh_token_reuse_interval,
        "disable_signup": not auth.allow_signup,
        "external_anonymous_users_enabled": auth.anonymous_sign_ins,
    }
    if not leaked_password_protection_left_out(cfg):
        body["password_hibp_enabled"] = auth.leaked_password_protection
    body.update(smtp_settings(cfg))
    body.update(auth_rate_limits(cfg))
    return dict(sorted(body.items()))


def postgrest_settings(cfg: StackConfig) -> dict[str, Any]:
    pg = cfg.supabase.postgrest
    return {
        "db_schema": ",".join(pg.schemas),
        "max_rows": pg.max_rows,
        "db_extra_search_path": ",".join(pg.extra_search_path),
    }


def network_restrictions(cfg: StackConfig) -> dict[str, list[str]] | None:
    nr = cfg.supabase.network_restrictions
    if nr is None:
        return None
    v4 = [c for c in nr.allowed_cidrs if ipaddress.ip_network(c).version == 4]
    v6 = [c for c in nr.allowed_cidrs if ipaddress.ip_network(c).version == 6]
    return {"dbAllowedCidrs": sorted(v4), "dbAllowedCidrsV6": sorted(v6)}
