"""NginxSite under the offline preview of the `selfhosted` stack: the hardened container with every option."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components import artifacts
from components.config import read_pulumi_config
from components.program import _nginx
from components.render.dockerfile_rules import check_dockerfile
from components.standard import resolve_standard
from stackcheck.engine import run_program
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


def test_private_key_stays_secret_in_the_recorded_inputs(artifacts_dir: Path) -> None:
    result, _ = run_program(REPO, "selfhosted", program=_program_with(_Edge), dry_run=False)
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
    assert code == 0, err
