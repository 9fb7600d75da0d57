"""The defect classes of issue 13, each with a passing and a failing fixture, judged over the real Analyzer protocol.

Inputs are written the way the providers document them (wire form, camelCase keys): pulumiverse-vercel 5.x
``ProjectRoute`` transforms carry ``target``/``args`` as JSON documents; Cloudflare's ``security_header`` zone
setting has ``nosniff``; docker ``uploads`` may carry a host ``source``; ``docker.Service`` keeps its container in
``taskSpec.containerSpec``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fixtures_good import (
    CONTAINER,
    GOOD_CSP,
    GOOD_HEADERS,
    ROUTE,
    RULESET,
    VERCEL_ENV,
    container,
    dns,
    header_ruleset,
    healthcheck,
    nginx_conf,
    zone_settings,
)
from policy_helpers import judge, resource

from stackcheck.analyzer import PolicyPackSession

HEADERS = "security-headers-required"
CSP = "csp-observatory-grade"
SERVICE = "docker:index/service:Service"
FIREWALL = "vercel:index/firewallConfig:FirewallConfig"
NO_FRAME_ANCESTORS = "default-src 'self'; script-src 'self'; object-src 'none'"


def headers(**changes: str | None) -> dict[str, str]:
    """GOOD_HEADERS with changes (X_Frame_Options="…"); None removes the header."""
    out = dict(GOOD_HEADERS)
    for key, value in changes.items():
        name = key.replace("_", "-")
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


# ------------------------------------------------------------------------------------------- provider semantics


def json_route(values: dict[str, str], src: str = "/(.*)") -> Any:
    """A ProjectRoute as pulumiverse-vercel 5.21 passes it: target and args are JSON strings."""
    return resource(ROUTE, "route", {"projectId": "prj", "route": {"src": src, "transforms": [
        {"type": "response.headers", "op": "set", "target": json.dumps({"key": k}), "args": json.dumps(v)}
        for k, v in values.items()]}})


def test_vercel_transforms_as_json_strings(pack: PolicyPackSession) -> None:
    judge(pack, json_route(GOOD_HEADERS)).assert_no_violations(HEADERS)
    judge(pack, json_route({**GOOD_HEADERS, "Referrer-Policy": "unsafe-url"})).assert_has_violation(
        HEADERS, urn_name="route", contains="Referrer-Policy")


def test_vercel_route_src_in_path_to_regexp_syntax(pack: PolicyPackSession) -> None:
    judge(pack, json_route(GOOD_HEADERS, src="/:path*")).assert_no_violations(HEADERS)
    missing = {k: v for k, v in GOOD_HEADERS.items() if k != "Permissions-Policy"}
    judge(pack, json_route(missing, src="/:path*")).assert_has_violation(HEADERS, contains="Permissions-Policy")


def env_var(key: str, value: str, targets: list[str], **extra: Any) -> Any:
    return resource(VERCEL_ENV, key.lower(), {"projectId": "prj", "key": key, "value": value, "targets": targets,
                                               "sensitive": False, **extra})


def test_env_targets_development_only_is_not_production(prod_pack: PolicyPackSession) -> None:
    judge(prod_pack, env_var("NODE_ENV", "development", ["development"]),
          env_var("VITE_SUPABASE_URL", "http://localhost:54321", ["development"])).assert_no_violations()
    result = judge(prod_pack, env_var("NODE_ENV", "development", ["production", "preview"]))
    result.assert_has_violation("node-env-production", contains="[production: stack name 'prod'")


def test_write_only_value_is_judged(pack: PolicyPackSession) -> None:
    wo = {"projectId": "prj", "key": "VITE_SERVICE_KEY", "valueWo": "sb_secret_abc", "targets": ["production"],
          "sensitive": True}
    judge(pack, resource(VERCEL_ENV, "wo", wo)).assert_has_violation("no-secrets-in-client-env", contains="valueWo")
    fine = {**wo, "key": "SERVICE_KEY"}
    judge(pack, resource(VERCEL_ENV, "wo", fine)).assert_no_violations("no-secrets-in-client-env")


def test_zone_security_header_sends_nosniff(pack: PolicyPackSession) -> None:
    ruleset = header_ruleset(headers(X_Content_Type_Options=None, Strict_Transport_Security=None))
    judge(pack, ruleset, *zone_settings()).assert_no_violations(HEADERS)
    without = [s for s in zone_settings() if not s.name.endswith("security_header")]
    no_nosniff = resource("cloudflare:index/zoneSetting:ZoneSetting", "zone1-security_header", {
        "zoneId": "zone1", "settingId": "security_header", "value": {"strict_transport_security": {
            "enabled": True, "max_age": 31536000, "include_subdomains": True, "nosniff": False}}})
    judge(pack, ruleset, *without, no_nosniff).assert_has_violation(
        HEADERS, contains="X-Content-Type-Options (nor does the zone's security_header setting)")


def test_hsts_in_a_response_header_ruleset_is_graded(pack: PolicyPackSession) -> None:
    judge(pack, header_ruleset(), *zone_settings()).assert_no_violations(HEADERS)
    one_day = header_ruleset(headers(Strict_Transport_Security="max-age=86400; includeSubDomains"))
    judge(pack, one_day, *zone_settings()).assert_has_violation(HEADERS, contains="max-age 86400 is below")


def test_unknown_expression_field_still_has_its_values_graded(applied_pack: PolicyPackSession) -> None:
    expression = 'any(http.request.headers["accept"][*] contains "text/html")'
    good = header_ruleset(expression=expression)
    assert not [v for v in judge(applied_pack, good).of(HEADERS) if "outside the accepted set" in v.message]
    weak = header_ruleset(headers(Referrer_Policy="unsafe-url"), expression=expression)
    judge(applied_pack, weak).assert_has_violation(HEADERS, contains="cannot evaluate) sets Referrer-Policy")


def test_rule_on_the_response_content_type_applies_to_html(pack: PolicyPackSession) -> None:
    html = header_ruleset(expression='http.response.content_type.media_type eq "text/html"')
    judge(pack, html, *zone_settings()).assert_no_violations(HEADERS)
    json_only = header_ruleset(expression='http.response.content_type.media_type eq "application/json"')
    judge(pack, json_only, *zone_settings()).assert_has_violation(HEADERS, contains="does not set the required")


def test_upload_source_is_a_host_path_not_content(pack: PolicyPackSession) -> None:
    by_path = container(uploads=[{"file": "/etc/nginx/conf.d/default.conf", "source": "./nginx/default.conf"}])
    judge(pack, by_path).assert_no_violations(HEADERS)
    encoded = base64.b64encode(nginx_conf({k: v for k, v in GOOD_HEADERS.items() if k != "Referrer-Policy"})
                               .encode()).decode()
    b64 = container(uploads=[{"file": "/etc/nginx/conf.d/default.conf", "contentBase64": encoded}])
    judge(pack, b64).assert_has_violation(HEADERS, contains="Referrer-Policy")


def service(**spec: Any) -> Any:
    container_spec = {"image": "nginx:1.27.3-alpine@sha256:" + "a" * 64, "user": "101:101", "readOnly": True,
                      "capDrops": ["ALL"], "healthcheck": {"tests": ["CMD", "true"]}, **spec}
    return resource(SERVICE, "svc", {"name": "web", "taskSpec": {
        "containerSpec": {k: v for k, v in container_spec.items() if v is not None},
        "resources": {"limits": {"memoryBytes": 268435456.0}}}})


@pytest.mark.parametrize(("policy", "spec", "text"), [
    ("container-non-root-user", {"user": "root"}, "taskSpec.containerSpec.user"),
    ("container-read-only-rootfs", {"readOnly": None}, "taskSpec.containerSpec.readOnly"),
    ("container-drop-all-capabilities", {"capDrops": None}, "taskSpec.containerSpec.capDrops"),
    ("container-image-pinned", {"image": "nginx:stable-alpine"}, "moving tag 'stable-alpine'"),
    ("container-healthcheck", {"healthcheck": None}, "taskSpec.containerSpec.healthcheck"),
])
def test_docker_service_runs_containers_too(prod_pack: PolicyPackSession, policy: str, spec: dict[str, Any],
                                            text: str) -> None:
    judge(prod_pack, service()).assert_no_violations()
    judge(prod_pack, service(**spec)).assert_has_violation(policy, urn_name="svc", contains=text)


# ------------------------------------------------------------------------------------------- the standard's letter


def test_frame_ancestors_replaces_x_frame_options(pack: PolicyPackSession) -> None:
    judge(pack, header_ruleset(headers(X_Frame_Options=None))).assert_no_violations(HEADERS)  # GOOD_CSP has it
    no_ancestors = headers(X_Frame_Options=None, Content_Security_Policy=NO_FRAME_ANCESTORS)
    judge(pack, header_ruleset(no_ancestors)).assert_has_violation(HEADERS, contains="X-Frame-Options")


def test_sameorigin_without_frame_ancestors_is_weaker(pack: PolicyPackSession) -> None:
    with_ancestors = headers(X_Frame_Options="SAMEORIGIN")
    assert "frame-ancestors" in GOOD_CSP
    judge(pack, header_ruleset(with_ancestors)).assert_no_violations(HEADERS)
    weaker = headers(X_Frame_Options="SAMEORIGIN", Content_Security_Policy=NO_FRAME_ANCESTORS)
    judge(pack, header_ruleset(weaker)).assert_has_violation(HEADERS, contains="SAMEORIGIN without CSP frame-ancestors")


def test_referrer_policy_fallback_list(pack: PolicyPackSession) -> None:
    fallback = headers(Referrer_Policy="no-referrer, strict-origin-when-cross-origin")
    judge(pack, header_ruleset(fallback)).assert_no_violations(HEADERS)
    unsafe_last = headers(Referrer_Policy="no-referrer, unsafe-url")
    judge(pack, header_ruleset(unsafe_last)).assert_has_violation(HEADERS, contains="browsers apply unsafe-url")


def test_unsafe_eval_fails_on_production_only(pack: PolicyPackSession, prod_pack: PolicyPackSession) -> None:
    evil = header_ruleset(headers(Content_Security_Policy="default-src 'self'; script-src 'self' 'unsafe-eval'"))
    judge(pack, evil).assert_no_violations(CSP)
    judge(prod_pack, header_ruleset()).assert_no_violations(CSP)
    judge(prod_pack, evil).assert_has_violation(CSP, contains="unsafe-eval")


@pytest.mark.parametrize("tag", ["stable-alpine", "mainline-alpine", "stable", "alpine", "bookworm", "lts"])
def test_moving_tags_are_as_floating_as_latest(pack: PolicyPackSession, tag: str) -> None:
    judge(pack, container(image=f"nginx:{tag}")).assert_has_violation("container-image-pinned", contains=tag)
    judge(pack, container(image="nginx:1.27.3-alpine")).assert_no_violations("container-image-pinned")


def test_missing_healthcheck_is_mandatory_on_production(pack: PolicyPackSession,
                                                        prod_pack: PolicyPackSession) -> None:
    judge(pack, container(healthcheck=None)).assert_no_violations("container-healthcheck")
    judge(prod_pack, container()).assert_no_violations("container-healthcheck")
    judge(prod_pack, container(healthcheck=None)).assert_has_violation("container-healthcheck", level="mandatory")


# ------------------------------------------------------------------------------------------- runbook areas


def nginx_site(extra_server: str = "", *, index_html: str = "expires -1;", assets: str = "expires max;",
               api: str = "limit_req zone=api burst=20 nodelay;") -> Any:
    lines = "\n".join(f'    add_header {k} "{v}" always;' for k, v in GOOD_HEADERS.items())
    conf = (f"limit_req_zone $binary_remote_addr zone=api:10m rate=10r/s;\n"
            f"server {{\n    listen 8080;\n    server_name shop.example.com;\n    server_tokens off;\n{lines}\n"
            f"{extra_server}\n"
            f"    location / {{ try_files $uri /index.html; }}\n"
            f"    location = /index.html {{ {index_html} }}\n"
            f"    location /assets/ {{ {assets} }}\n"
            f"    location /api/ {{ {api} proxy_pass http://api:3000; }}\n}}\n")
    return container(uploads=[{"file": "/etc/nginx/conf.d/default.conf", "content": conf}])


def test_index_html_cached_for_a_day_is_a_defect(pack: PolicyPackSession) -> None:
    judge(pack, nginx_site()).assert_no_violations("cache-control-standard")
    judge(pack, nginx_site(index_html="expires 1d;")).assert_has_violation(
        "cache-control-standard", contains="index.html with 'expires 1d'")
    judge(pack, nginx_site(assets="expires 1h;")).assert_has_violation("cache-control-standard",
                                                                        contains="for 3600 s only")


def cache_ruleset(expression: str, ttl: int) -> Any:
    return resource(RULESET, "cache", {"zoneId": "zone1", "name": "cache", "kind": "zone",
                                       "phase": "http_request_cache_settings", "rules": [{
                                           "action": "set_cache_settings", "expression": expression,
                                           "actionParameters": {"cache": True, "browserTtl": {
                                               "mode": "override_origin", "default": ttl}}}]})


def test_cloudflare_cache_rule_on_html(pack: PolicyPackSession) -> None:
    assets = 'starts_with(http.request.uri.path, "/assets/")'
    judge(pack, cache_ruleset(assets, 31536000)).assert_no_violations("cache-control-standard")
    judge(pack, cache_ruleset("true", 86400)).assert_has_violation("cache-control-standard", contains="1 day")


def ratelimit_ruleset(enabled: bool = True) -> Any:
    return resource(RULESET, "ratelimit", {"zoneId": "zone1", "name": "rl", "kind": "zone", "phase": "http_ratelimit",
                                           "rules": [{"action": "block", "enabled": enabled,
                                                      "expression": 'starts_with(http.request.uri.path, "/api/")',
                                                      "ratelimit": {"characteristics": ["cf.colo.id", "ip.src"],
                                                                    "period": 10, "requestsPerPeriod": 100,
                                                                    "mitigationTimeout": 10}}]})


def test_rate_limiting_required_on_production(pack: PolicyPackSession, prod_pack: PolicyPackSession) -> None:
    stack = [header_ruleset(), *zone_settings(), dns(), healthcheck()]
    judge(pack, *stack).assert_no_violations("rate-limit-required")
    judge(prod_pack, *stack, ratelimit_ruleset()).assert_no_violations("rate-limit-required")
    judge(prod_pack, *stack).assert_has_violation("rate-limit-required", contains="no enabled rate-limit rule")
    judge(prod_pack, *stack, ratelimit_ruleset(enabled=False)).assert_has_violation(
        "rate-limit-required", contains="a rule that does not limit is no rule")


def test_nginx_api_needs_limit_req_on_production(prod_pack: PolicyPackSession) -> None:
    judge(prod_pack, nginx_site()).assert_no_violations("rate-limit-required")
    judge(prod_pack, nginx_site(api="")).assert_has_violation("rate-limit-required", contains="location /api/")


def test_vercel_firewall_rate_limit_counts(prod_pack: PolicyPackSession) -> None:
    firewall = resource(FIREWALL, "fw", {"projectId": "prj", "rules": {"rules": [{
        "name": "api", "active": True, "conditionGroups": [],
        "action": {"action": "rate_limit", "rateLimit": {"limit": 100, "window": 60, "keys": ["ip"]}}}]}})
    stack = [header_ruleset(), *zone_settings(), dns(), healthcheck()]
    judge(prod_pack, *stack, firewall).assert_no_violations("rate-limit-required")


@pytest.mark.parametrize(("directive", "text"), [
    ("server_tokens on;", "server_tokens"),
    ("autoindex on;", "autoindex on"),
    ("ssl_protocols TLSv1 TLSv1.2;", "TLSv1"),
])
def test_nginx_directives_beyond_add_header(pack: PolicyPackSession, directive: str, text: str) -> None:
    judge(pack, nginx_site()).assert_no_violations("nginx-server-hardening")
    judge(pack, nginx_site(f"    {directive}")).assert_has_violation("nginx-server-hardening", contains=text)


def test_http_level_autoindex_reaches_every_server(pack: PolicyPackSession) -> None:
    site = nginx_site()
    conf = site.inputs["uploads"][0]["content"]
    wrapped = [{"file": "/etc/nginx/nginx.conf", "content": "http {\n  autoindex on;\n" + conf + "}\n"}]
    judge(pack, container(uploads=wrapped)).assert_has_violation("nginx-server-hardening", contains="autoindex on")
    fine = [{"file": "/etc/nginx/nginx.conf", "content": "http {\n  autoindex off;\n" + conf + "}\n"}]
    judge(pack, container(uploads=fine)).assert_no_violations("nginx-server-hardening")


def test_location_dropping_the_server_headers_says_why(pack: PolicyPackSession) -> None:
    judge(pack, nginx_site()).assert_no_violations(HEADERS)
    dropping = nginx_site(assets='expires max; add_header Cache-Control "public, immutable";')
    v = judge(pack, dropping).assert_has_violation(HEADERS, contains="location /assets/")
    assert "has add_header directives of its own" in v.message and "inherits add_header only" in v.message


def test_text_plain_health_endpoint_is_not_html(pack: PolicyPackSession) -> None:
    health = 'location = /healthz { default_type text/plain; add_header Cache-Control "no-store"; return 200 "ok"; }'
    judge(pack, nginx_site(health)).assert_no_violations(HEADERS)
    html = 'location = /status { default_type text/html; add_header Cache-Control "no-store"; return 200 "<p>"; }'
    judge(pack, nginx_site(html)).assert_has_violation(HEADERS, contains="location = /status")


# ------------------------------------------------------------------------------------------- who is production


@pytest.mark.parametrize(("stack", "prod"), [
    ("prod-eu", True), ("production-us", True), ("live", True), ("eu-prod", True), ("prd", True),
    ("pre-prod", False), ("staging", False), ("dev", False), ("nonprod", False),
])
def test_production_matcher(pack_sessions: Any, stack: str, prod: bool) -> None:
    result = judge(pack_sessions(stack), container(healthcheck=None))
    if prod:
        v = result.assert_has_violation("container-healthcheck")
        assert f"production: stack name '{stack}' matches prodStackNames" in v.message
    else:
        result.assert_no_violations("container-healthcheck")


def test_production_matcher_is_configurable_and_tags_count(pack_sessions: Any) -> None:
    session = pack_sessions("eu-main")
    judge(session, container(healthcheck=None)).assert_no_violations("container-healthcheck")
    own = {"container-healthcheck": {"prodStackNames": ["*-main"]}}
    judge(session, container(healthcheck=None), config=own).assert_has_violation(
        "container-healthcheck", contains="matches prodStackNames '*-main'")
    v = judge(session, container(healthcheck=None), tags={"environment": "Production"}).assert_has_violation(
        "container-healthcheck")
    assert "stack tag environment=Production matches prodTagValues" in v.message


# ------------------------------------------------------------------------------------------- robustness


def test_nginx_include_cycle_is_detected_and_bounded(pack: PolicyPackSession) -> None:
    lines = "\n".join(f'add_header {k} "{v}" always;' for k, v in GOOD_HEADERS.items())
    uploads = [{"file": "/etc/nginx/nginx.conf", "content": "http { include conf.d/*.conf; }"},
               {"file": "/etc/nginx/conf.d/a.conf", "content": f"include conf.d/*.conf;\nserver {{ listen 8080;\n"
                                                               f"server_tokens off;\n{lines}\n}}"},
               {"file": "/etc/nginx/conf.d/b.conf", "content": "include conf.d/*.conf;"}]
    result = judge(pack, container(uploads=uploads))
    result.assert_has_violation(HEADERS, contains="include cycle")
    acyclic = [uploads[0], {**uploads[1], "content": uploads[1]["content"].replace("include conf.d/*.conf;\n", "")}]
    judge(pack, container(uploads=acyclic)).assert_no_violations(HEADERS)


def test_every_message_names_a_property_path(pack: PolicyPackSession) -> None:
    result = judge(pack, container(user=None, readOnly=False, memory=None, image="nginx:latest"))
    for policy, path in [("container-non-root-user", "(user)"), ("container-read-only-rootfs", "(readOnly"),
                         ("container-memory-limit", "(memory)"), ("container-image-pinned", "(image)")]:
        assert path in result.assert_has_violation(policy).message
    assert CONTAINER in result.records[0].type


def test_legacy_page_rule_caching_the_html(pack: PolicyPackSession) -> None:
    def page_rule(target: str) -> Any:
        return resource("cloudflare:index/pageRule:PageRule", "cache-all", {
            "zoneId": "zone1", "target": target, "status": "active",
            "actions": {"cacheLevel": "cache_everything", "edgeCacheTtl": 86400}})

    judge(pack, page_rule("app.example.org/assets/*")).assert_no_violations("cache-control-standard")
    judge(pack, page_rule("app.example.org/*")).assert_has_violation("cache-control-standard",
                                                                     contains="actions.edgeCacheTtl")


def test_log_only_rate_limit_rule_limits_nothing(prod_pack: PolicyPackSession) -> None:
    log_only = ratelimit_ruleset()
    log_only.inputs["rules"][0]["action"] = "log"
    stack = [header_ruleset(), *zone_settings(), dns(), healthcheck()]
    judge(prod_pack, *stack, log_only).assert_has_violation("rate-limit-required", contains="only records")


def test_netlify_toml_production_context_environment(prod_pack: PolicyPackSession) -> None:
    def deploy(context: str) -> Any:
        toml = f'[build]\n  publish = "dist"\n\n[context.{context}.environment]\n  NODE_ENV = "development"\n'
        return resource("pulumi-python:dynamic/netlify:Deploy", "site", {
            "siteId": "s", "files": [{"path": "netlify.toml", "content": toml}]})

    judge(prod_pack, deploy("deploy-preview")).assert_no_violations("node-env-production")
    judge(prod_pack, deploy("production")).assert_has_violation(
        "node-env-production", contains="netlify.toml [context.production.environment] NODE_ENV")
