"""Supabase database backups as a Pulumi dynamic resource: the Point-in-Time Recovery add-on (or a documented
waiver), the daily backup time, and a read-only output naming the recovery window.

Management API (vendored OpenAPI document, tests/fixtures/supabase/):
- ``GET/PATCH /v1/projects/{ref}/billing/addons`` — PITR is the add-on ``type: pitr`` with the variant
  ``pitr_7`` / ``pitr_14`` / ``pitr_28`` (days of WAL kept);
- ``GET/PATCH /v1/projects/{ref}/database/backups/schedule`` — ``schedule_for`` ``HH:MM:SS`` UTC;
- ``GET /v1/projects/{ref}/database/backups`` — ``pitr_enabled``, the backups and ``physical_backup_data``
  (earliest/latest physical backup), from which the recovery window is stated.

Registers as ``pulumi-python:dynamic/supabase:DatabaseBackups`` so the pack can require PITR (or a waiver with
its reason) on production. Deleting the resource leaves the add-on in place (removing it would end the ability
to recover; do that in the dashboard if intended).
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    UpdateResult,
)

from components.config.backups import PITR_PLAN_SOURCE
from components.supabase.management import ManagementApiError, ManagementClient
from components.supabase.provider import _ManagementProvider, _say, _secret_opts

PITR_RETENTION_DAYS = (7, 14, 28)
PAID_PLANS = ("pro", "team", "enterprise")
_TIME = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\Z")


def pitr_variant(retention_days: int) -> str:
    return f"pitr_{retention_days}"


def selected_pitr_days(addons: dict[str, Any]) -> int | None:
    """Days of PITR the project has now (None: no PITR add-on)."""
    for addon in addons.get("selected_addons") or []:
        if addon.get("type") == "pitr":
            variant = str((addon.get("variant") or {}).get("id") or "")
            match = re.fullmatch(r"pitr_(\d+)", variant)
            return int(match.group(1)) if match else None
    return None


def _iso(unix: Any) -> str | None:
    if not isinstance(unix, int | float) or isinstance(unix, bool) or unix <= 0:
        return None
    return _dt.datetime.fromtimestamp(unix, tz=_dt.UTC).isoformat().replace("+00:00", "Z")


def recovery_window(backups: dict[str, Any], pitr_days: int | None) -> dict[str, Any]:
    """The recovery window the backups endpoint shows, as plain data (the resource's ``recovery`` output)."""
    completed = [b for b in backups.get("backups") or [] if b.get("status") == "COMPLETED"]
    times = sorted(str(b.get("inserted_at")) for b in completed if b.get("inserted_at"))
    physical = backups.get("physical_backup_data") or {}
    pitr = bool(backups.get("pitr_enabled"))
    earliest = _iso(physical.get("earliest_physical_backup_date_unix")) if pitr else (times[0] if times else None)
    latest = _iso(physical.get("latest_physical_backup_date_unix")) if pitr else (times[-1] if times else None)
    if pitr:
        summary = (f"point in time: any second from {earliest or 'the first base backup'} to now "
                   f"({pitr_days or '?'} days of WAL)")
    elif times:
        summary = f"daily backups only: {len(times)} restore point(s) from {earliest} to {latest} (up to 24 h lost)"
    else:
        summary = "no completed backup yet: nothing to restore"
    return {"kind": "pitr" if pitr else ("daily" if times else "none"), "pitr_enabled": pitr,
            "walg_enabled": bool(backups.get("walg_enabled")), "region": str(backups.get("region") or ""),
            "earliest": earliest, "latest": latest, "completed_backups": len(completed), "summary": summary}


class DatabaseBackupsProvider(_ManagementProvider):
    """Inputs: ``project_ref``, ``access_token_config`` (the token is read at run time), ``api_base_url``,
    ``plan`` (or None), ``pitr`` =
    ``{"enabled": bool, "retention_days": 7|14|28|None, "waiver": str|None}``, ``schedule_for`` (``HH:MM:SS`` or
    None: unmanaged). Output ``recovery``: see :func:`recovery_window`."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        ref = news.get("project_ref")
        if not isinstance(ref, str) or len(ref) != 20:
            failures.append(CheckFailure("project_ref", "must be the 20-letter project ref"))
        pitr = news.get("pitr")
        if not isinstance(pitr, dict) or not isinstance(pitr.get("enabled"), bool):
            failures.append(CheckFailure("pitr", "must be {enabled: bool, retention_days, waiver}"))
        elif pitr["enabled"]:
            if pitr.get("retention_days") not in PITR_RETENTION_DAYS:
                failures.append(CheckFailure("pitr.retention_days", "must be 7, 14 or 28 (the add-on's variants)"))
            if news.get("plan") == "free":
                failures.append(CheckFailure("pitr.enabled", f"not available on the free plan ({PITR_PLAN_SOURCE})"))
        elif not str(pitr.get("waiver") or "").strip():
            failures.append(CheckFailure("pitr.waiver", "PITR off needs a waiver saying why"))
        schedule = news.get("schedule_for")
        if schedule is not None and not (isinstance(schedule, str) and _TIME.match(schedule)):
            failures.append(CheckFailure("schedule_for", "must be HH:MM:SS (UTC)"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = [k for k in ("pitr", "schedule_for", "plan", "access_token_config", "api_base_url")
                if olds.get(k) != news.get(k)]
        replaces = ["project_ref"] if olds.get("project_ref") != news.get("project_ref") else []
        return DiffResult(changes=bool(keys or replaces), replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        recovery = self._converge(props)
        return CreateResult(f"{props['project_ref']}/backups", outs={**props, "recovery": recovery})

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs={**news, "recovery": self._converge(news)})

    def _converge(self, props: dict[str, Any]) -> dict[str, Any]:
        client, ref = self.client(props), str(props["project_ref"])
        pitr = dict(props.get("pitr") or {})
        current_days = selected_pitr_days(client.list_addons(ref))
        if pitr.get("enabled"):
            days = int(pitr["retention_days"])
            if current_days != days:
                self._apply_pitr(client, ref, days)
        elif current_days is not None:
            _say(f"Supabase backups on {ref}: PITR is waived in the stack but the project has the add-on "
                 f"({pitr_variant(current_days)}); left in place — remove it in the dashboard if intended.")
        schedule = props.get("schedule_for")
        if schedule is not None:
            if client.get_backup_schedule(ref).get("schedule_for") != schedule:
                client.update_backup_schedule(ref, str(schedule))
        return recovery_window(client.list_backups(ref), int(pitr["retention_days"]) if pitr.get("enabled")
                               else current_days)

    @staticmethod
    def _apply_pitr(client: ManagementClient, ref: str, days: int) -> None:
        try:
            client.apply_addon(ref, "pitr", pitr_variant(days))
        except ManagementApiError as failure:
            try:  # the answer may have been lost after the change landed
                landed = selected_pitr_days(client.list_addons(ref)) == days
            except ManagementApiError:
                raise failure from None
            if not landed:
                raise ManagementApiError(failure.setting, f"{failure.api_message} — {PITR_PLAN_SOURCE}",
                                         failure.status) from None
            _say(f"Supabase PITR add-on on {ref}: applied although the API answered with an error "
                 f"({failure.api_message}); recording it as applied.")

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client, ref = self.client(props), str(props["project_ref"])
        days = selected_pitr_days(client.list_addons(ref))
        pitr = dict(props.get("pitr") or {})
        observed = {**pitr, "enabled": days is not None, "retention_days": days}
        if days is None and not pitr.get("enabled"):
            observed = pitr  # waived and absent: as declared
        return ReadResult(id_, outs={**props, "pitr": observed, "recovery": recovery_window(client.list_backups(ref),
                                                                                            days)})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        _say(f"Supabase backups on {props.get('project_ref')}: the PITR add-on and backup schedule were left as "
             "they are (removing PITR ends point-in-time recovery). Change them in the dashboard if intended.")


class DatabaseBackups(pulumi.dynamic.Resource, module="supabase", name="DatabaseBackups"):
    """PITR add-on (or waiver), daily backup time, and the ``recovery`` window output of a Supabase project."""

    recovery: pulumi.Output[dict[str, Any]]
    """Read-only: ``kind`` (pitr/daily/none), ``earliest``/``latest`` restore points, ``summary`` in words."""

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(DatabaseBackupsProvider(), name, {"recovery": None, **props}, _secret_opts(opts))
