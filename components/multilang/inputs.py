"""Check a component's inputs, as another Pulumi language sends them, against the package schema.

The SDK's own input mapping only reports missing required inputs (and silently truncates 1.5 to an integer, or
hands a string to code that expects a list). A YAML author's typo should instead fail before anything registers,
with every bad input named by its path (``records[0].ttl``, ``hsts.maxAge``) — the same path the engine shows.
Values are never echoed: an input may be a secret sent to the wrong property.
Values that cannot be known yet (outputs of other resources, preview unknowns) are accepted as they are.

Numbers cross the wire as doubles. The SDK's mapping means to turn integer inputs back into ``int`` but keeps the
float (pulumi 3.272: the converted value is overwritten), and never converts list items or map values, so a
component would render ``3.0s`` where Python callers get ``3s``. :func:`coerce_integers` restores them from the
schema.
"""

import difflib
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.errors import InputPropertyErrorDetails
from pulumi.runtime.rpc import UNKNOWN

ANY_REF = "pulumi.json#/Any"
TYPES_PREFIX = "#/types/"


def _kind(value: Any) -> str:
    """A type name a YAML or TypeScript author recognises (never the value itself)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def _unknowable(value: Any) -> bool:
    return isinstance(value, pulumi.Output) or (isinstance(value, str) and value == UNKNOWN)


class _Checker:
    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.types: Mapping[str, Any] = schema.get("types", {})
        self.errors: list[InputPropertyErrorDetails] = []

    def fail(self, path: str, reason: str) -> None:
        self.errors.append({"property_path": path, "reason": reason})

    def properties(self, props: Mapping[str, Any], required: list[str], value: Any, path: str) -> None:
        if not isinstance(value, Mapping):
            self.fail(path, f"expected an object, got {_kind(value)}")
            return
        for name in required:
            if value.get(name) is None:
                self.fail(_join(path, name), "missing required input")
        for name, item in value.items():
            spec = props.get(name)
            if spec is None:
                close = difflib.get_close_matches(str(name), list(props), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else f"; known inputs: {', '.join(sorted(props))}"
                self.fail(_join(path, str(name)), f"unknown input{hint}")
                continue
            self.value(spec, item, _join(path, str(name)))

    def value(self, spec: Mapping[str, Any], value: Any, path: str) -> None:
        if value is None or _unknowable(value):
            return
        ref = spec.get("$ref")
        if ref == ANY_REF:
            return
        if isinstance(ref, str) and ref.startswith(TYPES_PREFIX):
            self.named_type(ref[len(TYPES_PREFIX):], value, path)
            return
        kind = spec.get("type")
        if kind == "string":
            self.expect(isinstance(value, str), "a string", value, path)
        elif kind == "boolean":
            self.expect(isinstance(value, bool), "a boolean (true or false)", value, path)
        elif kind == "number":
            self.expect(isinstance(value, int | float) and not isinstance(value, bool), "a number", value, path)
        elif kind == "integer":
            whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
            self.expect(whole and not isinstance(value, bool), "an integer", value, path)
        elif kind == "array":
            if not isinstance(value, list | tuple):
                self.fail(path, f"expected a list, got {_kind(value)}")
                return
            for i, item in enumerate(value):
                self.value(spec.get("items", {}), item, f"{path}[{i}]")
        elif kind == "object":
            if not isinstance(value, Mapping):
                self.fail(path, f"expected an object, got {_kind(value)}")
                return
            for key, item in value.items():
                self.value(spec.get("additionalProperties", {}), item, _join(path, str(key)))

    def named_type(self, token: str, value: Any, path: str) -> None:
        type_def = self.types.get(token)
        if type_def is None:  # an external package's type: its own provider checks it
            return
        if "enum" in type_def:
            allowed = [entry["value"] for entry in type_def["enum"]]
            if value not in allowed:
                self.fail(path, f"expected one of {', '.join(map(str, allowed))}")
            return
        self.properties(type_def.get("properties", {}), type_def.get("required", []), value, path)

    def expect(self, ok: bool, wanted: str, value: Any, path: str) -> None:
        if not ok:
            self.fail(path, f"expected {wanted}, got {_kind(value)}")


def _to_int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class _IntegerCoercer:
    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.types: Mapping[str, Any] = schema.get("types", {})

    def properties(self, props: Mapping[str, Any], value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        return {k: self.value(props[k], v) if k in props else v for k, v in value.items()}

    def value(self, spec: Mapping[str, Any], value: Any) -> Any:
        if value is None:
            return value
        if isinstance(value, pulumi.Output):
            return value.apply(lambda v: self.value(spec, v)) if self._has_integers(spec) else value
        ref = spec.get("$ref")
        if isinstance(ref, str) and ref.startswith(TYPES_PREFIX):
            type_def = self.types.get(ref[len(TYPES_PREFIX):], {})
            return self.properties(type_def.get("properties", {}), value) if "enum" not in type_def else value
        kind = spec.get("type")
        if kind == "integer":
            return _to_int(value)
        if kind == "array" and isinstance(value, list | tuple):
            return [self.value(spec.get("items", {}), v) for v in value]
        if kind == "object" and isinstance(value, Mapping):
            return {k: self.value(spec.get("additionalProperties", {}), v) for k, v in value.items()}
        return value

    def _has_integers(self, spec: Mapping[str, Any], seen: frozenset[str] = frozenset()) -> bool:
        ref = spec.get("$ref")
        if isinstance(ref, str) and ref.startswith(TYPES_PREFIX):
            token = ref[len(TYPES_PREFIX):]
            if token in seen:
                return False
            props = self.types.get(token, {}).get("properties", {})
            return any(self._has_integers(p, seen | {token}) for p in props.values())
        return spec.get("type") == "integer" or any(
            self._has_integers(spec[k], seen) for k in ("items", "additionalProperties") if k in spec)


def coerce_integers(schema: Mapping[str, Any], resource_type: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """``inputs`` with every integral float in an integer-typed position (however nested) made an ``int``."""
    resource = schema["resources"][resource_type]
    return dict(_IntegerCoercer(schema).properties(resource.get("inputProperties", {}), inputs))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def check_inputs(schema: Mapping[str, Any], resource_type: str, inputs: Any) -> list[InputPropertyErrorDetails]:
    """Every problem with ``inputs`` for ``resource_type`` (empty when they fit the schema), in input order."""
    resource = schema.get("resources", {}).get(resource_type)
    if resource is None:
        known = ", ".join(sorted(schema.get("resources", {})))
        return [{"property_path": "", "reason": f"unknown component type {resource_type}; this package has {known}"}]
    checker = _Checker(schema)
    checker.properties(resource.get("inputProperties", {}), resource.get("requiredInputs", []), inputs, "")
    return checker.errors


def describe(resource_type: str, name: str, errors: list[InputPropertyErrorDetails]) -> str:
    """One message naming every bad input and what to do."""
    lines = [f"{resource_type} '{name}': {len(errors)} invalid input{'s' if len(errors) != 1 else ''}"]
    lines += [f"  - {e['property_path'] or '(inputs)'}: {e['reason']}" for e in errors]
    lines.append("See docs/reference/ for every input's type and default.")
    return "\n".join(lines)
