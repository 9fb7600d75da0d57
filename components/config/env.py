"""`webstack:env` — the build/runtime environment of the runbook (NODE_ENV, VITE_* feature flags, extras).

The map is written like the runbook's `.env` block. `VITE_SUPABASE_URL` is derived from `webstack:supabase` and
`VITE_SUPABASE_ANON_KEY` comes from the secret `webstack:supabaseAnonKey`; set them here only to override.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, RootModel

from components.config.base import _safe_text

_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,127}$")


def _env_map(value: dict[str, str]) -> dict[str, str]:
    for name, val in value.items():
        if not _NAME.match(name):
            raise ValueError(f"variable name {name!r} must be UPPER_SNAKE_CASE (A-Z, 0-9, _)")
        _safe_text(val)
    return value


def _stringify(value: object) -> object:
    """YAML turns `true` and `3` into bool/int; environment variables are strings."""
    if isinstance(value, dict):
        return {k: ("true" if v is True else "false" if v is False else str(v) if isinstance(v, int | float) else v)
                for k, v in value.items()}
    return value


EnvMap = Annotated[dict[str, str], BeforeValidator(_stringify), AfterValidator(_env_map)]


class EnvConfig(RootModel[EnvMap]):
    root: EnvMap
