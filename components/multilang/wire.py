"""Python Args → the inputs another Pulumi language sends for them (schema names, numbers as floats, no nulls).

Used to drive the hosted ``construct`` path with exactly what a TypeScript or YAML program would send, and to write
the YAML example from the same values the Python program uses. Free-form maps (headers, SQL files, Supabase
settings) keep their keys; only the fields of the Args TypedDicts are renamed, as the schema analyzer names them.
"""

from collections.abc import Mapping
from typing import Any

from pulumi.provider.experimental.util import camel_case

from components.multilang.inputs import ANY_REF, TYPES_PREFIX


def args_to_wire(schema: Mapping[str, Any], resource_type: str, args: Mapping[str, Any], *,
                 numbers_as_floats: bool = True) -> dict[str, Any]:
    """The inputs for ``resource_type`` as they arrive from another language (for plain, known values).

    Protobuf Struct numbers are doubles, so every int crosses the wire as a float; ``numbers_as_floats=False``
    keeps ints (for writing a YAML program, where ``ttl: 1`` is what a person writes).
    """
    resource = schema["resources"][resource_type]
    return _Converter(schema, numbers_as_floats).object(resource["inputProperties"], args)


class _Converter:
    def __init__(self, schema: Mapping[str, Any], numbers_as_floats: bool) -> None:
        self.schema = schema
        self.floats = numbers_as_floats

    def object(self, props: Mapping[str, Any], value: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for py_name, item in value.items():
            wire_name = camel_case(py_name)
            if wire_name not in props:
                raise KeyError(f"{py_name!r} is not an input in the schema (known: {', '.join(sorted(props))})")
            if item is not None:
                out[wire_name] = self.value(props[wire_name], item)
        return out

    def value(self, spec: Mapping[str, Any], value: Any) -> Any:
        ref = spec.get("$ref")
        if ref == ANY_REF:
            return self.plain(value)
        if isinstance(ref, str) and ref.startswith(TYPES_PREFIX):
            type_def = self.schema["types"][ref[len(TYPES_PREFIX):]]
            if "enum" in type_def:
                return value
            return self.object(type_def["properties"], value)
        kind = spec.get("type")
        if kind == "array":
            return [self.value(spec.get("items", {}), v) for v in value]
        if kind == "object":
            return {k: self.value(spec.get("additionalProperties", {}), v) for k, v in value.items() if v is not None}
        return self.plain(value)

    def plain(self, value: Any) -> Any:
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            return float(value) if self.floats else value
        if isinstance(value, Mapping):
            return {k: self.plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.plain(v) for v in value]
        return value
