"""Revalidation on the real nginx: a 304 Not Modified carries what updates the stored response, and nothing else.

RFC 9110 §15.4.5: a 304 sends the fields a 200 would have that update the cache (Cache-Control, Content-Location,
Date, ETag, Expires, Vary); the stored response keeps everything else, the security headers included (proved in
real Chromium by test_nginx_browser_revalidation.py). The rendered config leaves them off 304s through ``map
$status`` variables; every other status still carries the full set (test_nginx_serve.py covers 200/301/4xx/429).
"""

from __future__ import annotations

import socket

import pytest
from nginx_support import SITE, Site

pytestmark = pytest.mark.real_server

PATHS = {
    "html (/)": "/",
    "index.html": "/index.html",
    "spa deep link": "/dashboard/settings/42",
    "hashed asset": "hashed-js",
    "static file": "/robots.txt",
    "favicon": "/favicon.ico",
}
ALLOWED_ON_304 = {"cache-control", "content-location", "date", "etag", "expires", "vary", "last-modified", "server",
                  "connection"}
"""RFC 9110's list, plus Last-Modified (the other validator), Server (nginx always sends it; server_tokens off)
and the hop-by-hop Connection."""


def _path(site: Site, label: str) -> str:
    return site.app.index_js if PATHS[label] == "hashed-js" else PATHS[label]


@pytest.mark.parametrize("validator", ["If-None-Match", "If-Modified-Since"])
@pytest.mark.parametrize("label", list(PATHS))
def test_a_304_carries_only_the_cache_update_headers(site: Site, label: str, validator: str) -> None:
    path = _path(site, label)
    browser = {"Accept-Encoding": "gzip, deflate, br"}
    status, first, body = site.get(path, browser)
    assert status == 200 and body
    for name, value in site.std.headers:
        assert first.get(name.lower()) == value, name  # the 200 has every header of the standard
    conditional = {"If-None-Match": first["etag"]} if validator == "If-None-Match" else {
        "If-Modified-Since": first["last-modified"]}
    status, headers, body = site.get(path, {**browser, **conditional})
    assert status == 304 and body == b""
    assert set(headers) <= ALLOWED_ON_304, set(headers) - ALLOWED_ON_304
    assert not {name.lower() for name, _ in site.std.headers} & set(headers)
    assert headers["cache-control"] == first["cache-control"]  # the stored response's policy is renewed
    # nginx weakens the ETag of a body it gzips on the fly (W/"…") and sends the strong one on the 304: the same
    # validator, and a weak comparison (what If-None-Match uses) matches either
    assert headers["etag"].removeprefix("W/") == first["etag"].removeprefix("W/")
    assert "content-length" not in headers and "transfer-encoding" not in headers  # no body, no length of one
    assert "content-type" not in headers and "content-encoding" not in headers


def test_a_304_on_the_wire_ends_with_its_headers(site: Site) -> None:
    """The raw bytes over TLS: a status line, the few headers, the empty line, and no body at all."""
    _, first, _ = site.get("/")
    request = (f"GET / HTTP/1.1\r\nHost: {SITE}\r\nIf-None-Match: {first['etag']}\r\n"
               "Accept-Encoding: gzip\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", site.https_port), timeout=10) as raw, \
            site.tls_context().wrap_socket(raw, server_hostname=SITE) as tls:
        tls.sendall(request)
        data = b""
        while chunk := tls.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 304 Not Modified\r\n")
    assert data.endswith(b"\r\n\r\n") and data.count(b"\r\n\r\n") == 1
    assert len(data) < 300, data  # was ~1.1 KB with the security headers
    assert b"Content-Security-Policy" not in data


def test_statuses_around_a_304_keep_every_header(site: Site) -> None:
    """Only the 304 goes without them: a failed precondition (412), a stale validator (200) and a 404 carry all."""
    _, first, _ = site.get("/")
    cases = {
        412: {"If-Match": '"not-the-etag"'},
        200: {"If-None-Match": '"not-the-etag"'},
    }
    for expected, headers in cases.items():
        status, got, _ = site.get("/", headers)
        assert status == expected
        for name, value in site.std.headers:
            assert got.get(name.lower()) == value, (expected, name)
    status, got, _ = site.get("/assets/missing-0badf00d.js", {"If-None-Match": first["etag"]})
    assert status == 404
    assert all(got.get(name.lower()) == value for name, value in site.std.headers)
