"""Resources that meet the whole standard (the passing side of most tests), in engine wire form."""

from __future__ import annotations

from typing import Any

from policy_helpers import resource

from stackcheck.model import ResourceRecord

RULESET = "cloudflare:index/ruleset:Ruleset"
ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
DNS = "cloudflare:index/dnsRecord:DnsRecord"
HEALTHCHECK = "cloudflare:index/healthcheck:Healthcheck"
ROUTE = "vercel:index/projectRoute:ProjectRoute"
VERCEL_ENV = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
VERCEL_PROJECT = "vercel:index/project:Project"
CONTAINER = "docker:index/container:Container"
IMAGE = "docker:index/image:Image"
REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage"
SSL = "pulumi-python:dynamic/supabase:SslEnforcement"
AUTH = "pulumi-python:dynamic/supabase:AuthSettings"
DB = "pulumi-python:dynamic/supabase:DatabaseSecurity"

GOOD_CSP = "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'"
RUNBOOK_CSP = "default-src 'self'; script-src 'self' 'unsafe-inline'"
GOOD_HEADERS: dict[str, str] = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Content-Security-Policy": GOOD_CSP,
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


def header_ruleset(headers: dict[str, Any] | None = None, name: str = "headers", *, expression: str = "true",
                   **kw: Any) -> ResourceRecord:
    values = GOOD_HEADERS if headers is None else headers
    return resource(RULESET, name, {
        "zoneId": "zone1", "name": "security headers", "kind": "zone", "phase": "http_response_headers_transform",
        "rules": [{"action": "rewrite", "expression": expression, "actionParameters": {
            "headers": {k: {"operation": "set", "value": v} for k, v in values.items()}}}],
    }, **kw)


def vercel_route(headers: dict[str, Any] | None = None, name: str = "route") -> ResourceRecord:
    values = GOOD_HEADERS if headers is None else headers
    return resource(ROUTE, name, {"projectId": "prj", "route": {"src": "/(.*)", "transforms": [
        {"type": "response.headers", "op": "set", "target": {"key": k}, "args": v} for k, v in values.items()]}})


def nginx_conf(headers: dict[str, str] | None = None, *, always: bool = True) -> str:
    values = GOOD_HEADERS if headers is None else headers
    suffix = " always" if always else ""
    lines = [f'add_header {k} "{v}"{suffix};' for k, v in values.items()]
    return "server {\n  listen 8080;\n  # security headers (h5bp)\n  " + "\n  ".join(lines) + "\n}\n"


def container(name: str = "web", **overrides: Any) -> ResourceRecord:
    inputs: dict[str, Any] = {
        "image": "nginx:1.27.3-alpine@sha256:" + "a" * 64, "readOnly": True, "user": "101:101",
        "capabilities": {"drops": ["ALL"]}, "securityOpts": ["no-new-privileges:true"], "memory": 256.0,
        "healthcheck": {"tests": ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/healthz"]},
        "uploads": [{"file": "/etc/nginx/conf.d/default.conf", "content": nginx_conf()}],
        "envs": ["NODE_ENV=production"],
    }
    inputs.update(overrides)
    return resource(CONTAINER, name, {k: v for k, v in inputs.items() if v is not None})


def zone_settings(zone: str = "zone1") -> list[ResourceRecord]:
    values: dict[str, Any] = {
        "ssl": "strict", "min_tls_version": "1.2", "tls_1_3": "on", "always_use_https": "on",
        "security_header": {"strict_transport_security": {
            "enabled": True, "max_age": 31536000.0, "include_subdomains": True, "preload": False, "nosniff": True}},
    }
    return [resource(ZONE_SETTING, f"{zone}-{k}", {"zoneId": zone, "settingId": k, "value": v})
            for k, v in values.items()]


def dns(name: str = "www.example.com", *, rtype: str = "CNAME", proxied: Any = True,
        urn_name: str | None = None) -> ResourceRecord:
    return resource(DNS, urn_name or name.split(".")[0], {"zoneId": "zone1", "name": name, "type": rtype,
                                                           "content": "origin.example.net", "proxied": proxied,
                                                           "ttl": 1.0})


def caa() -> ResourceRecord:
    return resource(DNS, "caa", {"zoneId": "zone1", "name": "example.com", "type": "CAA", "ttl": 1.0,
                                 "data": {"flags": 0.0, "tag": "issue", "value": "letsencrypt.org"}})


def healthcheck(address: str = "www.example.com") -> ResourceRecord:
    return resource(HEALTHCHECK, f"hc-{address.split('.')[0]}", {"zoneId": "zone1", "name": "www", "address": address,
                                                                  "type": "HTTPS", "path": "/"})


def good_stack() -> list[ResourceRecord]:
    return [header_ruleset(), *zone_settings(), dns(), caa(), healthcheck()]
