"""The nginx renderer as pure code: structure, the add_header inheritance guard, rates, specs, config boundary."""

from __future__ import annotations

import re

import pytest
from nginx_support import stack_config

from components.config import StackConfig
from components.config.base import ConfigError
from components.nginx_site import render_site_files
from components.render.nginx import (
    CLOUDFLARE_IP_RANGES,
    NginxSiteSpec,
    TlsSpec,
    locations_missing_headers,
    nginx_rate,
    render_nginx,
    security_header_lines,
    security_header_maps,
    security_header_variable,
)
from components.standard import resolve_standard
from components.standard.model import RateLimitRule

TLS = TlsSpec(certificate="/etc/nginx/runtime/tls/origin.crt", certificate_key="/etc/nginx/runtime/tls/origin.key")
NAMES = ("example.org", "www.example.org")


@pytest.fixture(scope="module")
def std():
    return resolve_standard(stack_config())


def test_render_is_deterministic_and_one_concern_per_file(std) -> None:
    first = render_nginx(std, NginxSiteSpec(tls=TLS, server_names=NAMES))
    assert first == render_nginx(std, NginxSiteSpec(tls=TLS, server_names=NAMES))
    includes = set(re.findall(r"include (\S+);", first["nginx.conf"]))
    assert includes == set(first) - {"nginx.conf"}  # every file is used, nothing missing
    for path, text in first.items():
        if path != "nginx.conf" and not path.endswith("mime.types"):
            assert text.startswith("# "), path  # each include opens with why


def test_security_header_lines_cover_the_standard(std) -> None:
    lines = security_header_lines(std)
    assert len(lines) == len(std.headers)
    maps = "\n".join(security_header_maps(std))
    for (name, value), line in zip(std.headers, lines, strict=True):
        var = security_header_variable(name)
        assert line == f"add_header {name} {var} always;"
        # the value on every status but 304, which gets the empty string (add_header then sends nothing)
        assert f'map $status {var} {{\n    304 "";\n    default "{value}";\n}}' in maps


def test_header_variables_are_distinct_nginx_names() -> None:
    assert security_header_variable("Content-Security-Policy") == "$webstack_header_content_security_policy"
    std = resolve_standard(stack_config(extraHeaders={"X-Robots-Tag": "noindex", "X-Robots-Tag2": "none"}))
    names = [line.split()[2] for line in security_header_lines(std)]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"\$[a-z0-9_]+", n) for n in names)


def test_the_maps_are_at_http_level_and_the_add_headers_at_server_level(std) -> None:
    files = render_nginx(std, NginxSiteSpec(tls=TLS, server_names=NAMES))
    http = files["nginx.conf"].split("server {", 1)[0]
    assert "include webstack/security/security-headers-map.conf;" in http
    assert files["nginx.conf"].count("include webstack/security/security-headers.conf;") == 2  # both servers


def test_no_location_can_drop_the_security_headers(std) -> None:
    files = render_nginx(std, NginxSiteSpec(tls=TLS, server_names=NAMES))
    assert locations_missing_headers(files) == []
    broken = dict(files)
    broken["webstack/location/site.conf"] = files["webstack/location/site.conf"].replace(
        "try_files $uri =404;", 'add_header X-Debug "1" always;\n    try_files $uri =404;')
    assert locations_missing_headers(broken) == ["webstack/location/site.conf: location /assets/ {"]
    fixed = dict(broken)
    fixed["webstack/location/site.conf"] = broken["webstack/location/site.conf"].replace(
        'add_header X-Debug "1" always;',
        'include webstack/security/security-headers.conf;\n    add_header X-Debug "1" always;')
    assert locations_missing_headers(fixed) == []


def test_tls_profile_and_http2(std) -> None:
    files = render_nginx(std, NginxSiteSpec(tls=TLS, server_names=NAMES))
    tls = files["webstack/tls/intermediate.conf"]
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in tls
    assert "ssl_ecdh_curve X25519:prime256v1:secp384r1;" in tls
    assert "ssl_session_tickets off;" in tls
    assert "listen 8443 ssl http2 default_server;" in files["nginx.conf"]
    assert "http2 on" not in files["nginx.conf"]  # needs nginx >= 1.25.1; Debian has 1.22
    assert "webstack/tls/ocsp-stapling.conf" not in files  # no resolver, no stapling


def test_ocsp_stapling_only_with_a_resolver(std) -> None:
    tls = TlsSpec(certificate=TLS.certificate, certificate_key=TLS.certificate_key, resolvers=("1.1.1.1", "9.9.9.9"))
    files = render_nginx(std, NginxSiteSpec(tls=tls, server_names=NAMES))
    assert "resolver 1.1.1.1 9.9.9.9 valid=300s;" in files["webstack/tls/ocsp-stapling.conf"]
    assert "include webstack/tls/ocsp-stapling.conf;" in files["nginx.conf"]


def test_redirect_keeps_a_non_standard_public_port(std) -> None:
    tls = TlsSpec(certificate=TLS.certificate, certificate_key=TLS.certificate_key, public_port=8443)
    assert "https://example.org:8443$request_uri" in render_nginx(std, NginxSiteSpec(tls=tls, server_names=NAMES))[
        "webstack/tls/redirect-to-https.conf"]
    assert "https://example.org$request_uri" in render_nginx(std, NginxSiteSpec(tls=TLS, server_names=NAMES))[
        "webstack/tls/redirect-to-https.conf"]


def test_redirect_targets_the_canonical_host_never_the_request_host(std) -> None:
    files = render_nginx(std, NginxSiteSpec(tls=TLS, server_names=NAMES, canonical_host="www.example.org"))
    redirect = files["webstack/tls/redirect-to-https.conf"]
    assert "return 301 https://www.example.org$request_uri;" in redirect
    assert "$host" not in redirect.split("location", 1)[1] and "$http_host" not in redirect


@pytest.mark.parametrize("kwargs", [
    {"tls": TLS},  # no name to redirect to
    {"tls": TLS, "server_names": ("*.example.org",)},
    {"server_names": NAMES, "canonical_host": "evil.test"},
    {"canonical_host": "Example.org"},
])
def test_spec_refuses_a_missing_or_foreign_canonical_host(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        NginxSiteSpec(**kwargs)


def test_site_spec_redirects_to_the_configured_canonical_hostname() -> None:
    from components.nginx_site import nginx_site_args_from_config, resolve_site

    def redirect_host(cfg: StackConfig) -> str | None:
        args = nginx_site_args_from_config(cfg, tls=True, certificate="c", private_key="k")
        return resolve_site("web", args, cfg.stack).spec.redirect_host

    cfg = stack_config()  # canonicalHost defaults to apex
    assert redirect_host(cfg) == cfg.canonical_hostname == "site.test"
    www = cfg.model_copy(update={"canonical_host": "www"})
    assert redirect_host(www) == "www.site.test"


def test_real_ip_trusts_only_cloudflare(std) -> None:
    text = render_nginx(std, NginxSiteSpec())["webstack/security/real-ip.conf"]
    assert text.count("set_real_ip_from") == len(CLOUDFLARE_IP_RANGES)
    assert "real_ip_header CF-Connecting-IP;" in text
    assert "set_real_ip_from" not in render_nginx(std, NginxSiteSpec(trusted_proxies=()))[
        "webstack/security/real-ip.conf"].split("\n\n", 1)[1]


@pytest.mark.parametrize("requests, period, expected", [
    (10, 10, "1r/s"), (100, 10, "10r/s"), (100, 60, "100r/m"), (20, 60, "20r/m"), (10, 120, "5r/m"),
    (1, 3600, "1r/m"), (100, 3600, "2r/m"), (7, 600, "1r/m"),
])
def test_rates_never_limit_harder_than_declared(requests: int, period: int, expected: str) -> None:
    rule = RateLimitRule(path="/api/*", requests_per_period=requests, period=period, mitigation_timeout=60,
                         action="block", burst=0)
    assert nginx_rate(rule) == expected
    value, unit = int(expected[:-3]), expected[-1]
    per_second = value if unit == "s" else value / 60
    assert per_second >= requests / period


def test_rate_limit_on_the_root_merges_with_the_spa_location(std) -> None:
    import dataclasses

    root_rule = RateLimitRule(path="/*", requests_per_period=600, period=60, mitigation_timeout=60, action="block",
                              burst=50)
    limited = dataclasses.replace(std, rate_limits=(root_rule,))
    site = render_nginx(limited, NginxSiteSpec())["webstack/location/site.conf"]
    assert site.count("location / {") == 1
    assert "limit_req zone=webstack_rl0_root burst=50 nodelay;" in site


@pytest.mark.parametrize("kwargs", [
    {"root": "relative/path"}, {"root": "/srv/../etc"}, {"state_dir": "/tmp/a b"}, {"access_log": "/x;y"},
    {"server_names": ("Example.COM",)}, {"server_names": ("a b",)}, {"http_port": 0},
    {"worker_processes": "many"}, {"trusted_proxies": ("not-a-cidr",)}, {"client_max_body_size": "1g;"},
    {"listen_address": "localhost"},
])
def test_spec_refuses_values_that_could_break_the_config(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        NginxSiteSpec(**kwargs)


def test_tls_spec_refuses_hostname_resolvers() -> None:
    with pytest.raises(ValueError):
        TlsSpec(certificate="/c", certificate_key="/k", resolvers=("dns.google",))


def test_site_files_for_the_container(std) -> None:
    cfg = stack_config()
    files = render_site_files(cfg, tls=True)
    assert {"nginx/Dockerfile", "nginx/Dockerfile.dockerignore", "nginx/nginx.conf"} <= set(files)
    conf = files["nginx/nginx.conf"]
    assert "ssl_certificate /etc/nginx/tls/origin.crt;" in conf
    assert "ssl_certificate_key /etc/nginx/tls/origin.key;" in conf
    assert "pid /tmp/nginx.pid;" in conf
    assert "server_name site.test www.site.test;" in conf
    assert "**/node_modules" in files["nginx/Dockerfile.dockerignore"]
    plain = render_site_files(cfg, tls=False)
    assert "ssl" not in plain["nginx/nginx.conf"] and "EXPOSE 8080\n" in plain["nginx/Dockerfile"]


def _hosting(**nginx: object) -> dict:
    return {"provider": "nginx", "nginx": {"originIpv4": "203.0.113.10", **nginx}}


@pytest.mark.parametrize("field, value, key", [
    ("appDir", "../outside", "webstack:hosting.nginx.appDir"),
    ("appDir", "/abs", "webstack:hosting.nginx.appDir"),
    ("imageName", "Web:latest", "webstack:hosting.nginx.imageName"),
    ("resolvers", ["dns.google"], "webstack:hosting.nginx.resolvers[0]"),
    ("nginxVersion", "latest", "webstack:hosting.nginx.nginxVersion"),
    ("nginxDigest", "sha256:xyz", "webstack:hosting.nginx.nginxDigest"),
    ("httpPort", 80, "webstack:hosting.nginx.httpPort"),
    ("logMaxSize", "10 m", "webstack:hosting.nginx.logMaxSize"),
])
def test_bad_nginx_settings_fail_at_the_config_boundary(field: str, value: object, key: str) -> None:
    import json

    from components.stack_config import load_stack_config

    raw = {
        "webstack:domain": "site.test", "webstack:environment": "development",
        "webstack:hosting": json.dumps(_hosting(**{field: value})),
        "webstack:cloudflare": json.dumps({"zoneId": "1" * 32}),
        "webstack:supabase": json.dumps({"projectRef": "abcdefghijklmnopqrst"}),
        "webstack:supabaseAnonKey": "sb_publishable_fixtureFixtureFixture0123",
    }
    with pytest.raises(ConfigError) as info:
        load_stack_config(raw, project="webstack", stack="dev")
    assert key in [k for k, _ in info.value.problems], info.value.problems


def test_equal_ports_are_refused() -> None:
    with pytest.raises(ConfigError, match="httpPort and httpsPort must differ"):
        import json

        from components.stack_config import load_stack_config

        load_stack_config({
            "webstack:domain": "site.test", "webstack:environment": "development",
            "webstack:hosting": json.dumps(_hosting(httpPort=9000, httpsPort=9000)),
            "webstack:cloudflare": json.dumps({"zoneId": "1" * 32}),
            "webstack:supabase": json.dumps({"projectRef": "abcdefghijklmnopqrst"}),
            "webstack:supabaseAnonKey": "sb_publishable_fixtureFixtureFixture0123",
        }, project="webstack", stack="dev")
