"""CloudflareEdge in the three example stacks, run offline through stackcheck's engine: the exact records, settings,
rulesets, origin certificate and health checks registered, asserted on their wire inputs (camelCase)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from components.standard import resolve_standard
from stackcheck.engine import ProgramError
from stackcheck.model import PreviewResult, ResourceRecord
from stackcheck.wire import is_secret, is_unknown, unwrap
from tests.cloudflare.stack_config import example_config, run_stack
from tests.conftest import REPO

EDGE = "webstack:index:CloudflareEdge"
DNS = "cloudflare:index/dnsRecord:DnsRecord"
SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
RULESET = "cloudflare:index/ruleset:Ruleset"
HEALTH = "cloudflare:index/healthcheck:Healthcheck"


@pytest.fixture(scope="module")
def runs() -> dict[str, PreviewResult]:
    return {stack: run_stack(stack) for stack in ("prod", "selfhosted", "netlify")}


def of(result: PreviewResult, type_: str) -> list[ResourceRecord]:
    return [r for r in result.resources if r.type == type_]


def records(result: PreviewResult) -> set[tuple[Any, ...]]:
    out = set()
    for r in of(result, DNS):
        i = r.inputs
        data = json.dumps(i["data"], sort_keys=True) if "data" in i else None
        out.add((i["type"], i["name"], i.get("content"), data, i["proxied"], i["ttl"], i.get("priority")))
    return out


def caa(domain: str, *cas: str, iodef: str | None = None) -> set[tuple[Any, ...]]:
    rows = {("CAA", domain, None, json.dumps({"flags": 0.0, "tag": tag, "value": ca}, sort_keys=True), False, 1.0,
             None) for ca in cas for tag in ("issue", "issuewild")}
    if iodef:
        rows.add(("CAA", domain, None, json.dumps({"flags": 0.0, "tag": "iodef", "value": f"mailto:{iodef}"},
                                                  sort_keys=True), False, 1.0, None))
    return rows


def rulesets(result: PreviewResult) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for r in of(result, RULESET):
        assert r.inputs["phase"] not in found, f"two rulesets for phase {r.inputs['phase']}"
        assert r.inputs["kind"] == "zone"
        found[r.inputs["phase"]] = r.inputs["rules"]
    return found


# -- DNS -------------------------------------------------------------------------------------------------------------


def test_prod_vercel_records(runs: dict[str, PreviewResult]) -> None:
    expected = {
        ("A", "example.com", "76.76.21.21", None, True, 1.0, None),
        ("CNAME", "www.example.com", "cname.vercel-dns.com", None, True, 1.0, None),
        ("MX", "example.com", "mx1.mail.example.net", None, False, 1.0, 10.0),
        # TXT content in quotation marks, as Cloudflare documents it (tests/edge)
        ("TXT", "example.com", '"v=spf1 include:_spf.mail.example.net -all"', None, False, 1.0, None),
        ("TXT", "_dmarc.example.com", '"v=DMARC1; p=reject; rua=mailto:dmarc@example.com"', None, False, 1.0, None),
    } | caa("example.com", "letsencrypt.org", "pki.goog", iodef="security@example.com")
    assert records(runs["prod"]) == expected


def test_selfhosted_nginx_records(runs: dict[str, PreviewResult]) -> None:
    expected = {
        ("A", "example.org", "203.0.113.10", None, True, 1.0, None),
        ("AAAA", "example.org", "2001:db8:10::10", None, True, 1.0, None),
        ("A", "www.example.org", "203.0.113.10", None, True, 1.0, None),
        ("AAAA", "www.example.org", "2001:db8:10::10", None, True, 1.0, None),
    } | caa("example.org", "letsencrypt.org")
    assert records(runs["selfhosted"]) == expected


def test_netlify_records(runs: dict[str, PreviewResult]) -> None:
    expected = {
        ("A", "example.net", "75.2.60.5", None, True, 1.0, None),
        ("CNAME", "www.example.net", "example-web.netlify.app", None, True, 1.0, None),
    } | caa("example.net", "letsencrypt.org", "digicert.com")
    assert records(runs["netlify"]) == expected


# -- TLS -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["prod", "selfhosted", "netlify"])
def test_tls_settings(runs: dict[str, PreviewResult], stack: str) -> None:
    settings = {r.inputs["settingId"]: r.inputs["value"] for r in of(runs[stack], SETTING)}
    assert settings == {
        "ssl": "strict",
        "min_tls_version": "1.2",
        "tls_1_3": "on",
        "always_use_https": "on",
        "automatic_https_rewrites": "on",
        "security_header": {"strict_transport_security": {
            "enabled": True, "max_age": 63072000.0, "include_subdomains": True, "preload": False, "nosniff": True}},
        # the production nginx origin is locked down: the edge presents the origin-pull certificate
        **({"tls_client_auth": "on"} if stack == "selfhosted" else {}),
        # edge protection (webstack:protection defaults)
        "security_level": "medium",
        "browser_check": "on",
    }
    zones = {r.inputs["zoneId"] for r in of(runs[stack], SETTING)}
    assert len(zones) == 1


def test_hsts_follows_the_standard() -> None:
    headers = json.dumps({"hstsMaxAge": 31536000, "hstsPreload": True, "weakeningReason": "shorter HSTS on trial"})
    result = run_stack("netlify", overrides={"webstack:headers": headers})
    [hsts] = [r for r in of(result, SETTING) if r.inputs["settingId"] == "security_header"]
    sts = hsts.inputs["value"]["strict_transport_security"]
    assert sts["max_age"] == 31536000.0 and sts["preload"] is True
    [rules] = [v for k, v in rulesets(result).items() if k == "http_response_headers_transform"]
    value = rules[0]["actionParameters"]["headers"]["Strict-Transport-Security"]["value"]
    assert value == "max-age=31536000; includeSubDomains; preload"


def test_dnssec_only_when_configured(runs: dict[str, PreviewResult]) -> None:
    [dnssec] = of(runs["prod"], "cloudflare:index/zoneDnssec:ZoneDnssec")
    assert dnssec.inputs == {"zoneId": "0123456789abcdef0123456789abcdef", "status": "active"}
    assert not of(runs["netlify"], "cloudflare:index/zoneDnssec:ZoneDnssec")


# -- rulesets --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["prod", "selfhosted", "netlify"])
def test_exactly_one_ruleset_per_phase(runs: dict[str, PreviewResult], stack: str) -> None:
    phases = [r.inputs["phase"] for r in of(runs[stack], RULESET)]
    assert sorted(phases) == sorted({"http_response_headers_transform", "http_request_cache_settings",
                                     "http_ratelimit", "http_request_dynamic_redirect",
                                     "http_request_firewall_managed"})  # + the WAF managed rulesets


@pytest.mark.parametrize("stack", ["prod", "selfhosted", "netlify"])
def test_header_mapping_equals_the_standard(runs: dict[str, PreviewResult], stack: str) -> None:
    standard = resolve_standard(example_config(stack)).header_map
    [rule] = rulesets(runs[stack])["http_response_headers_transform"]
    assert rule["action"] == "rewrite" and rule["expression"] == "http.response.code ne 304"
    headers = rule["actionParameters"]["headers"]
    assert {k: v["value"] for k, v in headers.items() if v["operation"] == "set"} == standard
    assert {k for k, v in headers.items() if v["operation"] == "remove"} == {
        "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version"}


def test_cache_ttls(runs: dict[str, PreviewResult]) -> None:
    rules = {r["ref"]: r for r in rulesets(runs["prod"])["http_request_cache_settings"]}
    assets = rules["webstack_cache_hashed_assets"]
    assert assets["expression"] == 'starts_with(http.request.uri.path, "/assets/")'
    assert assets["actionParameters"] == {"cache": True,
                                          "edgeTtl": {"mode": "override_origin", "default": 31536000.0},
                                          "browserTtl": {"mode": "override_origin", "default": 31536000.0}}
    for bypass in ("webstack_cache_html", "webstack_cache_health", "webstack_cache_default"):
        assert rules[bypass]["actionParameters"] == {"cache": False}
    assert rules["webstack_cache_static"]["actionParameters"]["edgeTtl"]["default"] == 3600.0


def test_rate_limit_rules(runs: dict[str, PreviewResult]) -> None:
    rules = rulesets(runs["prod"])["http_ratelimit"]
    assert [(r["expression"], r["action"], r["ratelimit"]) for r in rules] == [
        ('starts_with(http.request.uri.path, "/api/")', "block",
         {"characteristics": ["cf.colo.id", "ip.src"], "period": 60.0, "requestsPerPeriod": 100.0,
          "mitigationTimeout": 60.0}),
        ('starts_with(http.request.uri.path, "/auth/")', "block",
         {"characteristics": ["cf.colo.id", "ip.src"], "period": 60.0, "requestsPerPeriod": 20.0,
          "mitigationTimeout": 600.0}),
    ]


def test_many_rate_limits_still_share_one_ruleset() -> None:
    limits = [{"path": f"/api/v{i}/*", "requestsPerPeriod": 10 * i, "period": 10} for i in range(1, 6)]
    # Five rules need a Business zone (Pro allows two: the config refuses more, see tests/edge/test_plans.py).
    cf = {**yaml.safe_load((REPO / "Pulumi.netlify.yaml").read_text())["config"]["webstack:cloudflare"],
          "plan": "business"}
    result = run_stack("netlify", overrides={"webstack:rateLimits": json.dumps(limits),
                                             "webstack:cloudflare": json.dumps(cf)})
    [ratelimit] = [r for r in of(result, RULESET) if r.inputs["phase"] == "http_ratelimit"]
    assert len(ratelimit.inputs["rules"]) == 5
    assert len(of(result, RULESET)) == 5  # 4 + the WAF managed rulesets


@pytest.mark.parametrize(("stack", "source", "target"), [
    ("prod", "www.example.com", "https://example.com"),
    ("netlify", "example.net", "https://www.example.net"),
])
def test_canonical_redirect(runs: dict[str, PreviewResult], stack: str, source: str, target: str) -> None:
    [rule] = rulesets(runs[stack])["http_request_dynamic_redirect"]
    # behind Vercel the redirect leaves Vercel's certificate-issuance paths alone (tests/edge)
    assert rule["action"] == "redirect" and rule["expression"].startswith(f'http.host eq "{source}"')
    assert rule["actionParameters"]["fromValue"] == {
        "statusCode": 301.0, "preserveQueryString": True,
        "targetUrl": {"expression": f'concat("{target}", http.request.uri.path)'}}


# -- origin TLS, health checks ---------------------------------------------------------------------------------------


def test_origin_certificate_for_nginx(runs: dict[str, PreviewResult]) -> None:
    result = runs["selfhosted"]
    [key] = of(result, "tls:index/privateKey:PrivateKey")
    [csr] = of(result, "tls:index/certRequest:CertRequest")
    [cert] = of(result, "cloudflare:index/originCaCertificate:OriginCaCertificate")
    assert key.inputs == {"algorithm": "ECDSA", "ecdsaCurve": "P256"}
    assert csr.inputs["dnsNames"] == ["example.org", "www.example.org"]
    assert key.urn in csr.property_dependencies["privateKeyPem"]
    assert cert.inputs["requestType"] == "origin-ecc" and cert.inputs["requestedValidity"] == 5475.0
    assert cert.inputs["hostnames"] == ["example.org", "www.example.org"]
    assert csr.urn in cert.property_dependencies["csr"]
    for other in ("prod", "netlify"):
        assert not of(runs[other], "cloudflare:index/originCaCertificate:OriginCaCertificate")


def test_origin_certificate_rsa_option() -> None:
    cf = {"zoneId": "11111111111111111111111111111111", "caa": ["letsencrypt.org"],
          "accountId": "7" * 32,  # the stack's RUM (a Web Analytics site) belongs to the account
          "originCertificate": {"keyAlgorithm": "rsa", "validityDays": 365}}
    result = run_stack("selfhosted", overrides={"webstack:cloudflare": json.dumps(cf)})
    [key] = of(result, "tls:index/privateKey:PrivateKey")
    [cert] = of(result, "cloudflare:index/originCaCertificate:OriginCaCertificate")
    assert key.inputs == {"algorithm": "RSA", "rsaBits": 2048.0}
    assert cert.inputs["requestType"] == "origin-rsa" and cert.inputs["requestedValidity"] == 365.0


def test_prod_health_checks_and_notification(runs: dict[str, PreviewResult]) -> None:
    checks = {r.inputs["address"]: r.inputs for r in of(runs["prod"], HEALTH)}
    assert set(checks) == {"example.com", "www.example.com"}
    for address, check in checks.items():
        assert check["type"] == "HTTPS" and check["timeout"] == 3.0
        assert check["retries"] == 2.0 and check["consecutiveFails"] == 2.0 and check["interval"] == 60.0
        http = check["httpConfig"]
        assert http["path"] == "/healthz" and http["expectedCodes"] == ["200"] and http["allowInsecure"] is False
        assert http["header"] == {"Host": [address]}
        assert http["followRedirects"] is (address == "www.example.com")  # www redirects to the canonical apex
    [policy] = [p for p in of(runs["prod"], "cloudflare:index/notificationPolicy:NotificationPolicy")
                if p.name == "edge-health-alert"]  # its name (and URN) from before webstack:alerts
    assert policy.inputs["alertType"] == "health_check_status_notification"
    assert policy.inputs["accountId"] == "fedcba9876543210fedcba9876543210"
    assert policy.inputs["mechanisms"] == {"emails": [{"id": "oncall@example.com"}]}  # webstack:alerts' target
    assert len(policy.inputs["filters"]["healthCheckIds"]) == 2
    assert not of(runs["netlify"], "cloudflare:index/notificationPolicy:NotificationPolicy")


def test_no_health_checks_outside_production() -> None:
    result = run_stack("netlify", overrides={"webstack:environment": "staging"})
    assert not of(result, HEALTH)
    assert len(of(result, RULESET)) == 5  # 4 + the WAF managed rulesets


def test_dns_only_choice_for_a_vendor_host() -> None:
    cf = {"zoneId": "22222222222222222222222222222222", "caa": ["letsencrypt.org"], "proxied": False}
    result = run_stack("netlify", overrides={"webstack:cloudflare": json.dumps(cf)})
    web = [r.inputs for r in of(result, DNS) if r.inputs["type"] in ("A", "CNAME")]
    assert [w["proxied"] for w in web] == [False, False]
    assert all("DNS-only" in w["comment"] for w in web)


@pytest.mark.parametrize("stack", ["prod", "selfhosted", "netlify"])
def test_every_edge_resource_is_a_child_of_the_component(runs: dict[str, PreviewResult], stack: str) -> None:
    result = runs[stack]
    [edge] = of(result, EDGE)
    assert edge.name == "edge"
    children = [r for r in result.resources if r.parent == edge.urn]
    custom = [r for r in result.resources if r.custom and not r.type.startswith("pulumi:providers:")
              and r.type.split(":")[0] in ("cloudflare", "tls")]
    assert {r.urn for r in custom} == {r.urn for r in children}
    assert all(r.name.startswith("edge-") for r in children)
    assert all(f"{EDGE}$" in r.urn for r in children)  # under WebApp since comp-b's WebApp (URNs aliased)


def test_stack_outputs(runs: dict[str, PreviewResult]) -> None:
    outputs = runs["selfhosted"].outputs
    assert outputs["canonicalUrl"] == "https://www.example.org"
    assert outputs["cloudflareZoneId"] == "11111111111111111111111111111111"
    assert outputs["dnsRecords"][:4] == ["example.org", "example.org", "www.example.org", "www.example.org"]
    assert is_unknown(outputs["rulesetIds"])  # a preview: ids are computed by Cloudflare


def test_private_key_output_is_secret_on_the_component() -> None:
    result = run_stack("selfhosted", dry_run=False)
    [edge] = of(result, EDGE)
    assert is_secret(edge.outputs["originPrivateKeyPem"])
    assert not is_secret(edge.outputs["originCertificatePem"])
    assert unwrap(edge.outputs["originCertificatePem"]).startswith("-----BEGIN CERTIFICATE-----")


def test_plain_http_origin_is_refused_on_production() -> None:
    hosting = json.loads(json.dumps(example_config("selfhosted").hosting.model_dump(by_alias=True, exclude_none=True)))
    hosting["nginx"]["originTls"] = False
    with pytest.raises(ProgramError) as info:
        run_stack("selfhosted", overrides={"webstack:hosting": json.dumps(hosting)})
    assert "webstack:hosting.nginx.originTls" in str(info.value.original)


def test_no_origin_certificate_when_nginx_serves_plain_http() -> None:
    hosting = json.loads(json.dumps(example_config("selfhosted").hosting.model_dump(by_alias=True, exclude_none=True)))
    hosting["nginx"]["originTls"] = False
    result = run_stack("selfhosted", overrides={"webstack:hosting": json.dumps(hosting),
                                                "webstack:environment": "staging"})
    assert not of(result, "cloudflare:index/originCaCertificate:OriginCaCertificate")
    assert not of(result, "tls:index/privateKey:PrivateKey")
