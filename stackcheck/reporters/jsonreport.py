"""The `--format json` document (schema in docs/stackcheck.md). Secrets are redacted; nothing prints in clear."""

from __future__ import annotations

import json

from stackcheck.model import PreviewResult
from stackcheck.wire import redact

SCHEMA_VERSION = 1


def as_document(result: PreviewResult) -> dict[str, object]:
    return {
        "schemaVersion": SCHEMA_VERSION,
        "project": result.project,
        "stack": result.stack,
        "preview": result.dry_run,
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "parent": r.parent,
                "custom": r.custom,
                "provider": r.provider or None,
                "id": r.id or None,
                "dependencies": r.dependencies,
                "propertyDependencies": r.property_dependencies,
                "inputs": redact(r.inputs),
                "outputs": redact(r.outputs),
            }
            for r in result.resources
        ],
        "outputs": redact(result.outputs),
        "artifacts": result.artifacts,
        "policyPacks": result.policy_packs,
        "violations": [dict(vars(v)) for v in result.violations],  # flat dataclasses: asdict's deep copy is 20x
        "diagnostics": [dict(vars(d)) for d in result.diagnostics],
    }


def render_json(result: PreviewResult) -> str:
    return json.dumps(as_document(result), indent=2) + "\n"
