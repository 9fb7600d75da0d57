"""The examples: the YAML program consumes the package as the prod stack does, and the Python example runs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pulumi
import yaml
from package_helpers import REPO, comparable, provider, run, schema

from stackcheck.engine import run_program
from stackcheck.wire import unwrap
from tests.conftest import files_output, run_cli

YAML_PROGRAM = REPO / "examples" / "yaml" / "Pulumi.yaml"
REFERENCE = re.compile(r"^\$\{([A-Za-z][\w-]*)(?:\.([A-Za-z]\w*))?\}\Z")
# Stand-ins for the two secrets, given to both programs: the YAML one through its config, the Python one through
# the webstack: keys it reads them from.
SECRETS = {
    "supabaseAnonKey": ("webstack:supabaseAnonKey", "sb_publishable_TestAnonKey0123456789abcdef"),
    "supabaseAccessToken": ("webstack:supabaseAccessToken", "sbp_0123456789abcdef0123456789abcdef01234567"),
    "supabaseSmtpPassword": ("webstack:supabaseSmtpPassword", "smtp-test-password-0123"),
}


def _program() -> dict[str, Any]:
    return yaml.safe_load(YAML_PROGRAM.read_text())


def _references(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if REFERENCE.match(value) else []
    if isinstance(value, dict):
        return [r for v in value.values() for r in _references(v)]
    if isinstance(value, list):
        return [r for v in value for r in _references(v)]
    return []


def test_yaml_program_uses_the_package_and_every_reference_resolves() -> None:
    doc = _program()
    assert doc["runtime"] == "yaml"
    plugin_dir = (YAML_PROGRAM.parent / doc["packages"]["webstack"]).resolve()
    assert (plugin_dir / "PulumiPlugin.yaml").exists() and plugin_dir == REPO / "package"
    declared: dict[str, str] = {}
    for name, resource in doc["resources"].items():
        assert resource["type"] in schema()["resources"]
        for ref in _references(resource["properties"]) + _references(doc["outputs"]):
            head, attr = REFERENCE.match(ref).groups()  # type: ignore[union-attr]
            if attr is None:
                assert head in doc["config"], f"{name}: {ref} is not declared config"
                assert doc["config"][head]["secret"] is True
            elif head in declared or head not in doc["resources"]:
                assert head in declared, f"{name}: {ref} refers to a resource not declared before it"
                assert attr in schema()["resources"][declared[head]]["properties"], ref
        declared[name] = resource["type"]


def _resolve(value: Any, config: dict[str, Any], states: dict[str, dict[str, Any]]) -> Any:
    """What the YAML engine sends for a property: references replaced, ``$${`` unescaped."""
    if isinstance(value, str):
        match = REFERENCE.match(value)
        if match:
            head, attr = match.groups()
            return config[head] if attr is None else states[head][attr]
        return value.replace("$${", "${")
    if isinstance(value, dict):
        return {k: _resolve(v, config, states) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, config, states) for v in value]
    return value


def _run_yaml_program() -> tuple[list[Any], dict[str, str]]:
    doc = _program()
    states: dict[str, dict[str, Any]] = {}

    def program() -> None:
        config = {name: pulumi.Output.secret(SECRETS[name][1]) for name in doc["config"]}
        for name, resource in doc["resources"].items():
            inputs = _resolve(resource["properties"], config, states)
            states[name] = provider().construct(name, resource["type"], inputs, pulumi.ResourceOptions()).state
        for name, value in doc["outputs"].items():
            pulumi.export(name, _resolve(value, config, states))

    result, files = run("prod", program)
    return result.resources, files


def test_yaml_program_registers_what_the_python_prod_stack_does() -> None:
    """Same URNs, parents, providers, inputs (secrets included) and dependencies as `__main__.py` on prod."""
    hosted, hosted_files = _run_yaml_program()
    native, _ = run_program(REPO, "prod", secret_overrides=dict(SECRETS.values()))
    assert [comparable(r) for r in hosted] == [comparable(r) for r in native.resources]
    # ... and the same rendered files, as its stack output `files`
    assert hosted_files == files_output(native) and "vercel/vercel.json" in hosted_files
    types = {r.type for r in hosted}
    assert {"webstack:index:WebApp", "webstack:index:SupabaseProject", "webstack:index:CloudflareEdge",
            "webstack:index:VercelSite"} <= types
    assert len(hosted) == len(native.resources) > 40
    (anon,) = [r for r in hosted if r.name == "web-env-vite-supabase-anon-key"]
    assert isinstance(anon.inputs["value"], dict), "the anon key wired from the Supabase output must stay a secret"
    assert unwrap(anon.inputs["value"]) == SECRETS["supabaseAnonKey"][1]


def test_yaml_program_is_a_page() -> None:
    """Intent in, standard applied inside: the prod stack in YAML is one component and fits on a page."""
    lines = YAML_PROGRAM.read_text().splitlines()
    assert len(lines) <= 120, len(lines)
    doc = _program()
    assert [r["type"] for r in doc["resources"].values()] == ["webstack:index:WebApp"]
    assert "Content-Security-Policy" not in YAML_PROGRAM.read_text()  # the standard is not spelled out


def test_python_example_previews_offline_and_passes_the_policy_pack(tmp_path: Path) -> None:
    code, out, err = run_cli(["preview", "--cwd", str(REPO / "examples" / "python"), "--stack", "dev",
                              "--format", "json", "--policy-pack", str(REPO / "policy"), "--out", str(tmp_path)])
    assert code == 0, err
    report = json.loads(out)
    # The components' rendered files, exported as the stack output `files`, are what --out writes.
    assert {"vercel/vercel.json", "cloudflare/edge.json"} <= set(report["artifacts"])
    assert json.loads((tmp_path / "vercel" / "vercel.json").read_text())["headers"]
    # One StandardArgs feeds the edge and the host: both serve the same CSP, which allows the Supabase API.
    csp = re.compile(r"default-src [^\"]*")
    at_edge = set(csp.findall((tmp_path / "cloudflare" / "edge.json").read_text()))
    at_host = set(csp.findall((tmp_path / "vercel" / "vercel.json").read_text()))
    assert at_edge == at_host and len(at_host) == 1 and "wss://abcdefghijklmnopqrst.supabase.co" in at_host.pop()
    types = [r["type"] for r in report["resources"]]
    assert types.count("webstack:index:CloudflareEdge") == 1 and types.count("webstack:index:VercelSite") == 1
    assert "cloudflare:index/ruleset:Ruleset" in types and "vercel:index/projectRoute:ProjectRoute" in types
    assert [p["name"] for p in report["policyPacks"]] == ["webstack-standards"]
    # An example people copy must be exemplary: not even an advisory finding.
    assert [(v["policy"], v["enforcement"]) for v in report["violations"]] == []
