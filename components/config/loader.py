"""Read the `webstack:` namespace of Pulumi stack config into a typed :class:`StackConfig`, or fail with every problem.

Runs before any resource is registered. Structured keys arrive from Pulumi as JSON strings; secret keys are read
as plain values only to validate them and never appear in an error. This is the typed validation of each section;
the cross-section rules run after it (:func:`components.stack_config.load_stack_config` does both).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from components.config.base import ConfigError, describe_value
from components.config.stack import SECRET_KEYS, StackConfig

NAMESPACE = "webstack"
STRUCTURED_KEYS = {"hosting", "cloudflare", "supabase", "headers", "rateLimits", "env", "secretEnv"}


def _known_keys() -> dict[str, str]:
    """alias -> field name for every top-level key."""
    return {(f.alias or name): name for name, f in StackConfig.model_fields.items() if name not in ("project", "stack")}


def parse_stack_config(
    raw: Mapping[str, Any], *, project: str, stack: str, secret_keys: set[str] | frozenset[str] = frozenset()
) -> StackConfig:
    """The typed config (no cross-section rules). ``raw`` maps full keys (``webstack:domain``) to values (strings,
    or already-decoded objects); ``secret_keys`` are the full keys Pulumi holds as secrets."""
    problems: list[tuple[str, str]] = []
    known = _known_keys()
    data: dict[str, Any] = {"project": project, "stack": stack}
    secret_short: set[str] = set()
    for full_key, value in raw.items():
        namespace, _, key = full_key.partition(":")
        if namespace != NAMESPACE or not key:
            continue
        if key not in known:
            problems.append((full_key, f"unknown key; known keys are: {', '.join(sorted(known))}"))
            continue
        is_secret = full_key in secret_keys or key in SECRET_KEYS
        if is_secret:
            secret_short.add(key)
        if key in STRUCTURED_KEYS and isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                problems.append((full_key, "must be a structured object (YAML mapping/list), got a plain string"))
                continue
        data[key] = value
    if problems:
        raise ConfigError(problems)
    try:
        return StackConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, secret_short | set(SECRET_KEYS))) from None


def _explain(exc: ValidationError, secret_keys: set[str]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"]]
        key = _format_loc(loc)
        secret = bool(loc) and loc[0] in secret_keys
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        if err["type"] == "missing":
            msg = "required key is missing"
            problems.append((key, msg))
            continue
        if err["type"] == "extra_forbidden":
            problems.append((key, "unknown key (check the spelling; see docs/config.md)"))
            continue
        problems.append((key, f"{msg} (got {describe_value(err.get('input'), secret)})"))
    return problems


def _format_loc(loc: list[str]) -> str:
    if not loc:
        return NAMESPACE
    out = f"{NAMESPACE}:{loc[0]}"
    for part in loc[1:]:
        if part.isdigit():
            out += f"[{part}]"
        elif part.startswith("function-after") or part.startswith("function-before"):
            continue
        else:
            out += f".{part}"
    return out


def pulumi_config_values() -> tuple[dict[str, Any], frozenset[str]]:
    """The running Pulumi program's config (full key -> value) and which keys are secret, through the SDK's public
    ``pulumi.runtime`` config API only.

    The language host hands a program its config as ``PULUMI_CONFIG`` (all keys, so unknown ``webstack:`` keys are
    reported) and ``PULUMI_CONFIG_SECRET_KEYS``; a component provider gets it through ``set_all_config``, which
    ``get_config``/``is_config_secret`` read. Works under the CLI, under stackcheck and under mocks.
    """
    from pulumi import runtime

    raw: dict[str, Any] = dict(runtime.get_config_env())
    for key in _known_keys():
        value = runtime.get_config(f"{NAMESPACE}:{key}")
        if value is not None:
            raw[f"{NAMESPACE}:{key}"] = value
    secret_keys = set(runtime.get_config_secret_keys_env()) | {key for key in raw if runtime.is_config_secret(key)}
    return raw, frozenset(secret_keys)
