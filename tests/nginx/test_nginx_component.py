"""NginxSite under the offline preview of the `selfhosted` stack: the hardened container with every option."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components import artifacts
from components.program import _nginx
from components.render.dockerfile_rules import check_dockerfile
from components.stack_config import read_pulumi_config
from components.standard import resolve_standard
from stackcheck.engine import ProgramError, run_program
from stackcheck.model import ResourceRecord
from stackcheck.wire import UNKNOWN, is_secret, redact
from tests.conftest import REPO, run_cli

CONTAINER = "docker:index/container:Container"
IMAGE = "docker:index/image:Image"
VOLUME = "docker:index/volume:Volume"
COMPONENT = "webstack:index:NginxSite"
KEY_MARKER = "PRIVATE-KEY-MARKER-must-stay-secret"


@pytest.fixture
def artifacts_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv(artifacts.ARTIFACTS_ENV, str(tmp_path))
    artifacts.reset()
    yield tmp_path
    artifacts.reset()


def _by_type(resources: list[ResourceRecord], type_: str) -> list[ResourceRecord]:
    return [r for r in resources if r.type == type_]


@pytest.fixture
def selfhosted(artifacts_dir: Path) -> tuple[list[ResourceRecord], dict[str, Any]]:
    result, _ = run_program(REPO, "selfhosted")
    return result.resources, result.outputs


def test_component_and_children_are_registered_under_it(selfhosted: tuple) -> None:
    resources, _ = selfhosted
    [site] = _by_type(resources, COMPONENT)
    assert not site.custom and site.name == "web"
    for type_ in (IMAGE, VOLUME, CONTAINER):
        [child] = _by_type(resources, type_)
        assert child.parent == site.urn
        assert child.name.startswith("web-")
        assert f"{COMPONENT}${type_}::" in child.urn


def test_container_is_hardened_with_every_option(selfhosted: tuple) -> None:
    resources, _ = selfhosted
    [c] = _by_type(resources, CONTAINER)
    i = c.inputs
    assert i["readOnly"] is True
    assert i["capabilities"] == {"drops": ["ALL"]}
    assert i["securityOpts"] == ["no-new-privileges:true"]
    assert i["user"] == "101:101"
    assert i["memory"] == 256 and i["memorySwap"] == 256
    assert i["cpus"] == "0.5"
    assert i["restart"] == "unless-stopped"
    assert i["mustRun"] is True
    assert set(i["tmpfs"]) == {"/tmp", "/var/cache/nginx", "/var/run"}
    assert all("uid=101" in opts and "noexec" in opts and "size=" in opts for opts in i["tmpfs"].values())
    hc = i["healthcheck"]
    assert hc["tests"] == ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]
    assert hc["interval"] == "30s" and hc["retries"] == 3
    assert i["logDriver"] == "json-file"
    assert i["logOpts"] == {"max-size": "10m", "max-file": "3"}
    assert sorted((p["internal"], p["external"]) for p in i["ports"]) == [(8080, 80), (8443, 443)]
    assert i["volumes"][0]["containerPath"] == "/etc/nginx/runtime"
    assert i["command"] == ["nginx", "-c", "/etc/nginx/runtime/nginx.conf", "-g", "daemon off;"]
    assert not i.get("privileged")


def test_image_feeds_the_container_and_is_never_latest(selfhosted: tuple) -> None:
    resources, _ = selfhosted
    [image] = _by_type(resources, IMAGE)
    [c] = _by_type(resources, CONTAINER)
    name = image.inputs["imageName"]
    assert name.startswith("example-web:webstack-") and not name.endswith(":latest")
    assert image.inputs["skipPush"] is True
    assert image.inputs["build"]["dockerfile"].endswith("nginx/Dockerfile")
    assert c.inputs["image"] == UNKNOWN  # computed from Image.repo_digest / image_name during preview
    assert image.urn in c.dependencies
    assert image.urn in c.property_dependencies.get("image", [])


def test_rendered_config_and_origin_certificate_are_uploaded(selfhosted: tuple) -> None:
    resources, _ = selfhosted
    [c] = _by_type(resources, CONTAINER)
    uploads = {u["file"]: u for u in c.inputs["uploads"]}
    headers = uploads["/etc/nginx/runtime/webstack/security/security-headers.conf"]["content"]
    assert "add_header Content-Security-Policy" in headers and "always;" in headers
    assert "/etc/nginx/runtime/nginx.conf" in uploads
    key = uploads["/etc/nginx/runtime/tls/origin.key"]
    assert is_secret(key["content"]) or key["content"] == UNKNOWN
    assert key["permissions"] == "0400" and key["owner"] == "101"
    assert "/etc/nginx/runtime/tls/origin.crt" in uploads
    conf = uploads["/etc/nginx/runtime/nginx.conf"]["content"]
    assert "listen 8443 ssl http2 default_server;" in conf


def test_outputs_are_exported(selfhosted: tuple) -> None:
    _, outputs = selfhosted
    assert outputs["originUrl"] == "https://203.0.113.10"
    assert "containerId" in outputs and "imageRef" in outputs


def test_emitted_dockerfile_passes_the_project_rules(selfhosted: tuple, artifacts_dir: Path) -> None:
    dockerfile = (artifacts_dir / "nginx" / "Dockerfile").read_text()
    assert check_dockerfile(dockerfile) == []
    assert "FROM node:22-alpine AS build" in dockerfile and "FROM nginx:1.28-alpine AS runtime" in dockerfile
    assert (artifacts_dir / "nginx" / "nginx.conf").exists()


class _Edge:
    """What CloudflareEdge exposes; Outputs are made inside the program (they bind to its event loop)."""

    def __init__(self) -> None:
        self.origin_certificate_pem = pulumi.Output.from_input(
            "-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n")
        self.origin_private_key_pem = pulumi.Output.secret(
            f"-----BEGIN PRIVATE KEY-----\n{KEY_MARKER}\n-----END PRIVATE KEY-----\n")


def _program_with(make_edge: Any) -> Any:
    def program() -> None:
        cfg = read_pulumi_config(pulumi.get_project(), pulumi.get_stack())
        edge = make_edge() if make_edge else None
        for key, value in _nginx(cfg, resolve_standard(cfg), edge).items():
            pulumi.export(key, value)

    return program


@pytest.fixture
def tmp_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the project's stack files (no app, no build dir): a deployment writes its artifacts in here."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.selfhosted.yaml"):
        (project / name).write_text((REPO / name).read_text())
    (project / "__main__.py").write_text("raise SystemExit('the tests pass program=')\n")
    monkeypatch.delenv(artifacts.ARTIFACTS_ENV, raising=False)
    artifacts.reset()
    yield project
    artifacts.reset()


def _copy_sources(dockerfile: str) -> list[str]:
    return [line.split()[1] for line in dockerfile.splitlines()
            if line.startswith("COPY ") and not line.startswith("COPY --from")]


def test_private_key_stays_secret_in_the_recorded_inputs(tmp_project: Path) -> None:
    artifacts_dir = tmp_project / "build" / "selfhosted"
    result, _ = run_program(tmp_project, "selfhosted", program=_program_with(_Edge), dry_run=False)
    [c] = _by_type(result.resources, CONTAINER)
    [key] = [u for u in c.inputs["uploads"] if u["file"].endswith("origin.key")]
    assert is_secret(key["content"]) and KEY_MARKER in key["content"]["value"]
    assert KEY_MARKER not in json.dumps(redact(c.inputs))
    assert not any(KEY_MARKER in p.read_text() for p in artifacts_dir.rglob("*") if p.is_file())


def test_without_an_origin_certificate_the_origin_serves_http_only(artifacts_dir: Path) -> None:
    result, engine = run_program(REPO, "selfhosted", program=_program_with(None))
    [c] = _by_type(result.resources, CONTAINER)
    assert [(p["internal"], p["external"]) for p in c.inputs["ports"]] == [(8080, 80)]
    assert not any(u["file"].endswith(".key") for u in c.inputs["uploads"])
    assert not (artifacts_dir / "nginx" / "webstack" / "tls").exists()
    assert any("originTls" in message for _, _, message in engine.messages)
    assert result.outputs["originUrl"] == "http://203.0.113.10"


def test_the_policy_pack_passes_the_selfhosted_stack(tmp_path: Path) -> None:
    code, out, err = run_cli(["preview", "--stack", "selfhosted", "--cwd", str(REPO), "--format", "json",
                              "--out", str(tmp_path)])
    doc = json.loads(out)
    container_violations = [v for v in doc.get("violations", []) if str(v.get("policy", "")).startswith("container-")
                            and v.get("enforcement") == "mandatory"]
    assert container_violations == [], container_violations
    header_violations = [v for v in doc.get("violations", []) if "header" in str(v.get("policy", ""))
                         and v.get("enforcement") == "mandatory"]
    assert header_violations == [], header_violations
    env_policies = {"node-env-production", "no-secrets-in-client-env", "supabase-url-https"}
    env_violations = [v for v in doc.get("violations", []) if v.get("policy") in env_policies
                      and v.get("enforcement") == "mandatory"]
    assert env_violations == [], env_violations
    assert code == 0, err


def test_image_is_built_with_the_public_env_and_the_anon_key_as_a_secret(selfhosted: tuple) -> None:
    resources, _ = selfhosted
    [image] = _by_type(resources, IMAGE)
    build_args = image.inputs["build"]["args"]
    assert {k: v for k, v in build_args.items() if k != "VITE_SUPABASE_ANON_KEY"} == {
        "NODE_ENV": "production",
        "VITE_SUPABASE_URL": "https://bcdefghijklmnopqrstu.supabase.co",  # from supabase.projectRef
        "VITE_ENABLE_ANALYTICS": "false",
    }
    key = build_args["VITE_SUPABASE_ANON_KEY"]
    assert is_secret(key) and key["value"] in (UNKNOWN, None)  # undecryptable offline, and still a secret


def test_a_known_anon_key_stays_a_secret_build_arg(artifacts_dir: Path) -> None:
    marker = "sb_publishable_buildArgMarkerbuildArgMarker0"
    result, _ = run_program(REPO, "selfhosted", secret_overrides={"webstack:supabaseAnonKey": marker})
    [image] = _by_type(result.resources, IMAGE)
    key = image.inputs["build"]["args"]["VITE_SUPABASE_ANON_KEY"]
    assert is_secret(key) and key["value"] == marker
    assert marker not in json.dumps(redact(image.inputs))
    assert not any(marker in p.read_text() for p in artifacts_dir.rglob("*") if p.is_file())


def test_a_changed_public_flag_changes_the_image_tag(artifacts_dir: Path) -> None:
    def tag(flag: str) -> str:
        artifacts.reset()
        env = json.dumps({"NODE_ENV": "production", "VITE_ENABLE_ANALYTICS": flag})
        result, _ = run_program(REPO, "selfhosted", overrides={"webstack:env": env})
        [image] = _by_type(result.resources, IMAGE)
        return str(image.inputs["imageName"])

    assert tag("false") != tag("true")


def test_the_dockerfile_copies_from_where_the_tree_is_written(tmp_project: Path) -> None:
    run_program(tmp_project, "selfhosted", program=_program_with(_Edge), dry_run=False)
    tree = tmp_project / "build" / "selfhosted" / "nginx"
    sources = _copy_sources((tree / "Dockerfile").read_text())
    assert "build/selfhosted/nginx/nginx.conf" in sources
    for source in sources:
        if source.startswith("build/"):
            assert (tmp_project / source).exists(), source


def test_an_artifacts_dir_inside_the_project_is_followed(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(artifacts.ARTIFACTS_ENV, str(tmp_project / "out" / "rendered"))
    result, _ = run_program(tmp_project, "selfhosted", program=_program_with(_Edge), dry_run=False)
    dockerfile = (tmp_project / "out" / "rendered" / "nginx" / "Dockerfile").read_text()
    assert "COPY out/rendered/nginx/nginx.conf /etc/nginx/nginx.conf" in dockerfile
    assert (tmp_project / "out" / "rendered" / "nginx" / "webstack").is_dir()
    [image] = _by_type(result.resources, IMAGE)
    assert image.inputs["build"]["context"] == "."
    assert image.inputs["build"]["dockerfile"].endswith("out/rendered/nginx/Dockerfile")


def test_a_deployment_refuses_an_artifacts_dir_outside_the_build_context(
        tmp_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(artifacts.ARTIFACTS_ENV, str(tmp_path / "elsewhere"))
    with pytest.raises(ProgramError, match=r"WEBSTACK_ARTIFACTS_DIR"):
        run_program(tmp_project, "selfhosted", program=_program_with(_Edge), dry_run=False)


def test_with_a_decryptable_anon_key_the_pack_reports_no_violation(tmp_path: Path) -> None:
    """The pack reads NODE_ENV and the VITE_* values from the Image's build args; offline, only the undecryptable
    key is reported as unknown (advisory), as on the Vercel stack."""
    offline = json.loads(run_cli(["preview", "--stack", "selfhosted", "--cwd", str(REPO), "--format", "json",
                                  "--out", str(tmp_path / "a")])[1])
    env = [v for v in offline["violations"] if v["policy"] == "no-secrets-in-client-env"]
    assert [v["enforcement"] for v in env] == ["advisory"]
    assert ".build.args.VITE_SUPABASE_ANON_KEY" in env[0]["message"]
    code, out, err = run_cli(["preview", "--stack", "selfhosted", "--cwd", str(REPO), "--format", "json",
                              "--out", str(tmp_path / "b"),
                              "--secret", "webstack:supabaseAnonKey=sb_publishable_fixtureFixtureFixture0123"])
    assert code == 0, err
    assert json.loads(out)["violations"] == []
