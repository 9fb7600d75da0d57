"""The selfhosted stack's container on a real Docker engine (Debian's dockerd, private to the session).

The stack runs offline (``run_program``, not a dry run, so the program writes the rendered tree into the build
context as under ``pulumi up``); then what it *registered* is carried out against the engine, argument by argument:

* the ``docker.Image`` inputs → ``docker build`` (BuildKit, as pulumi-docker uses) of the rendered Dockerfile,
  the base images substituted through its ``NODE_IMAGE``/``NGINX_IMAGE`` build arguments by local ones (nothing
  can be pulled here; see base_images.py for what they are);
* the ``command.local.Command`` inputs (the setup step) → its ``create`` script run by ``/bin/sh -c`` with the
  declared environment and stdin, the test PKI's leaf certificate and key standing in for the Origin CA's
  (those two values only exist after a real apply);
* the ``docker.Container`` inputs → the Engine API's create call (container_args.py: an input without a
  translation fails the test), then ``docker inspect`` must show every declared hardening field.

The stack is configured for the host network bound to 127.0.0.1 on ephemeral ports (``networkMode: host``,
``listenAddress``), as the engine runs with ``--bridge=none``.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import shutil
import socket
import ssl
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from base_images import BaseImages
from container_args import create_body, dig, expected_inspect
from engine import Engine
from fixture_app import FixtureApp, build_fixture_app
from nginx_pki import SitePki, make_pki
from nginx_server import free_port

from components.config import StackConfig
from components.config.stack import SECURE_PLACEHOLDER
from components.stack_config import load_stack_config
from components.standard import Standard, resolve_standard
from stackcheck.engine import run_program
from stackcheck.model import ResourceRecord
from stackcheck.wire import UNKNOWN, is_secret
from tests.conftest import REPO
from tests.standard.observatory import grade

pytestmark = pytest.mark.real_server

ANON_KEY = "sb_publishable_dockerEngineFixture0123456"
HOSTS = ["example.org", "www.example.org"]


@dataclass
class Deployment:
    engine: Engine
    container_id: str
    image: str
    inputs: dict[str, Any]
    http_port: int
    https_port: int
    pki: SitePki
    key_pem: str
    app: FixtureApp
    std: Standard
    cfg: StackConfig
    build_seconds: float

    def inspect(self) -> dict[str, Any]:
        status, doc = self.engine.api("GET", f"/containers/{self.container_id}/json")
        assert status == 200, doc
        return dict(doc)

    def exec(self, *argv: str) -> subprocess.CompletedProcess[bytes]:
        return self.engine.docker("exec", self.container_id, *argv, check=False, timeout=30)

    def get(self, path: str, extra: dict[str, str] | None = None, *, tls: bool = True,
            host: str = "www.example.org") -> tuple[int, dict[str, str], bytes]:
        conn: http.client.HTTPConnection
        if tls:
            ctx = ssl.create_default_context(cafile=str(self.pki.ca_cert))
            conn = http.client.HTTPSConnection("127.0.0.1", self.https_port, context=ctx, timeout=10)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=10)
        try:
            conn.request("GET", path, headers={"Host": host, **(extra or {})})
            response = conn.getresponse()
            headers: dict[str, str] = {}
            for name, value in response.getheaders():
                key = name.lower()
                headers[key] = f"{headers[key]}, {value}" if key in headers else value
            return response.status, headers, response.read()
        finally:
            conn.close()


def _one(resources: list[ResourceRecord], type_: str) -> ResourceRecord:
    [record] = [r for r in resources if r.type == type_]
    return record


def _plain(value: Any, what: str) -> str:
    if is_secret(value):
        value = value["value"]
    assert isinstance(value, str) and value != UNKNOWN, f"{what} is not known after the offline run"
    return value


def _project(work: Path, http_port: int, https_port: int, tls_dir: Path) -> Path:
    project = work / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):  # the repo's own program, run from the copy
        (project / name).write_text((REPO / name).read_text())
    stack = yaml.safe_load((REPO / "Pulumi.selfhosted.yaml").read_text())
    nginx = stack["config"]["webstack:hosting"]["nginx"]
    nginx.update({"httpPort": http_port, "httpsPort": https_port, "networkMode": "host",
                  "listenAddress": "127.0.0.1", "tlsHostDir": str(tls_dir),
                  # the test client cannot hold Cloudflare's origin-pull certificate; the lockdown itself is
                  # tested on real nginx in tests/nginx/test_nginx_origin_pulls.py
                  "authenticatedOriginPulls": False})
    (project / "Pulumi.selfhosted.yaml").write_text(yaml.safe_dump(stack, sort_keys=False))
    return project


def _app(project: Path, app_dir: str, supabase_url: str) -> FixtureApp:
    """The Vite project as the build stage sees it: manifest + lockfile, and the pre-built site (see base_images)."""
    app = project / app_dir
    app.mkdir(parents=True)
    (app / "package.json").write_text(json.dumps({"name": "fixture", "private": True,
                                                  "scripts": {"build": "vite build"}}))
    (app / "package-lock.json").write_text(json.dumps({"name": "fixture", "lockfileVersion": 3, "packages": {}}))
    (app / "node_modules").mkdir()  # host-built dependencies: the rendered .dockerignore must keep them out
    (app / "node_modules" / "host-only.txt").write_text("must not reach the build")
    return build_fixture_app(app / "prebuilt", supabase_url)


def _build(engine: Engine, project: Path, image: ResourceRecord, bases: BaseImages) -> tuple[str, float]:
    build = image.inputs["build"]
    assert set(build) <= {"context", "dockerfile", "args"}, f"untranslated build inputs: {sorted(build)}"
    name = _plain(image.inputs["imageName"], "imageName")
    # No bridge on this engine: RUN steps get no network (the stand-in build needs none; npm would).
    argv = ["build", "-q", "--network", "none", "-f", build["dockerfile"], "-t", name]
    for arg, value in sorted((build.get("args") or {}).items()):
        argv += ["--build-arg", f"{arg}={_plain(value, arg)}"]
    argv += ["--build-arg", f"NODE_IMAGE={bases.build}", "--build-arg", f"NGINX_IMAGE={bases.runtime}",
             build["context"]]
    started = time.monotonic()
    result = subprocess.run(["/usr/bin/docker" if Path("/usr/bin/docker").exists() else "docker", *argv],
                            cwd=project, capture_output=True, timeout=600, check=False,
                            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DOCKER_HOST": engine.host,
                                 "DOCKER_BUILDKIT": "1", "DOCKER_CONFIG": str(engine.root / "cli-config"),
                                 "HOME": str(engine.root)})
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-3000:]
    return name, time.monotonic() - started


def _run_setup_step(step: ResourceRecord, cert_pem: str, key_pem: str) -> None:
    inputs = step.inputs
    assert set(inputs) <= {"create", "delete", "stdin", "environment", "triggers"}, sorted(inputs)
    assert set(inputs["environment"]) == {"ORIGIN_CERTIFICATE_PEM"}
    assert is_secret(inputs["stdin"])
    subprocess.run(["/bin/sh", "-c", inputs["create"]], input=key_pem.encode(), check=True, timeout=30,
                   env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "ORIGIN_CERTIFICATE_PEM": cert_pem})


@pytest.fixture(scope="module")
def deployed(engine: Engine, base_images: BaseImages) -> Iterator[Deployment]:
    work = Path(tempfile.mkdtemp(prefix="webstack-docker-site-", dir="/tmp"))
    container_id = None
    teardown = None
    try:
        http_port, https_port = free_port(), free_port()
        tls_dir = work / "host" / "tls-root"
        project = _project(work, http_port, https_port, tls_dir)
        result, _ = run_program(project, "selfhosted", dry_run=False,
                                secret_overrides={"webstack:supabaseAnonKey": ANON_KEY})
        cfg = read_config(project)
        image_record = _one(result.resources, "docker:index/image:Image")
        step = _one(result.resources, "command:local:Command")
        container = _one(result.resources, "docker:index/container:Container")
        app = _app(project, cfg.hosting.nginx.app_dir if cfg.hosting.nginx else ".", str(cfg.supabase.api_url))
        image, build_seconds = _build(engine, project, image_record, base_images)

        pki = make_pki(work / "pki", HOSTS)
        key_pem = pki.key.read_text()
        _run_setup_step(step, pki.cert.read_text(), key_pem)
        teardown = step.inputs["delete"]

        declared_image = container.inputs.get("image")
        # The offline engine invents a repo digest; a local, unpushed image has none, so the container runs name:tag.
        assert declared_image == UNKNOWN or str(declared_image).split("@")[0] == image, declared_image
        name, body = create_body(container.inputs, image)
        status, created = engine.api("POST", f"/containers/create?name={name}", body)
        assert status == 201, created
        container_id = created["Id"]
        status, started = engine.api("POST", f"/containers/{container_id}/start")
        assert status == 204, started
        yield Deployment(engine=engine, container_id=container_id, image=image, inputs=container.inputs,
                         http_port=http_port, https_port=https_port, pki=pki, key_pem=key_pem, app=app,
                         std=resolve_standard(cfg), cfg=cfg, build_seconds=build_seconds)
    finally:
        if container_id is not None:
            engine.api("DELETE", f"/containers/{container_id}?force=true")
        if teardown is not None:
            subprocess.run(["/bin/sh", "-c", teardown], check=False, timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def read_config(project: Path) -> StackConfig:
    """The stack config as the program saw it (secure values: the anon key the run was given)."""
    raw: dict[str, Any] = {}
    for key, value in yaml.safe_load((project / "Pulumi.selfhosted.yaml").read_text())["config"].items():
        if isinstance(value, dict) and "secure" in value:  # the offline placeholder, as the run saw it
            raw[key] = ANON_KEY if key == "webstack:supabaseAnonKey" else SECURE_PLACEHOLDER
        else:
            raw[key] = value
    return load_stack_config(raw, project="webstack", stack="selfhosted")


def _wait_running(d: Deployment, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        doc = d.inspect()
        if doc["State"]["Running"] or time.monotonic() > deadline:
            assert doc["State"]["Running"], (doc["State"], d.engine.docker("logs", d.container_id,
                                                                           check=False).stderr[-2000:])
            return doc
        time.sleep(0.2)


def _wait_serving(d: Deployment, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            d.get("/healthz", tls=False)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# ------------------------------------------------------------------------------------------------ the arguments


def test_every_declared_hardening_argument_round_trips_into_docker_inspect(deployed: Deployment) -> None:
    doc = _wait_running(deployed)
    expected = expected_inspect(deployed.inputs)
    assert expected["HostConfig.ReadonlyRootfs"] is True and expected["HostConfig.CapDrop"] == ["ALL"]
    for path, value in expected.items():
        assert dig(doc, path) == value, path
    mounts = {m["Destination"]: m for m in doc["Mounts"]}
    assert mounts["/etc/nginx/tls"]["RW"] is False and mounts["/etc/nginx/tls"]["Type"] == "bind"
    assert doc["Config"]["Image"] == deployed.image


def test_the_running_process_is_unprivileged_on_a_read_only_root(deployed: Deployment) -> None:
    _wait_running(deployed)
    status = deployed.exec("cat", "/proc/1/status").stdout.decode()
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    assert fields["Uid"].split()[:2] == ["101", "101"]
    assert fields["CapEff"].strip() == fields["CapPrm"].strip() == "0000000000000000"
    assert fields["NoNewPrivs"].strip() == "1"
    refused = deployed.exec("sh", "-c", "echo x > /etc/nginx/written")
    assert refused.returncode != 0 and b"Read-only file system" in refused.stderr
    mounts = deployed.exec("cat", "/proc/mounts").stdout.decode().splitlines()
    for path in ("/tmp", "/var/cache/nginx", "/var/run"):
        [line] = [m for m in mounts if m.split()[1] == path]
        assert line.split()[2] == "tmpfs" and "noexec" in line and "nosuid" in line
    [root] = [m for m in mounts if m.split()[1] == "/"]
    assert root.split()[3].startswith("ro")


# ------------------------------------------------------------------------------------------------ serving


def test_it_serves_the_app_over_tls_with_the_full_header_set_graded_a_plus(deployed: Deployment) -> None:
    _wait_running(deployed)
    _wait_serving(deployed)
    status, headers, body = deployed.get("/")
    assert status == 200 and b"<html" in body.lower()
    assert body == (deployed.app.root / "index.html").read_bytes()
    for name, value in deployed.std.headers:
        assert headers.get(name.lower()) == value, name
    assert "x-powered-by" not in headers and headers.get("server") == "nginx"
    report = grade(list(headers.items()))
    assert report.grade == "A+", (report.score, [(t.name, t.result) for t in report.tests])
    status, headers, _ = deployed.get(deployed.app.index_js)
    assert status == 200 and "immutable" in headers["cache-control"]
    assert headers["content-security-policy"] == dict(deployed.std.headers)["Content-Security-Policy"]
    status, headers, _ = deployed.get("/missing/deep/link")
    assert status == 200 and headers["cache-control"] == "no-cache"  # the SPA fallback


def test_hashed_assets_are_sent_as_the_build_stage_precompressed_them(deployed: Deployment) -> None:
    import gzip

    _wait_running(deployed)
    _wait_serving(deployed)
    path = deployed.app.vendor_js
    plain = (deployed.app.root / path.lstrip("/")).read_bytes()
    # The siblings were written inside the image's build stage (the real precompress.mjs under Node.js), not here.
    built = deployed.exec("cat", f"/usr/share/nginx/html{path}.gz")
    assert built.returncode == 0, built.stderr
    assert gzip.decompress(built.stdout) == plain and len(built.stdout) < len(plain) / 3
    status, headers, body = deployed.get(path, {"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("content-encoding") == "gzip"
    assert body == built.stdout and int(headers["content-length"]) == len(built.stdout)
    assert "Accept-Encoding" in headers.get("vary", "")
    status, headers, body = deployed.get(path)
    assert status == 200 and "content-encoding" not in headers and body == plain


def test_plain_http_redirects_to_the_canonical_host_and_answers_health(deployed: Deployment) -> None:
    _wait_running(deployed)
    _wait_serving(deployed)
    status, headers, _ = deployed.get("/x?y=1", tls=False, host="example.org")
    assert status == 301
    assert headers["location"] == f"https://www.example.org:{deployed.https_port}/x?y=1"
    assert deployed.get("/healthz", tls=False)[0] == 200


def test_the_origin_certificate_served_is_the_one_the_setup_step_placed(deployed: Deployment) -> None:
    _wait_running(deployed)
    _wait_serving(deployed)
    # The protocol and cipher profile of the same rendered config is graded by sslyze in tests/nginx/test_nginx_tls.py.
    ctx = ssl.create_default_context(cafile=str(deployed.pki.ca_cert))
    with socket.create_connection(("127.0.0.1", deployed.https_port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="www.example.org") as tls:
            der = tls.getpeercert(binary_form=True)
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
    assert der is not None
    assert ssl.DER_cert_to_PEM_cert(der).split() == deployed.pki.cert.read_text().split()


# ------------------------------------------------------------------------------------------------ the key


def _key_needles(key_pem: str) -> list[bytes]:
    body = [line for line in key_pem.splitlines() if line and not line.startswith("-----")]
    der = base64.b64decode("".join(body))
    return [line.encode() for line in body if len(line) >= 16] + [der[-32:]]


def test_the_private_key_is_in_no_layer_env_or_inspect_output(deployed: Deployment) -> None:
    _wait_running(deployed)
    needles = _key_needles(deployed.key_pem)
    engine = deployed.engine
    history = engine.docker("history", "--no-trunc", deployed.image).stdout
    image_inspect = engine.docker("image", "inspect", deployed.image).stdout
    container_inspect = json.dumps(deployed.inspect()).encode()
    env = deployed.exec("cat", "/proc/1/environ").stdout
    for needle in needles:
        for label, text in (("history", history), ("image inspect", image_inspect),
                            ("container inspect", container_inspect), ("process environment", env)):
            assert needle not in text, label
    assert not deployed.inspect()["Config"].get("Env") or all(
        "KEY" not in e.split("=", 1)[0] for e in deployed.inspect()["Config"]["Env"])
    saved = engine.docker("save", deployed.image, timeout=120).stdout
    scanned = 0
    with tarfile.open(fileobj=io.BytesIO(saved)) as outer:
        for member in outer.getmembers():
            data = outer.extractfile(member)
            if data is None:
                continue
            blob = data.read()
            scanned += len(blob)
            for needle in needles:
                assert needle not in blob, member.name
            if member.name.endswith("layer.tar"):
                with tarfile.open(fileobj=io.BytesIO(blob)) as layer:
                    names = layer.getnames()
                    assert not any(n.endswith((".key", ".pem")) for n in names), member.name
                    assert not any("node_modules" in n for n in names), member.name
    assert scanned > 1_000_000  # the scan saw the image (nginx and its libraries), not an empty tar


def test_the_key_is_readable_only_by_the_server_through_a_read_only_mount(deployed: Deployment) -> None:
    _wait_running(deployed)
    listing = deployed.exec("ls", "-ln", "/etc/nginx/tls").stdout.decode()
    modes = {line.split()[-1]: (line.split()[0], line.split()[2]) for line in listing.splitlines()[1:]}
    assert modes["origin.key"] == ("-r--------", "101") and modes["origin.crt"][0] == "-r--r--r--"
    refused = deployed.exec("sh", "-c", "echo x > /etc/nginx/tls/origin.key")
    assert refused.returncode != 0
    host_base = Path(deployed.inputs["volumes"][0]["hostPath"]).parent
    assert host_base.stat().st_mode & 0o777 == 0o700 and host_base.stat().st_uid == 0


# ------------------------------------------------------------------------------------------------ health (last: ~30 s)


def test_the_container_becomes_healthy(deployed: Deployment) -> None:
    interval = deployed.inputs["healthcheck"]["interval"]
    deadline = time.monotonic() + 90  # Docker 20.10 runs the first probe one interval (30 s) after the start
    while True:
        health = deployed.inspect()["State"].get("Health") or {}
        if health.get("Status") == "healthy":
            break
        assert health.get("Status") != "unhealthy", health
        assert time.monotonic() < deadline, (interval, health)
        time.sleep(0.5)
    assert health["Log"][-1]["ExitCode"] == 0
