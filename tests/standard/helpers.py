"""Build a StackConfig from an example stack file plus overrides, the way the loader sees Pulumi config."""

from __future__ import annotations

import json
from typing import Any

import yaml

from components.config.stack import SECURE_PLACEHOLDER, StackConfig
from components.stack_config import load_stack_config
from tests.conftest import REPO


def stack_raw(stack: str = "prod") -> dict[str, Any]:
    raw = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())["config"]
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            out[key] = SECURE_PLACEHOLDER
        elif isinstance(value, (dict, list)):
            out[key] = json.dumps(value)
        else:
            out[key] = value
    return out


def load(stack: str = "prod", **overrides: Any) -> StackConfig:
    """``overrides`` use short keys (``headers={...}``); structured values are passed as JSON like Pulumi does."""
    raw = stack_raw(stack)
    for key, value in overrides.items():
        full = f"webstack:{key}"
        if value is None:
            raw.pop(full, None)
        else:
            raw[full] = json.dumps(value) if isinstance(value, (dict, list)) else value
    return load_stack_config(raw, project="webstack", stack=stack)
