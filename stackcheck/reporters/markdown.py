"""`--format markdown`: a pull-request comment summarising the policy results of one preview."""

from __future__ import annotations

from collections import Counter

from stackcheck.model import PreviewResult, Violation
from stackcheck.reporters.text import remediation_steps

MAX_ROWS = 100  # GitHub comments stop at 65,536 characters; the SARIF upload carries everything
ORDER = {"mandatory": 0, "advisory": 1, "remediate": 2, "disabled": 3}
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "": 4}


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").replace("<", "&lt;").split())


def _resource(v: Violation) -> str:
    if not v.urn:
        return "_stack_"
    parts = v.urn.split("::")
    name = parts[-1]
    rtype = parts[-2].split("$")[-1] if len(parts) >= 2 else ""
    return f"`{_cell(name)}` ({_cell(rtype)})"


def render_markdown(result: PreviewResult) -> str:
    violations = result.violations
    active = [v for v in violations if not v.suppressed]
    counts = Counter(v.enforcement for v in active)
    suppressed = sum(1 for v in violations if v.suppressed)
    blocking = counts.get("mandatory", 0)
    status = (f"❌ **{blocking} mandatory violation{'s' if blocking != 1 else ''}** block this change"
              if blocking else "✅ **No mandatory violations**")
    packs = ", ".join(f"`{p.get('name')}@{p.get('version')}`" for p in result.policy_packs) or "none"
    out = [
        f"### Policy check — `{_cell(result.project)}` / `{_cell(result.stack)}`",
        "",
        status,
        "",
        "| Result | Count |",
        "| --- | ---: |",
        f"| Mandatory | {blocking} |",
        f"| Advisory | {counts.get('advisory', 0)} |",
        f"| Remediated | {counts.get('remediate', 0)} |",
        f"| Suppressed | {suppressed} |",
        f"| Resources checked | {sum(1 for r in result.resources if r.custom)} |",
        "",
        f"Policy packs: {packs}{' (preview: unknown values are skipped)' if result.dry_run else ''}",
    ]
    if violations:
        ordered = sorted(violations, key=lambda v: (v.suppressed, ORDER.get(v.enforcement, 9),
                                                     SEVERITY_ORDER.get(v.severity, 9), v.policy, v.urn or ""))
        steps = remediation_steps(result)
        out += ["", "| Level | Severity | Policy | Resource | Message | Fix |",
                "| --- | --- | --- | --- | --- | --- |"]
        for v in ordered[:MAX_ROWS]:
            level = f"suppressed ({_cell(v.suppression_reason)})" if v.suppressed else v.enforcement
            fix = _cell(steps.get(v.policy, "")) or "-"
            out.append(f"| {level} | {v.severity or '-'} | `{v.policy}` | {_resource(v)} | {_cell(v.message)} | "
                       f"{fix} |")
        if len(ordered) > MAX_ROWS:
            out.append(f"\n_…and {len(ordered) - MAX_ROWS} more (see the SARIF upload or report.json)._")
    notes = [d for d in result.diagnostics if d.severity != "info"]
    if notes:
        out += ["", "Program diagnostics:", ""]
        out += [f"- {d.severity}: {_cell(d.message)}" for d in notes[:MAX_ROWS]]
    return "\n".join(out) + "\n"
