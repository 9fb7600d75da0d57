"""Real Chromium after a 304: the stored response's security headers still apply when the 304 carries none.

The rendered config leaves every security header off a 304 Not Modified (RFC 9110 §15.4.5). That is safe only if
the browser keeps enforcing the headers it stored with the 200 when it revalidates, which this proves in headless
Chromium driven over the DevTools protocol (HTTP cache on, a throwaway profile trusting only the test leaf):

* top level: the second navigation to ``/`` is answered 304 on the wire (the raw headers DevTools reports, which
  lack the CSP), the page shown is the stored one with its CSP (the merged headers DevTools reports carry it), and
  the CSP is still enforced: the app's injected inline ``<script>`` is blocked and reported again;
* framing: a page on another origin frames the site twice; the second time the framed document is revalidated
  with a 304 (Chromium partitions its cache by top-level site, so the frame has its own entry), and the frame is
  still refused (CSP ``frame-ancestors 'none'``; Chromium ignores X-Frame-Options when frame-ancestors is
  present, and X-Frame-Options is not updated from a 304 by Chromium anyway).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cdp import Cdp, chromium
from nginx_server import free_port
from nginx_support import SITE, Site
from test_nginx_browser import CHROMIUM, _spki_hash

pytestmark = pytest.mark.real_server

ATTACKER = "attacker.test"


class _Framer(BaseHTTPRequestHandler):
    target = ""

    def do_GET(self) -> None:
        body = f'<!doctype html><title>framer</title><iframe id="f" src="{self.target}"></iframe>'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def framer(site: Site) -> Iterator[int]:
    handler = type("Framer", (_Framer,), {"target": f"https://{SITE}:{site.https_port}/"})
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Cdp]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (apt-get install chromium; `make system-deps` does it)")
    profile = Path(tempfile.mkdtemp(prefix="webstack-chromium-"))
    try:
        # Trust exactly the test leaf's key: Chromium stores nothing in its HTTP cache for a connection with a
        # certificate error, which --ignore-certificate-errors would make of every response.
        args = [f"--ignore-certificate-errors-spki-list={_spki_hash(site.pki.cert)}",
                f"--host-resolver-rules=MAP {SITE} 127.0.0.1, MAP {ATTACKER} 127.0.0.1, MAP * ~NOTFOUND"]
        with chromium(CHROMIUM, profile, args) as cdp:
            for domain in ("Page", "Network", "Runtime", "Log"):
                cdp.call(f"{domain}.enable")
            yield cdp
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _document_load(cdp: Cdp, url: str, frame_url: str | None = None) -> dict[str, Any]:
    """Navigate; return the document request for ``frame_url`` (default: ``url``): status as DevTools shows it,
    the merged headers, and the raw ones from the wire."""
    cdp.events.clear()
    cdp.call("Page.navigate", url=url)
    target = frame_url or url

    def responses() -> list[dict[str, Any]]:
        return [r for r in cdp.of("Network.responseReceived") if r["type"] == "Document"
                and r["response"]["url"] == target]

    cdp.wait_for(lambda: bool(responses()) and bool(cdp.of("Page.loadEventFired")))
    response = responses()[0]
    request_id = response["requestId"]
    cdp.wait_for(lambda: any(e["requestId"] == request_id for e in cdp.of("Network.responseReceivedExtraInfo")))
    raw = next(e for e in cdp.of("Network.responseReceivedExtraInfo") if e["requestId"] == request_id)
    sent = next(e for e in cdp.of("Network.requestWillBeSent") if e["requestId"] == request_id)
    return {"status": response["response"]["status"], "raw_status": raw["statusCode"],
            "headers": {k.lower(): v for k, v in response["response"]["headers"].items()},
            "raw": {k.lower(): v for k, v in raw["headers"].items()},
            "request": {k.lower(): v for k, v in sent["request"]["headers"].items()}}


def _app_log(cdp: Cdp) -> dict[str, str]:
    cdp.wait_for(lambda: bool(cdp.evaluate("!!document.getElementById('done')")))
    return dict(cdp.evaluate("Array.from(document.querySelectorAll('#log li')).map(li => [li.id, li.textContent])"))


def test_a_page_revalidated_with_a_304_keeps_its_csp(site: Site, browser: Cdp) -> None:
    url = f"https://{SITE}:{site.https_port}/"
    first = _document_load(browser, url)
    assert first["raw_status"] == 200 and "content-security-policy" in first["raw"]
    assert _app_log(browser)["inline"] == "blocked"

    again = _document_load(browser, url)
    assert again["raw_status"] == 304, again  # revalidated: index.html is no-cache
    csp = next(value for name, value in site.std.headers if name == "Content-Security-Policy")
    assert "content-security-policy" not in again["raw"]  # the 304 on the wire has no CSP …
    assert again["headers"].get("content-security-policy") == csp  # … the page has the stored one
    log = _app_log(browser)
    assert log["inline"] == "blocked"  # and enforces it: the injected inline script did not run
    assert [v for k, v in log.items() if k.startswith("violation-")] == ["script-src-elem inline"]
    assert not browser.evaluate("document.documentElement.dataset.inlineRan")


def test_framing_stays_refused_after_a_304(site: Site, browser: Cdp, framer: int) -> None:
    page = f"http://{ATTACKER}:{framer}/"
    framed = f"https://{SITE}:{site.https_port}/"
    loads = []
    for _ in range(2):
        load = _document_load(browser, page, frame_url=framed)

        def refusals() -> list[str]:
            return [e["entry"]["text"] for e in browser.of("Log.entryAdded") if e["entry"]["source"] == "security"]

        browser.wait_for(lambda: bool(refusals()))
        loads.append((load, refusals()))
    (first, first_refusals), (again, refusals_after_304) = loads
    assert first["raw_status"] == 200 and again["raw_status"] == 304, (first, again)
    assert "content-security-policy" not in again["raw"] and "x-frame-options" not in again["raw"]
    assert "frame-ancestors 'none'" in again["headers"]["content-security-policy"]  # the stored response's
    for logged in (first_refusals, refusals_after_304):
        assert len(logged) == 1 and f"Framing '{framed}' violates" in logged[0], logged
        assert "frame-ancestors 'none'" in logged[0] and "The request has been blocked" in logged[0]
