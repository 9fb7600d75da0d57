"""Real Chromium under the standard's CSP with real-user monitoring on and off: the beacon runs and reports, and
nothing else new is allowed.

One HTTPS server on 127.0.0.1 (the test CA's leaf covers every name) plays the site (``site.test``, its CSP from
:func:`build_standard` for the mode), Cloudflare's beacon host (``static.cloudflareinsights.com``) and its
collector (``cloudflareinsights.com``); Chromium resolves those names to it (``--host-resolver-rules``), so the page
sees the real origins the CSP names. The beacons are stand-ins with the documented URLs and behaviour
(developers.cloudflare.com/web-analytics/faq/): the auto-installed one at ``/beacon.min.js/v<version>`` with
Subresource Integrity, reporting to the site's own ``/cdn-cgi/rum``; the embedded snippet at ``/beacon.min.js``,
reporting to ``https://cloudflareinsights.com/cdn-cgi/rum``; Vercel Speed Insights at
``/_vercel/speed-insights/script.js`` posting to ``/_vercel/speed-insights/vitals`` (vercel.com/docs/speed-insights).
After the beacon, a same-origin script tries what must stay refused (other scripts of the beacon's hosts, other
paths of its collector); every ``securitypolicyviolation`` is written into the DOM, which Chromium dumps.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from nginx_pki import SitePki, make_pki
from nginx_server import free_port

from components.config.standard import HeadersConfig
from components.standard.resolve import build_standard

pytestmark = pytest.mark.real_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SITE = "site.test"
STATIC = "static.cloudflareinsights.com"
COLLECTOR = "cloudflareinsights.com"
INJECTED_PATH = "/beacon.min.js/v2024.11.0"
MODES: dict[str, list[str]] = {"off": [], "cloudflare-auto": ["cloudflare-auto"],
                               "cloudflare-snippet": ["cloudflare-snippet"], "vercel": ["vercel"]}

PROBE = """
function report(key, value) {
  const li = document.createElement("li"); li.id = key; li.textContent = value;
  document.getElementById("out").appendChild(li);
}
let violations = 0;
document.addEventListener("securitypolicyviolation",
  (e) => report("violation-" + (++violations), e.effectiveDirective + " " + e.blockedURI));
"""


def _beacon(endpoint: str, name: str) -> str:
    return (f'report("{name}", "ran");\n'
            f'fetch({endpoint}, {{method: "POST", body: JSON.stringify({{lcp: 1}}), keepalive: true}})\n'
            f'  .then((r) => report("{name}-post", "sent " + r.status), () => report("{name}-post", "refused"));\n')


INJECTED_BEACON = _beacon('location.origin + "/cdn-cgi/rum"', "beacon")
SNIPPET_BEACON = _beacon(f'"https://{COLLECTOR}/cdn-cgi/rum"', "beacon")
VERCEL_SCRIPT = _beacon('"/_vercel/speed-insights/vitals"', "beacon")

TRIES = f"""
const tries = [
  ["script", "other-script", "https://{STATIC}/other.js"],
  ["script", "collector-script", "https://{COLLECTOR}/beacon.min.js"],
  ["script", "injected-elsewhere", "https://{COLLECTOR}{INJECTED_PATH}"],
  ["fetch", "collector-other-path", "https://{COLLECTOR}/cdn-cgi/other"],
  ["fetch", "static-host-fetch", "https://{STATIC}/beacon.min.js"],
  ["fetch", "collector-from-page", "https://{COLLECTOR}/cdn-cgi/rum"],
];
let pending = tries.length;
const settle = (name, value) => {{
  report(name, value);
  if (--pending === 0) setTimeout(() => report("done", "yes"), 300);
}};
for (const [kind, name, url] of tries) {{
  if (kind === "script") {{
    const s = document.createElement("script"); s.src = url;
    s.onload = () => settle(name, "loaded"); s.onerror = () => settle(name, "refused");
    document.body.appendChild(s);
  }} else {{
    fetch(url, {{method: "POST", body: "x"}}).then(() => settle(name, "allowed"), () => settle(name, "refused"));
  }}
}}
"""
REFUSED_TRIES = {"other-script", "collector-script", "injected-elsewhere", "collector-other-path",
                 "static-host-fetch"}


def _sri(text: str) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(text.encode()).digest()).decode()


def _page(mode: str) -> str:
    if mode == "cloudflare-auto":  # the shape Cloudflare's edge injects: versioned path, SRI, CORS mode
        tag = (f'<script defer src="https://{STATIC}{INJECTED_PATH}" integrity="{_sri(INJECTED_BEACON)}" '
               'crossorigin="anonymous" data-cf-beacon=\'{"token": "0123456789abcdef0123456789abcdef"}\'></script>')
    elif mode == "vercel":
        tag = '<script defer src="/_vercel/speed-insights/script.js"></script>'
    else:  # the snippet the app embeds (also tried with RUM off: the CSP must refuse it)
        tag = (f'<script defer src="https://{STATIC}/beacon.min.js" '
               'data-cf-beacon=\'{"token": "0123456789abcdef0123456789abcdef"}\'></script>')
    return ('<!doctype html><html><head><meta charset="utf-8"><title>rum</title></head><body><ul id="out"></ul>'
            f'<script src="/probe.js"></script>{tag}<script defer src="/tries.js"></script></body></html>')


def csp_for(mode: str) -> str:
    std = build_standard(HeadersConfig.model_validate({}), None, [], rum_beacons=MODES[mode])
    value = std.header("Content-Security-Policy")
    assert value is not None
    return value


class _World(BaseHTTPRequestHandler):
    posts: ClassVar[list[dict[str, str]]] = []

    def _host(self) -> str:
        return (self.headers.get("Host") or "").split(":")[0]

    def _send(self, status: int, body: str = "", ctype: str = "text/plain", extra: dict[str, str] | None = None
              ) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        host, path = self._host(), self.path
        js = "text/javascript"
        cors = {"Access-Control-Allow-Origin": "*"}
        if host == SITE and path.startswith("/page/"):
            mode = path.removeprefix("/page/")
            self._send(200, _page(mode), "text/html; charset=utf-8", {"Content-Security-Policy": csp_for(mode)})
        elif host == SITE and path in ("/probe.js", "/tries.js", "/_vercel/speed-insights/script.js"):
            self._send(200, {"/probe.js": PROBE, "/tries.js": TRIES}.get(path, VERCEL_SCRIPT), js)
        elif host == STATIC and path == INJECTED_PATH:
            self._send(200, INJECTED_BEACON, js, cors)
        elif host == STATIC and path == "/beacon.min.js":
            self._send(200, SNIPPET_BEACON, js, cors)
        elif host in (STATIC, COLLECTOR) and (path.endswith(".js") or path.startswith("/beacon.min.js")):
            self._send(200, 'report("stray-script", "ran");', js, cors)
        else:
            self._send(404, "not found")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.posts.append({"host": self._host(), "path": self.path, "origin": self.headers.get("Origin", "")})
        self._send(204 if self.path in ("/cdn-cgi/rum", "/_vercel/speed-insights/vitals") else 404, "",
                   extra={"Access-Control-Allow-Origin": f"https://{SITE}"})

    def log_message(self, format: str, *args: object) -> None:
        pass


def _spki(cert: Path) -> str:
    key = x509.load_pem_x509_certificate(cert.read_bytes()).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, SitePki, type[_World]]]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (apt-get install chromium; `make system-deps` does it)")
    pki = make_pki(tmp_path_factory.mktemp("rum-pki"), [SITE, STATIC, COLLECTOR])
    handler = type("Handler", (_World,), {"posts": []})
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(pki.cert), str(pki.key))
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield port, pki, handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def load(world: tuple[int, SitePki, type[_World]], mode: str) -> dict[str, Any]:
    port, pki, handler = world
    handler.posts.clear()
    profile = tempfile.mkdtemp(prefix="webstack-rum-chromium-")
    rules = ", ".join(f"MAP {h} 127.0.0.1:{port}" for h in (SITE, STATIC, COLLECTOR)) + ", MAP * ~NOTFOUND"
    try:
        proc = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
             f"--user-data-dir={profile}", f"--ignore-certificate-errors-spki-list={_spki(pki.cert)}",
             f"--host-resolver-rules={rules}", "--virtual-time-budget=10000", "--dump-dom",
             f"https://{SITE}/page/{mode}"],
            capture_output=True, text=True, timeout=120, check=False, start_new_session=True)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    items = dict(re.findall(r'<li id="([^"]+)">([^<]*)</li>', proc.stdout))
    return {"items": items, "posts": list(handler.posts), "stderr": proc.stderr, "dom": proc.stdout,
            "violations": sorted(v for k, v in items.items() if k.startswith("violation-"))}


def _tries_refused(result: dict[str, Any]) -> None:
    items = result["items"]
    assert items.get("done") == "yes", result["dom"][-1500:] + result["stderr"][-1500:]
    for name in REFUSED_TRIES:
        assert items[name] == "refused", (name, items)
    assert "stray-script" not in items


@pytest.mark.parametrize("mode", ["cloudflare-auto", "cloudflare-snippet", "vercel"])
def test_the_beacon_runs_and_reports_and_nothing_else_is_allowed(world: Any, mode: str) -> None:
    result = load(world, mode)
    items = result["items"]
    _tries_refused(result)
    assert items.get("beacon") == "ran", result
    assert items.get("beacon-post") == "sent 204", result
    expected_post = {"cloudflare-auto": (SITE, "/cdn-cgi/rum"), "cloudflare-snippet": (COLLECTOR, "/cdn-cgi/rum"),
                     "vercel": (SITE, "/_vercel/speed-insights/vitals")}[mode]
    beacon_posts = [(p["host"], p["path"]) for p in result["posts"] if p["path"] != "/cdn-cgi/other"]
    assert expected_post in beacon_posts
    # Every violation is one of the refused tries: none concerns the beacon, its script or its report.
    refused_urls = {f"https://{STATIC}/other.js", f"https://{COLLECTOR}/beacon.min.js",
                    f"https://{COLLECTOR}{INJECTED_PATH}", f"https://{COLLECTOR}/cdn-cgi/other",
                    f"https://{STATIC}/beacon.min.js", f"https://{COLLECTOR}/cdn-cgi/rum"}
    assert result["violations"], "the refused tries must show as violations"
    for violation in result["violations"]:
        directive, url = violation.split(" ", 1)
        assert directive in ("script-src-elem", "connect-src") and url in refused_urls, violation
    # Only the snippet may reach the collector from the page; the auto-installed beacon reports to the site.
    assert items["collector-from-page"] == ("allowed" if mode == "cloudflare-snippet" else "refused")


def test_with_rum_off_the_beacon_is_refused(world: Any) -> None:
    result = load(world, "off")
    items = result["items"]
    _tries_refused(result)
    assert "beacon" not in items and not [p for p in result["posts"] if p["path"] == "/cdn-cgi/rum"]
    assert f"script-src-elem https://{STATIC}/beacon.min.js" in result["violations"]


def test_vercel_speed_insights_adds_nothing_to_the_csp() -> None:
    assert csp_for("vercel") == csp_for("off")
    assert json.dumps(csp_for("off")).count("cloudflareinsights") == 0
