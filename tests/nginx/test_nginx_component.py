"""NginxSite under the offline preview of the `selfhosted` stack: the hardened container with every option."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
from dockerfile_rules import check_dockerfile

from components.program import _nginx
from components.stack_config import read_pulumi_config
from stackcheck.engine import run_program
from stackcheck.model import ResourceRecord
from stackcheck.wire import UNKNOWN, is_secret, redact, unwrap
from tests.conftest import REPO, run_cli

CONTAINER = "docker:index/container:Container"
IMAGE = "docker:index/image:Image"
COMMAND = "command:local:Command"
COMPONENT = "webstack:index:NginxSite"
KEY_MARKER = "PRIVATE-KEY-MARKER-must-stay-secret"


def rendered(outputs: dict[str, Any]) -> dict[str, str]:
    """The program's ``files`` stack output: every rendered file (path → text)."""
    files: dict[str, str] = unwrap(outputs["files"])
    return files


def _by_type(resources: list[ResourceRecord], type_: str) -> list[ResourceRecord]:
    return [r for r in resources if r.type == type_]


@pytest.fixture
def selfhosted() -> tuple[list[ResourceRecord], dict[str, Any]]:
    result, _ = run_program(REPO, "selfhosted")
    return result.resources, result.outputs


def test_component_and_children_are_registered_under_it(selfhosted: tuple) -> None:
    resources, _ = selfhosted
    [site] = _by_type(resources, COMPONENT)
    assert not site.custom and site.name == "web"
    for type_ in (IMAGE, COMMAND, CONTAINER):
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
    assert i["volumes"] == [{"hostPath": "/var/lib/webstack/webstack-selfhosted-web/tls",
                             "containerPath": "/etc/nginx/tls", "readOnly": True}]
    assert i["command"] == ["nginx", "-g", "daemon off;"]
    assert "uploads" not in i  # refused by the daemon on a read-only root filesystem (issue 12)
    assert not i.get("privileged") and "envs" not in i


def test_image_feeds_the_container_and_is_never_latest(selfhosted: tuple) -> None:
    resources, _ = selfhosted
    [image] = _by_type(resources, IMAGE)
    [c] = _by_type(resources, CONTAINER)
    name = image.inputs["imageName"]
    assert name.startswith("example-web:webstack-") and not name.endswith(":latest")
    assert image.inputs["skipPush"] is True
    assert c.inputs["image"] == UNKNOWN  # computed from Image.repo_digest / image_name during preview
    assert image.urn in c.dependencies
    assert image.urn in c.property_dependencies.get("image", [])


def test_image_paths_are_relative_to_the_project_so_every_checkout_builds_the_same_image(selfhosted: tuple) -> None:
    resources, _ = selfhosted
    [image] = _by_type(resources, IMAGE)
    assert image.inputs["build"]["context"] == "."
    assert image.inputs["build"]["dockerfile"] == "build/selfhosted/nginx/Dockerfile"


def test_the_configuration_is_in_the_image_and_the_key_reaches_the_host_through_the_setup_step(
        selfhosted: tuple) -> None:
    resources, _ = selfhosted
    [tls] = _by_type(resources, COMMAND)
    [c] = _by_type(resources, CONTAINER)
    assert tls.urn in c.dependencies
    assert is_secret(tls.inputs["stdin"])  # the key: a secret, fed to the script's stdin, nowhere else
    assert "ORIGIN_CERTIFICATE_PEM" in tls.inputs["environment"]
    create = tls.inputs["create"]
    assert "umask 077" in create and "chmod 0400" in create and "chmod 0700" in create
    assert "/var/lib/webstack/webstack-selfhosted-web" in create
    assert "rm -rf" in tls.inputs["delete"]
    assert [lab["label"] for lab in c.inputs["labels"]] == ["webstack.site", "webstack.origin-certificate-sha256"]


def test_the_component_outputs_its_rendered_files(selfhosted: tuple) -> None:
    resources, _ = selfhosted
    [site] = _by_type(resources, COMPONENT)
    files = site.outputs["files"]
    assert {"nginx/Dockerfile", "nginx/Dockerfile.dockerignore", "nginx/nginx.conf"} <= set(files)
    headers = files["nginx/webstack/security/security-headers.conf"]
    assert "add_header Content-Security-Policy" in headers and "always;" in headers
    assert "listen 8443 ssl http2 default_server;" in files["nginx/nginx.conf"]
    assert "ssl_certificate_key /etc/nginx/tls/origin.key;" in files["nginx/nginx.conf"]
    assert "COPY build/selfhosted/nginx/nginx.conf /etc/nginx/nginx.conf" in files["nginx/Dockerfile"]


def test_outputs_are_exported(selfhosted: tuple) -> None:
    _, outputs = selfhosted
    assert outputs["originUrl"] == "https://203.0.113.10"
    assert "containerId" in outputs and "imageRef" in outputs


def test_emitted_dockerfile_passes_the_project_rules(selfhosted: tuple) -> None:
    files = rendered(selfhosted[1])
    dockerfile = files["nginx/Dockerfile"]
    assert check_dockerfile(dockerfile) == []
    # The base images are build arguments defaulting to the pinned official images (tests substitute local ones).
    assert "ARG NODE_IMAGE=node:22-alpine\n" in dockerfile and "ARG NGINX_IMAGE=nginx:1.28-alpine\n" in dockerfile
    assert "FROM ${NODE_IMAGE} AS build" in dockerfile and "FROM ${NGINX_IMAGE} AS runtime" in dockerfile
    assert "nginx/nginx.conf" in files


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
        outputs, files = _nginx(cfg, edge)
        for key, value in outputs.items():
            pulumi.export(key, value)
        pulumi.export("files", files)

    return program


@pytest.fixture
def tmp_project(tmp_path: Path) -> Iterator[Path]:
    """A copy of the project's stack files (no app, no build dir): a deployment writes its artifacts in here."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.selfhosted.yaml"):
        (project / name).write_text((REPO / name).read_text())
    (project / "__main__.py").write_text("raise SystemExit('the tests pass program=')\n")
    yield project


def _copy_sources(dockerfile: str) -> list[str]:
    return [line.split()[1] for line in dockerfile.splitlines()
            if line.startswith("COPY ") and not line.startswith("COPY --from")]


def test_private_key_stays_secret_in_the_recorded_inputs(tmp_project: Path) -> None:
    artifacts_dir = tmp_project / "build" / "selfhosted"
    result, _ = run_program(tmp_project, "selfhosted", program=_program_with(_Edge), dry_run=False)
    [tls] = _by_type(result.resources, COMMAND)
    assert is_secret(tls.inputs["stdin"]) and KEY_MARKER in tls.inputs["stdin"]["value"]
    for record in result.resources:
        assert KEY_MARKER not in json.dumps(redact(record.inputs)), record.urn
        if record.type != COMMAND:
            assert KEY_MARKER not in json.dumps(record.inputs), record.urn
    assert not any(KEY_MARKER in p.read_text() for p in artifacts_dir.rglob("*") if p.is_file())


def test_without_an_origin_certificate_the_origin_serves_http_only() -> None:
    # originTls off (allowed off production): the edge issues no Origin CA certificate and nginx serves plain HTTP.
    hosting = read_hosting()
    hosting["nginx"]["originTls"] = False
    result, _ = run_program(REPO, "selfhosted", program=_program_with(None),
                            overrides={"webstack:hosting": json.dumps(hosting), "webstack:environment": "staging"})
    [c] = _by_type(result.resources, CONTAINER)
    assert [(p["internal"], p["external"]) for p in c.inputs["ports"]] == [(8080, 80)]
    assert "volumes" not in c.inputs and not _by_type(result.resources, COMMAND)
    assert not any(path.startswith("nginx/webstack/tls") for path in rendered(result.outputs))
    assert result.outputs["originUrl"] == "http://203.0.113.10"


def read_hosting() -> dict[str, Any]:
    import yaml

    config = yaml.safe_load((REPO / "Pulumi.selfhosted.yaml").read_text())["config"]
    hosting: dict[str, Any] = config["webstack:hosting"]
    return hosting


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


def test_a_known_anon_key_stays_a_secret_build_arg() -> None:
    marker = "sb_publishable_buildArgMarkerbuildArgMarker0"
    result, _ = run_program(REPO, "selfhosted", secret_overrides={"webstack:supabaseAnonKey": marker})
    [image] = _by_type(result.resources, IMAGE)
    key = image.inputs["build"]["args"]["VITE_SUPABASE_ANON_KEY"]
    assert is_secret(key) and key["value"] == marker
    assert marker not in json.dumps(redact(image.inputs))
    assert not any(marker in text for text in rendered(result.outputs).values())


def test_a_changed_public_flag_changes_the_image_tag() -> None:
    def tag(flag: str) -> str:
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


def test_the_dockerfile_names_the_project_tree_whatever_the_out_dir(tmp_project: Path) -> None:
    result, _ = run_program(tmp_project, "selfhosted", program=_program_with(_Edge), dry_run=False)
    [image] = _by_type(result.resources, IMAGE)
    assert image.inputs["build"]["dockerfile"] == "build/selfhosted/nginx/Dockerfile"
    assert (tmp_project / "build" / "selfhosted" / "nginx" / "Dockerfile").is_file()


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
