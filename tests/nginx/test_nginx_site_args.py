"""NginxSite's intent-level Args: defaults applied, the standard resolved inside, bad input named by its input
path (camelCase, as another language writes it) before any resource registers."""

from __future__ import annotations

import re
from typing import Any

import pytest

from components.intent import IntentError
from components.nginx_site import NginxSite, NginxSiteArgs, resolve_site
from stackcheck.engine import run_program
from stackcheck.wire import is_secret
from tests.conftest import REPO

CERT = "-----BEGIN CERTIFICATE-----\nC\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nSSH-AND-ORIGIN-KEY-MARKER\n-----END PRIVATE KEY-----\n"


def _args(**extra: Any) -> NginxSiteArgs:
    args: dict[str, Any] = {"hostnames": ["example.org", "www.example.org"], "origin_address": "203.0.113.10",
                            "origin_certificate_pem": CERT, "origin_private_key_pem": KEY}
    args.update(extra)
    return args  # type: ignore[return-value]


def test_defaults_render_the_strict_standard_over_tls() -> None:
    site = resolve_site("web", _args(), "prod")
    assert site.std.profile == "strict" and site.tls
    assert site.origin_url == "https://203.0.113.10"
    assert site.spec.redirect_host == "example.org"
    assert site.files["nginx/Dockerfile"].count("COPY build/prod/nginx/") == 3  # precompress.mjs, nginx.conf, webstack/
    assert "ssl_certificate /etc/nginx/tls/origin.crt;" in site.files["nginx/nginx.conf"]


def test_intent_reaches_the_rendered_tree() -> None:
    site = resolve_site("web", _args(
        canonical_host="www.example.org",
        standard={"supabase_url": "https://abcdefghijklmnopqrst.supabase.co",
                  "csp": {"script_src": ["https://js.stripe.com"]}, "weakening_reason": "Stripe checkout",
                  "rate_limits": [{"path": "/login", "requests_per_period": 6, "period": 60, "burst": 2}]}), "prod")
    headers = site.files["nginx/webstack/security/security-headers-map.conf"]
    assert "https://js.stripe.com" in headers and "wss://abcdefghijklmnopqrst.supabase.co" in headers
    assert [w.reason for w in site.std.weakenings] == ["Stripe checkout"]
    assert "limit_req zone=webstack_rl0_login burst=2 nodelay;" in site.files["nginx/webstack/location/site.conf"]
    assert "return 301 https://www.example.org$request_uri;" in site.files[
        "nginx/webstack/tls/redirect-to-https.conf"]


def test_host_network_binds_the_listen_address_and_publishes_nothing() -> None:
    site = resolve_site("web", _args(network_mode="host", listen_address="127.0.0.1", https_port=9443), "prod")
    assert "listen 127.0.0.1:9443 ssl http2 default_server;" in site.files["nginx/nginx.conf"]
    assert site.origin_url == "https://203.0.113.10:9443"


@pytest.mark.parametrize("extra, named", [
    ({"origin_address": "a b"}, "originAddress"),
    ({"rendered_dir": "../outside"}, "renderedDir"),
    ({"build_context": "/abs"}, "buildContext"),
    ({"tls_host_dir": "/tmp"}, "tlsHostDir"),
    ({"tls_host_dir": "/var/lib/../etc"}, "tlsHostDir"),
    ({"network_mode": "overlay"}, "networkMode"),
    ({"memory_mb": 8}, "memoryMb"),
    ({"image_name": "Web:latest"}, "imageName"),
    ({"container_name": "-x"}, "containerName"),
    ({"standard": {"hsts_max_age": "soon"}}, "standard.hstsMaxAge"),
    ({"standard": {"rate_limits": [{"path": "/api/*"}]}}, "standard.rateLimits[0].requestsPerPeriod"),
    ({"standard": {"csp": {"script_src": ["https://js.stripe.com"]}}}, "standard.csp.scriptSrc"),
    ({"origin_private_key_pem": None}, "originCertificatePem/originPrivateKeyPem"),
    ({"hostnames": ["Example.ORG"]}, "args"),
])
def test_bad_input_is_named_by_its_input_path(extra: dict[str, Any], named: str) -> None:
    # One error type (IntentError) for the component's own Args and its standard's intent: each problem as
    # "  <input path>: …" under "NginxSite web: N invalid input(s)".
    with pytest.raises(IntentError, match=rf"^NginxSite web: \d+ invalid inputs?\n(.*\n)*  {re.escape(named)}: "):
        resolve_site("web", _args(**extra), "prod")


def test_a_remote_docker_host_gets_the_same_setup_step_over_ssh(tmp_path: Any, monkeypatch: Any) -> None:
    def program() -> None:
        NginxSite("web", _args(docker_host_ssh={"host": "origin.example.org", "private_key": KEY}))

    monkeypatch.chdir(tmp_path)
    result, _ = run_program(REPO, "selfhosted", program=program)
    [step] = [r for r in result.resources if r.type == "command:remote:Command"]
    assert not [r for r in result.resources if r.type == "command:local:Command"]
    assert is_secret(step.inputs["connection"])  # it holds the login key, so the SDK keeps all of it secret
    connection = step.inputs["connection"]["value"]
    assert connection["host"] == "origin.example.org" and connection["user"] == "root" and connection["port"] == 22
    assert connection["privateKey"] == KEY and is_secret(step.inputs["stdin"])
    assert "umask 077" in step.inputs["create"]
    [container] = [r for r in result.resources if r.type == "docker:index/container:Container"]
    assert step.urn in container.dependencies


def test_nothing_registers_when_an_arg_is_bad(tmp_path: Any, monkeypatch: Any) -> None:
    def program() -> None:
        NginxSite("web", _args(memory_mb=1))

    monkeypatch.chdir(tmp_path)
    with pytest.raises(Exception, match="memoryMb") as info:
        run_program(REPO, "selfhosted", program=program)
    registered = getattr(info.value, "resources", [])
    assert not [r for r in registered if r.type.startswith(("docker:", "command:", "webstack:"))]


def test_a_change_of_the_security_headers_alone_changes_the_build_step_that_stamps_the_html() -> None:
    """304s carry no security headers, so the HTML's ETag must change when they do: the headers' revision is in
    precompress.mjs (its COPY busts Docker's cache of the step, which re-stamps the HTML)."""
    base = resolve_site("web", _args(), "prod")
    same = resolve_site("web", _args(hostnames=["example.net"]), "prod")  # other server names, same headers
    tighter = resolve_site("web", _args(standard={"csp": {"script_src": ["https://js.stripe.com"]},
                                                  "weakening_reason": "Stripe checkout"}), "prod")
    script = "nginx/precompress.mjs"
    assert re.search(r"// Security headers revision [0-9a-f]{16}:", base.files[script])
    assert same.files[script] == base.files[script]
    assert tighter.files[script] != base.files[script]
    assert base.files["nginx/Dockerfile"].index("precompress.mjs") < base.files["nginx/Dockerfile"].index(
        "FROM ${NGINX_IMAGE}")  # the step is in the build stage, whose output the runtime copies
