"""Generate docs/config.md — every `webstack:` config key with its type, default and description — from the models.

`python -m tools.configdoc --write` rewrites the file; `--check` exits 1 when it is stale (run by the tests),
so the reference can't drift from the code.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from components.config.stack import SECRET_KEYS, StackConfig

DOC = Path(__file__).resolve().parent.parent / "docs" / "config.md"

HEADER = """# Stack configuration reference

Generated from the pydantic models in `components/config/` by `python -m tools.configdoc --write`
(the tests fail when this file is stale). Keys live in the `webstack:` namespace of `Pulumi.<stack>.yaml`;
structured keys are YAML mappings or lists. Unknown keys are errors. Every validation error names the full key
path (`webstack:hosting.vercel.nodeVersion`), the bad value (unless secret) and what is expected, and is raised
before any resource is registered.

Secret keys (set with `pulumi config set --secret`, never in clear in the stack file):
{secrets}.

Provider credentials are not webstack config: `CLOUDFLARE_API_TOKEN`, `VERCEL_API_TOKEN` (environment) or
`pulumi config set --secret cloudflare:apiToken …` / `vercel:apiToken`.
"""


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return _resolve(defs[schema["$ref"].split("/")[-1]], defs)
    return schema


def _type(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    schema = dict(schema)
    if "$ref" in schema:
        return schema["$ref"].split("/")[-1]
    if "enum" in schema:
        return " \\| ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "anyOf" in schema:
        parts = [_type(s, defs) for s in schema["anyOf"] if s.get("type") != "null"]
        optional = any(s.get("type") == "null" for s in schema["anyOf"])
        return " \\| ".join(parts) + (" (optional)" if optional else "")
    t = schema.get("type")
    if t == "array":
        return f"list of {_type(schema.get('items', {}), defs)}"
    if t == "object":
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            return f"map of {_type(extra, defs)}"
        return "object"
    fmt = schema.get("format")
    if fmt == "password":
        return "secret string"
    bounds = []
    for key, sym in (("minimum", "≥"), ("maximum", "≤"), ("exclusiveMinimum", ">")):
        if key in schema:
            bounds.append(f"{sym} {schema[key]}")
    return str(t or "any") + (f" ({', '.join(bounds)})" if bounds else "")


def _default(prop: dict[str, Any]) -> str:
    value = prop["default"]
    if value is None:
        return "—"
    text = json.dumps(value)
    return f"`{text}`" if len(text) <= 60 else f"`{text[:57]}…`"


def _rows(schema: dict[str, Any], defs: dict[str, Any], prefix: str, seen: set[str]) -> list[str]:
    rows: list[str] = []
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        key = f"{prefix}.{name}" if prefix.count(":") and not prefix.endswith(":") else f"{prefix}{name}"
        desc = (prop.get("description") or "").replace("\n", " ").replace("|", "\\|")
        if name in required:
            default = "**required**"
        else:
            default = _default(prop) if "default" in prop else "*(built-in, see below)*"
        rows.append(f"| `{key}` | {_type(prop, defs)} | {default} | {desc} |")
        target = prop
        if "anyOf" in prop:
            refs = [s for s in prop["anyOf"] if "$ref" in s]
            target = refs[0] if refs else prop
        if target.get("type") == "array" and "$ref" in target.get("items", {}):
            target = target["items"]
            key += "[]"
        if "$ref" in target:
            ref = target["$ref"].split("/")[-1]
            if ref in seen:
                continue
            sub = _resolve(target, defs)
            if sub.get("properties"):
                rows += _rows(sub, defs, key, seen | {ref})
    return rows


def render() -> str:
    schema = StackConfig.model_json_schema(by_alias=True, mode="validation")
    defs = schema.get("$defs", {})
    props = {k: v for k, v in schema["properties"].items() if k not in ("project", "stack")}
    out = [HEADER.format(secrets=", ".join(f"`webstack:{k}`" for k in SECRET_KEYS)), ""]
    out += ["| key | type | default | description |", "| --- | --- | --- | --- |"]
    out += _rows({"properties": props, "required": schema.get("required", [])}, defs, "webstack:", set())
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.configdoc")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true")
    group.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(text)
        return 0
    if not DOC.exists() or DOC.read_text() != text:
        print(f"{DOC} is stale: run `python -m tools.configdoc --write`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
