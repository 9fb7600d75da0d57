"""`webstack:env` and `webstack:secretEnv` — the app's build environment, written like the runbook's `.env` block.

`webstack:env` holds plain values (NODE_ENV, VITE_* feature flags, extras). `VITE_SUPABASE_URL` is derived from
`webstack:supabase` (set it here only to override, e.g. a custom Supabase domain) and `VITE_SUPABASE_ANON_KEY` always
comes from the secret `webstack:supabaseAnonKey`. Server/build-side secrets (a Sentry auth token for source-map
upload, …) go in `webstack:secretEnv`, set per variable with
``pulumi config set --secret --path 'webstack:secretEnv.NAME' VALUE``.

Only names are validated here. Values are checked by the env rules (:mod:`components.standard.env`), which report
problems without repeating the value: a plain `webstack:env` value may be a secret pasted in by mistake.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, RootModel

from components.config.base import CONTROL_CHARS

_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _env_name(name: str) -> str:
    if CONTROL_CHARS.search(name) or not name or len(name) > 128 or not name[0].isalpha() or not name.isupper() \
            or not set(name) <= _NAME_CHARS:
        raise ValueError("variable names must be UPPER_SNAKE_CASE (A-Z, 0-9, _), starting with a letter")
    return name


EnvName = Annotated[str, AfterValidator(_env_name)]
"""An environment variable name: UPPER_SNAKE_CASE."""


def _stringify(value: object) -> object:
    """YAML turns `true` and `3` into bool/int; environment variables are strings."""
    if isinstance(value, dict):
        return {k: ("true" if v is True else "false" if v is False else str(v) if isinstance(v, int | float) else v)
                for k, v in value.items()}
    return value


EnvMap = Annotated[dict[EnvName, str], BeforeValidator(_stringify)]


class EnvConfig(RootModel[EnvMap]):
    root: EnvMap
