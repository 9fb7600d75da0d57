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


def _object(state: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = state.get(key) or {}
    if not isinstance(value, dict):
        raise PreviewJsonError(f"{where}.{key}: expected an object, got {type(value).__name__}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PreviewJsonError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _urns(value: Any, where: str) -> list[str]:
    items = _list(value, where)
    if not all(isinstance(x, str) for x in items):
        raise PreviewJsonError(f"{where}: expected a list of URN strings")
    return items


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
        where = f"steps[{i}].newState"
        parent = state.get("parent") or None
        if parent is not None and not isinstance(parent, str):
            raise PreviewJsonError(f"{where}.parent: expected a URN string")
        records.append(ResourceRecord(
            urn=urn,
            type=str(state.get("type") or _type_of(urn)),
            name=_name_of(urn),
            custom=bool(state.get("custom", True)),
            parent=parent,
            provider=str(state.get("provider") or step.get("provider") or ""),
            inputs=_normalise(_object(state, "inputs", where)),
            outputs=_normalise(_object(state, "outputs", where)),
            dependencies=_urns(state.get("dependencies"), f"{where}.dependencies"),
            property_dependencies={str(k): _urns(v, f"{where}.propertyDependencies.{k}")
                                   for k, v in _object(state, "propertyDependencies", where).items()},
            protect=bool(state.get("protect", False)),
            delete_before_replace=bool(state.get("deleteBeforeReplace", False)),
            additional_secret_outputs=[str(x) for x in _list(state.get("additionalSecretOutputs"),
                                                             f"{where}.additionalSecretOutputs")],
            id=str(state.get("id") or ""),
        ))
    if not stack:
        raise PreviewJsonError("the preview has no steps with a URN")
    return project, stack, records


def load_preview(path: Path) -> tuple[str, str, list[ResourceRecord]]:
    from stackcheck.contract import InputFileError, read_json_file

    try:
        document = read_json_file(Path(path), "--from-preview")
    except InputFileError as exc:
        raise PreviewJsonError(str(exc)) from None
    return parse_preview(document)
