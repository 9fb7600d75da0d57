"""DNS: web records go through Cloudflare's proxy (headers, TLS, WAF apply; origin stays hidden); CAA is set."""

from __future__ import annotations

import fnmatch
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from .core import Check, Meta, StackResource, is_unknown, resource_policy, stack_policy

DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord"
WEB_TYPES = ("A", "AAAA", "CNAME")


def _proxied(_type: str, props: dict[str, Any], check: Check) -> None:
    rtype, name, proxied = props.get("type"), props.get("name"), props.get("proxied")
    if is_unknown(rtype):
        check.unknown("type")
        return
    if rtype not in WEB_TYPES:
        return
    if is_unknown(name):
        check.unknown("name")
        return
    label = name if isinstance(name, str) else "(unnamed)"
    for pattern in [str(p) for p in check.config["exemptNames"]]:
        if isinstance(name, str) and fnmatch.fnmatch(name.lower(), pattern.lower()):
            return
    if is_unknown(proxied):
        check.unknown("proxied")
    elif proxied is not True:
        check.fail(f"{rtype} record {label} is not proxied through Cloudflare.")


DNS_PROXIED = resource_policy(
    Meta(
        name="dns-web-records-proxied",
        description="Web-facing A, AAAA and CNAME records are proxied through Cloudflare.",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Set proxied=true on the record (ttl 1 = auto), or add its name to exemptNames when it must resolve "
            "directly (mail, ACME or vendor verification records)."
        ),
        config={
            "exemptNames": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["_*", "*._domainkey*", "mail.*", "smtp.*", "autodiscover.*"],
                "description": "glob patterns of record names that may stay DNS-only",
            }
        },
        tags=("dns",),
    ),
    [DNS_RECORD],
    _proxied,
)


def _caa(resources: list[StackResource], check: Check) -> None:
    records = [r for r in resources if r.type == DNS_RECORD]
    web = [r for r in records if r.props.get("type") in WEB_TYPES]
    if not web:
        return
    types = [r.props.get("type") for r in records]
    if "CAA" in types:
        return
    if any(is_unknown(t) for t in types):
        check.unknown("DnsRecord.type")
        return
    check.fail(
        "The stack publishes web records but no CAA record limits which CAs may issue certificates.",
        web[0].urn,
    )


DNS_CAA = stack_policy(
    Meta(
        name="dns-caa-present",
        description="A stack that publishes web DNS records also publishes a CAA record.",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.ADVISORY,
        remediation=(
            "Add a CAA DnsRecord (data {flags: 0, tag: 'issue', value: 'letsencrypt.org'} plus the CAs Cloudflare "
            "uses) for the zone apex."
        ),
        tags=("dns", "tls"),
    ),
    _caa,
)

POLICIES = [DNS_PROXIED, DNS_CAA]
