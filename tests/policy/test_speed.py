"""The pack's SDK speed-ups (``policy/webstack_policy/speed.py``) are fenced: applied only when stackcheck asks,
noted when the SDK is another version, and verdicts are identical with and without them."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from fixtures_good import GOOD_HEADERS, container, dns, good_stack, header_ruleset, vercel_route, zone_settings
from policy_helpers import PACK, PROJECT, SERVICE_ROLE_JWT, UNKNOWN, judge, resource
from test_foreign_classes import json_route, nginx_site, ratelimit_ruleset, service

from stackcheck.analyzer import PolicyPackSession
from stackcheck.model import ResourceRecord


def _records() -> list[ResourceRecord]:
    """Passing and failing resources of every policy area (unique names: one stack)."""
    weak = {**GOOD_HEADERS, "Referrer-Policy": "unsafe-url", "Content-Security-Policy": "script-src 'unsafe-eval'"}
    env = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
    out = [
        *good_stack(), ratelimit_ruleset(), header_ruleset(weak, name="weak-headers"),
        vercel_route(), json_route(weak), nginx_site(), dns("api.example.com", proxied=False),
        container(name="root", user="root", image="nginx:stable-alpine", healthcheck=None),
        service(), *zone_settings("zone2"), container(name="priv", privileged=True, readOnly=False, memory=None),
        resource(env, "leak", {"projectId": "p", "key": "VITE_KEY", "value": SERVICE_ROLE_JWT, "sensitive": False,
                               "targets": ["production"]}),
    ]
    out += _foreign_records()
    seen: set[str] = set()
    unique = []
    for r in out:
        if r.urn not in seen:
            seen.add(r.urn)
            unique.append(r)
    return unique


FOREIGN_DB = "pulumi-python:dynamic/acme:Database"
NETLIFY_TOML = """[build.environment]
NODE_ENV = "development"
VITE_SERVICE_ROLE_KEY = "placeholder"
VITE_SUPABASE_URL = "http://project.supabase.co"

[[headers]]
for = "/*"
[headers.values]
Content-Security-Policy = "script-src 'unsafe-inline' 'unsafe-eval'"
Cache-Control = "public, max-age=86400"
"""


def _foreign_records() -> list[ResourceRecord]:
    """Resources the every-type policies must judge by content (files carried in any resource's inputs, unknown
    ones too), Supabase resources that fail, and resources they must decline (speed.py skips them there)."""
    supabase = "pulumi-python:dynamic/supabase:"
    return [
        resource("command:local:Command", "site-files", {"create": "deploy", "assets": [
            {"path": "site/netlify.toml", "content": NETLIFY_TOML},
            {"path": "nginx/nginx.conf", "content": "server { listen 80; autoindex on; ssl_protocols TLSv1; }"},
            {"file": "site/vercel.json", "content": '{"env": {"NEXT_PUBLIC_SUPABASE_URL": "http://x.supabase.co"}}'},
        ]}),
        resource("command:local:Command", "unknown-files", {"assets": [
            {"path": "site/_headers", "content": UNKNOWN}, {"path": "site/nginx.conf", "content": UNKNOWN}]}),
        resource("random:index/randomString:RandomString", "no-files", {"length": 16, "special": False}),
        resource(f"{supabase}SslEnforcement", "ssl", {"projectRef": "p", "database": False}),
        resource(f"{supabase}AuthSettings", "auth", {"projectRef": "p", "config": {"rate_limit_otp": 1000}}),
        resource(f"{supabase}DatabaseSecurity", "db", {"tables": [{"name": "t", "rls_enabled": False}]}),
        resource(f"{supabase}EdgeFunction", "fn", {"slug": "hook", "verify_jwt": False}),
        resource(f"{supabase}DatabaseBackups", "backups", {"pitr": {"enabled": False}}),
        resource(FOREIGN_DB, "acme-db", {"tables": [{"name": "orders", "rls_enabled": False}], "database": False}),
    ]


# The Supabase policies judge the types their config lists: another team's types, and none of the default ones.
FOREIGN_TYPES = {"supabase-rls-enabled": {"resourceTypes": [FOREIGN_DB]},
                 "supabase-ssl-enforced": {"resourceTypes": [FOREIGN_DB, "command:local:Command"]}}


def _verdicts(session: PolicyPackSession, records: list[ResourceRecord], **kw: Any) -> list[tuple[str, ...]]:
    result = judge(session, *records, **kw)
    return sorted((v.policy, v.urn or "", v.enforcement, v.message) for v in result.violations)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_identical_verdicts_with_and_without_the_speedups(stack: str, monkeypatch: pytest.MonkeyPatch) -> None:
    records = _records()
    monkeypatch.setenv("WEBSTACK_POLICY_SPEEDUPS", "0")
    plain = PolicyPackSession(PACK, project=PROJECT, stack=stack)
    monkeypatch.delenv("WEBSTACK_POLICY_SPEEDUPS")
    fast = PolicyPackSession(PACK, project=PROJECT, stack=stack)
    try:
        without = _verdicts(plain, records)
        with_speedups = _verdicts(fast, records)
        # a second run on the same pack (cached conversions must not leak between runs), then other config
        assert _verdicts(fast, records) == with_speedups
        foreign_without = _verdicts(plain, records, config=FOREIGN_TYPES)
        foreign_with = _verdicts(fast, records, config=FOREIGN_TYPES)
    finally:
        plain.close()
        fast.close()
    assert len({v[0] for v in without}) >= 10, without  # the fixtures exercise most policies
    assert with_speedups == without
    assert foreign_with == foreign_without
    # the every-type policies judged the files of a foreign resource, and the Supabase ones their configured types
    by_policy = {(v[0], v[1].rsplit("::", 1)[-1]) for v in without}
    expected = {("cache-control-standard", "site-files"),
                ("nginx-server-hardening", "site-files"), ("no-secrets-in-client-env", "site-files"),
                ("supabase-url-https", "site-files"), ("supabase-ssl-enforced", "ssl"),
                ("supabase-auth-rate-limits", "auth"), ("supabase-rls-enabled", "db"),
                ("supabase-functions-verify-jwt", "fn")}
    if stack == "prod":
        expected |= {("node-env-production", "site-files"), ("supabase-pitr-or-waiver", "backups"),
                     ("csp-observatory-grade", "site-files")}
    assert expected <= by_policy, sorted(expected - by_policy)
    foreign = {(v[0], v[1].rsplit("::", 1)[-1]) for v in foreign_without}
    assert {("supabase-rls-enabled", "acme-db"), ("supabase-ssl-enforced", "acme-db"),
            ("supabase-ssl-enforced", "site-files")} <= foreign
    assert ("supabase-rls-enabled", "db") not in foreign


def _install(env: dict[str, str], tested: str | None = None) -> subprocess.CompletedProcess[str]:
    pin = f"speed.TESTED_SDK_VERSION = {tested!r}\n" if tested else ""
    code = ("import sys\nfrom webstack_policy import speed\nfrom pulumi_policy import policy as sdk\n" + pin +
            "applied = speed.install_if_requested()\n"
            "import gc\n"
            "print(applied, type(sdk.json_format).__name__ != 'module', gc.get_threshold() == speed.GC_THRESHOLD,\n"
            "      gc.get_freeze_count() > 10000)\n")
    clean = {k: v for k, v in os.environ.items() if k not in ("STACKCHECK_POLICY_RUNNER", "WEBSTACK_POLICY_SPEEDUPS")}
    return subprocess.run([sys.executable, "-c", code], cwd=PACK, env={**clean, **env}, capture_output=True,
                          text=True, timeout=60, check=True)


def test_published_pack_does_not_patch_the_sdk() -> None:
    """Under `pulumi up`/`pulumi preview` (no stackcheck), pulumi_policy is left as it is."""
    assert _install({}).stdout.split() == ["False", "False", "False", "False"]
    assert _install({"STACKCHECK_POLICY_RUNNER": "1", "WEBSTACK_POLICY_SPEEDUPS": "0"}).stdout.split() == [
        "False", "False", "False", "False"]


def test_stackcheck_request_patches_the_tested_sdk() -> None:
    done = _install({"STACKCHECK_POLICY_RUNNER": "1"})
    assert done.stdout.split() == ["True", "True", "True", "True"]  # the GC skips what is loaded, runs less often
    assert done.stderr == ""


def test_note_when_the_sdk_is_another_version() -> None:
    done = _install({"STACKCHECK_POLICY_RUNNER": "1"}, tested="0.0.0")
    assert done.stdout.split() == ["False", "False", "False", "False"]
    assert "SDK speed-ups not applied" in done.stderr and "0.0.0" in done.stderr
