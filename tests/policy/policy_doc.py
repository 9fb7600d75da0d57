"""The per-policy reference of docs/policy.md ("## Policies"), generated from the pack's own metadata.

    python tests/policy/policy_doc.py          # print the section
    python tests/policy/policy_doc.py --write  # replace it in docs/policy.md

``test_policy_doc.py`` fails when the document and the pack disagree (a policy added, a default changed).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "policy.md"
START = "## Policies\n"
PROD_KEYS = ("prodStackNames", "notProdStackNames", "prodTagName", "prodTagValues")

if str(REPO / "policy") not in sys.path:
    sys.path.insert(0, str(REPO / "policy"))


def _level(value: Any) -> str:
    return str(getattr(value, "value", value) or "advisory").lower()


def _default(spec: dict[str, Any]) -> str:
    return json.dumps(spec["default"]) if "default" in spec else "—"


def section() -> str:
    from pulumi_policy import StackValidationPolicy
    from webstack_policy import all_policies

    out = [START]
    for p in all_policies():
        props: dict[str, dict[str, Any]] = dict(p.config_schema.properties) if p.config_schema else {}
        keys = [k for k in props if k != "suppressions" and k not in PROD_KEYS]
        config = "; ".join(f"`{k}` (default `{_default(props[k])}`)" for k in keys) or "—"
        prod = " Production-aware (`prodStackNames`, `notProdStackNames`, `prodTagName`, `prodTagValues`)." \
            if "prodStackNames" in props else ""
        kind = "stack" if isinstance(p, StackValidationPolicy) else "resource"
        severity = str(getattr(p.severity, "value", p.severity) or "").lower() or "—"
        out += [
            f"### `{p.name}`",
            "",
            p.description,
            "",
            f"- **Severity:** {severity} · **Enforcement:** {_level(p.enforcement_level)} · **Type:** {kind}",
            f"- **Config:** {config}.{prod}",
            f"- **Remediation:** {p.remediation_steps}",
            "",
        ]
    return "\n".join(out)


def current() -> str:
    text = DOC.read_text()
    return text[text.index(START):]


def main() -> None:
    generated = section()
    if "--write" in sys.argv:
        text = DOC.read_text()
        DOC.write_text(text[:text.index(START)] + generated)
    else:
        print(generated)


if __name__ == "__main__":
    main()
