"""Pulumi policy config files, reconciled against a pack's schemas the way the CLI does, and suppressions.

File format (``pulumi preview --policy-pack-config``)::

    {"all": "mandatory",
     "policy-name": {"enforcementLevel": "advisory", "someKey": 1,
                     "suppressions": [{"urn": "urn:…", "reason": "why", "expires": "2027-01-01"}]}}

Reconciliation: each policy starts from the pack's own enforcement level and its schema defaults, then the pack's
initial config, then ``all``, then the policy's own entry; properties are validated against the policy's schema.
Suppressions are applied here, after the pack ran (the Pulumi CLI does not know them and reports the violations).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stackcheck.model import Violation

LEVELS = ("advisory", "mandatory", "remediate", "disabled")
SUPPRESSIONS_KEY = "suppressions"


class PolicyConfigError(ValueError):
    """The policy config file is unreadable or does not fit the pack (exit code 2)."""


@dataclass
class PolicySettings:
    level: str
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Suppression:
    policy: str
    urn: str
    reason: str
    expires: dt.date | None = None

    def matches(self, violation: Violation) -> bool:
        if violation.policy != self.policy:
            return False
        urn = violation.urn or ""
        return urn == self.urn or fnmatch.fnmatchcase(urn, self.urn)

    def active(self, today: dt.date) -> bool:
        return self.expires is None or today <= self.expires


def load_config_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    from stackcheck.contract import InputFileError, read_json_file

    try:
        data = read_json_file(Path(path), "policy config")
    except InputFileError as exc:
        raise PolicyConfigError(str(exc)) from None
    if not isinstance(data, dict):
        raise PolicyConfigError(f"policy config {path}: expected a JSON object of policy names")
    return data


def _split_entry(name: str, entry: Any) -> tuple[str | None, dict[str, Any]]:
    if isinstance(entry, str):
        if entry not in LEVELS:
            raise PolicyConfigError(f"policy config {name!r}: enforcement level must be one of {', '.join(LEVELS)}")
        return entry, {}
    if isinstance(entry, dict):
        level = entry.get("enforcementLevel")
        if level is not None and level not in LEVELS:
            raise PolicyConfigError(
                f"policy config {name!r}.enforcementLevel: must be one of {', '.join(LEVELS)}"
            )
        return level, {k: v for k, v in entry.items() if k != "enforcementLevel"}
    raise PolicyConfigError(f"policy config {name!r}: expected an enforcement level or an object")


def reconcile(policies: Iterable[Mapping[str, Any]], initial: Mapping[str, Any], file_config: Mapping[str, Any]
              ) -> dict[str, PolicySettings]:
    """``policies``: pack-info dicts ({name, enforcementLevel, configSchema}); returns the config to send."""
    settings: dict[str, PolicySettings] = {}
    schemas: dict[str, dict[str, Any]] = {}
    for policy in policies:
        schema = policy.get("configSchema") or {}
        schemas[policy["name"]] = schema
        defaults = {k: v["default"] for k, v in (schema.get("properties") or {}).items() if "default" in v}
        settings[policy["name"]] = PolicySettings(policy.get("enforcementLevel", "advisory"), defaults)
    layers: list[tuple[str, Any]] = list(initial.items())
    if "all" in file_config:
        level, props = _split_entry("all", file_config["all"])
        if props:
            raise PolicyConfigError("policy config 'all': only an enforcement level may be given")
        for s in settings.values():
            if level is not None:
                s.level = level
    layers += [(k, v) for k, v in file_config.items() if k != "all"]
    for name, entry in layers:
        if name not in settings:
            raise PolicyConfigError(
                f"policy config {name!r}: the pack has no such policy (known: {', '.join(sorted(settings))})"
            )
        level, props = _split_entry(name, entry)
        if level is not None:
            settings[name].level = level
        settings[name].properties.update(props)
    for name, s in settings.items():
        _validate(name, s.properties, schemas[name])
    return settings


def _validate(name: str, properties: dict[str, Any], schema: Mapping[str, Any]) -> None:
    try:
        import jsonschema
    except ImportError:  # runtime-only venv (make preview): suppressions() still checks what matters most
        return

    full = {"type": "object", "properties": schema.get("properties") or {}}
    if schema.get("required"):
        full["required"] = list(schema["required"])
    validator = jsonschema.Draft7Validator(full)
    errors = sorted(validator.iter_errors(properties), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.absolute_path)
        raise PolicyConfigError(f"policy config {name!r}{'.' + where if where else ''}: {first.message}")


def suppressions(settings: Mapping[str, PolicySettings]) -> list[Suppression]:
    out: list[Suppression] = []
    for policy, s in settings.items():
        for i, item in enumerate(s.properties.get(SUPPRESSIONS_KEY) or []):
            where = f"policy config {policy!r}.suppressions[{i}]"
            if not isinstance(item, dict) or not str(item.get("reason", "")).strip():
                raise PolicyConfigError(f"{where}: a suppression needs a non-empty reason")
            if not str(item.get("urn", "")).strip():
                raise PolicyConfigError(f"{where}: a suppression needs the urn (or a glob) it applies to")
            expires = None
            if item.get("expires"):
                try:
                    expires = dt.date.fromisoformat(str(item["expires"]))
                except ValueError as exc:
                    raise PolicyConfigError(f"{where}.expires: expected YYYY-MM-DD") from exc
            out.append(Suppression(policy, str(item["urn"]), str(item["reason"]).strip(), expires))
    return out


def apply_suppressions(violations: list[Violation], rules: list[Suppression], today: dt.date | None = None
                       ) -> list[Violation]:
    """Mark matching violations suppressed (in place); expired suppressions do not apply and are noted."""
    day = today or dt.date.today()
    for v in violations:
        for rule in rules:
            if not rule.matches(v):
                continue
            if rule.active(day):
                v.suppressed = True
                v.suppression_reason = rule.reason
                break
            if "suppression expired" not in v.message:
                v.message += f" (suppression expired {rule.expires.isoformat() if rule.expires else ''})"
    return violations
