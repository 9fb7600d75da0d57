"""Read the JSON of a real ``pulumi preview --json`` into :class:`ResourceRecord`s, so the same pack and
reporters judge previews made by the Pulumi CLI (``stackcheck check --from-preview FILE``).

Fields read (everything else is ignored):

* ``steps[].op`` — steps whose resource will not exist afterwards (``delete``, ``delete-replaced``, ``discard``,
  ``remove-pending-replace``) are skipped;
* ``steps[].newState``: ``urn``, ``type``, ``custom``, ``parent``, ``provider``, ``inputs``, ``outputs``, ``id``,
  ``dependencies``, ``propertyDependencies``, ``protect``, ``deleteBeforeReplace``, ``additionalSecretOutputs``;
  when ``newState`` is absent, ``steps[].urn`` and ``steps[].provider`` with empty inputs.

Project and stack come from the URNs (``urn:pulumi:<stack>::<project>::…``). The CLI prints secrets as
``"[secret]"`` (unless ``--show-secrets``) and computed values as the unknown sentinel or ``output<T>``: both reach
policies as unknown ("can't be known during preview"), and a ``[secret]`` stays marked secret.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from stackcheck.model import ResourceRecord
from stackcheck.wire import UNKNOWN, is_secret, make_secret

GONE_OPS = frozenset({"delete", "delete-replaced", "discard", "remove-pending-replace"})
_DISPLAY_UNKNOWN = re.compile(r"^output<[^>]*>\Z")


class PreviewJsonError(ValueError):
    """The file is not the JSON of `pulumi preview --json`."""


def _normalise(value: Any) -> Any:
    if is_secret(value):
        return value
    if value == "[secret]":
        return make_secret(UNKNOWN)
    if isinstance(value, str) and _DISPLAY_UNKNOWN.match(value):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def _name_of(urn: str) -> str:
    return urn.split("::")[-1]


def _type_of(urn: str) -> str:
    parts = urn.split("::")
    return parts[2].split("$")[-1] if len(parts) >= 4 else ""


def stack_and_project(urn: str) -> tuple[str, str]:
    if not urn.startswith("urn:pulumi:") or urn.count("::") < 3:
        raise PreviewJsonError(f"not a Pulumi URN: {urn[:80]!r}")
    stack, project = urn[len("urn:pulumi:"):].split("::")[:2]
    return stack, project


def parse_preview(document: Any) -> tuple[str, str, list[ResourceRecord]]:
    """(project, stack, records) from a parsed ``pulumi preview --json`` document."""
    if not isinstance(document, dict) or not isinstance(document.get("steps"), list):
        raise PreviewJsonError("expected an object with a 'steps' list (the output of `pulumi preview --json`)")
    records: list[ResourceRecord] = []
    project = stack = ""
    for i, step in enumerate(document["steps"]):
        if not isinstance(step, dict):
            raise PreviewJsonError(f"steps[{i}] is not an object")
        if step.get("op") in GONE_OPS:
            continue
        new_state = step.get("newState")
        state: dict[str, Any] = new_state if isinstance(new_state, dict) else {}
        urn = state.get("urn") or step.get("urn")
        if not isinstance(urn, str):
            raise PreviewJsonError(f"steps[{i}] has no urn")
        stack, project = stack_and_project(urn)
        if _type_of(urn) == "pulumi:pulumi:Stack":
            continue
        records.append(ResourceRecord(
            urn=urn,
            type=str(state.get("type") or _type_of(urn)),
            name=_name_of(urn),
            custom=bool(state.get("custom", True)),
            parent=state.get("parent") or None,
            provider=str(state.get("provider") or step.get("provider") or ""),
            inputs=_normalise(state.get("inputs") or {}),
            outputs=_normalise(state.get("outputs") or {}),
            dependencies=list(state.get("dependencies") or []),
            property_dependencies={k: list(v) for k, v in (state.get("propertyDependencies") or {}).items()},
            protect=bool(state.get("protect", False)),
            delete_before_replace=bool(state.get("deleteBeforeReplace", False)),
            additional_secret_outputs=list(state.get("additionalSecretOutputs") or []),
            id=str(state.get("id") or ""),
        ))
    if not stack:
        raise PreviewJsonError("the preview has no steps with a URN")
    return project, stack, records


def load_preview(path: Path) -> tuple[str, str, list[ResourceRecord]]:
    try:
        document = json.loads(Path(path).read_text())
    except FileNotFoundError as exc:
        raise PreviewJsonError(f"{path}: no such file") from exc
    except json.JSONDecodeError as exc:
        raise PreviewJsonError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    return parse_preview(document)
