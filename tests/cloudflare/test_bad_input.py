"""Bad Cloudflare input fails at the config boundary: a ConfigError naming the key, and nothing registered."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from components.config import ConfigError
from stackcheck.engine import ProgramError
from tests.cloudflare.stack_config import run_stack
from tests.conftest import REPO

PROD_CF = yaml.safe_load((REPO / "Pulumi.prod.yaml").read_text())["config"]["webstack:cloudflare"]
SELF_CF = yaml.safe_load((REPO / "Pulumi.selfhosted.yaml").read_text())["config"]["webstack:cloudflare"]


def with_records(*records: dict[str, Any]) -> dict[str, Any]:
    return {**PROD_CF, "extraRecords": list(records)}


def cf(**changes: Any) -> dict[str, str]:
    return {"webstack:cloudflare": json.dumps({**PROD_CF, **changes})}


CASES: dict[str, tuple[str, dict[str, str], str, str]] = {
    # case: (stack, overrides, key, message fragment)
    "invalid-record-name": ("prod", {"webstack:cloudflare": json.dumps(with_records(
        {"type": "TXT", "name": "Bad Name.example.com", "content": "x"}))},
        "webstack:cloudflare.extraRecords[0].name", "lower-case"),
    "invalid-record-label": ("prod", {"webstack:cloudflare": json.dumps(with_records(
        {"type": "TXT", "name": "-bad.example.com", "content": "x"}))},
        "webstack:cloudflare.extraRecords[0].name", "not a valid DNS label"),
    "invalid-cname-target": ("prod", {"webstack:cloudflare": json.dumps(with_records(
        {"type": "CNAME", "name": "docs.example.com", "content": "docs.exa mple.net"}))},
        "webstack:cloudflare.extraRecords[0].content", "not a valid DNS label"),
    "invalid-origin-hostname": ("selfhosted", {"webstack:cloudflare": json.dumps(
        {**SELF_CF, "originHostnames": ["origin_1.example.org"]})},
        "webstack:cloudflare.originHostnames[0]", "not a valid DNS label"),
    "record-outside-the-zone": ("prod", {"webstack:cloudflare": json.dumps(with_records(
        {"type": "TXT", "name": "example.org", "content": "x"}))},
        "webstack:cloudflare.extraRecords[0].name", "outside the zone"),
    "record-replaces-the-site": ("prod", {"webstack:cloudflare": json.dumps(with_records(
        {"type": "CNAME", "name": "www.example.com", "content": "elsewhere.example.net"}))},
        "webstack:cloudflare.extraRecords[0].name", "site's own hostname"),
    "proxied-private-ipv4": ("prod", {"webstack:cloudflare": json.dumps(with_records(
        {"type": "A", "name": "internal.example.com", "content": "10.0.0.5", "proxied": True}))},
        "webstack:cloudflare.extraRecords[0].proxied", "public address"),
    "proxied-loopback-ipv6": ("prod", {"webstack:cloudflare": json.dumps(with_records(
        {"type": "AAAA", "name": "api.example.com", "content": "::1", "proxied": True}))},
        "webstack:cloudflare.extraRecords[0].proxied", "public address"),
    "proxied-txt": ("prod", {"webstack:cloudflare": json.dumps(with_records(
        {"type": "TXT", "name": "example.com", "content": "x", "proxied": True}))},
        "webstack:cloudflare.extraRecords[0].proxied", "only A, AAAA and CNAME"),
    "a-record-with-hostname": ("prod", {"webstack:cloudflare": json.dumps(with_records(
        {"type": "A", "name": "api.example.com", "content": "api.example.net"}))},
        "webstack:cloudflare.extraRecords[0].content", "IPv4 address"),
    "ttl-too-short": ("prod", {"webstack:cloudflare": json.dumps(with_records(
        {"type": "TXT", "name": "example.com", "content": "x", "ttl": 30}))},
        "webstack:cloudflare.extraRecords[0].ttl", "between 60 and 86400"),
    "ttl-too-long": ("prod", {"webstack:cloudflare": json.dumps(with_records(
        {"type": "TXT", "name": "example.com", "content": "x", "ttl": 86401}))},
        "webstack:cloudflare.extraRecords[0].ttl", "between 60 and 86400"),
    "proxied-with-fixed-ttl": ("prod", {"webstack:cloudflare": json.dumps(with_records(
        {"type": "CNAME", "name": "docs.example.com", "content": "docs.example.net", "ttl": 300,
         "proxied": True}))},
        "webstack:cloudflare.extraRecords[0].proxied", "ttl 1"),
    "mx-without-priority": ("prod", {"webstack:cloudflare": json.dumps(with_records(
        {"type": "MX", "name": "example.com", "content": "mx.example.net"}))},
        "webstack:cloudflare.extraRecords[0].priority", "needs a priority"),
    "txt-string-over-255": ("prod", {"webstack:cloudflare": json.dumps(with_records(
        {"type": "TXT", "name": "example.com", "content": "v=" + "a" * 300}))},
        "webstack:cloudflare.extraRecords[0].content", "255 per string"),
    "txt-over-2048": ("prod", {"webstack:cloudflare": json.dumps(with_records(
        {"type": "TXT", "name": "example.com", "content": " ".join(['"' + "b" * 250 + '"'] * 9)}))},
        "webstack:cloudflare.extraRecords[0].content", "at most 2048"),
    "unknown-ca": ("prod", cf(caa=["letsencrypt.org", "evil-ca.example"]), "webstack:cloudflare.caa[1]",
                   "'letsencrypt.org'"),
    "no-ca-at-all": ("prod", cf(caa=[]), "webstack:cloudflare.caa", "at least 1"),
    "vercel-ca-missing": ("prod", cf(caa=["digicert.com"]), "webstack:cloudflare.caa", "Let's Encrypt"),
    "impossible-rate-limit-period": ("prod", {"webstack:rateLimits": json.dumps(
        [{"path": "/api/*", "requestsPerPeriod": 10, "period": 45}])},
        "webstack:rateLimits[0].period", "10, 60, 120, 300, 600 or 3600"),
    "challenge-with-timeout": ("prod", {"webstack:rateLimits": json.dumps(
        [{"path": "/auth/*", "requestsPerPeriod": 10, "period": 60, "action": "managed_challenge",
          "mitigationTimeout": 600}])},
        "webstack:rateLimits[0].mitigationTimeout", "must be 0"),
    "nginx-not-proxied": ("selfhosted", {"webstack:cloudflare": json.dumps({**SELF_CF, "proxied": False})},
                          "webstack:cloudflare.proxied", "only Cloudflare trusts"),
    "health-timeout-above-runbook": ("prod", cf(healthcheck={"timeoutSeconds": 5}),
                                     "webstack:cloudflare.healthcheck.timeoutSeconds", "less than or equal to 3"),
    "notification-without-account": ("prod", {"webstack:cloudflare": json.dumps(
        {**{k: v for k, v in PROD_CF.items() if k != "accountId"},
         "healthcheck": {"notificationEmail": "a@example.com"}})},
        "webstack:cloudflare.accountId", "notification policies"),
    "bad-origin-validity": ("selfhosted", {"webstack:cloudflare": json.dumps(
        {**SELF_CF, "originCertificate": {"validityDays": 400}})},
        "webstack:cloudflare.originCertificate.validityDays", "5475"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_cloudflare_input_names_the_key_and_registers_nothing(case: str) -> None:
    stack, overrides, key, fragment = CASES[case]
    with pytest.raises(ProgramError) as info:
        run_stack(stack, overrides=overrides)
    error = info.value.original
    assert isinstance(error, ConfigError), error
    messages = dict(error.problems)
    assert key in messages, error.problems
    assert fragment in messages[key], messages[key]
    assert [r.type for r in info.value.resources] == ["pulumi:pulumi:Stack"]
