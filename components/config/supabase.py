"""`webstack:supabase` — the Supabase project the app talks to, its settings and database security."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from components.config.base import HttpsUrl, StrictModel

_REF = re.compile(r"^[a-z]{20}$")


def _ref(value: str) -> str:
    if not _REF.match(value):
        raise ValueError("must be the 20-letter lower-case Supabase project ref (Project Settings > General)")
    return value


ProjectRef = Annotated[str, AfterValidator(_ref)]


class SupabaseConfig(StrictModel):
    project_ref: ProjectRef = Field(alias="projectRef")
    url: HttpsUrl | None = Field(None, description="defaults to https://<projectRef>.supabase.co")
    manage_settings: bool = Field(
        True, alias="manageSettings", description="manage auth/PostgREST/SSL settings through the Management API"
    )

    @model_validator(mode="after")
    def _default_url(self) -> SupabaseConfig:
        if self.url is None:
            object.__setattr__(self, "url", f"https://{self.project_ref}.supabase.co")
        return self

    @property
    def api_url(self) -> str:
        assert self.url is not None
        return self.url
