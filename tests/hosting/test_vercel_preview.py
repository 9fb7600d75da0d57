"""Offline preview of the prod stack (Vercel): what the VercelSite component registers, in the engine's wire form."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from hosting_helpers import DEPLOYMENT, DOMAIN, ENV_VAR, PROD, PROJECT, ROUTE, by_name, fake_jwt, load, of_type, preview

from components.standard import resolve_standard
from stackcheck.analyzer import run_policy_pack
from stackcheck.engine import ProgramError
from stackcheck.model import PreviewResult
from stackcheck.wire import UNKNOWN, is_secret, unwrap

REPO = Path(__file__).resolve().parents[2]
ANON = fake_jwt("anon", "PREVIEWANON")
SECRET_ENV = {"SENTRY_AUTH_TOKEN": "sntrys_PREVIEWSECRET"}


@pytest.fixture(scope="module")
def prod_run() -> tuple[PreviewResult, dict[str, str]]:
    return preview(REPO, "prod", secret_overrides={
        "webstack:supabaseAnonKey": ANON, "webstack:secretEnv": json.dumps(SECRET_ENV)})


@pytest.fixture(scope="module")
def prod(prod_run: tuple[PreviewResult, dict[str, str]]) -> PreviewResult:
    return prod_run[0]


@pytest.fixture(scope="module")
def offline() -> PreviewResult:
    """The prod stack as `make preview` runs it: secrets cannot be decrypted."""
    return preview(REPO, "prod")[0]


def _component_urn(result: PreviewResult) -> str:
    (site,) = [r for r in result.resources if r.type == "webstack:index:VercelSite"]
    return site.urn


def test_project_settings(prod: PreviewResult) -> None:
    (project,) = of_type(prod, PROJECT)
    assert project.parent == _component_urn(prod)
    assert project.inputs == {
        "name": "example-web", "framework": "vite", "installCommand": "npm ci --include=dev",
        "buildCommand": "npm run build", "outputDirectory": "dist", "nodeVersion": "22.x",
        "gitRepository": {"type": "github", "repo": "example-org/example-web", "productionBranch": "main"},
        "vercelAuthentication": {"deploymentType": "standard_protection_new"},
    }


def test_every_env_var_with_its_sensitivity_and_targets(prod: PreviewResult) -> None:
    env = {unwrap(r.inputs["key"]): r for r in of_type(prod, ENV_VAR)}
    expected = {
        "NODE_ENV": (False, ["production", "preview"], "production"),
        "VITE_SUPABASE_URL": (False, ["production", "preview", "development"],
                              "https://abcdefghijklmnopqrst.supabase.co"),
        "VITE_SUPABASE_ANON_KEY": (True, ["production", "preview"], ANON),
        "VITE_ENABLE_ANALYTICS": (False, ["production", "preview", "development"], "true"),
        "VITE_PERFORMANCE_MONITORING": (False, ["production", "preview", "development"], "true"),
        "SENTRY_AUTH_TOKEN": (True, ["production", "preview"], SECRET_ENV["SENTRY_AUTH_TOKEN"]),
    }
    assert set(env) == set(expected)
    for key, (sensitive, targets, value) in expected.items():
        record = env[key]
        assert record.inputs["sensitive"] is sensitive, key
        assert record.inputs["targets"] == targets, key
        assert is_secret(record.inputs["value"]), key  # the provider marks every value secret; ours stay so
        assert unwrap(record.inputs["value"]) == value, key
        assert record.inputs["projectId"] == UNKNOWN  # wired to the project (unknown until created)
        assert record.name == "web-env-" + key.lower().replace("_", "-")
        assert record.parent == _component_urn(prod)


def test_unresolved_anon_key_is_an_unknown_secret(offline: PreviewResult) -> None:
    env = {unwrap(r.inputs["key"]): r for r in of_type(offline, ENV_VAR)}
    value = env["VITE_SUPABASE_ANON_KEY"].inputs["value"]
    assert is_secret(value) and unwrap(value) == UNKNOWN
    assert env["VITE_SUPABASE_ANON_KEY"].inputs["sensitive"] is True


def test_domains_apex_canonical_www_redirects(prod: PreviewResult) -> None:
    domains = by_name(of_type(prod, DOMAIN))
    apex, www = domains["web-domain-example-com"], domains["web-domain-www-example-com"]
    assert apex.inputs == {"projectId": UNKNOWN, "domain": "example.com"}
    assert www.inputs["domain"] == "www.example.com"
    assert www.inputs["redirect"] == "example.com" and www.inputs["redirectStatusCode"] == 308
    assert apex.urn in www.dependencies  # the redirect target exists first
    assert unwrap(prod.outputs["domains"]) == ["example.com", "www.example.com"]
    assert unwrap(prod.outputs["productionUrl"]) == "https://example.com"


def test_www_canonical_flips_the_redirect() -> None:
    result, _ = preview(REPO, "prod", overrides={"webstack:canonicalHost": "www"})
    domains = by_name(of_type(result, DOMAIN))
    assert "redirect" not in domains["web-domain-www-example-com"].inputs
    assert domains["web-domain-example-com"].inputs["redirect"] == "www.example.com"
    assert unwrap(result.outputs["productionUrl"]) == "https://www.example.com"


def test_routes_carry_the_standards_headers(prod: PreviewResult) -> None:
    std = resolve_standard(load())
    routes = by_name(of_type(prod, ROUTE))
    assert sorted(routes) == sorted(f"web-route-headers-{r.asset_class}" for r in std.cache_rules)
    for name, record in routes.items():
        asset_class = name.removeprefix("web-route-headers-")
        headers = dict(record.inputs["route"]["headers"])
        assert headers.pop("Cache-Control") == std.cache_rule(asset_class).cache_control
        assert headers == std.header_map
        assert record.inputs["route"]["src"].startswith("^/")


def test_vercel_json_artifact_is_emitted(prod_run: tuple[PreviewResult, dict[str, str]]) -> None:
    content = prod_run[1].get("vercel/vercel.json")
    assert content is not None
    doc = json.loads(content)
    assert doc["rewrites"][0]["destination"] == "/index.html"
    assert "PREVIEWANON" not in content


def test_no_deployment_without_a_deployment_dir(prod: PreviewResult) -> None:
    assert of_type(prod, DEPLOYMENT) == []


def test_the_policy_pack_passes_the_vercel_resources(prod: PreviewResult) -> None:
    """Judged with the whole stack (stack policies need the edge's health checks), graded on our resources."""
    ours = {r.urn for r in prod.resources if r.type.startswith("vercel:")}
    violations, _ = run_policy_pack(REPO / "policy", prod.resources, project="webstack", stack="prod", dry_run=True)
    assert [v for v in violations if v.urn in ours and v.enforcement != "advisory"] == []


def _project_copy(tmp_path: Path) -> Path:
    for name in ("Pulumi.yaml", "__main__.py", "Pulumi.prod.yaml"):
        shutil.copy(REPO / name, tmp_path / name)
    return tmp_path


def test_deployment_from_a_vercel_build_output(tmp_path: Path) -> None:
    project = _project_copy(tmp_path)
    output = project / "app" / ".vercel" / "output"
    (output / "static" / "assets").mkdir(parents=True)
    (output / "config.json").write_text('{"version": 3}')
    (output / "static" / "index.html").write_text("<!doctype html><title>x</title>")
    (output / "static" / "assets" / "app-1a2b.js").write_bytes(b"console.log(1)")
    hosting = json.loads(json.dumps(PROD["webstack:hosting"]))
    hosting["vercel"]["deploymentDir"] = "app"
    result, _ = preview(project, "prod", overrides={"webstack:hosting": json.dumps(hosting)})
    (deployment,) = of_type(result, DEPLOYMENT)
    files = deployment.inputs["files"]
    assert set(files) == {"app/.vercel/output/config.json", "app/.vercel/output/static/index.html",
                          "app/.vercel/output/static/assets/app-1a2b.js"}
    assert files["app/.vercel/output/static/assets/app-1a2b.js"] == \
        "14~" + hashlib.sha1(b"console.log(1)").hexdigest()
    assert deployment.inputs["pathPrefix"] == "app" and deployment.inputs["production"] is True
    env_and_routes = {r.urn for r in result.resources if r.type in (ENV_VAR, ROUTE)}
    assert env_and_routes <= set(deployment.dependencies)


def test_deployment_dir_without_a_build_is_refused_before_anything_registers(tmp_path: Path) -> None:
    project = _project_copy(tmp_path)
    (project / "app").mkdir()
    hosting = json.loads(json.dumps(PROD["webstack:hosting"]))
    hosting["vercel"]["deploymentDir"] = "app"
    with pytest.raises(ProgramError) as info:
        preview(project, "prod", overrides={"webstack:hosting": json.dumps(hosting)})
    assert "webstack:hosting.vercel.deploymentDir" in str(info.value.original)
    assert "vercel build --prod" in str(info.value.original)
    assert [r.type for r in info.value.resources] == ["pulumi:pulumi:Stack"]
