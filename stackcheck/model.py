"""What one offline (or real) preview produced: the contract between the runner, the policy runner and reporters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ResourceRecord:
    """One registered resource, as the engine would see it.

    ``inputs``/``outputs`` are in Pulumi's wire form (see :mod:`stackcheck.wire`): secrets keep their marker,
    unknowns are the unknown sentinel. Never print them without :func:`stackcheck.wire.redact`.
    """

    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None = None
    provider: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    delete_before_replace: bool = False
    import_id: str = ""  # the `import_` resource option: adopt this existing resource instead of creating it
    additional_secret_outputs: list[str] = field(default_factory=list)
    id: str = ""


@dataclass
class Violation:
    policy_pack: str
    policy: str
    enforcement: str  # "advisory" | "mandatory" | "remediate" | "disabled"
    message: str
    urn: str | None = None  # None for stack policies
    description: str = ""
    severity: str = ""
    suppressed: bool = False
    suppression_reason: str = ""


@dataclass
class Diagnostic:
    """A message the program logged (``pulumi.log.info/warn/error``), as the CLI prints under "Diagnostics"."""

    severity: str  # "info" | "warning" | "error"
    message: str
    urn: str | None = None  # None: logged without a resource (the CLI shows it on the Stack)


@dataclass
class PreviewResult:
    project: str
    stack: str
    dry_run: bool
    resources: list[ResourceRecord] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)  # wire form
    artifacts: list[str] = field(default_factory=list)  # paths written under --out
    violations: list[Violation] = field(default_factory=list)
    policy_packs: list[dict[str, Any]] = field(default_factory=list)  # {"name","version","policies":[...]}
    diagnostics: list[Diagnostic] = field(default_factory=list)  # the program's log messages, secrets scrubbed
