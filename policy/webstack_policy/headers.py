"""Security headers on every header source, and the CSP graded like the Mozilla HTTP Observatory."""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from .core import Check, Meta, is_unknown, resource_policy
from .csp import grade_csp
from .header_sources import CLOUDFLARE_RULESET, HeaderSource, sources_of
from .path_match import HTML_PATHS

REQUIRED_HEADERS = [
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Content-Security-Policy",
    "Strict-Transport-Security",
]
ACCEPTED_VALUES: dict[str, list[str]] = {
    "X-Frame-Options": ["DENY", "SAMEORIGIN"],
    "X-Content-Type-Options": ["nosniff"],
    "Referrer-Policy": ["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"],
}

_HSTS_MAX_AGE = re.compile(r"(?:^|;)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:;|$)", re.IGNORECASE)
_HSTS_SUBDOMAINS = re.compile(r"(?:^|;)\s*includesubdomains\s*(?:;|$)", re.IGNORECASE)


def _permissions_problems(value: str, disabled: list[str]) -> list[str]:
    features: dict[str, str] = {}
    for part in value.split(","):
        name, sep, allow = part.strip().partition("=")
        if sep:
            features[name.strip().lower()] = allow.strip()
    return [f for f in disabled if features.get(f.lower()) != "()"]


def hsts_problems(value: str, min_max_age: int, include_subdomains: bool) -> list[str]:
    problems: list[str] = []
    m = _HSTS_MAX_AGE.search(value)
    if m is None:
        problems.append("has no valid max-age")
    elif int(m.group(1)) < min_max_age:
        problems.append(f"max-age {int(m.group(1))} is below {min_max_age} seconds")
    if include_subdomains and not _HSTS_SUBDOMAINS.search(value):
        problems.append("lacks includeSubDomains")
    return problems


def _check_source(src: HeaderSource, props_type: str, check: Check) -> None:
    cfg = check.config
    for path in src.unknown:
        check.unknown(path)
    if not src.html:
        return  # serves none of the HTML paths (e.g. a Vercel route for /assets/ only)
    undecided_note = ""
    if src.undecided:
        if check.preview:
            for path in src.undecided:
                check.unknown(path)
        else:
            undecided_note = (
                f" ({', '.join(src.undecided)} could not be evaluated by the policy, so the headers of those rules "
                "are not counted; use a condition it reads: true, or comparisons of http.request.uri.path)"
            )
    unsure = bool(src.unknown) or (bool(src.undecided) and check.preview)
    required = [str(h) for h in cfg["requiredHeaders"]]
    accepted = {k.lower(): [str(v) for v in vals] for k, vals in cfg["acceptedValues"].items()}
    for name in required:
        key = name.lower()
        if key == "strict-transport-security" and props_type == CLOUDFLARE_RULESET and cfg["hstsFromZoneSetting"]:
            continue  # Cloudflare sends HSTS from the zone's security_header setting (policy cloudflare-hsts)
        if key in src.removed:
            check.fail(f"{src.label} removes the required header {name}.")
            continue
        header = src.headers.get(key)
        if header is None:
            if not unsure:
                check.fail(f"{src.label} does not set the required header {name}.{undecided_note}")
            continue
        value = header.value
        if is_unknown(value):
            if header.computed and not check.preview:
                check.fail(f"{src.label}: {name} is computed by {header.computed}, which the policy cannot "
                           "evaluate; set a literal value.")
            else:
                check.unknown(header.computed or f"{name} value")
            continue
        if not isinstance(value, str) or not value.strip():
            check.fail(f"{src.label} sets {name} to an empty value.")
            continue
        if src.kind == "nginx" and cfg["requireAlwaysInNginx"] and not header.always:
            check.fail(f"{src.label}: add_header {name} lacks 'always', so error responses go without it.")
        if key in accepted and value.strip().lower() not in [a.lower() for a in accepted[key]]:
            check.fail(f"{src.label} sets {name} to a value outside the accepted set ({', '.join(accepted[key])}).")
        elif key == "strict-transport-security":
            for problem in hsts_problems(value, int(cfg["hstsMinMaxAge"]), bool(cfg["hstsIncludeSubdomains"])):
                check.fail(f"{src.label}: Strict-Transport-Security {problem}.")
        elif key == "permissions-policy":
            missing = _permissions_problems(value, [str(f) for f in cfg["permissionsPolicyDisabled"]])
            if missing:
                check.fail(f"{src.label}: Permissions-Policy does not disable {', '.join(missing)} (use feature=()).")


def _headers_rule(resource_type: str, props: dict[str, Any], check: Check) -> None:
    for src in sources_of(resource_type, props, [str(p) for p in check.config["htmlPaths"]]):
        _check_source(src, resource_type, check)


SECURITY_HEADERS = resource_policy(
    Meta(
        name="security-headers-required",
        description=(
            "Every response-header source sets the required security headers with accepted values on the HTML "
            "responses it serves (per path rule, per nginx server/location)."
        ),
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Set X-Frame-Options DENY, X-Content-Type-Options nosniff, Referrer-Policy "
            "strict-origin-when-cross-origin, Permissions-Policy camera=(), microphone=(), geolocation=(), a "
            "Content-Security-Policy and Strict-Transport-Security max-age=31536000; includeSubDomains on the "
            "source named in the message (Cloudflare response-header ruleset, Vercel route, nginx add_header … "
            "always, Netlify _headers)."
        ),
        config={
            "requiredHeaders": {"type": "array", "items": {"type": "string"}, "default": REQUIRED_HEADERS},
            "acceptedValues": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "default": ACCEPTED_VALUES,
                "description": "header -> accepted values (case-insensitive exact match)",
            },
            "hstsMinMaxAge": {"type": "integer", "minimum": 0, "default": 31536000},
            "hstsIncludeSubdomains": {"type": "boolean", "default": True},
            "hstsFromZoneSetting": {
                "type": "boolean",
                "default": True,
                "description": "a Cloudflare ruleset may leave HSTS to the zone's security_header setting",
            },
            "permissionsPolicyDisabled": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["camera", "microphone", "geolocation"],
            },
            "requireAlwaysInNginx": {"type": "boolean", "default": True},
            "htmlPaths": {
                "type": "array",
                "items": {"type": "string", "pattern": "^/"},
                "minItems": 1,
                "default": list(HTML_PATHS),
                "description": "request paths whose (HTML) responses must carry the headers: the root and a deep "
                "client-side route of the single-page app",
            },
        },
        url="https://owasp.org/www-project-secure-headers/",
        tags=("headers",),
    ),
    None,
    _headers_rule,
)


def _csp_rule(resource_type: str, props: dict[str, Any], check: Check) -> None:
    cfg = check.config
    minimum = int(cfg["prodMinimumModifier"] if check.prod else cfg["minimumModifier"])
    for src in sources_of(resource_type, props):
        header = src.headers.get("content-security-policy")
        if header is None:
            continue  # absence is security-headers-required's finding
        if is_unknown(header.value):
            check.unknown("Content-Security-Policy value")
            continue
        grade = grade_csp(header.value if isinstance(header.value, str) else None)
        if grade.modifier < minimum:
            where = "production" if check.prod else "this stack"
            check.fail(
                f"{src.label}: Content-Security-Policy grades {grade.text}, below the minimum {minimum:+d} "
                f"for {where}."
            )


CSP_GRADE = resource_policy(
    Meta(
        name="csp-observatory-grade",
        description="Content-Security-Policy reaches the minimum Mozilla Observatory score modifier for the stack.",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        remediation=(
            "Remove 'unsafe-inline' and 'unsafe-eval' from script-src (use nonces or hashes for inline code), avoid "
            "broad sources (*, https:, data:) for scripts and objects, set object-src 'none', and prefer "
            "default-src 'none' with explicit allow-lists."
        ),
        config={
            "prodMinimumModifier": {
                "type": "integer",
                "default": -10,
                "description": "production: lowest accepted Observatory score modifier (unsafe-inline is -20)",
            },
            "minimumModifier": {
                "type": "integer",
                "default": -20,
                "description": "other stacks: lowest accepted Observatory score modifier (invalid CSP is -25)",
            },
        },
        prod=True,
        url="https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring",
        tags=("headers",),
    ),
    None,
    _csp_rule,
)

POLICIES = [SECURITY_HEADERS, CSP_GRADE]
