"""Origin lockdown (Authenticated Origin Pulls) on real nginx: only a client with the pull certificate gets the site.

A second nginx serves the session's fixture app with ``TlsSpec.client_ca_pem`` set to a test "origin-pull CA"
(made like the other test PKI; Cloudflare's real CA signs only Cloudflare's edge certificate, which we cannot hold).
What nginx 1.22 does without a valid client certificate is asserted as observed: the handshake completes
(``ssl_verify_client on`` asks for a certificate but nginx decides after the handshake) and the request is answered
``400`` with "No required SSL certificate was sent" / "The SSL certificate error".
"""

from __future__ import annotations

import dataclasses
import http.client
import shutil
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from nginx_pki import ClientPki, make_client_pki
from nginx_server import free_port, running_nginx, write_tree
from nginx_support import SITE, Site, render_site

from components.config.base import ConfigError
from components.config.loader import parse_stack_config
from components.nginx_site import nginx_site_args_from_config, render_site_files, resolve_site
from components.render.nginx import TlsSpec, inc, render_nginx
from components.render.origin_pull_ca import CLOUDFLARE_ORIGIN_PULL_CA_PEM, FINGERPRINT_SHA256

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.real_server


@dataclasses.dataclass(frozen=True)
class Locked:
    site: Site
    https_port: int
    http_port: int
    pull: ClientPki  # the CA nginx trusts and Cloudflare's stand-in certificate
    stranger: ClientPki  # a certificate from another CA
    files: dict[str, str]


@pytest.fixture(scope="module")
def locked(site: Site) -> Iterator[Locked]:
    base = site.base / "origin-pulls"
    try:
        pull = make_client_pki(base / "pull", "origin-pull.test")
        stranger = make_client_pki(base / "stranger", "someone-else.test")
        http_port, https_port = free_port(), free_port()
        spec, _ = render_site(site.std, site.base, http_port, https_port, site.pki)
        assert spec.tls is not None
        spec = dataclasses.replace(
            spec, state_dir=str(base / "state"), access_log="off", error_log=str(base / "error.log"),
            tls=dataclasses.replace(spec.tls, client_ca_pem=pull.ca_cert.read_text()))
        files = render_nginx(site.std, spec)
        conf = write_tree(files, base / "conf")
        with running_nginx(conf, base / "state", [http_port, https_port]):
            yield Locked(site, https_port, http_port, pull, stranger, files)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _get(locked: Locked, path: str, client: ClientPki | None) -> tuple[int, dict[str, str], bytes]:
    """One request; the TLS handshake itself succeeds either way (nginx judges the certificate afterwards)."""
    ctx = locked.site.tls_context()
    if client is not None:
        ctx.load_cert_chain(str(client.cert), str(client.key))
    conn = http.client.HTTPSConnection("127.0.0.1", locked.https_port, context=ctx, timeout=10)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", SITE)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


def test_the_ca_is_rendered_beside_the_config_and_included_in_the_tls_server(locked: Locked) -> None:
    assert locked.files[inc("tls/origin-pull-ca.pem")] == locked.pull.ca_cert.read_text()
    include = locked.files[inc("tls/authenticated-origin-pulls.conf")]
    assert "ssl_verify_client on;" in include
    assert f"ssl_client_certificate {inc('tls/origin-pull-ca.pem')};" in include
    main = locked.files["nginx.conf"]
    tls_server = main[main.index("ssl http2"):]
    plain_server = main[:main.index("ssl http2")]
    assert f"include {inc('tls/authenticated-origin-pulls.conf')};" in tls_server
    assert "authenticated-origin-pulls" not in plain_server


def test_a_client_without_a_certificate_is_refused(locked: Locked) -> None:
    status, headers, body = _get(locked, "/", None)
    assert status == 400
    assert b"No required SSL certificate was sent" in body
    assert locked.site.app.index_js.encode() not in body  # the error page, not the app's index.html
    for name, value in locked.site.std.headers:  # add_header … always: the refusal is protected like any page
        assert headers.get(name.lower()) == value, name


def test_a_certificate_from_another_ca_is_refused(locked: Locked) -> None:
    status, _, body = _get(locked, "/", locked.stranger)
    assert status == 400
    assert b"The SSL certificate error" in body


@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_the_pull_certificate_gets_the_site_with_every_header(locked: Locked, version: str) -> None:
    ctx_version = getattr(ssl.TLSVersion, version)
    ctx = locked.site.tls_context()
    ctx.minimum_version = ctx.maximum_version = ctx_version
    ctx.load_cert_chain(str(locked.pull.cert), str(locked.pull.key))
    conn = http.client.HTTPSConnection("127.0.0.1", locked.https_port, context=ctx, timeout=10)
    try:
        conn.request("GET", "/", headers={"Host": SITE})
        resp = conn.getresponse()
        body = resp.read()
        headers = {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()
    assert resp.status == 200
    assert body == (locked.site.app.root / "index.html").read_bytes()
    for name, value in locked.site.std.headers:
        assert headers.get(name.lower()) == value, name


def test_the_plain_http_health_endpoint_still_answers(locked: Locked) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", locked.http_port, timeout=10)
    try:
        conn.request("GET", locked.site.std.health_path, headers={"Host": SITE})
        resp = conn.getresponse()
        assert (resp.status, resp.read()) == (200, b"ok\n")
    finally:
        conn.close()


# ------------------------------------------------------------------------------------ config → component args


def _selfhosted(**nginx: object) -> dict:
    """The repo's selfhosted stack config (a production nginx stack), with nginx keys overridden."""
    raw = yaml.safe_load((REPO / "Pulumi.selfhosted.yaml").read_text())["config"]
    raw["webstack:hosting"]["nginx"].update(nginx)
    raw = {k: v for k, v in raw.items() if not isinstance(v, dict) or "secure" not in v}
    raw["webstack:supabaseAnonKey"] = "sb_publishable_fixtureFixtureFixture0123"  # a secret in the stack file
    return raw


def _files(raw: dict, tls: bool = True) -> dict[str, str]:
    cfg = parse_stack_config(raw, project="webstack", stack="selfhosted")
    return render_site_files(cfg, tls=tls)


def test_the_selfhosted_production_stack_locks_its_origin_by_default() -> None:
    files = _files(_selfhosted())
    assert files[f"nginx/{inc('tls/origin-pull-ca.pem')}"] == CLOUDFLARE_ORIGIN_PULL_CA_PEM
    assert f"include {inc('tls/authenticated-origin-pulls.conf')};" in files["nginx/nginx.conf"]
    # baked into the image with the rest of the include tree (COPY …/webstack/ /etc/nginx/webstack/)
    assert "nginx/webstack/ /etc/nginx/webstack/" in files["nginx/Dockerfile"]


def test_the_bundled_ca_is_cloudflares_published_origin_pull_ca() -> None:
    cert = x509.load_pem_x509_certificate(CLOUDFLARE_ORIGIN_PULL_CA_PEM.encode())
    assert cert.subject.rfc4514_string() == ("CN=origin-pull.cloudflare.net,ST=California,L=San Francisco,"
                                             "OU=Origin Pull,O=CloudFlare\\, Inc.,C=US")
    assert cert.fingerprint(hashes.SHA256()).hex() == FINGERPRINT_SHA256
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


@pytest.mark.parametrize(("overrides", "environment", "on"), [
    ({"authenticatedOriginPulls": False}, "production", False),
    ({}, "staging", False),
    ({"authenticatedOriginPulls": True}, "staging", True),
    ({"originTls": False}, "production", False),
])
def test_the_config_key_and_its_default(overrides: dict, environment: str, on: bool) -> None:
    raw = _selfhosted(**overrides)
    raw["webstack:environment"] = environment
    files = _files(raw, tls=raw["webstack:hosting"]["nginx"].get("originTls", True))
    assert (f"nginx/{inc('tls/authenticated-origin-pulls.conf')}" in files) is on


def test_the_config_refuses_origin_pulls_without_origin_tls() -> None:
    with pytest.raises(ConfigError) as err:
        parse_stack_config(_selfhosted(originTls=False, authenticatedOriginPulls=True), project="webstack",
                           stack="selfhosted")
    assert "webstack:hosting.nginx" in str(err.value) and "authenticatedOriginPulls needs originTls" in str(err.value)


def test_the_component_refuses_origin_pulls_without_tls() -> None:
    cfg = parse_stack_config(_selfhosted(), project="webstack", stack="selfhosted")
    args = nginx_site_args_from_config(cfg, tls=False)
    args["authenticated_origin_pulls"] = True
    with pytest.raises(ValueError, match="NginxSite web: 1 invalid input\n  authenticatedOriginPulls: needs tls"):
        resolve_site("web", args, "selfhosted")


@pytest.mark.parametrize("pem", ["", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                                 CLOUDFLARE_ORIGIN_PULL_CA_PEM + "ssl_verify_client off;\n"])
def test_the_client_ca_must_be_certificates_only(pem: str) -> None:
    with pytest.raises(ValueError, match="client_ca_pem"):
        TlsSpec(certificate="/c", certificate_key="/k", client_ca_pem=pem)
