"""origin-pulls-verified through the real Analyzer protocol: a proxied production nginx origin must verify
Cloudflare's origin-pull client certificate (or the zone must declare tls_client_auth on)."""

from __future__ import annotations

from fixtures_good import DNS, ZONE_SETTING, container
from policy_helpers import UNKNOWN, judge, resource

from stackcheck.analyzer import PolicyPackSession

POLICY = "origin-pulls-verified"
PROD = {"environment": "production"}


def _tls_conf(*extra: str) -> str:
    return "\n".join([
        "server {",
        "    listen 8443 ssl;",
        "    server_name example.org;",
        "    ssl_certificate /etc/nginx/tls/origin.crt;",
        "    ssl_certificate_key /etc/nginx/tls/origin.key;",
        *[f"    {line}" for line in extra],
        "    location / { root /usr/share/nginx/html; }",
        "}",
        "server { listen 8080; location = /healthz { return 200; } }",
        "",
    ])


LOCKED = _tls_conf("ssl_client_certificate /etc/nginx/origin-pull-ca.pem;", "ssl_verify_client on;")


def _origin(conf: object) -> object:
    return container(uploads=[{"file": "/etc/nginx/conf.d/default.conf", "content": conf}])


def _record(proxied: bool = True) -> object:
    return resource(DNS, "apex", {"zoneId": "zone1", "name": "example.org", "type": "A", "content": "203.0.113.10",
                                  "proxied": proxied, "ttl": 1})


def _tls_client_auth(value: object) -> object:
    return resource(ZONE_SETTING, "aop", {"zoneId": "zone1", "settingId": "tls_client_auth", "value": value})


def test_an_open_tls_origin_behind_the_proxy_fails(pack: PolicyPackSession) -> None:
    judge(pack, _origin(_tls_conf()), _record(), tags=PROD).assert_has_violation(
        POLICY, contains="accepts TLS from any client", level="advisory")


def test_verify_client_without_a_ca_still_fails(pack: PolicyPackSession) -> None:
    judge(pack, _origin(_tls_conf("ssl_verify_client on;")), _record(), tags=PROD).assert_has_violation(POLICY)


def test_optional_verification_fails(pack: PolicyPackSession) -> None:
    conf = _tls_conf("ssl_client_certificate /etc/nginx/ca.pem;", "ssl_verify_client optional;")
    judge(pack, _origin(conf), _record(), tags=PROD).assert_has_violation(POLICY)


def test_a_locked_origin_passes(pack: PolicyPackSession) -> None:
    judge(pack, _origin(LOCKED), _record(), tags=PROD).assert_no_violations(POLICY)


def test_verification_at_http_level_reaches_the_server(pack: PolicyPackSession) -> None:
    conf = ("http {\n    ssl_client_certificate /etc/nginx/ca.pem;\n    ssl_verify_client on;\n"
            + _tls_conf().replace("\n", "\n    ") + "}\n")
    judge(pack, _origin(conf), _record(), tags=PROD).assert_no_violations(POLICY)


def test_the_zone_setting_on_passes(pack: PolicyPackSession) -> None:
    judge(pack, _origin(_tls_conf()), _record(), _tls_client_auth("on"), tags=PROD).assert_no_violations(POLICY)


def test_the_zone_setting_off_does_not_count(pack: PolicyPackSession) -> None:
    judge(pack, _origin(_tls_conf()), _record(), _tls_client_auth("off"), tags=PROD).assert_has_violation(POLICY)


def test_not_judged_outside_production_or_without_proxied_records(pack: PolicyPackSession) -> None:
    judge(pack, _origin(_tls_conf()), _record()).assert_no_violations(POLICY)
    judge(pack, _origin(_tls_conf()), _record(proxied=False), tags=PROD).assert_no_violations(POLICY)


def test_plain_http_origins_are_not_this_policys_concern(pack: PolicyPackSession) -> None:
    conf = "server { listen 8080; location / { root /srv; } }\n"
    judge(pack, _origin(conf), _record(), tags=PROD).assert_no_violations(POLICY)


def test_unknown_content_is_not_a_violation(pack: PolicyPackSession) -> None:
    judge(pack, _origin(UNKNOWN), _record(), tags=PROD).assert_unknown(POLICY)  # reported, not failed
