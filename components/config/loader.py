"""Read the `webstack:` namespace of Pulumi stack config into a typed :class:`StackConfig`, or fail with every problem.

Runs before any resource is registered. Structured keys arrive from Pulumi as JSON strings; secret keys are read
as plain values only to validate them and never appear in an error. This is the typed validation of each section;
the cross-section rules run after it (:func:`components.stack_config.load_stack_config` does both).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from components.config.base import ConfigError, describe_value
from components.config.stack import SECRET_KEYS, StackConfig

NAMESPACE = "webstack"
STRUCTURED_KEYS = {"hosting", "cloudflare", "supabase", "headers", "rateLimits", "env", "secretEnv", "performance",
                   "alerts", "protection"}

MAX_TEXT = 2048
"""Longest plain string value anywhere in the config (a build command, a header value, a hostname…)."""
MAX_SECRET_TEXT = 65536
"""Longest secret string (keys, tokens, DSNs, a JSON object of function secrets)."""
MAX_KEY = 256
"""Longest mapping key inside a structured value."""
MAX_ITEMS = 200
"""Most entries in one list or mapping (10,000 CAA entries are a mistake, not a zone)."""
MAX_PROBLEMS = 25
"""Most problems listed in one error; the rest are counted."""


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
    unknown = 0
    for full_key, value in raw.items():
        namespace, _, key = full_key.partition(":")
        if namespace != NAMESPACE or not key:
            continue
        if key not in known:
            unknown += 1
            problems.append((f"{NAMESPACE}:{key[:80]}", "unknown key (check the spelling; see docs/config.md)"))
            continue
        is_secret = full_key in secret_keys or key in SECRET_KEYS
        if is_secret:
            secret_short.add(key)
        if key in STRUCTURED_KEYS and isinstance(value, str):
            try:
                value = json.loads(value)
            except (json.JSONDecodeError, RecursionError):
                problems.append((full_key, "must be a structured object (YAML mapping/list), got a plain string"))
                continue
        shape = _shape_problems(full_key, value, secret=is_secret)
        if shape:
            problems.extend(shape)
            continue
        data[key] = value
    if unknown:
        problems.insert(0, (NAMESPACE, f"{unknown} unknown key(s) below; the known keys are: "
                                       f"{', '.join(sorted(known))}"))
    if problems:
        raise ConfigError(_bounded(problems))
    try:
        return StackConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_bounded(_explain(exc, secret_short | set(SECRET_KEYS), data))) from None


def _bounded(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """At most MAX_PROBLEMS problems, each cut to a readable length, then a count of the rest."""
    shown = [(key[:200], msg if len(msg) <= 600 else msg[:599] + "…") for key, msg in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        shown.append((NAMESPACE, f"… and {len(problems) - MAX_PROBLEMS} more problem(s)"))
    return shown


def _shape_problems(full_key: str, value: Any, *, secret: bool) -> list[tuple[str, str]]:
    """Bounds and duplicates, checked on the raw value before validation (so hostile sizes cost nothing later):
    string length (the limit is in the message), list/mapping size, duplicate list entries, nesting depth.
    Inside a secret key, nothing of the value (map keys included) is named."""
    problems: list[tuple[str, str]] = []
    text_limit = MAX_SECRET_TEXT if secret else MAX_TEXT

    def where(path: str) -> str:
        return full_key if secret else full_key + path

    def walk(v: Any, path: str, depth: int) -> None:
        if depth > 16:
            problems.append((where(path), "nested too deeply (at most 16 levels)"))
            return
        if isinstance(v, str):
            if len(v) > text_limit:
                problems.append((where(path), f"is {len(v)} characters long; at most {text_limit} are allowed"))
        elif isinstance(v, list):
            if len(v) > MAX_ITEMS:
                problems.append((where(path), f"has {len(v)} entries; at most {MAX_ITEMS} are allowed"))
                return
            seen: dict[str, int] = {}
            for i, item in enumerate(v):
                try:
                    canonical = json.dumps(item, sort_keys=True)
                except (TypeError, ValueError, RecursionError):
                    canonical = repr(item)
                if canonical in seen:
                    shown = "" if secret else f" ({canonical[:60]})"
                    problems.append((where(f"{path}[{i}]"),
                                     f"duplicates entry [{seen[canonical]}]{shown}; list each value once"))
                else:
                    seen[canonical] = i
                walk(item, f"{path}[{i}]", depth + 1)
        elif isinstance(v, dict):
            if len(v) > MAX_ITEMS:
                problems.append((where(path), f"has {len(v)} keys; at most {MAX_ITEMS} are allowed"))
                return
            for k, item in v.items():
                name = str(k)
                if len(name) > MAX_KEY:
                    problems.append((where(path), f"has a key of {len(name)} characters; at most {MAX_KEY}"))
                    continue
                walk(item, f"{path}.{name}", depth + 1)

    walk(value, "", 0)
    return problems


def _secret_fragments(value: Any) -> set[str]:
    """Map keys and strings inside a secret value: none of them may appear in an error."""
    found: set[str] = set()
    if isinstance(value, str):
        found.add(value)
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            return found
    if isinstance(value, dict):
        for k, v in value.items():
            found.add(str(k))
            found |= _secret_fragments(v) if not isinstance(v, str) else {v}
    elif isinstance(value, list):
        for v in value:
            found |= _secret_fragments(v)
    return {f for f in found if f}


def _explain(exc: ValidationError, secret_keys: set[str], data: Mapping[str, Any] | None = None
             ) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    fragments: set[str] = set()
    for key in secret_keys:
        if data is not None and key in data:
            fragments |= _secret_fragments(data[key])
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"]]
        secret = bool(loc) and loc[0] in secret_keys
        # Inside a secret key the path stops at the key: map keys of a secret object are secret too.
        key = _format_loc(loc[:1] if secret else loc)
        msg = err["msg"]
        if secret:
            for fragment in sorted(fragments, key=len, reverse=True):
                if len(fragment) >= 2:
                    msg = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(fragment)}(?![A-Za-z0-9_])", "[secret]", msg)
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
