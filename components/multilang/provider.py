"""The provider that hosts webstack's components for every Pulumi language.

Pulumi's ``ComponentProvider`` infers the schema from the Args TypedDicts and output annotations, then maps
camelCase inputs to Python names on ``construct``. This subclass adds two things the package needs:
inputs are checked against the schema first (:mod:`components.multilang.inputs`), so a YAML author's mistake is
reported as an ``InputPropertiesError`` naming each input rather than a traceback from inside a component;
integers that crossed the wire as doubles become ``int`` again wherever the schema says integer; and a component
module that postpones annotations is rejected with a message that says which file and why.
"""

import json
import sys
from typing import Any

import pulumi
from pulumi.errors import InputPropertiesError, InputPropertyErrorDetails
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.provider import ConstructResult

from components.intent import IntentError
from components.multilang import PACKAGE_NAME, PACKAGE_VERSION, public_components
from components.multilang.inputs import check_inputs, coerce_integers, describe


class PostponedAnnotationsError(TypeError):
    """A component's annotations are strings, which the schema analyzer cannot read."""


def check_annotations(component: type[pulumi.ComponentResource]) -> None:
    """Fail clearly when ``component`` (or its args) carries string annotations.

    The analyzer reads annotations at run time; ``from __future__ import annotations`` turns them all into strings
    and the analyzer then fails with an unrelated ``AttributeError`` deep inside the SDK.
    """
    init_args = getattr(component.__init__, "__annotations__", {}).get("args")
    outputs = getattr(component, "__annotations__", {})
    if isinstance(init_args, str) or any(isinstance(v, str) for v in outputs.values()):
        module = sys.modules.get(component.__module__)
        where = getattr(module, "__file__", component.__module__)
        raise PostponedAnnotationsError(
            f"{component.__name__} ({where}): its annotations are strings, so the component package schema cannot "
            "be inferred. Remove `from __future__ import annotations` from that module (Python 3.11 evaluates "
            "`X | None` and `list[str]` natively).")


class WebstackProvider(ComponentProvider):
    """``ComponentProvider`` for the webstack package, with schema-checked inputs."""

    def __init__(self, components: list[type[pulumi.ComponentResource]] | None = None,
                 version: str = PACKAGE_VERSION) -> None:
        chosen = public_components() if components is None else components
        for component in chosen:
            check_annotations(component)
        super().__init__(chosen, PACKAGE_NAME, version=version)
        assert self.schema is not None
        self.schema_doc: dict[str, Any] = json.loads(self.schema)

    def construct(self, name: str, resource_type: str, inputs: Any,
                  options: pulumi.ResourceOptions | None = None) -> ConstructResult:
        errors = check_inputs(self.schema_doc, resource_type, inputs)
        if errors:
            raise InputPropertiesError(describe(resource_type, name, errors), errors)
        try:
            return super().construct(name, resource_type, coerce_integers(self.schema_doc, resource_type, inputs),
                                     options)
        except Exception as exc:
            # A component's own checks of its intent, named per input like the above. The SDK wraps what a
            # component raises in a ComponentInitError that keeps it as `inner`.
            inner = getattr(exc, "inner", exc)
            if not isinstance(inner, IntentError):
                raise
            details: list[InputPropertyErrorDetails] = [{"property_path": path, "reason": reason}
                                                        for path, reason in inner.problems]
            raise InputPropertiesError(str(inner), details) from None


def schema_document(components: list[type[pulumi.ComponentResource]] | None = None) -> dict[str, Any]:
    """The package schema (offline: analysing the classes registers nothing)."""
    return WebstackProvider(components).schema_doc
