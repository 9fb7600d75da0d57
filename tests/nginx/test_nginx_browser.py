"""A real browser (headless Chromium) loads the fixture app through the rendered config under the strict CSP.

The app's own module script, stylesheet and its fetch to the configured Supabase origin (a CORS-enabled stand-in
on 127.0.0.1 with the test CA's certificate) must cause zero violations; the inline <script> the app injects
must be blocked and reported to its securitypolicyviolation listener (which writes into the DOM we dump).
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
from typing import ClassVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from nginx_support import SITE, SUPABASE_HOST, Site

pytestmark = pytest.mark.real_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class _SupabaseStandIn(BaseHTTPRequestHandler):
    allowed_origin = ""
    seen: ClassVar[list[dict[str, str]]] = []  # each fixture subclasses the handler with its own list

    def _cors(self) -> None:
        origin = self.headers.get("Origin", "")
        if origin == self.allowed_origin:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Vary", "Origin")

    def do_OPTIONS(self) -> None:
        self.seen.append({"method": "OPTIONS", "path": self.path, "origin": self.headers.get("Origin", "")})
        self.send_response(204)
        self._cors()
        self.send_header("Access-Control-Allow-Headers", "apikey, authorization, content-type")
        self.send_header("Access-Control-Allow-Methods", "GET, POST")
        self.end_headers()

    def do_GET(self) -> None:
        self.seen.append({"method": "GET", "path": self.path, "origin": self.headers.get("Origin", ""),
                          "apikey": self.headers.get("apikey", "")})
        body = json.dumps([{"id": 1}, {"id": 2}]).encode()
        self.send_response(200)
        self._cors()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def supabase_stand_in(site: Site) -> Iterator[type[_SupabaseStandIn]]:
    handler = type("Handler", (_SupabaseStandIn,), {"allowed_origin": f"https://{SITE}:{site.https_port}",
                                                      "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", site.supabase_port), handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(site.pki.cert), str(site.pki.key))
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _spki_hash(cert_path: Path) -> str:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


@pytest.fixture(scope="module")
def page(site: Site, supabase_stand_in: type[_SupabaseStandIn]) -> dict[str, object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (apt-get install chromium; `make system-deps` does it)")
    profile = tempfile.mkdtemp(prefix="webstack-chromium-")
    try:
        url = f"https://{SITE}:{site.https_port}/dashboard/deep-link"
        proc = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
             f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
             # trust exactly the test leaf's key (only honoured with a throwaway --user-data-dir)
             f"--ignore-certificate-errors-spki-list={_spki_hash(site.pki.cert)}",
             f"--host-resolver-rules=MAP {SITE} 127.0.0.1, MAP {SUPABASE_HOST} 127.0.0.1",
             "--virtual-time-budget=15000", "--dump-dom", url],
            capture_output=True, text=True, timeout=120, check=False)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    items = dict(re.findall(r'<li id="([^"]+)">([^<]*)</li>', proc.stdout))
    return {"items": items, "dom": proc.stdout, "stderr": proc.stderr, "returncode": proc.returncode}


def test_the_app_loads_and_finishes(page: dict) -> None:
    items = page["items"]
    assert page["returncode"] == 0, page["stderr"][-2000:]
    assert "done" in items, page["dom"][-2000:] + page["stderr"][-2000:]


def test_own_script_style_and_supabase_fetch_cause_no_violation(page: dict,
                                                               supabase_stand_in: type[_SupabaseStandIn]) -> None:
    items = page["items"]
    assert items["vendor"] == "ready"  # module script and its import ran
    assert items["css"] == "loaded"  # stylesheet applied
    assert items["fetch"] == "ok 2"  # cross-origin fetch to the Supabase origin allowed by connect-src
    gets = [r for r in supabase_stand_in.seen if r["method"] == "GET"]
    assert gets and gets[0]["path"] == "/rest/v1/todos?select=id" and gets[0]["apikey"] == "fixture-anon-key"
    violations = {k: v for k, v in items.items() if k.startswith("violation-")}
    assert all(v.startswith("script-src") and v.endswith("inline") for v in violations.values()), violations


def test_injected_inline_script_is_blocked_and_reported(page: dict) -> None:
    items = page["items"]
    assert items["inline"] == "blocked"
    assert 'data-inline-ran' not in page["dom"]
    violations = [v for k, v in items.items() if k.startswith("violation-")]
    assert violations == ["script-src-elem inline"]
    assert items["done"] == "violations=1"
    assert "Content Security Policy" in page["stderr"]  # Chromium logs the refusal to the console as well
