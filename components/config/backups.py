"""`webstack:supabase.backups` — Point-in-Time Recovery as a declared billing add-on (or a documented waiver) and
the daily backup time, managed through the Management API (:mod:`components.supabase.backups`).

Production stacks are expected to declare one or the other: the pack's `supabase-pitr-or-waiver` is mandatory on
production for a declared backups resource, and `supabase-backups-declared` advises when none is declared.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from components.config.base import SafeText, StrictModel

PITR_PLAN_SOURCE = ("supabase.com/docs/guides/platform/backups#point-in-time-recovery — PITR is an add-on for the "
                    "Pro, Team and Enterprise plans and needs at least the Small compute add-on")
_TIME = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\Z")


def _time_of_day(value: str) -> str:
    if not _TIME.match(value):
        raise ValueError("must be a UTC time of day HH:MM:SS, e.g. 03:30:00")
    return value


class PitrConfig(StrictModel):
    """PITR on (with the days of WAL kept), or off with the reason reviewers accept (`waiver`)."""

    enabled: bool = Field(description="the PITR add-on (Pro plan and above; restore to any second in the window)")
    retention_days: Literal[7, 14, 28] | None = Field(
        None, alias="retentionDays", description="days of WAL kept: the add-on variant pitr_7, pitr_14 or pitr_28 "
        "(default 7 when enabled)")
    waiver: SafeText | None = Field(
        None, min_length=20, max_length=500,
        description="required when enabled is false: why this project may lose up to a day of writes (daily "
        "backups only), e.g. the data is re-creatable; shown to reviewers and checked by the pack")

    @model_validator(mode="after")
    def _consistent(self) -> PitrConfig:
        if self.enabled:
            if self.waiver is not None:
                raise ValueError("waiver only applies when enabled is false: remove it, or set enabled: false")
            if self.retention_days is None:
                object.__setattr__(self, "retention_days", 7)
        else:
            if self.retention_days is not None:
                raise ValueError("retentionDays only applies when enabled is true")
            if self.waiver is None or not self.waiver.strip():
                raise ValueError("enabled: false needs `waiver`: the reason this project may lose up to a day of "
                                 "writes (at least 20 characters)")
        return self


class BackupsConfig(StrictModel):
    pitr: PitrConfig = Field(description="Point-in-Time Recovery, or the waiver")
    schedule_for: Annotated[str, AfterValidator(_time_of_day)] | None = Field(
        None, alias="scheduleFor", description="daily backup time, UTC HH:MM:SS (unset: Supabase's choice, "
        "unmanaged)")
