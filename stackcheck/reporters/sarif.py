"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning (github/codeql-action/upload-sarif).

One run per policy pack; the pack's policies are the run's rules (description, help = remediation steps, default
level from the enforcement level, GitHub's numeric ``security-severity`` from the severity). A result names the
resource by URN as a logical location; code scanning also wants a file, so each result points at the stack's
config file (``Pulumi.<stack>.yaml``), the file a reviewer changes. Suppressed violations carry a SARIF
suppression with the reason. Messages are the pack's (already free of secret values).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from stackcheck.model import PreviewResult, Violation

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"mandatory": "error", "advisory": "warning", "remediate": "note", "disabled": "none"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
INFORMATION_URI = "https://www.pulumi.com/docs/using-pulumi/crossguard/"


def _rule(policy: dict[str, Any]) -> dict[str, Any]:
    name = str(policy["name"])
    description = str(policy.get("description") or name)
    steps = str(policy.get("remediationSteps") or "")
    severity = str(policy.get("severity") or "")
    help_text = steps or description
    rule: dict[str, Any] = {
        "id": name,
        "name": "".join(part.capitalize() for part in name.split("-")),
        "shortDescription": {"text": description},
        "fullDescription": {"text": description},
        "help": {"text": help_text, "markdown": f"**{description}**\n\n{help_text}"},
        "defaultConfiguration": {"level": LEVELS.get(str(policy.get("enforcementLevel")), "warning")},
        "properties": {
            "tags": ["security", "pulumi-policy", *[str(t) for t in policy.get("tags") or []]],
            "enforcementLevel": policy.get("enforcementLevel", ""),
            "severity": severity,
        },
    }
    if severity in SECURITY_SEVERITY:
        rule["properties"]["security-severity"] = SECURITY_SEVERITY[severity]
    if policy.get("url"):
        rule["helpUri"] = str(policy["url"])
    return rule


def _fingerprint(v: Violation) -> str:
    return hashlib.sha256(f"{v.policy}\0{v.urn or ''}\0{v.message}".encode()).hexdigest()


def _result(v: Violation, rule_index: int, artifact: str) -> dict[str, Any]:
    where = f" ({v.urn})" if v.urn else " (stack)"
    result: dict[str, Any] = {
        "ruleId": v.policy,
        "ruleIndex": rule_index,
        "level": LEVELS.get(v.enforcement, "warning"),
        "message": {"text": f"{v.message}{where}"},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": artifact}, "region": {"startLine": 1}},
            "logicalLocations": [{"fullyQualifiedName": v.urn or "stack", "kind": "resource" if v.urn else "module"}],
        }],
        "partialFingerprints": {"webstackPolicyViolation/v1": _fingerprint(v)},
        "properties": {"enforcementLevel": v.enforcement, "severity": v.severity},
    }
    if v.suppressed:
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": v.suppression_reason or "suppressed in policy config"}]
    return result


def _packs(result: PreviewResult) -> list[dict[str, Any]]:
    packs = [dict(p) for p in result.policy_packs]
    known = {p.get("name") for p in packs}
    for v in result.violations:  # violations from a pack we have no info on still get a run
        if v.policy_pack not in known:
            packs.append({"name": v.policy_pack, "version": "", "policies": []})
            known.add(v.policy_pack)
    return packs


def as_sarif(result: PreviewResult, *, artifact: str | None = None) -> dict[str, Any]:
    artifact_uri = artifact or f"Pulumi.{result.stack}.yaml"
    runs: list[dict[str, Any]] = []
    for pack in _packs(result):
        policies = list(pack.get("policies") or [])
        names = [p["name"] for p in policies]
        mine = [v for v in result.violations if v.policy_pack == pack.get("name")]
        for v in mine:
            if v.policy not in names:
                policies.append({"name": v.policy, "description": v.description or v.policy,
                                 "severity": v.severity, "enforcementLevel": v.enforcement})
                names.append(v.policy)
        driver: dict[str, Any] = {
            "name": str(pack.get("name") or "policy-pack"),
            "informationUri": INFORMATION_URI,
            "rules": [_rule(p) for p in policies],
        }
        if pack.get("version"):
            driver["semanticVersion"] = str(pack["version"])
            driver["version"] = str(pack["version"])
        runs.append({
            "tool": {"driver": driver},
            "automationDetails": {"id": f"{result.project}/{result.stack}/"},
            "invocations": [{"executionSuccessful": True}],
            "results": [_result(v, names.index(v.policy), artifact_uri) for v in mine],
            "properties": {"project": result.project, "stack": result.stack, "preview": result.dry_run},
        })
    if not runs:
        runs.append({"tool": {"driver": {"name": "stackcheck", "informationUri": INFORMATION_URI, "rules": []}},
                     "results": []})
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}


def render_sarif(result: PreviewResult) -> str:
    return json.dumps(as_sarif(result), indent=2) + "\n"
