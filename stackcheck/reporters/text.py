"""Plain-text report shaped like `pulumi preview`: the resource tree, outputs, then policy violations."""

from __future__ import annotations

from typing import Any

from stackcheck.model import PreviewResult, ResourceRecord
from stackcheck.wire import redact


def _tree(resources: list[ResourceRecord]) -> list[tuple[str, ResourceRecord]]:
    children: dict[str | None, list[ResourceRecord]] = {}
    by_urn = {r.urn: r for r in resources}
    for r in resources:
        parent = r.parent if r.parent in by_urn else None
        children.setdefault(parent, []).append(r)
    lines: list[tuple[str, ResourceRecord]] = []

    def walk(parent: str | None, prefix: str, is_root: bool) -> None:
        kids = children.get(parent, [])
        for i, r in enumerate(kids):
            last = i == len(kids) - 1
            branch = "" if is_root else ("└─ " if last else "├─ ")
            lines.append((prefix + branch, r))
            walk(r.urn, prefix + ("" if is_root else ("   " if last else "│  ")), False)

    walk(None, "", True)
    return lines


def _format_value(value: Any) -> str:
    import json

    return json.dumps(redact(value), sort_keys=True)


def remediation_steps(result: PreviewResult) -> dict[str, str]:
    """policy name -> the pack's remediation steps (shown with each violation, as SARIF's help)."""
    return {str(p.get("name")): str(p.get("remediationSteps") or "")
            for pack in result.policy_packs for p in pack.get("policies", []) if isinstance(p, dict)}


def _diagnostics(result: PreviewResult) -> list[str]:
    """Grouped by resource, like the CLI's "Diagnostics:" block; messages without a resource go on the Stack."""
    names = {r.urn: f"{r.type} ({r.name})" for r in result.resources}
    stack = f"pulumi:pulumi:Stack ({result.project}-{result.stack})"
    groups: dict[str, list[str]] = {}
    for d in result.diagnostics:
        where = names.get(d.urn or "", d.urn or stack) if d.urn else stack
        lines = d.message.splitlines() or [""]
        groups.setdefault(where, []).extend([f"    {d.severity}: {lines[0]}", *(f"    {x}" for x in lines[1:])])
    out = ["Diagnostics:"]
    for where, lines in groups.items():
        out += [f"  {where}:", *lines, ""]
    return out


def render_text(result: PreviewResult) -> str:
    verb = "Previewing update" if result.dry_run else "Updating (offline, mocked outputs)"
    out = [f"{verb} ({result.stack}):", ""]
    rows = [(prefix + r.type, r.name) for prefix, r in _tree(result.resources)]
    width = max((len(t) for t, _ in rows), default=4) + 2
    out.append(f"     {'Type'.ljust(width)}Name")
    for type_col, name in rows:
        out.append(f" +   {type_col.ljust(width)}{name}")
    out.append("")
    if result.outputs:
        out.append("Outputs:")
        keys = sorted(result.outputs)
        kw = max(len(k) for k in keys) + 1
        for key in keys:
            out.append(f"    {(key + ':').ljust(kw)} {_format_value(result.outputs[key])}")
        out.append("")
    if result.diagnostics:
        out += _diagnostics(result)
    out.append("Resources:")
    out.append(f"    + {len(result.resources)} to create")
    if result.artifacts:
        out += ["", f"Artifacts ({len(result.artifacts)}):"] + [f"    {a}" for a in result.artifacts]
    if result.policy_packs or result.violations:
        out += ["", "Policies:"]
        for pack in result.policy_packs:
            out.append(f"    {pack.get('name')}@v{pack.get('version')}")
        if not result.violations:
            out.append("    no violations")
        steps = remediation_steps(result)
        for v in result.violations:
            tag = "suppressed" if v.suppressed else v.enforcement
            where = f" ({v.urn})" if v.urn else ""
            out.append(f"    - [{tag}] {v.policy}{where}")
            for line in v.message.splitlines():
                out.append(f"      {line}")
            if steps.get(v.policy):
                out.append(f"      fix: {steps[v.policy]}")
    return "\n".join(out) + "\n"
