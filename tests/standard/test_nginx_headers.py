"""The rendered nginx include under Debian's nginx on 127.0.0.1: the full header set on every kind of response.

tests/nginx/ serves the default standard over TLS; this serves a standard with every opt-out (framing, reporting
with a quoted Reporting-Endpoints value, COEP, extra headers whose values contain quotes, ';' and '#') so the
escaping is proven by the server itself, and runs gixy-ng and `nginx -t` on renderings of generated configs.
"""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from components.render.nginx import NginxSiteSpec, render_nginx
from components.standard import Standard, resolve_standard
from tests.nginx.fixture_app import FixtureApp, build_fixture_app
from tests.nginx.nginx_server import free_port, nginx_test, running_nginx, world_readable_tmpdir, write_tree
from tests.standard.helpers import load
from tests.standard.strategies import stack_headers

pytestmark = pytest.mark.real_server

GIXY = str(Path(sys.executable).with_name("gixy"))
GIXY_SKIPS = "worker_rlimit_nofile_vs_connections,try_files_is_evil_too"
"""The two noisy checks FIELD-NOTES names: the rlimit is set to twice the connections on purpose, and try_files
is the SPA fallback itself."""

WEAKENED = {
    "weakeningReason": "partner portal embeds the dashboard",
    "frameAncestors": ["'self'", "https://partner.example.net"],
    "crossOriginEmbedderPolicy": "require-corp",
    "crossOriginOpenerPolicy": "same-origin-allow-popups",
    "extraHeaders": {"X-Robots-Tag": "noindex, nofollow", "X-Note": 'quoted "value"; with #hash and \'single\''},
    "csp": {"scriptSrc": ["https://plausible.io"], "allowInlineStyles": True, "reportTo": "csp-endpoint",
            "reportEndpoint": "https://csp.example.com/r", "reportUri": "https://csp.example.com/r"},
}


@dataclass
class Served:
    std: Standard
    app: FixtureApp
    port: int
    conf: Path

    def request(self, method: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, list[tuple[
            str, str]]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, headers={"Host": "example.org", **(headers or {})})
            resp = conn.getresponse()
            resp.read()
            return resp.status, resp.getheaders()
        finally:
            conn.close()


def _spec(base: Path, port: int) -> NginxSiteSpec:
    return NginxSiteSpec(server_names=("example.org",), http_port=port, listen_address="127.0.0.1",
                         root=str(base / "dist"), state_dir=str(base / "state"), access_log="off",
                         error_log=str(base / "error.log"))


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    if shutil.which("nginx") is None:
        pytest.fail("nginx is not installed (apt-get install nginx; `make system-deps` does it)")
    base = world_readable_tmpdir("webstack-std-nginx-")
    try:
        port = free_port()
        std = resolve_standard(load("selfhosted", headers=WEAKENED))
        app = build_fixture_app(base / "dist", "https://bcdefghijklmnopqrstu.supabase.co")
        conf = write_tree(render_nginx(std, _spec(base, port)), base / "conf")
        with running_nginx(conf, base / "state", [port]):
            yield Served(std, app, port, conf)
    finally:
        shutil.rmtree(base, ignore_errors=True)


RESPONSES: dict[str, tuple[str, str, dict[str, str], int]] = {
    "app shell /": ("GET", "/", {}, 200),
    "deep SPA route": ("GET", "/dashboard/settings/42", {}, 200),
    "hashed asset": ("GET", "hashed-js", {}, 200),
    "missing hashed asset 404": ("GET", "/assets/missing-0badf00d.js", {}, 404),
    "denied dotfile 403": ("GET", "/.env", {}, 403),
    "method not allowed 405": ("POST", "/favicon.ico", {"Content-Length": "0"}, 405),
    "body too large 413": ("POST", "/", {"Content-Length": str(50 * 1024 * 1024)}, 413),
    "health": ("GET", "/healthz", {}, 200),
}


@pytest.mark.parametrize("label", list(RESPONSES))
def test_full_header_set_exactly_once_on_every_response(served: Served, label: str) -> None:
    method, path, headers, status = RESPONSES[label]
    if path == "hashed-js":
        path = served.app.index_js
    got_status, got = served.request(method, path, headers)
    assert got_status == status
    security = [(n, v) for n, v in got if n.lower() in {k.lower() for k, _ in served.std.headers}]
    assert sorted(security) == sorted(served.std.headers)  # each exactly once, byte-for-byte
    names = {n.lower() for n, _ in got}
    assert "x-powered-by" not in names


def test_quoted_values_arrive_unescaped(served: Served) -> None:
    _, got = served.request("GET", "/")
    values = dict(got)
    assert values["Reporting-Endpoints"] == 'csp-endpoint="https://csp.example.com/r"'
    assert values["X-Note"] == 'quoted "value"; with #hash and \'single\''


def _gixy(conf: Path) -> list[dict[str, Any]]:
    run = subprocess.run([GIXY, "-f", "json", "--skips", GIXY_SKIPS, str(conf)], capture_output=True, text=True,
                         timeout=120, check=False)
    assert run.stdout.strip(), run.stderr
    return json.loads(run.stdout)


def test_gixy_finds_nothing_in_the_weakened_rendering(served: Served) -> None:
    assert _gixy(served.conf) == []


def test_gixy_finds_nothing_in_the_default_rendering(tmp_path: Path) -> None:
    std = resolve_standard(load("selfhosted"))
    conf = write_tree(render_nginx(std, _spec(tmp_path, 8080)), tmp_path / "conf")
    assert _gixy(conf) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(headers=stack_headers)
def test_nginx_accepts_every_generated_rendering(headers: dict[str, Any]) -> None:
    _assert_nginx_accepts(headers)


def _assert_nginx_accepts(headers: dict[str, Any]) -> None:
    """`nginx -t` (real nginx) accepts the selfhosted rendering with these header settings."""
    std = resolve_standard(load("selfhosted", environment="staging", headers=headers))
    base = world_readable_tmpdir("webstack-std-nginx-t-")
    try:
        (base / "dist").mkdir()
        (base / "state").mkdir()
        conf = write_tree(render_nginx(std, _spec(base, 8080)), base / "conf")
        checked = nginx_test(conf, base / "state", base / "state" / "error.log")
        assert checked.returncode == 0, checked.stderr
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_nginx_accepts_the_longest_header_names_the_config_allows() -> None:
    """Header names of 64 characters (the config's limit), 20 of them (its limit), each a map variable: nginx's
    default variables hash (64-byte buckets) refused such names — a property run found a 31-character one."""
    _assert_nginx_accepts({"extraHeaders": {f"X{i:02d}" + "a" * 61: "1" for i in range(20)}})


def test_gixy_catches_a_location_that_would_drop_the_headers(tmp_path: Path) -> None:
    # The check above is only worth something if gixy reads our includes: plant the inheritance trap and see it.
    files = render_nginx(resolve_standard(load("selfhosted")), _spec(tmp_path, 8080))
    site = "webstack/location/site.conf"
    files[site] = files[site].replace("try_files $uri =404;", "try_files $uri =404;\n    add_header X-Test 1;", 1)
    conf = write_tree(files, tmp_path / "conf")
    assert [issue["plugin"] for issue in _gixy(conf)] == ["add_header_redefinition"]
