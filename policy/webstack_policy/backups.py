"""Supabase backups on production: Point-in-Time Recovery declared, or a documented waiver.

Daily backups alone can lose up to a day of writes; the runbook's backup row asks for point-in-time recovery on
production. Stacks declare it with a Python dynamic resource (webstack's is
``pulumi-python:dynamic/supabase:DatabaseBackups``) whose inputs carry ``pitr = {enabled, retention_days, waiver}``
(camelCase accepted). The pack reads only those inputs; whether the add-on is really on is the provider's job
(the Management API's ``/billing/addons``), not something a preview can see.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from .core import Check, Meta, StackResource, as_number, get, is_unknown, resource_policy, stack_policy

BACKUP_TYPES = ["pulumi-python:dynamic/supabase:DatabaseBackups"]
SUPABASE_TYPE_PREFIXES = ["pulumi-python:dynamic/supabase:"]
PITR_RETENTION_DAYS = 7
WAIVER_MIN_LENGTH = 20


def _first(props: dict[str, Any], *paths: tuple[str, ...]) -> Any:
    for path in paths:
        value = get(props, *path)
        if value is not None:
            return value
    return None


def pitr_fields(props: dict[str, Any]) -> tuple[Any, Any, Any]:
    """(enabled, retention days, waiver) from ``pitr.*`` or top-level ``pitr_enabled``-style inputs."""
    enabled = _first(props, ("pitr", "enabled"), ("pitr_enabled",), ("pitrEnabled",))
    days = _first(props, ("pitr", "retention_days"), ("pitr", "retentionDays"), ("pitr_retention_days",),
                  ("pitrRetentionDays",))
    waiver = _first(props, ("pitr", "waiver"), ("pitr_waiver",), ("pitrWaiver",))
    return enabled, days, waiver


def _pitr_or_waiver(resource_type: str, props: dict[str, Any], check: Check) -> None:
    if resource_type not in check.config["resourceTypes"] or not check.prod:
        return
    enabled, days, waiver = pitr_fields(props)
    if is_unknown(enabled):
        check.unknown("pitr.enabled")
        return
    if enabled is True:
        if is_unknown(days):
            check.unknown("pitr.retention_days")
            return
        minimum = float(check.config["minRetentionDays"])
        number = as_number(days)
        if number is not None and number < minimum:
            check.fail(f"PITR keeps {number:g} day(s) of WAL; production needs at least {minimum:g}.")
        return
    if is_unknown(waiver):
        check.unknown("pitr.waiver")
        return
    reason = waiver.strip() if isinstance(waiver, str) else ""
    if enabled is None and not reason:
        check.fail("Point-in-Time Recovery is not declared (pitr.enabled) and no waiver is given.")
    elif len(reason) < int(check.config["minWaiverLength"]):
        check.fail("PITR is off without a documented waiver: pitr.waiver must say why this project may lose up to "
                   f"a day of writes (at least {int(check.config['minWaiverLength'])} characters).")


PITR_OR_WAIVER = resource_policy(
    Meta(
        name="supabase-pitr-or-waiver",
        description="Production Supabase databases have Point-in-Time Recovery, or a documented waiver.",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Declare the PITR add-on (webstack:supabase.backups.pitr: {enabled: true, retentionDays: 7}; Management "
            "API PATCH /v1/projects/{ref}/billing/addons with addon_type pitr — Pro plan and above, Small compute or "
            "larger), or enabled: false with a waiver giving the reason."
        ),
        config={
            "resourceTypes": {"type": "array", "items": {"type": "string"}, "default": BACKUP_TYPES},
            "minRetentionDays": {"type": "number", "default": PITR_RETENTION_DAYS,
                                 "description": "fewest days of WAL accepted (the add-on offers 7, 14, 28)"},
            "minWaiverLength": {"type": "integer", "default": WAIVER_MIN_LENGTH,
                                "description": "a waiver shorter than this is not a reason"},
        },
        prod=True,
        url="https://supabase.com/docs/guides/platform/backups#point-in-time-recovery",
        tags=("supabase", "backups"),
    ),
    None,
    _pitr_or_waiver,
    types_config="resourceTypes",  # the rule returns at once for any other type
)


def _declared(resources: list[StackResource], check: Check) -> None:
    if not check.prod:
        return
    prefixes = [str(p) for p in check.config["supabaseTypePrefixes"]]
    backup_types = set(map(str, check.config["backupTypes"]))
    supabase = [r for r in resources if any(r.type.startswith(p) for p in prefixes)]
    if supabase and not any(r.type in backup_types for r in resources):
        check.fail(f"The stack manages a Supabase project ({len(supabase)} resource(s)) but declares no backups "
                   "resource: PITR (or its waiver) is not declared as code.", supabase[0].urn)


BACKUPS_DECLARED = stack_policy(
    Meta(
        name="supabase-backups-declared",
        description="A production stack that manages Supabase declares its backups (PITR or a waiver).",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.ADVISORY,
        remediation=(
            "Declare webstack:supabase.backups (a DatabaseBackups resource), or your own dynamic resource listed in "
            "backupTypes, so supabase-pitr-or-waiver can judge it."
        ),
        config={
            "supabaseTypePrefixes": {"type": "array", "items": {"type": "string"}, "default": SUPABASE_TYPE_PREFIXES},
            "backupTypes": {"type": "array", "items": {"type": "string"}, "default": BACKUP_TYPES},
        },
        prod=True,
        tags=("supabase", "backups"),
    ),
    _declared,
)

POLICIES = [PITR_OR_WAIVER, BACKUPS_DECLARED]
