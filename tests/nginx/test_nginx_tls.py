"""Origin TLS of the rendered config: Mozilla intermediate per sslyze, HTTP/2 by ALPN, http:// → https://."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import sys

import pytest
from nginx_support import SITE, Site

pytestmark = pytest.mark.real_server


def _sslyze(site: Site, *args: str) -> subprocess.CompletedProcess[str]:
    target = f"{SITE}:{site.https_port}{{127.0.0.1}}"
    return subprocess.run([sys.executable, "-m", "sslyze", *args, "--certinfo_ca_file", str(site.pki.ca_cert),
                           target], capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def sslyze_run(site: Site, tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], dict]:
    out = tmp_path_factory.mktemp("sslyze") / "scan.json"
    proc = _sslyze(site, "--mozilla_config=intermediate", f"--json_out={out}")
    return proc, json.loads(out.read_text())


def test_sslyze_reports_mozilla_intermediate_compliance(site: Site, sslyze_run: tuple) -> None:
    proc, report = sslyze_run
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert f"{SITE}:{site.https_port}: OK - Compliant." in proc.stdout
    certinfo = report["server_scan_results"][0]["scan_result"]["certificate_info"]["result"]
    deployment = certinfo["certificate_deployments"][0]
    ours = [r for r in deployment["path_validation_results"]
            if r["trust_store"]["path"] == str(site.pki.ca_cert)]
    assert ours and ours[0]["was_validation_successful"], "the leaf must chain to the test CA"


def test_only_tls12_and_tls13_are_accepted(sslyze_run: tuple) -> None:
    _, report = sslyze_run
    result = report["server_scan_results"][0]["scan_result"]
    accepted = {name: bool(result[name]["result"]["accepted_cipher_suites"])
                for name in ("ssl_2_0_cipher_suites", "ssl_3_0_cipher_suites", "tls_1_0_cipher_suites",
                             "tls_1_1_cipher_suites", "tls_1_2_cipher_suites", "tls_1_3_cipher_suites")}
    assert accepted == {"ssl_2_0_cipher_suites": False, "ssl_3_0_cipher_suites": False,
                        "tls_1_0_cipher_suites": False, "tls_1_1_cipher_suites": False,
                        "tls_1_2_cipher_suites": True, "tls_1_3_cipher_suites": True}
    tls12 = [c["cipher_suite"]["openssl_name"] for c in result["tls_1_2_cipher_suites"]["result"]
             ["accepted_cipher_suites"]]
    assert all(name.startswith("ECDHE-") and ("GCM" in name or "CHACHA20" in name) for name in tls12), tls12


def test_session_tickets_are_off(site: Site) -> None:
    ctx = site.tls_context()
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # TLS 1.2 tickets are what the guideline turns off
    with socket.create_connection(("127.0.0.1", site.https_port), timeout=10) as sock, \
            ctx.wrap_socket(sock, server_hostname=SITE) as tls:
        tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: site.test\r\nConnection: close\r\n\r\n")
        while tls.recv(4096):
            pass
        session = tls.session
    assert session is not None and not session.has_ticket


def test_http2_is_negotiated_by_alpn(site: Site) -> None:
    ctx = site.tls_context(alpn=["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", site.https_port), timeout=10) as sock, \
            ctx.wrap_socket(sock, server_hostname=SITE) as tls:
        assert tls.selected_alpn_protocol() == "h2"
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
        # the HTTP/2 connection preface is answered with a SETTINGS frame (type 0x4)
        tls.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        frame = tls.recv(9)
        assert len(frame) == 9 and frame[3] == 0x04


def test_http1_clients_still_work(site: Site) -> None:
    ctx = site.tls_context(alpn=["http/1.1"])
    with socket.create_connection(("127.0.0.1", site.https_port), timeout=10) as sock, \
            ctx.wrap_socket(sock, server_hostname=SITE) as tls:
        assert tls.selected_alpn_protocol() == "http/1.1"


@pytest.mark.parametrize("path", ["/", "/dashboard?tab=2", "/assets/x.js"])
def test_plain_http_only_redirects_to_https(site: Site, path: str) -> None:
    status, headers, _ = site.get(path, tls=False)
    assert status == 301
    assert headers["location"] == f"https://{SITE}:{site.https_port}{path}"


def test_plain_http_serves_no_content(site: Site) -> None:
    for path in ("/index.html", "/robots.txt", site.app.index_js):
        status, _, body = site.get(path, tls=False)
        assert status == 301 and b"fixture app" not in body


def test_old_protocols_are_refused(site: Site) -> None:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(str(site.pki.ca_cert))
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    with socket.create_connection(("127.0.0.1", site.https_port), timeout=10) as sock, pytest.raises(ssl.SSLError):
        ctx.wrap_socket(sock, server_hostname=SITE)
