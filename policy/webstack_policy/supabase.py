"""Supabase: SSL enforced on the database, auth rate limits set within bounds, RLS on every declared table.

There is no Supabase provider; stacks manage it with Python dynamic resources, which register as
``pulumi-python:dynamic/<module>:<Name>``. Types and field names are configuration, read defensively
(snake_case and camelCase both accepted) so other teams' dynamic providers can be judged too.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from .core import Check, Meta, as_list, as_number, get, is_unknown, resource_policy

SSL_TYPES = ["pulumi-python:dynamic/supabase:SslEnforcement"]
AUTH_TYPES = ["pulumi-python:dynamic/supabase:AuthSettings"]
DB_TYPES = ["pulumi-python:dynamic/supabase:DatabaseSecurity"]
FUNCTION_TYPES = ["pulumi-python:dynamic/supabase:EdgeFunction"]

RATE_LIMIT_BOUNDS: dict[str, dict[str, float]] = {
    "rate_limit_email_sent": {"min": 1, "max": 100},
    "rate_limit_sms_sent": {"min": 1, "max": 100},
    "rate_limit_verify": {"min": 1, "max": 100},
    "rate_limit_token_refresh": {"min": 1, "max": 1800},
    "rate_limit_otp": {"min": 1, "max": 100},
    "rate_limit_anonymous_users": {"min": 1, "max": 100},
}
REQUIRED_RATE_LIMITS = ["rate_limit_email_sent", "rate_limit_verify", "rate_limit_token_refresh", "rate_limit_otp"]


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def _types_config(default: list[str]) -> dict[str, dict[str, Any]]:
    return {"resourceTypes": {"type": "array", "items": {"type": "string"}, "default": default}}


def _path(props: dict[str, Any], dotted: str) -> Any:
    return get(props, *dotted.split("."))


def _ssl(resource_type: str, props: dict[str, Any], check: Check) -> None:
    if resource_type not in check.config["resourceTypes"]:
        return
    for dotted in [str(f) for f in check.config["enforcedFields"]]:
        value = _path(props, dotted)
        if is_unknown(value):
            check.unknown(dotted)
            return
        if value is not None:
            if value is not True:
                check.fail(f"SSL enforcement ({dotted}) is not on: the database accepts unencrypted connections.")
            return
    check.fail("SSL enforcement is not declared (none of the configured enforcedFields is set).")


SSL_ENFORCED = resource_policy(
    Meta(
        name="supabase-ssl-enforced",
        description="The Supabase database refuses connections without TLS.",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        remediation="Enable SSL enforcement (Management API PUT /v1/projects/{ref}/ssl-enforcement, database: true).",
        config={
            **_types_config(SSL_TYPES),
            "enforcedFields": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["enforced", "database", "requestedConfig.database", "requested_config.database"],
                "description": "dotted input paths read in order; the first that is set decides",
            },
        },
        tags=("supabase", "tls"),
    ),
    None,
    _ssl,
    types_config="resourceTypes",  # the rule returns at once for any other type
)


def rate_limits(props: dict[str, Any]) -> dict[str, Any]:
    """``rate_limit_*`` values found at the top level or one level down (e.g. under ``config``)."""
    found: dict[str, Any] = {}
    layers = [props] + [v for v in props.values() if isinstance(v, dict)]
    for layer in layers:
        for key, value in layer.items():
            snake = _snake(key)
            if snake.startswith("rate_limit_") and snake not in found:
                found[snake] = value
    return found


EMAIL_LIMIT = "rate_limit_email_sent"


def has_custom_smtp(props: dict[str, Any]) -> bool:
    """Whether the auth config names a custom SMTP host (top level or one level down, like the rate limits)."""
    layers = [props] + [v for v in props.values() if isinstance(v, dict)]
    return any(_snake(k) == "smtp_host" and v not in (None, "") for layer in layers for k, v in layer.items())


def _rate_limits(resource_type: str, props: dict[str, Any], check: Check) -> None:
    if resource_type not in check.config["resourceTypes"]:
        return
    found = rate_limits(props)
    bounds: dict[str, Any] = check.config["bounds"]
    for key in [str(k) for k in check.config["required"]]:
        if key == EMAIL_LIMIT and key not in found and not has_custom_smtp(props):
            continue  # Supabase accepts this limit only with custom SMTP; its built-in sender has a fixed limit
        if key not in found or found[key] is None:
            check.fail(f"Auth rate limit {key} is not set (the project default applies silently).")
    for key, value in found.items():
        if is_unknown(value):
            check.unknown(key)
            continue
        limit = bounds.get(key)
        number = as_number(value)
        if limit is None or value is None:
            continue
        if number is None:
            check.fail(f"Auth rate limit {key} is not a number.")
        elif number < float(limit.get("min", 0)) or number > float(limit.get("max", float("inf"))):
            check.fail(f"Auth rate limit {key} is outside [{limit.get('min')}, {limit.get('max')}].")


RATE_LIMITS = resource_policy(
    Meta(
        name="supabase-auth-rate-limits",
        description="Supabase Auth rate limits are set and within the organisation's bounds.",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Set the rate_limit_* fields of the auth config (Management API PATCH /v1/projects/{ref}/config/auth) "
            "to values inside the configured bounds (rate_limit_email_sent only with custom SMTP, which Supabase "
            "requires for changing it)."
        ),
        config={
            **_types_config(AUTH_TYPES),
            "required": {"type": "array", "items": {"type": "string"}, "default": REQUIRED_RATE_LIMITS},
            "bounds": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "properties": {"min": {"type": "number"}, "max": {"type": "number"}},
                },
                "default": RATE_LIMIT_BOUNDS,
            },
        },
        tags=("supabase", "rate-limit"),
    ),
    None,
    _rate_limits,
    types_config="resourceTypes",  # the rule returns at once for any other type
)


def _tables(props: dict[str, Any]) -> Any:
    tables = props.get("tables")
    if isinstance(tables, dict):  # {name: {rls_enabled: ...}}
        return [{"name": k, **v} if isinstance(v, dict) else {"name": k, "rls_enabled": v} for k, v in tables.items()]
    return tables


def _rls(resource_type: str, props: dict[str, Any], check: Check) -> None:
    if resource_type not in check.config["resourceTypes"]:
        return
    tables = _tables(props)
    if is_unknown(tables):
        check.unknown("tables")
        return
    for i, table in enumerate(as_list(tables)):
        if is_unknown(table):
            check.unknown(f"tables[{i}]")
            continue
        if not isinstance(table, dict):
            continue
        name = table.get("name")
        label = f"{table.get('schema', 'public')}.{name}" if isinstance(name, str) else f"tables[{i}]"
        rls = table.get("rls_enabled", table.get("rlsEnabled", table.get("rls")))
        if is_unknown(rls):
            check.unknown(f"tables[{i}].rls_enabled")
        elif rls is not True:
            check.fail(f"Row Level Security is not enabled on {label}.")


RLS_ENABLED = resource_policy(
    Meta(
        name="supabase-rls-enabled",
        description="Row Level Security is enabled on every table the stack declares.",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        remediation="ALTER TABLE <schema>.<table> ENABLE ROW LEVEL SECURITY; then add policies for each role.",
        config=_types_config(DB_TYPES),
        url="https://supabase.com/docs/guides/database/database-linter?lint=0013_rls_disabled_in_public",
        tags=("supabase", "database"),
    ),
    None,
    _rls,
    types_config="resourceTypes",  # the rule returns at once for any other type
)

def _verify_jwt(resource_type: str, props: dict[str, Any], check: Check) -> None:
    if resource_type not in check.config["resourceTypes"]:
        return
    verify = props.get("verify_jwt", props.get("verifyJwt"))
    if is_unknown(verify):
        check.unknown("verify_jwt")
        return
    if verify is not False:  # absent: the deploy endpoint's default is to verify
        return
    waiver = props.get("verify_jwt_waiver", props.get("verifyJwtWaiver"))
    if is_unknown(waiver):
        check.unknown("verify_jwt_waiver")
    elif not (isinstance(waiver, str) and waiver.strip()):
        slug = props.get("slug") if isinstance(props.get("slug"), str) else "this function"
        check.fail(f"Edge Function {slug} takes requests without a Supabase JWT (verify_jwt false) and no waiver "
                   "says why: anyone who finds the URL can call it.")


VERIFY_JWT = resource_policy(
    Meta(
        name="supabase-functions-verify-jwt",
        description="Edge Functions verify the caller's Supabase JWT, or a waiver says why one does not.",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        remediation="Deploy with verify_jwt true (the default), or keep it off only for an endpoint that "
                    "authenticates its callers itself (a signed webhook) and record why in verify_jwt_waiver "
                    "(webstack:supabase.functions[].verifyJwtWaiver).",
        config=_types_config(FUNCTION_TYPES),
        url="https://supabase.com/docs/guides/functions/auth",
        tags=("supabase", "functions", "authentication"),
    ),
    None,
    _verify_jwt,
    types_config="resourceTypes",  # the rule returns at once for any other type
)

POLICIES = [SSL_ENFORCED, RATE_LIMITS, RLS_ENABLED, VERIFY_JWT]
