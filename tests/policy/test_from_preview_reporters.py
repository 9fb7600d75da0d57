"""`stackcheck check --from-preview`, and the SARIF / Markdown reporters."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from fixtures_good import container, header_ruleset
from policy_helpers import PACK, REPO, judge

from stackcheck.analyzer import PolicyPackSession
from stackcheck.model import PreviewResult, Violation
from stackcheck.preview_json import PreviewJsonError, load_preview, parse_preview
from stackcheck.reporters.markdown import render_markdown
from stackcheck.reporters.sarif import as_sarif, render_sarif
from stackcheck.reporters.text import render_text
from stackcheck.wire import UNKNOWN, is_secret

FIXTURE = REPO / "tests" / "fixtures" / "preview" / "prod-preview.json"
SARIF_SCHEMA = json.loads((REPO / "tests" / "fixtures" / "sarif" / "sarif-schema-2.1.0.json").read_text())
Cli = Callable[[list[str]], tuple[int, str, str]]


def test_preview_json_is_parsed() -> None:
    project, stack, records = load_preview(FIXTURE)
    assert (project, stack) == ("shop", "prod")
    by_name = {r.name: r for r in records}
    assert set(by_name) == {"site", "headers", "www", "ssl", "anon-key", "supabase-url"}  # no Stack, no delete
    assert not by_name["site"].custom and by_name["headers"].parent.endswith("acme:web:Site::site")
    anon = by_name["anon-key"].inputs
    assert is_secret(anon["value"]) and anon["value"]["value"] == UNKNOWN
    assert anon["projectId"] == UNKNOWN
    assert by_name["headers"].provider.startswith("urn:pulumi:prod::shop::pulumi:providers:cloudflare")


@pytest.mark.parametrize(("doc", "match"), [({}, "steps"), ({"steps": [{"op": "create"}]}, "no urn"),
                                            ({"steps": [{"urn": "nope"}]}, "not a Pulumi URN")])
def test_bad_preview_documents(doc: dict[str, object], match: str) -> None:
    with pytest.raises(PreviewJsonError, match=match):
        parse_preview(doc)


def test_check_from_preview_fails_with_exit_1(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli(["check", "--from-preview", str(FIXTURE), "--policy-pack", str(PACK), "--format", "json",
                          "--out", str(tmp_path)])
    assert code == 1, err
    doc = json.loads(out)
    found = {(v["policy"], v["urn"].split("::")[-1] if v["urn"] else None) for v in doc["violations"]
             if v["enforcement"] == "mandatory"}
    assert ("csp-observatory-grade", "headers") in found
    assert ("cloudflare-ssl-strict", "ssl") in found
    assert ("supabase-url-https", "supabase-url") in found
    assert not any(v["urn"] and v["urn"].endswith("::old") for v in doc["violations"])
    unknown = [v for v in doc["violations"] if v["policy"] == "no-secrets-in-client-env"]
    assert unknown and all(v["enforcement"] == "advisory" for v in unknown)  # the [secret] value is unknowable
    assert {p.name for p in tmp_path.iterdir()} >= {"report.json", "report.sarif", "report.md"}
    jsonschema.validate(json.loads((tmp_path / "report.sarif").read_text()), SARIF_SCHEMA)


def test_check_with_suppressions_and_tags(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({
        "csp-observatory-grade": {"suppressions": [{"urn": "*::headers", "reason": "migrating to nonces, #12"}]},
        "cloudflare-ssl-strict": "advisory", "supabase-url-https": "advisory",
        "cloudflare-zone-tls-complete": "advisory", "public-hostnames-covered": "advisory",
        "rate-limit-required": "advisory"}))
    code, out, err = cli(["check", "--from-preview", str(FIXTURE), "--policy-pack", str(PACK),
                          "--policy-config", str(config), "--format", "markdown"])
    assert code == 0, out + err
    assert "suppressed (migrating to nonces, #12)" in out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"csp-observatory-grade": {"suppressions": [{"urn": "*"}]}}))
    code, _, err = cli(["check", "--from-preview", str(FIXTURE), "--policy-pack", str(PACK),
                        "--policy-config", str(bad)])
    assert code == 2 and "reason" in err


def test_check_usage_errors(cli: Cli, tmp_path: Path) -> None:
    assert cli(["check", "--from-preview", str(tmp_path / "missing.json"), "--policy-pack", str(PACK)])[0] == 2
    assert cli(["check"])[0] == 2


# ---------------------------------------------------------------------------------------------- reporters


def _result(pack: PolicyPackSession) -> PreviewResult:
    records = [header_ruleset(), container(user="root", image="nginx:latest")]
    config = {"container-image-pinned": {"suppressions": [{"urn": "*::web", "reason": "base image pinned in #7"}]}}
    judged = judge(pack, *records, config=config)
    return PreviewResult(project="webshop", stack="dev", dry_run=True, resources=records,
                         violations=judged.violations, policy_packs=[pack.pack_info()])


def test_sarif_validates_against_the_official_schema(pack: PolicyPackSession) -> None:
    result = _result(pack)
    doc = json.loads(render_sarif(result))
    jsonschema.validate(doc, SARIF_SCHEMA)
    [run] = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "webstack-standards"
    assert all(r["help"]["text"] and r["shortDescription"]["text"] for r in rules)
    by_rule = {r["id"]: r for r in rules}
    assert by_rule["container-not-privileged"]["properties"]["security-severity"] == "9.5"
    results = run["results"]
    root = next(r for r in results if r["ruleId"] == "container-non-root-user")
    assert root["level"] == "error" and rules[root["ruleIndex"]]["id"] == "container-non-root-user"
    assert root["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].endswith("::web")
    pinned = next(r for r in results if r["ruleId"] == "container-image-pinned")
    assert pinned["suppressions"][0]["justification"] == "base image pinned in #7"
    advisory = [r for r in results if r["ruleId"] == "container-image-digest"]
    assert not advisory or advisory[0]["level"] == "warning"


def test_sarif_with_no_violations_and_unknown_pack_still_validates() -> None:
    empty = PreviewResult(project="p", stack="s", dry_run=True)
    jsonschema.validate(as_sarif(empty), SARIF_SCHEMA)
    stray = PreviewResult(project="p", stack="s", dry_run=True, violations=[
        Violation(policy_pack="other", policy="x-y", enforcement="advisory", message="m", urn=None)])
    doc = as_sarif(stray)
    jsonschema.validate(doc, SARIF_SCHEMA)
    assert doc["runs"][0]["results"][0]["locations"][0]["logicalLocations"][0]["kind"] == "module"


def test_markdown_summary(pack: PolicyPackSession) -> None:
    md = render_markdown(_result(pack))
    assert "| Result | Count |" in md
    assert "❌ **" in md and "mandatory violation" in md
    assert "| Suppressed | 1 |" in md
    assert "`container-non-root-user`" in md and "`web` (docker:index/container:Container)" in md
    assert "suppressed (base image pinned in #7)" in md
    clean = render_markdown(PreviewResult(project="p", stack="s", dry_run=False))
    assert "✅ **No mandatory violations**" in clean and "| Mandatory | 0 |" in clean


def test_markdown_escapes_table_breakers() -> None:
    v = Violation(policy_pack="p", policy="a-b", enforcement="advisory", message="one | two\nthree <b>", urn=None)
    md = render_markdown(PreviewResult(project="p", stack="s", dry_run=True, violations=[v]))
    assert "one \\| two three &lt;b>" in md


def test_text_and_markdown_carry_each_violations_remediation_and_property_path(pack: PolicyPackSession) -> None:
    result = _result(pack)
    steps = {p.name: p.remediation_steps for p in pack.policies}
    root = next(v for v in result.violations if v.policy == "container-non-root-user")
    assert "(user)" in root.message  # the exact input that decided it
    text = render_text(result)
    block = text.split("container-non-root-user", 1)[1].split("\n    - ", 1)[0]
    assert f"fix: {steps['container-non-root-user']}" in block
    md = render_markdown(result)
    row = next(line for line in md.splitlines() if "`container-non-root-user`" in line)
    assert row.endswith(f"| {steps['container-non-root-user']} |")
