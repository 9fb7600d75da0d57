"""`stackcheck permissions`: the credentials each stack needs, checked against what each stack actually registers.

The expected side is computed independently of the manifest code: the stack's program is run (as `pulumi preview`
would) and its custom resources are listed by type (rulesets by phase); the manifest must cover exactly those —
no registered type without a permission entry, no permission without a registered resource.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from stackcheck.engine import run_program
from stackcheck.model import ResourceRecord
from stackcheck.permissions import build_manifest, render_text
from tests.conftest import REPO

Cli = Callable[[list[str]], tuple[int, str, str]]
STACKS = sorted(p.name.split(".")[1] for p in REPO.glob("Pulumi.*.yaml"))
FOREIGN = REPO / "tests" / "fixtures" / "foreign_project"


def registered(project: Any, stack: str) -> set[tuple[str, str]]:
    """(type, ruleset phase or "") of every custom, non-provider resource the program registers."""
    result, _ = run_program(project, stack)
    return {(r.type, str(r.inputs.get("phase", "")) if r.type.endswith("ruleset:Ruleset") else "")
            for r in result.resources if r.custom and not r.type.startswith("pulumi:providers:")}


def covered(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(r["type"], r.get("phase", "")) for p in doc["permissions"] for r in p["resources"]}


def names(doc: dict[str, Any], vendor: str, level: str | None = None) -> set[str]:
    return {p["name"] for p in doc["permissions"] if p["vendor"] == vendor and (level is None or p["level"] == level)}


@pytest.fixture(scope="module")
def manifests() -> dict[str, tuple[int, dict[str, Any], set[tuple[str, str]]]]:
    from tests.conftest import run_cli

    out = {}
    for stack in STACKS:
        code, text, err = run_cli(["permissions", "--stack", stack, "--format", "json"])
        assert code == 0, err
        out[stack] = (code, json.loads(text), registered(REPO, stack))
    return out


@pytest.mark.parametrize("stack", STACKS)
def test_manifest_covers_exactly_what_the_stack_registers(manifests: dict[str, Any], stack: str) -> None:
    code, doc, types = manifests[stack]
    assert code == 0 and doc["unmapped"] == {}
    assert covered(doc) == types
    for permission in doc["permissions"]:
        assert permission["resources"] and permission["sources"]
        assert all(s.startswith("https://") for s in permission["sources"])


@pytest.mark.parametrize("stack", STACKS)
def test_each_ruleset_phase_needs_its_own_cloudflare_permission(manifests: dict[str, Any], stack: str) -> None:
    doc = manifests[stack][1]
    by_phase = {r.get("phase"): p["name"] for p in doc["permissions"] for r in p["resources"]
                if r["type"] == "cloudflare:index/ruleset:Ruleset"}
    assert by_phase == {
        "http_request_dynamic_redirect": "Dynamic URL Redirects Write",
        "http_request_cache_settings": "Cache Settings Write",
        "http_response_headers_transform": "Transform Rules Write",
        "http_ratelimit": "Zone WAF Write",
    } | ({} if stack == "free" else {"http_request_firewall_managed": "Zone WAF Write"})  # Free: no WAF ruleset
    zones = {z for p in doc["permissions"] if p["vendor"] == "cloudflare" and p["level"] == "zone" for z in p["zones"]}
    assert len(zones) == 1  # the token can be limited to the stack's one zone


def test_manifest_differs_per_stack_as_the_resources_do(manifests: dict[str, Any]) -> None:
    prod, selfhosted, free = manifests["prod"][1], manifests["selfhosted"][1], manifests["free"][1]
    # the health-alert policy, and the Web Analytics site (RUM)
    assert names(prod, "cloudflare", "account") == {"Notifications Write", "Account Settings Write"}
    assert {a for p in prod["permissions"] if p["level"] == "account" for a in p["accounts"]} == {
        "fedcba9876543210fedcba9876543210"}
    assert "Health Checks Write" in names(prod, "cloudflare") and "DNS Write" in names(prod, "cloudflare")
    assert "SSL and Certificates Write" in names(selfhosted, "cloudflare")  # the Origin CA certificate
    assert "SSL and Certificates Write" not in names(prod, "cloudflare")
    assert names(selfhosted, "docker") and not names(prod, "docker") and not names(selfhosted, "vercel")
    assert names(free, "cloudflare", "account") == set() and "Health Checks Write" not in names(free, "cloudflare")
    assert {"auth:read", "auth:write", "rest:read", "rest:write", "database:read", "database:write"} <= names(
        prod, "supabase")


def test_text_output_names_the_dashboard_permission_and_the_zone(cli: Cli) -> None:
    code, out, err = cli(["permissions", "--stack", "prod"])
    assert code == 0, err
    assert "Zone / Zone WAF / Edit  (API: Zone WAF Write)" in out
    assert "Specific zone > 0123456789abcdef0123456789abcdef" in out
    assert "Account / Notifications / Edit" in out and "OAuth scopes: auth:read auth:write" in out
    assert "REPLACE-ME" not in out  # no secret (placeholder or value) is printed


def test_a_foreign_program_gets_its_manifest_from_its_own_resources(cli: Cli) -> None:
    code, out, err = cli(["permissions", "--cwd", str(FOREIGN), "--stack", "prod", "--format", "json"])
    assert code == 0, err
    doc = json.loads(out)
    assert covered(doc) == registered(FOREIGN, "prod")


def test_an_unmapped_type_makes_the_manifest_incomplete() -> None:
    bucket = ResourceRecord(urn="urn:pulumi:s::p::aws:s3/bucket:Bucket::b", type="aws:s3/bucket:Bucket", name="b",
                            custom=True)
    odd_phase = ResourceRecord(urn="urn:pulumi:s::p::cloudflare:index/ruleset:Ruleset::r",
                               type="cloudflare:index/ruleset:Ruleset", name="r", custom=True,
                               inputs={"phase": "http_future_phase", "zoneId": "z"})
    manifest = build_manifest("s", [bucket, odd_phase])
    assert set(manifest.unmapped) == {"aws:s3/bucket:Bucket", "cloudflare:index/ruleset:Ruleset (phase "
                                      "http_future_phase)"}
    assert "UNMAPPED resource types" in render_text(manifest) and not manifest.grants


def test_an_unknown_stack_exits_2_without_a_manifest(cli: Cli) -> None:
    code, out, err = cli(["permissions", "--stack", "no-such-stack"])
    assert code == 2 and out == "" and "no-such-stack" in err


def test_a_bad_config_exits_2_naming_the_key(cli: Cli, tmp_path: Any) -> None:
    project = tmp_path / "p"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        (project / name).write_text((REPO / name).read_text())
    (project / "Pulumi.bad.yaml").write_text((REPO / "Pulumi.free.yaml").read_text().replace(
        "plan: free\n    zoneId", "plan: platinum\n    zoneId"))
    code, out, err = cli(["permissions", "--cwd", str(project), "--stack", "bad"])
    assert code == 2 and out == "" and "webstack:cloudflare.plan" in err
