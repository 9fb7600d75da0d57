"""Build fixture resources from the real provider SDK classes and print them as engine-shaped records (JSON).

Run as a subprocess (``python tests/policy/sdk_capture.py``): it installs Pulumi's mock runtime, which is
process-global, so it must not share a process with other tests. Each ``build_*`` function below declares
resources the way a user program would; the captured ``RegisterResource`` payload is exactly the wire form the
engine hands to analyzers (camelCase keys, secret markers, unknown sentinels during preview).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks

PROJECT, STACK = "sdkfixtures", "dev"
captured: list[dict[str, Any]] = []


class _Capture(mocks.MockMonitor):
    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            captured.append({
                "urn": f"urn:pulumi:{STACK}::{PROJECT}::{request.type}::{request.name}",
                "type": request.type,
                "name": request.name,
                "custom": bool(request.custom),
                "inputs": json_format.MessageToDict(request.object),
            })
        return response


class _Mocks(mocks.Mocks):
    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", {}

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


def build() -> None:
    import pulumi_cloudflare as cloudflare
    import pulumi_docker as docker
    import pulumiverse_vercel as vercel

    cloudflare.Ruleset(
        "good-headers", zone_id="zone1", name="headers", kind="zone", phase="http_response_headers_transform",
        rules=[{"action": "rewrite", "expression": "true", "description": "security headers",
                "action_parameters": {"headers": {
                    "X-Frame-Options": {"operation": "set", "value": "DENY"},
                    "X-Content-Type-Options": {"operation": "set", "value": "nosniff"},
                    "Referrer-Policy": {"operation": "set", "value": "strict-origin-when-cross-origin"},
                    "Permissions-Policy": {"operation": "set", "value": "camera=(), microphone=(), geolocation=()"},
                    "Content-Security-Policy": {
                        "operation": "set", "value": "default-src 'self'; object-src 'none'; frame-ancestors 'none'"},
                }}}])
    cloudflare.ZoneSetting("hsts", zone_id="zone1", setting_id="security_header", value={
        "strict_transport_security": {"enabled": True, "max_age": 31536000, "include_subdomains": True,
                                      "preload": True, "nosniff": True}})
    cloudflare.ZoneSetting("ssl-flexible", zone_id="zone1", setting_id="ssl", value="flexible")
    cloudflare.DnsRecord("www", zone_id="zone1", name="www.example.com", type="CNAME", content="origin.example.net",
                         proxied=True, ttl=1)
    cloudflare.DnsRecord("origin-exposed", zone_id="zone1", name="app.example.com", type="A",
                         content="203.0.113.10", proxied=False, ttl=300)
    vercel.ProjectEnvironmentVariable(
        "service-role-in-vite", project_id="prj", key="VITE_SUPABASE_ANON_KEY",
        value=pulumi.Output.secret(os.environ["SDK_CAPTURE_SECRET"]), sensitive=False, targets=["production"])
    vercel.ProjectRoute("route", project_id="prj", route={
        "src": "/(.*)",
        "transforms": [{"type": "response.headers", "op": "set", "target": {"key": "X-Frame-Options"},
                        "args": "DENY"}]})
    docker.Container(
        "hardened", image="nginx:1.27.3-alpine", read_only=True, user="101:101",
        capabilities={"drops": ["ALL"]}, security_opts=["no-new-privileges:true"], memory=256,
        healthcheck={"tests": ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/"]},
        uploads=[{"file": "/etc/nginx/conf.d/headers.conf",
                  "content": 'add_header X-Frame-Options "DENY" always;\n'}])


def main() -> None:
    mocks.set_mocks(_Mocks(), project=PROJECT, stack=STACK, preview=True, monitor=_Capture(_Mocks()))

    @pulumi.runtime.test
    def run() -> None:
        build()

    run()
    json.dump(captured, sys.stdout)


if __name__ == "__main__":
    main()
