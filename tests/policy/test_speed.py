"""The pack's SDK speed-ups (``policy/webstack_policy/speed.py``) are fenced: applied only when stackcheck asks,
noted when the SDK is another version, and verdicts are identical with and without them."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from fixtures_good import GOOD_HEADERS, container, dns, good_stack, header_ruleset, vercel_route, zone_settings
from policy_helpers import PACK, PROJECT, SERVICE_ROLE_JWT, judge, resource
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
    seen: set[str] = set()
    unique = []
    for r in out:
        if r.urn not in seen:
            seen.add(r.urn)
            unique.append(r)
    return unique


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
    finally:
        plain.close()
        fast.close()
    assert len({v[0] for v in without}) >= 10, without  # the fixtures exercise most policies
    assert with_speedups == without


def _install(env: dict[str, str], tested: str | None = None) -> subprocess.CompletedProcess[str]:
    pin = f"speed.TESTED_SDK_VERSION = {tested!r}\n" if tested else ""
    code = ("import sys\nfrom webstack_policy import speed\nfrom pulumi_policy import policy as sdk\n" + pin +
            "applied = speed.install_if_requested()\n"
            "print(applied, type(sdk.json_format).__name__ != 'module')\n")
    clean = {k: v for k, v in os.environ.items() if k not in ("STACKCHECK_POLICY_RUNNER", "WEBSTACK_POLICY_SPEEDUPS")}
    return subprocess.run([sys.executable, "-c", code], cwd=PACK, env={**clean, **env}, capture_output=True,
                          text=True, timeout=60, check=True)


def test_published_pack_does_not_patch_the_sdk() -> None:
    """Under `pulumi up`/`pulumi preview` (no stackcheck), pulumi_policy is left as it is."""
    assert _install({}).stdout.split() == ["False", "False"]
    assert _install({"STACKCHECK_POLICY_RUNNER": "1", "WEBSTACK_POLICY_SPEEDUPS": "0"}).stdout.split() == [
        "False", "False"]


def test_stackcheck_request_patches_the_tested_sdk() -> None:
    done = _install({"STACKCHECK_POLICY_RUNNER": "1"})
    assert done.stdout.split() == ["True", "True"]
    assert done.stderr == ""


def test_note_when_the_sdk_is_another_version() -> None:
    done = _install({"STACKCHECK_POLICY_RUNNER": "1"}, tested="0.0.0")
    assert done.stdout.split() == ["False", "False"]
    assert "SDK speed-ups not applied" in done.stderr and "0.0.0" in done.stderr
