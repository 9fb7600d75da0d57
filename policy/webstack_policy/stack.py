"""Stack-wide rules: public hostnames are covered (headers + health check), guarded resources come from approved
components, and Cloudflare rate-limit rules are well formed."""

from __future__ import annotations

import fnmatch
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from . import cf_expression
from .core import Check, Meta, StackResource, as_list, as_number, get, is_unknown, resource_policy, stack_policy
from .dns import DNS_RECORD, WEB_TYPES
from .header_sources import sources_of
from .path_match import HTML_PATHS

HEALTHCHECK = "cloudflare:index/healthcheck:Healthcheck"
VERCEL_DOMAIN = "vercel:index/projectDomain:ProjectDomain"
RULESET = "cloudflare:index/ruleset:Ruleset"


def public_hostnames(resources: list[StackResource]) -> list[tuple[str, StackResource]]:
    out: list[tuple[str, StackResource]] = []
    for r in resources:
        if r.type == DNS_RECORD and r.props.get("type") in WEB_TYPES and r.props.get("proxied") is True:
            name = r.props.get("name")
        elif r.type == VERCEL_DOMAIN:
            name = r.props.get("domain")
        else:
            continue
        if isinstance(name, str) and not name.startswith("_"):
            out.append((name.lower().rstrip("."), r))
    return out


def _covered(resources: list[StackResource], check: Check) -> None:
    if check.config["productionOnly"] and not check.prod:
        return
    hosts = public_hostnames(resources)
    if not hosts:
        return
    extra_health = [str(t) for t in check.config["healthCheckTypes"]]
    header_resources = [r for r in resources
                        if any(s.headers and s.html for s in sources_of(r.type, r.props))]
    health_addresses: set[str] = set()
    health_unknown = False
    for r in resources:
        if r.type == HEALTHCHECK or r.type in extra_health:
            address = r.props.get("address", r.props.get("url", r.props.get("hostname")))
            if is_unknown(address):
                health_unknown = True
            elif isinstance(address, str):
                health_addresses.add(_host(address))
    for host, anchor in hosts:
        if not header_resources:
            check.fail(f"Public hostname {host} has no response-header source in the stack.", anchor.urn)
        elif not _headers_reach(host, header_resources):
            check.fail(f"No response-header source in the stack applies to public hostname {host}.", anchor.urn)
        if host not in health_addresses:
            if health_unknown:
                check.unknown("Healthcheck.address")
            else:
                check.fail(f"Public hostname {host} has no health check (Cloudflare Healthcheck).", anchor.urn)


def _host(address: str) -> str:
    text = address.lower().split("://", 1)[-1]
    return text.split("/", 1)[0].split(":", 1)[0].rstrip(".")


def _headers_reach(host: str, header_resources: list[StackResource]) -> bool:
    """A Cloudflare ruleset reaches a host when a header rule's expression matches a request for it (evaluated
    with the host; an expression the policy cannot evaluate counts as reaching it); origin-side sources (Vercel
    routes, nginx, Netlify files) serve every hostname pointed at them."""
    for r in header_resources:
        if r.type != RULESET:
            return True
        for rule in as_list(r.props.get("rules")):
            expression = get(rule, "expression")
            if not isinstance(get(rule, "actionParameters", "headers"), dict) or get(rule, "enabled") is False:
                continue
            if is_unknown(expression) or expression is None:
                return True
            if any(cf_expression.evaluate(str(expression), path, host) is not False for path in HTML_PATHS):
                return True
    return False


HOSTNAMES_COVERED = stack_policy(
    Meta(
        name="public-hostnames-covered",
        description="Every public hostname has a response-header source and a health check on production.",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Add the hostname to the response-header ruleset expression (or serve it from a header-setting origin) "
            "and declare a Cloudflare Healthcheck whose address is the hostname."
        ),
        config={
            "productionOnly": {"type": "boolean", "default": True},
            "healthCheckTypes": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "more resource types that count as a health check (their address/url/hostname input)",
            },
        },
        prod=True,
        tags=("stack", "monitoring"),
    ),
    _covered,
)

GUARDED_TYPES = [
    "cloudflare:index/ruleset:Ruleset",
    "cloudflare:index/zoneSetting:ZoneSetting",
    "vercel:index/projectRoute:ProjectRoute",
    "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
    "docker:index/container:Container",
]


def parent_types(urn: str) -> list[str]:
    """Types of a resource's ancestors, from the URN's ``parent$child`` type chain."""
    parts = urn.split("::")
    if len(parts) < 4:
        return []
    return parts[2].split("$")[:-1]


def _approved(resources: list[StackResource], check: Check) -> None:
    guarded = [str(t) for t in check.config["guardedTypes"]]
    approved = [str(p) for p in check.config["approvedParents"]]
    for r in resources:
        if not any(fnmatch.fnmatch(r.type, g) for g in guarded):
            continue
        chain = parent_types(r.urn)
        if not any(t.startswith(prefix) for t in chain for prefix in approved):
            check.fail(
                f"{r.type} is created outside an approved component (approved parents: {', '.join(approved)}).",
                r.urn,
            )


APPROVED_PARENTS = stack_policy(
    Meta(
        name="approved-component-parents",
        description="Guarded resource types are created only inside approved component resources.",
        severity=Severity.LOW,
        enforcement=EnforcementLevel.ADVISORY,
        remediation=(
            "Create the resource through the approved component (e.g. webstack:index:CloudflareEdge) or add your "
            "component's type prefix to approvedParents."
        ),
        config={
            "guardedTypes": {"type": "array", "items": {"type": "string"}, "default": GUARDED_TYPES},
            "approvedParents": {"type": "array", "items": {"type": "string"}, "default": ["webstack:"]},
        },
        tags=("stack",),
    ),
    _approved,
)

RATELIMIT_PHASE = "http_ratelimit"


def _ratelimit(_type: str, props: dict[str, Any], check: Check) -> None:
    phase = props.get("phase")
    if is_unknown(phase):
        check.unknown("phase")
        return
    if phase != RATELIMIT_PHASE:
        return
    rules = props.get("rules")
    if is_unknown(rules):
        check.unknown("rules")
        return
    if not as_list(rules):
        check.fail("The rate-limit ruleset has no rules.")
    max_rpp = float(check.config["maxRequestsPerPeriod"])
    for i, rule in enumerate(as_list(rules)):
        rl = get(rule, "ratelimit")
        if is_unknown(rl):
            check.unknown(f"rules[{i}].ratelimit")
            continue
        if not isinstance(rl, dict):
            check.fail(f"rules[{i}] has no ratelimit block.")
            continue
        chars = rl.get("characteristics")
        if is_unknown(chars):
            check.unknown(f"rules[{i}].ratelimit.characteristics")
        elif "cf.colo.id" not in as_list(chars):
            check.fail(f"rules[{i}].ratelimit.characteristics must include cf.colo.id.")
        rpp, period = as_number(rl.get("requestsPerPeriod")), as_number(rl.get("period"))
        if not is_unknown(rl.get("requestsPerPeriod")) and (rpp is None or rpp <= 0 or rpp > max_rpp):
            check.fail(f"rules[{i}].ratelimit.requestsPerPeriod is not within 1..{max_rpp:g}.")
        if not is_unknown(rl.get("period")) and (period is None or period <= 0):
            check.fail(f"rules[{i}].ratelimit.period is not set.")


RATELIMIT_VALID = resource_policy(
    Meta(
        name="cloudflare-rate-limit-valid",
        description="Cloudflare rate-limit rules count per colo and set a positive request budget and period.",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Give each http_ratelimit rule ratelimit={characteristics: [cf.colo.id, ip.src], period, "
            "requests_per_period, mitigation_timeout}."
        ),
        config={"maxRequestsPerPeriod": {"type": "number", "exclusiveMinimum": 0, "default": 10000}},
        tags=("rate-limit",),
    ),
    [RULESET],
    _ratelimit,
)

POLICIES = [HOSTNAMES_COVERED, APPROVED_PARENTS, RATELIMIT_VALID]
