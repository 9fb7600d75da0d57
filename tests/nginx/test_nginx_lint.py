"""Static judges on the rendered files: nginx -t, gixy-ng, hadolint, and the project's own Dockerfile rules."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from dockerfile_rules import RULES, check_dockerfile
from nginx_pki import make_pki
from nginx_server import nginx_test, world_readable_tmpdir, write_tree
from nginx_support import SITE, stack_config

from components.render.dockerfile import DockerfileSpec, render_dockerfile
from components.render.nginx import NginxSiteSpec, TlsSpec, render_nginx
from components.standard import resolve_standard

BIN = Path(sys.executable).parent
RUNBOOK_DOCKERFILE = (Path(__file__).parent / "fixtures" / "runbook.Dockerfile").read_text()


def _variants(base: Path) -> dict[str, dict[str, str]]:
    pki = make_pki(base / "pki", [SITE])
    std = resolve_standard(stack_config())
    common = {"root": str(base / "www"), "state_dir": str(base / "state"), "access_log": str(base / "access.log"),
              "error_log": str(base / "error.log"), "listen_address": "127.0.0.1", "http_port": 18080}
    tls = TlsSpec(certificate=str(pki.cert), certificate_key=str(pki.key), port=18443)
    ocsp = TlsSpec(certificate=str(pki.cert), certificate_key=str(pki.key), port=18443, resolvers=("127.0.0.53",),
                   trusted_certificate=str(pki.ca_cert))
    runbook = resolve_standard(stack_config(profile="runbook", weakeningReason="comparison with the runbook"))
    return {
        "tls": render_nginx(std, NginxSiteSpec(tls=tls, server_names=(SITE,), **common)),
        "tls+ocsp": render_nginx(std, NginxSiteSpec(tls=ocsp, canonical_host=SITE, **common)),
        "plain": render_nginx(std, NginxSiteSpec(**common)),
        "runbook-profile": render_nginx(runbook, NginxSiteSpec(tls=tls, listen_ipv6=True, server_names=(SITE,),
                                                               **common)),
        "container-defaults": render_nginx(std, NginxSiteSpec(
            tls=TlsSpec(certificate=str(pki.cert), certificate_key=str(pki.key)),
            server_names=(SITE, f"www.{SITE}"),
            **{k: v for k, v in common.items() if k not in ("access_log", "error_log")})),
    }


@pytest.fixture(scope="module")
def rendered() -> Iterator[dict[str, Path]]:
    base = world_readable_tmpdir("webstack-nginx-lint-")
    (base / "state").mkdir()  # the variants share one state_dir (nginx -t writes the pid path's dir check)
    try:
        out = {}
        for name, files in _variants(base).items():
            out[name] = write_tree(files, base / name)
            (base / name / "state").mkdir()
        yield out
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.real_server
@pytest.mark.parametrize("variant", ["tls", "tls+ocsp", "plain", "runbook-profile", "container-defaults"])
def test_nginx_accepts_every_variant(rendered: dict[str, Path], variant: str) -> None:
    conf = rendered[variant]
    result = nginx_test(conf, conf.parent / "state", conf.parent / "state" / "error.log")
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def _gixy(conf: Path) -> tuple[int, list[dict]]:
    proc = subprocess.run([str(BIN / "gixy"), "-f", "json", str(conf)], capture_output=True, text=True,
                          cwd=conf.parent, timeout=120, check=False)
    start = proc.stdout.find("[")
    return proc.returncode, json.loads(proc.stdout[start:]) if start >= 0 else []


@pytest.mark.parametrize("variant", ["tls", "tls+ocsp", "plain", "runbook-profile", "container-defaults"])
def test_gixy_finds_no_issue(rendered: dict[str, Path], variant: str) -> None:
    code, issues = _gixy(rendered[variant])
    assert issues == [] and code == 0, [(i["plugin"], i["summary"]) for i in issues]


def test_gixy_follows_our_includes(rendered: dict[str, Path], tmp_path: Path) -> None:
    """Control: a location that adds its own header (the inheritance trap) is caught through the includes."""
    src = rendered["tls"].parent
    broken = tmp_path / "broken"
    subprocess.run(["cp", "-r", str(src), str(broken)], check=True)
    site_conf = broken / "webstack" / "location" / "site.conf"
    site_conf.write_text(site_conf.read_text().replace("try_files $uri =404;",
                                                       'add_header X-Debug "1";\n    try_files $uri =404;'))
    code, issues = _gixy(broken / "nginx.conf")
    assert code != 0
    assert "add_header_redefinition" in {i["plugin"] for i in issues}


def _hadolint(text: str, tmp_path: Path) -> list[dict]:
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    proc = subprocess.run([str(BIN / "hadolint"), "-f", "json", str(path)], capture_output=True, text=True,
                          timeout=60, check=False)
    return json.loads(proc.stdout or "[]")


DOCKERFILE_SPECS = {
    "defaults": DockerfileSpec(),
    "selfhosted": DockerfileSpec(app_dir="app", config_dir="build/selfhosted/nginx", node_version="22",
                                 nginx_version="1.28", nginx_digest="sha256:" + "0" * 64,
                                 build_args=("NODE_ENV", "VITE_SUPABASE_URL", "VITE_SUPABASE_ANON_KEY")),
    "plain-http": DockerfileSpec(https_port=None, node_version="24", nginx_version="1.29.3"),
}


@pytest.mark.parametrize("name", list(DOCKERFILE_SPECS))
def test_hadolint_reports_nothing_on_the_rendered_dockerfile(name: str, tmp_path: Path) -> None:
    findings = _hadolint(render_dockerfile(DOCKERFILE_SPECS[name]), tmp_path)
    assert findings == []


def test_hadolint_does_not_catch_what_our_rules_catch(tmp_path: Path) -> None:
    """Why the project has its own rules: hadolint passes the runbook's broken Dockerfile."""
    errors = [f for f in _hadolint(RUNBOOK_DOCKERFILE, tmp_path) if f["level"] in ("error", "warning")]
    assert errors == []
    assert {f.rule for f in check_dockerfile(RUNBOOK_DOCKERFILE)} >= {"WS-DF001", "WS-DF002", "WS-DF003"}


def test_hadolint_is_a_real_judge(tmp_path: Path) -> None:
    """Control: hadolint does flag a shell-form CMD and :latest in the same harness."""
    rules = {f["code"] for f in _hadolint("FROM nginx:latest\nCMD nginx -g 'daemon off;'\n", tmp_path)}
    assert {"DL3007", "DL3025"} <= rules


@pytest.mark.parametrize("name", list(DOCKERFILE_SPECS))
def test_rendered_dockerfile_passes_every_project_rule(name: str) -> None:
    assert check_dockerfile(render_dockerfile(DOCKERFILE_SPECS[name])) == []


def test_runbook_dockerfile_fails_the_project_rules() -> None:
    findings = check_dockerfile(RUNBOOK_DOCKERFILE)
    by_rule = {f.rule: f for f in findings}
    assert by_rule["WS-DF001"].line == 6 and "line 4" in by_rule["WS-DF001"].message
    assert "nginx:alpine" in by_rule["WS-DF002"].message and by_rule["WS-DF002"].line == 8
    assert by_rule["WS-DF003"].line == 8
    assert "WS-DF004" in by_rule  # no HEALTHCHECK
    assert "WS-DF005" in by_rule  # EXPOSE 80 as non-root would not bind
    assert len(RULES) == 5
