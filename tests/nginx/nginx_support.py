"""Shared helpers of the nginx tests and bench/nginx.py: a non-prod stack config and the served site's handle."""

from __future__ import annotations

import http.client
import ssl
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from fixture_app import FixtureApp  # noqa: E402
from nginx_pki import SitePki  # noqa: E402
from nginx_server import NginxProcess  # noqa: E402

from components.config.stack import StackConfig  # noqa: E402
from components.render.nginx import NginxSiteSpec, TlsSpec, render_nginx  # noqa: E402
from components.standard import Standard  # noqa: E402

SITE = "site.test"
SUPABASE_HOST = "abcdefghijklmnopqrst.supabase.test"
TEST_RATE_LIMITS = [
    {"path": "/api/*", "requestsPerPeriod": 10, "period": 60, "burst": 3},
    {"path": "/auth/login", "requestsPerPeriod": 10, "period": 60, "burst": 1},
]
"""10 per minute = one token every 6 s, so 'burst + 1 pass, the next is 429' holds however slow the machine is."""


def stack_config(supabase_url: str | None = None, **headers: Any) -> StackConfig:
    """A valid non-production stack on the nginx option (the shape Pulumi.selfhosted.yaml has)."""
    data: dict[str, Any] = {
        "domain": SITE,
        "environment": "development",
        "hosting": {"provider": "nginx", "nginx": {"originIpv4": "203.0.113.10"}},
        "cloudflare": {"zoneId": "1" * 32},
        "supabase": {"projectRef": "abcdefghijklmnopqrst"},
        "rateLimits": TEST_RATE_LIMITS,
        "supabaseAnonKey": "sb_publishable_fixtureFixtureFixture0123",
    }
    if supabase_url:
        data["supabase"]["url"] = supabase_url
    if headers:
        data["headers"] = headers
    return StackConfig.model_validate(data)


@dataclass
class Site:
    base: Path
    std: Standard
    spec: NginxSiteSpec
    files: dict[str, str]
    app: FixtureApp
    pki: SitePki
    http_port: int
    https_port: int
    supabase_port: int
    server: NginxProcess
    access_log: Path

    @property
    def supabase_url(self) -> str:
        return f"https://{SUPABASE_HOST}:{self.supabase_port}"

    def tls_context(self, alpn: list[str] | None = None) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.pki.ca_cert))
        if alpn:
            ctx.set_alpn_protocols(alpn)
        return ctx

    def get(self, path: str, headers: dict[str, str] | None = None, *, tls: bool = True,
            method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        """One request on a fresh connection; header names lower-cased (repeats joined with ', ')."""
        conn: http.client.HTTPConnection
        if tls:
            conn = http.client.HTTPSConnection("127.0.0.1", self.https_port, context=self.tls_context(), timeout=10)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=10)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", SITE)
            for name, value in (headers or {}).items():
                conn.putheader(name, value)
            conn.endheaders()
            resp = conn.getresponse()
            body = resp.read()
            merged: dict[str, str] = {}
            for name, value in resp.getheaders():
                key = name.lower()
                merged[key] = f"{merged[key]}, {value}" if key in merged else value
            return resp.status, merged, body
        finally:
            conn.close()


def render_site(std: Standard, base: Path, http_port: int, https_port: int, pki: SitePki) -> tuple[
        NginxSiteSpec, dict[str, str]]:
    spec = NginxSiteSpec(
        server_names=(SITE, f"www.{SITE}"),
        http_port=http_port,
        listen_address="127.0.0.1",
        root=str(base / "dist"),
        state_dir=str(base / "state"),
        access_log=str(base / "access.log"),
        error_log=str(base / "error.log"),
        tls=TlsSpec(certificate=str(pki.cert), certificate_key=str(pki.key), port=https_port,
                    public_port=https_port),
    )
    return spec, render_nginx(std, spec)
