"""The rendered configuration served by real nginx (Debian) on 127.0.0.1: headers, caching, SPA, denial, limits."""

from __future__ import annotations

import gzip
import json
import socket
import time

import pytest
from nginx_support import SITE, Site

pytestmark = pytest.mark.real_server

RESPONSE_CLASSES = {
    "html (/)": "/",
    "spa deep link": "/dashboard/settings/42",
    "hashed asset": "hashed-js",
    "static file": "/robots.txt",
    "health": "/healthz",
    "missing hashed asset (404)": "/assets/missing-0badf00d.js",
    "dotfile (denied)": "/.env",
}


def _path(site: Site, path: str) -> str:
    return site.app.index_js if path == "hashed-js" else path


@pytest.mark.parametrize("label", list(RESPONSE_CLASSES))
def test_every_response_class_carries_the_full_header_set(site: Site, label: str) -> None:
    status, headers, _ = site.get(_path(site, RESPONSE_CLASSES[label]))
    assert status in (200, 403, 404)
    for name, value in site.std.headers:
        assert headers.get(name.lower()) == value, f"{label}: {name}"
    assert headers["server"] == "nginx"  # server_tokens off: no version
    assert "x-powered-by" not in headers


def test_redirect_and_rate_limited_responses_carry_the_headers_too(site: Site) -> None:
    status, headers, _ = site.get("/anything", tls=False)
    assert status == 301
    for name, value in site.std.headers:
        assert headers.get(name.lower()) == value


def test_cache_control_per_asset_class(site: Site) -> None:
    expected = {rule.asset_class: rule.cache_control for rule in site.std.cache_rules}
    cases = {
        "/": "html",
        "/index.html": "html",
        "/deep/link": "html",
        site.app.index_js: "hashed-assets",
        site.app.css: "hashed-assets",
        "/favicon.ico": "static",
        "/robots.txt": "static",
        "/healthz": "health",
    }
    for path, asset_class in cases.items():
        status, headers, _ = site.get(path)
        assert status == 200, path
        assert headers["cache-control"] == expected[asset_class], path
    assert expected["hashed-assets"].endswith("immutable")


def test_errors_are_never_cached(site: Site) -> None:
    for path in ("/assets/missing-0badf00d.js", "/.git/config"):
        status, headers, _ = site.get(path)
        assert status in (403, 404)
        assert headers["cache-control"] == "no-store"


def test_gzip_on_the_fly_with_vary(site: Site) -> None:
    status, headers, body = site.get(site.app.vendor_js, {"Accept-Encoding": "gzip"})
    raw = (site.app.root / site.app.vendor_js.lstrip("/")).read_bytes()
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in headers["vary"]
    assert gzip.decompress(body) == raw
    assert len(body) < len(raw) / 2
    status, headers, body = site.get(site.app.vendor_js)
    assert "content-encoding" not in headers and body == raw


def test_precompressed_file_is_served_when_present(site: Site) -> None:
    status, headers, body = site.get(site.app.precompressed_css, {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body).startswith(b"/* from the .gz file */")
    _, _, plain = site.get(site.app.precompressed_css)
    assert plain.startswith(b"/* served uncompressed */")


def test_spa_deep_links_get_index_html(site: Site) -> None:
    index = (site.app.root / "index.html").read_bytes()
    for path in ("/dashboard", "/users/7/profile", "/a/b/c/d?tab=2"):
        status, headers, body = site.get(path)
        assert status == 200 and body == index, path
        assert headers["content-type"].startswith("text/html")


def test_missing_hashed_asset_is_a_real_404(site: Site) -> None:
    status, _, body = site.get("/assets/index-00000000.js")
    assert status == 404
    assert b"fixture app" not in body


def test_hashed_assets_are_typed_for_nosniff(site: Site) -> None:
    assert site.get(site.app.index_js)[1]["content-type"].startswith("text/javascript")
    assert site.get(site.app.css)[1]["content-type"].startswith("text/css")


@pytest.mark.parametrize("path", ["/.env", "/.git/config", "/.git/", "/assets/.env", "/index.html.bak",
                                  "/nginx.conf", "/.DS_Store", "/x/.htpasswd"])
def test_dotfiles_and_backup_files_are_denied(site: Site, path: str) -> None:
    status, _, body = site.get(path)
    assert status in (403, 404), path
    assert b"do-not-serve" not in body and b"repositoryformatversion" not in body


def test_source_maps_are_not_published(site: Site) -> None:
    status, _, _ = site.get(site.app.index_js + ".map")
    assert status == 403


def test_well_known_stays_reachable(site: Site) -> None:
    status, _, body = site.get("/.well-known/security.txt")
    assert status == 200 and body.startswith(b"Contact:")


def _raw_request(site: Site, target: bytes) -> tuple[int, bytes]:
    """Send a request line exactly as given (http.client would not send some of these)."""
    ctx = site.tls_context()
    with socket.create_connection(("127.0.0.1", site.https_port), timeout=10) as sock, \
            ctx.wrap_socket(sock, server_hostname=SITE) as tls:
        tls.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: " + SITE.encode() + b"\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := tls.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data


@pytest.mark.parametrize("target", [b"/../../../../etc/passwd", b"/assets/../../etc/passwd",
                                    b"/%2e%2e/%2e%2e/etc/passwd", b"/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                                    b"/..%2f..%2f..%2fetc%2fpasswd", b"/assets/..%2F..%2Fconf%2Fnginx.conf"])
def test_path_traversal_never_leaves_the_web_root(site: Site, target: bytes) -> None:
    status, data = _raw_request(site, target)
    assert b"root:x:0:0" not in data
    assert b"ssl_certificate" not in data
    assert status in (400, 403, 404) or (status == 200 and b"fixture app" in data)


def test_health_endpoint(site: Site) -> None:
    for tls in (True, False):
        status, headers, body = site.get("/healthz", tls=tls)
        assert (status, body) == (200, b"ok\n")
        assert headers["content-type"].startswith("text/plain")


def _hammer(site: Site, path: str, count: int) -> list[int]:
    ctx = site.tls_context()
    statuses = []
    import http.client

    conn = http.client.HTTPSConnection("127.0.0.1", site.https_port, context=ctx, timeout=10)
    try:
        for _ in range(count):
            conn.request("GET", path, headers={"Host": SITE})
            resp = conn.getresponse()
            resp.read()
            statuses.append(resp.status)
    finally:
        conn.close()
    return statuses


def test_limit_req_answers_429_beyond_the_declared_burst(site: Site) -> None:
    rule = next(r for r in site.std.rate_limits if r.path == "/api/*")
    statuses = _hammer(site, "/api/v1/items", rule.burst + 4)
    allowed = rule.burst + 1  # one token at the start plus the burst
    assert statuses[:allowed] == [200] * allowed
    assert statuses[allowed:] == [429] * 3
    status, headers, _ = site.get("/api/v1/items")
    assert status == 429
    for name, value in site.std.headers:
        assert headers.get(name.lower()) == value
    assert headers["cache-control"] == "no-store"
    # other paths are not limited by that zone
    assert _hammer(site, "/dashboard", 10) == [200] * 10


def test_exact_path_rate_limit(site: Site) -> None:
    rule = next(r for r in site.std.rate_limits if r.path == "/auth/login")
    statuses = _hammer(site, "/auth/login", rule.burst + 3)
    assert statuses[: rule.burst + 1] == [200] * (rule.burst + 1)
    assert 429 in statuses[rule.burst + 1:]


def test_access_log_is_json_without_query_strings(site: Site) -> None:
    site.get("/json-log-probe?token=secret-in-query")
    deadline = time.monotonic() + 5
    entry = None
    while entry is None and time.monotonic() < deadline:
        for line in site.access_log.read_text().splitlines():
            record = json.loads(line)
            if record["path"] == "/index.html" and record["host"] == SITE:
                entry = record
        time.sleep(0.05)
    assert entry is not None
    assert {"time", "remote_addr", "status", "request_id", "user_agent", "tls"} <= set(entry)
    assert isinstance(entry["status"], int)
    assert "secret-in-query" not in site.access_log.read_text()


def test_health_checks_are_not_logged(site: Site) -> None:
    before = site.access_log.read_text()
    site.get("/healthz")
    site.get("/robots.txt")
    deadline = time.monotonic() + 5  # the log is buffered: a line is written at most a second late
    paths: list[str] = []
    while "/robots.txt" not in paths and time.monotonic() < deadline:
        time.sleep(0.1)
        new = site.access_log.read_text()[len(before):]
        paths = [json.loads(line)["path"] for line in new.splitlines()]
    assert "/robots.txt" in paths and "/healthz" not in paths


def test_request_body_limit(site: Site) -> None:
    import http.client

    conn = http.client.HTTPSConnection("127.0.0.1", site.https_port, context=site.tls_context(), timeout=10)
    try:
        conn.putrequest("POST", "/", skip_host=True)
        conn.putheader("Host", SITE)
        conn.putheader("Content-Length", str(2 * 1024 * 1024))  # declared, never sent: nginx refuses up front
        conn.endheaders()
        assert conn.getresponse().status == 413
    finally:
        conn.close()


def test_no_nginx_errors_were_logged(site: Site) -> None:
    errors = (site.base / "error.log").read_text() if (site.base / "error.log").exists() else ""
    bad = [line for line in errors.splitlines() if "[emerg]" in line or "[alert]" in line or "[crit]" in line]
    assert bad == []
