"""The plain-HTTP redirect on real nginx: it always targets the canonical host, whatever Host the request names.

The HTTP server is the port's default_server, so it answers requests for any Host; a redirect built from $host
would send visitors wherever a crafted link (or a poisoned cache in front) says.
"""

from __future__ import annotations

import socket

import pytest
from nginx_support import SITE, Site

pytestmark = pytest.mark.real_server


def _plain_request(site: Site, request_line: bytes, host: bytes | None) -> tuple[int, dict[bytes, bytes]]:
    """One HTTP/1.1 request sent byte for byte (http.client normalises what these tests need to vary)."""
    head = b"GET " + request_line + b" HTTP/1.1\r\n"
    if host is not None:
        head += b"Host: " + host + b"\r\n"
    head += b"Connection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", site.http_port), timeout=10) as sock:
        sock.sendall(head)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    lines = data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split(b" ", 2)[1]), headers


def _canonical(site: Site, path: str) -> bytes:
    # The test site's TLS port is its public port, and the spec names SITE first (no explicit canonical host).
    return f"https://{SITE}:{site.https_port}{path}".encode()


@pytest.mark.parametrize("host", [b"evil.test", b"evil.test:80", b"site.test.evil.test", b"127.0.0.1"])
def test_a_foreign_host_is_never_reflected(site: Site, host: bytes) -> None:
    status, headers = _plain_request(site, b"/login?next=/account", host)
    assert status == 301
    assert headers[b"location"] == _canonical(site, "/login?next=/account")
    assert b"evil" not in headers[b"location"]


def test_an_absolute_form_request_target_does_not_choose_the_host(site: Site) -> None:
    """nginx takes $host from an absolute-form request line over the Host header: also not reflected."""
    status, headers = _plain_request(site, b"http://evil.test/x", SITE.encode())
    assert status == 301
    assert headers[b"location"] == _canonical(site, "/x")


def test_the_other_site_name_goes_to_the_canonical_one_in_one_hop(site: Site) -> None:
    status, headers = _plain_request(site, b"/a/b", f"www.{SITE}".encode())
    assert status == 301
    assert headers[b"location"] == _canonical(site, "/a/b")


def test_health_stays_reachable_on_any_host(site: Site) -> None:
    """The in-container healthcheck sends Host: 127.0.0.1; it must get the probe, not a redirect."""
    status, _ = _plain_request(site, b"/healthz", b"127.0.0.1")
    assert status == 200


def test_control_the_redirect_really_is_served_by_this_server(site: Site) -> None:
    """Control: the probe above sees this nginx's answers (the site's own name gets the same 301)."""
    status, headers = _plain_request(site, b"/", SITE.encode())
    assert (status, headers[b"location"]) == (301, _canonical(site, "/"))
