"""Helpers for the hosting tests: the prod example config with overrides, fake Supabase keys, record lookups."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.config import SECURE_PLACEHOLDER, ConfigError, StackConfig
from components.stack_config import load_stack_config
from stackcheck.model import PreviewResult, ResourceRecord

REPO = Path(__file__).resolve().parents[2]
PROD = yaml.safe_load((REPO / "Pulumi.prod.yaml").read_text())["config"]
NETLIFY = yaml.safe_load((REPO / "Pulumi.netlify.yaml").read_text())["config"]

ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
PROJECT = "vercel:index/project:Project"
DOMAIN = "vercel:index/projectDomain:ProjectDomain"
ROUTE = "vercel:index/projectRoute:ProjectRoute"
DEPLOYMENT = "vercel:index/deployment:Deployment"


def fake_jwt(role: str, marker: str = "m") -> str:
    """A JWT-shaped Supabase key with the given role claim (unsigned: only its shape matters here)."""

    def b64(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64({'iss': 'supabase', 'ref': marker, 'role': role})}.sig{marker}"


def load(overrides: dict[str, Any] | None = None, *, base: dict[str, Any] | None = None,
         anon_key: str | None = None, secret_env: dict[str, str] | None = None) -> StackConfig:
    """Load the example config (prod by default) with whole top-level keys replaced, as the loader sees it."""
    merged = {**(PROD if base is None else base), **(overrides or {})}
    raw: dict[str, Any] = {}
    for key, value in merged.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            value = SECURE_PLACEHOLDER
        raw[key] = json.dumps(value) if isinstance(value, dict | list) else value
    if anon_key is not None:
        raw["webstack:supabaseAnonKey"] = anon_key
    if secret_env is not None:
        raw["webstack:secretEnv"] = json.dumps(secret_env)
    return load_stack_config(raw, project="webstack", stack="prod")


def problems_of(overrides: dict[str, Any] | None = None, **kw: Any) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as info:
        load(overrides, **kw)
    return info.value.problems


def with_env(env: dict[str, Any]) -> dict[str, Any]:
    return {"webstack:env": env}


def with_vercel(**settings: Any) -> dict[str, Any]:
    hosting = json.loads(json.dumps(PROD["webstack:hosting"]))
    hosting["vercel"].update(settings)
    return {"webstack:hosting": hosting}


def of_type(result: PreviewResult, type_: str) -> list[ResourceRecord]:
    return [r for r in result.resources if r.type == type_]


def by_name(records: list[ResourceRecord]) -> dict[str, ResourceRecord]:
    return {r.name: r for r in records}


def preview(project: Path, stack: str, **kwargs: Any) -> tuple[PreviewResult, dict[str, str]]:
    """One offline preview; returns (result, rendered files by path: the stack output ``files``)."""
    from stackcheck.engine import run_program
    from tests.conftest import files_output

    result, _ = run_program(project, stack, **kwargs)
    return result, files_output(result)


def _accepted_header_value(value: str) -> bool:
    from components.standard.model import check_header

    try:
        check_header("X-Test", value)
    except ValueError:
        return False
    return True


def accepted_header_values():  # type: ignore[no-untyped-def]
    """Any header value the standard accepts (its check_header is the contract every renderer relies on)."""
    from hypothesis import strategies as st

    printable = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
    return st.text(alphabet=printable, min_size=1, max_size=200).filter(_accepted_header_value)
